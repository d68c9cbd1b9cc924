"""What the project tier costs: every default rule on whole applications, with
`--asr-project-inference` off and on.

    python benchmarks/project_tier.py [--repeat 3] [--apps FILE] [--synthetic-lines N] [--json]

Applications: the pinned real FastAPI applications of `apps.txt` (downloaded once with
`pip download --no-deps`, like the corpus of `bench.py`; each gets a `setup.cfg` so that
it is a project of its own), and the application `synthetic_app.py` generates, a stress
case where every route calls a helper of another module.

Two figures per application, each the best of `--repeat` runs, off and on alternated:
- `engine`: each file is read and parsed (not timed), then linted (timed), one at a
  time, so that no checked tree outlives its file, as under flake8. The tier's own
  reading and parsing of other modules is inside the timed part.
- `check`: `flake8-async-review check -j1` on the application, wall time: what a user
  waits for, flake8's tokenizing and parsing included.

The tier's caches are emptied before every engine run; each check run is a new process.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import DEFAULT_CACHE, PARSE_ERRORS, ensure_source, read_corpus, read_source
from synthetic_app import generate

from flake8_async_review import project
from flake8_async_review.engine import Linter
from flake8_async_review.fixes import source_lines
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


def engine_seconds(files: list[tuple[str, str]], tier: bool) -> float:
    project.clear_cache()
    linter = Linter(Settings(project_inference=tier), DEFAULT_RULES)
    gc.collect()
    total = 0.0
    for filename, text in files:
        try:
            tree = ast.parse(text, filename)
        except PARSE_ERRORS:
            continue
        lines = source_lines(text)
        start = time.perf_counter()
        linter.lint(tree, lines, filename)
        total += time.perf_counter() - start
    return total


def check_seconds(directory: Path, tier: bool) -> float:
    command = [sys.executable, "-m", "flake8_async_review.cli", "check", "-j1", "--no-progress",
               f"--asr-project-inference={'on' if tier else 'off'}", "."]
    start = time.perf_counter()
    subprocess.run(command, cwd=directory, capture_output=True, check=False)
    return time.perf_counter() - start


def measure(directory: Path, repeat: int) -> dict[str, object]:
    paths = sorted(directory.rglob("*.py"))
    files = [(str(path), read_source(path)) for path in paths]
    runs: dict[tuple[str, bool], list[float]] = {}
    for _ in range(repeat):
        for tier in (False, True):  # Alternated, so that load changes hit both.
            runs.setdefault(("engine", tier), []).append(engine_seconds(files, tier))
            runs.setdefault(("check", tier), []).append(check_seconds(directory, tier))
    project.clear_cache()
    best = {key: min(values) for key, values in runs.items()}
    return {
        "application": directory.name,
        "files": len(files),
        "lines": sum(text.count("\n") for _, text in files),
        "engine_off_s": round(best["engine", False], 3),
        "engine_on_s": round(best["engine", True], 3),
        "engine_ratio": round(best["engine", True] / best["engine", False], 2),
        "check_off_s": round(best["check", False], 2),
        "check_on_s": round(best["check", True], 2),
        "check_ratio": round(best["check", True] / best["check", False], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--apps", type=Path, default=DEFAULT_APPS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--synthetic-lines", type=int, default=80_000,
                        help="size of the generated application (0: none)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        directories = application_dirs(options.apps, options.cache)
        if options.synthetic_lines:
            generate(Path(temporary), options.synthetic_lines)
            directories.append(Path(temporary))
        for directory in directories:
            results.append(measure(directory, options.repeat))
            if not options.json:
                _print(results[-1])
    if options.json:
        print(json.dumps(results))


def _print(result: dict[str, object]) -> None:
    name = result["application"] if not str(result["application"]).startswith("tmp") else "synthetic"
    print(f"{name}: {result['files']} files, {result['lines']} lines")
    print(f"  engine  off {result['engine_off_s']:.3f} s  on {result['engine_on_s']:.3f} s"
          f"  ratio {result['engine_ratio']:.2f}")
    print(f"  check   off {result['check_off_s']:.2f} s  on {result['check_on_s']:.2f} s"
          f"  ratio {result['check_ratio']:.2f}")


if __name__ == "__main__":
    main()
