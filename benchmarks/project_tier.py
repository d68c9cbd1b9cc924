"""What the project tier costs: every default rule on whole applications, with
`--asr-project-inference` off and on.

    python benchmarks/project_tier.py [--repeat 3] [--apps FILE] [--synthetic-lines N] [--json]

Applications: the pinned real FastAPI applications of `apps.txt` (downloaded once with
`pip download --no-deps`, like the corpus of `bench.py`; each gets a `setup.cfg` so that
it is a project of its own), and the application `synthetic_app.py` generates, a stress
case where every route calls a helper of another module.

Three figures per application, each the best of `--repeat` runs, off and on alternated:
- `engine`: each file is read and parsed (not timed), then linted (timed), one at a
  time, so that no checked tree outlives its file, as under flake8. The tier's own
  reading and parsing of other modules is inside the timed part.
- `check`: `flake8-async-review check -j1` on the application, wall time: what a user
  of the command waits for, flake8's tokenizing and parsing included.
- `flake8`: `flake8 --select ASR` with flake8's default jobs, wall time: a CI lint
  step, where pycodestyle and pyflakes run too.

The tier's caches are emptied before every engine run; each check run is a new process.
On a loaded machine, `--cpu-time` measures the engine in CPU time of this process
(`time.process_time()`) and each command in the CPU time of its process and workers,
which other processes disturb much less than wall time. Commands run with bytecode
written and reused (see `bench.command_env`), after one untimed run.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    DEFAULT_CACHE,
    PARSE_ERRORS,
    command_env,
    ensure_source,
    read_corpus,
    read_source,
    warm_up,
)
from synthetic_app import generate

from flake8_async_review.analysis import project
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.linter import Linter
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import Settings

DEFAULT_APPS = Path(__file__).resolve().parent / "apps.txt"
DEFAULT_RULES = [rule for rule in ALL_RULES if not rule.opt_in()]


def application_dirs(apps: Path, cache: Path) -> list[Path]:
    """The pinned applications, extracted, each marked as a project root."""
    dirs = []
    for package in read_corpus(apps):
        directory = ensure_source(cache / "apps", package)
        marker = directory / "setup.cfg"  # A project root that declares no dependencies.
        if not marker.exists():
            marker.write_text("[flake8]\n", encoding="utf-8")
        dirs.append(directory)
    return dirs


CLOCK = time.perf_counter


def engine_seconds(files: list[tuple[str, str]], tier: bool) -> float:
    project.clear_cache()
    linter = Linter(DEFAULT_RULES, Settings(project_inference=tier))
    gc.collect()
    total = 0.0
    for filename, text in files:
        try:
            tree = ast.parse(text, filename)
        except PARSE_ERRORS:
            continue
        lines = source_lines(text)
        start = CLOCK()
        linter.lint(tree, lines, filename)
        total += CLOCK() - start
    return total


COMMANDS = {
    "check": ["-m", "flake8_async_review", "check", "-j1", "--no-progress", "--no-cache"],
    "flake8": ["-m", "flake8", "--select", "ASR", "--exit-zero"],
}


def command_seconds(figure: str, directory: Path, tier: bool) -> float:
    """Wall time of one of ``COMMANDS`` on the application, in a new process; with
    ``--cpu-time``, the CPU time of that process and of the workers it ran."""
    command = [sys.executable, *COMMANDS[figure],
               f"--asr-project-inference={'on' if tier else 'off'}", "."]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=directory, capture_output=True, check=False, env=command_env())
    wall = time.perf_counter() - start
    if CLOCK is not time.process_time:
        return wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


FIGURES = ("engine", *COMMANDS)


def measure(directory: Path, repeat: int, figures: tuple[str, ...] = FIGURES) -> dict[str, object]:
    paths = sorted(directory.rglob("*.py"))
    files = [(str(path), read_source(path)) for path in paths]
    runs: dict[tuple[str, bool], list[float]] = {}
    for figure in (figure for figure in COMMANDS if figure in figures):
        warm_up([sys.executable, *COMMANDS[figure], "."])
    for _ in range(repeat):
        for tier in (False, True):  # Alternated, so that load changes hit both.
            if "engine" in figures:
                runs.setdefault(("engine", tier), []).append(engine_seconds(files, tier))
            for figure in (figure for figure in COMMANDS if figure in figures):
                runs.setdefault((figure, tier), []).append(command_seconds(figure, directory, tier))
    project.clear_cache()
    best = {key: min(values) for key, values in runs.items()}
    result: dict[str, object] = {
        "application": directory.name,
        "files": len(files),
        "lines": sum(text.count("\n") for _, text in files),
    }
    for figure in figures:
        off, on = best[figure, False], best[figure, True]
        result.update({f"{figure}_off_s": round(off, 3), f"{figure}_on_s": round(on, 3),
                       f"{figure}_ratio": round(on / off, 2)})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--apps", type=Path, default=DEFAULT_APPS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--synthetic-lines", type=int, default=80_000,
                        help="size of the generated application (0: none)")
    parser.add_argument("--figures", nargs="+", choices=FIGURES, default=list(FIGURES),
                        help="which figures to measure (default: all)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="CPU time instead of wall time: of this process for the engine, "
                             "of each command's processes for the commands")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    global CLOCK
    if options.cpu_time:
        CLOCK = time.process_time
    figures = tuple(figure for figure in FIGURES if figure in options.figures)
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        directories = application_dirs(options.apps, options.cache)
        if options.synthetic_lines:
            synthetic = Path(temporary) / "synthetic"
            generate(synthetic, options.synthetic_lines)
            directories.append(synthetic)
        for directory in directories:
            results.append(measure(directory, options.repeat, figures))
            if not options.json:
                _print(results[-1], figures)
    if options.json:
        print(json.dumps(results))


def _print(result: dict[str, object], figures: tuple[str, ...] = FIGURES) -> None:
    name = result["application"]
    print(f"{name}: {result['files']} files, {result['lines']} lines")
    for figure in figures:
        print(f"  {figure:7} off {result[f'{figure}_off_s']:.2f} s  on {result[f'{figure}_on_s']:.2f} s"
              f"  ratio {result[f'{figure}_ratio']:.2f}")


if __name__ == "__main__":
    main()
