"""Benchmark the flake8-async-review rule engine against `ast.parse` on real code.

    python benchmarks/bench.py [--repeat N] [--json] [--flake8] [--cache DIR]

The corpus is the pinned list in benchmarks/corpus.txt. Each package is fetched once
with `pip download --no-deps` and only its *.py files are kept, under
<cache>/src/<name>-<version>/. See benchmarks/README.md for what the figures mean.

Standard library only (plus the package under test).
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import venv
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flake8_async_review.analysis import project
from flake8_async_review.engine.linter import Linter
from flake8_async_review.rules import ALL_RULES

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CORPUS = BENCH_DIR / "corpus.txt"
DEFAULT_CACHE = BENCH_DIR / ".cache"

# What ast.parse may raise on odd files in a corpus (bad syntax for this Python,
# absurd nesting, null bytes, undecodable text). Such files are skipped and counted.
PARSE_ERRORS = (SyntaxError, RecursionError, ValueError)


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Package:
    name: str
    version: str

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"


def read_corpus(path: Path) -> list[Package]:
    packages = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"{path}: expected `name==version`, got {raw!r}")
        packages.append(Package(name.strip(), version.strip()))
    return packages


def source_dir(cache: Path, package: Package) -> Path:
    return cache / "src" / package.slug


def is_cached(cache: Path, package: Package) -> bool:
    # The directory only appears once extraction has finished (see ensure_source),
    # so its existence means "complete".
    return source_dir(cache, package).is_dir()


def ensure_source(cache: Path, package: Package) -> Path:
    """Download and extract one package unless it is already in the cache."""
    target = source_dir(cache, package)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        archive = download(package, Path(scratch) / "dist")
        staging = Path(scratch) / "src"
        extract_python_files(archive, staging)
        # Rename last: an interrupted run leaves no half-extracted directory behind.
        staging.rename(target)
    return target


def download(package: Package, dest: Path) -> Path:
    """Fetch one distribution file: a wheel if there is one for this interpreter,
    otherwise the sdist."""
    print(f"downloading {package.pin} ...", file=sys.stderr)
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
            "--disable-pip-version-check", "--dest", str(dest), package.pin]
    wheel = subprocess.run([*base, "--only-binary", ":all:"], capture_output=True, text=True)
    if wheel.returncode != 0:
        print(f"  no wheel for {package.pin}, falling back to the sdist", file=sys.stderr)
        sdist = subprocess.run([*base, "--no-binary", ":all:"], capture_output=True, text=True)
        if sdist.returncode != 0:
            raise SystemExit(f"pip download {package.pin} failed:\n{sdist.stderr}")
    files = sorted(dest.iterdir())
    if len(files) != 1:
        raise SystemExit(f"expected one file from pip download {package.pin}, got {files}")
    return files[0]


def extract_python_files(archive: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.endswith(".py"):
                    write_member(dest, member, zf.read(member))
    elif archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
        with tarfile.open(archive) as tf:
            for info in tf.getmembers():
                if info.isfile() and info.name.endswith(".py"):
                    data = tf.extractfile(info)
                    assert data is not None  # regular files always have data
                    write_member(dest, info.name, data.read())
    else:
        raise SystemExit(f"don't know how to unpack {archive.name}")


def write_member(dest: Path, member: str, data: bytes) -> None:
    # Archive names come from the network: refuse absolute paths and `..`.
    relative = Path(member)
    if relative.is_absolute() or ".." in relative.parts:
        return
    path = dest / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def own_project_dirs(cache: Path, source_dirs: list[Path]) -> list[Path]:
    """Copies of the corpus packages, each with a ``setup.cfg`` that makes it a project
    of its own, as in the package's own repository: the project tier then follows the
    imports between its modules (made once, under ``<cache>/own-projects/``)."""
    copies = []
    for directory in source_dirs:
        copy = cache / "own-projects" / directory.name
        marker = copy / "setup.cfg"
        if not marker.exists():
            if copy.exists():
                shutil.rmtree(copy)  # An interrupted copy: its marker is written last.
            shutil.copytree(directory, copy)
            marker.write_text("[flake8]\n", encoding="utf-8")
        copies.append(copy)
    return copies


def corpus_files(source_dirs: list[Path]) -> list[Path]:
    # Sorted so every pass (and every run) sees the files in the same order.
    return [path for directory in source_dirs for path in sorted(directory.rglob("*.py"))]


# --------------------------------------------------------------------------- engine timing


@dataclass
class PassTotals:
    """Totals of one pass over the corpus."""

    files: int = 0
    lines: int = 0
    skipped: int = 0
    parse_s: float = 0.0
    engine_s: float = 0.0
    engine_no_triggers_s: float = 0.0
    violations: int = 0
    violations_no_triggers: int = 0
    # Files on which the engine raised: a bug to report, not a reason to lose the run.
    engine_errors: list[str] = field(default_factory=list)
    engine_no_triggers_errors: list[str] = field(default_factory=list)


def read_source(path: Path) -> str:
    # tokenize.open honours PEP 263 coding cookies and BOMs, like flake8 does.
    with tokenize.open(path) as handle:
        return handle.read()


# The clock of every figure: wall time, or with --cpu-time the CPU time of this process
# (which other processes on a loaded machine disturb less).
CLOCK = time.perf_counter


def timed_lint(linter: Linter, tree: ast.Module, lines: list[str], filename: str,
               errors: list[str]) -> tuple[float, int]:
    """Seconds spent linting one tree and the violations found (0 if it raised)."""
    start = CLOCK()
    try:
        found = len(linter.lint(tree, lines, filename))
    except Exception as error:  # any engine crash is recorded, not fatal
        found = 0
        errors.append(f"{filename}: {type(error).__name__}")
    return CLOCK() - start, found


def time_one_pass(files: list[Path], linter: Linter, walk_all: Linter) -> PassTotals:
    """Parse and lint each file in turn, timing each step separately.

    Only one tree is alive at a time: keeping every tree would make the garbage
    collector walk an ever-growing heap and bill that to whichever step triggers it.
    """
    totals = PassTotals()
    clock = CLOCK
    for path in files:
        try:
            text = read_source(path)
            start = clock()
            tree = ast.parse(text, filename=str(path))
            parsed = clock()
        except PARSE_ERRORS:  # UnicodeDecodeError is a ValueError too
            totals.skipped += 1
            continue
        lines = text.splitlines(keepends=True)
        engine_s, found = timed_lint(linter, tree, lines, str(path), totals.engine_errors)
        walk_all_s, found_all = timed_lint(walk_all, tree, lines, str(path),
                                           totals.engine_no_triggers_errors)
        del tree  # before the next parse: one tree alive at a time

        totals.files += 1
        totals.lines += len(lines)
        totals.parse_s += parsed - start
        totals.engine_s += engine_s
        totals.engine_no_triggers_s += walk_all_s
        totals.violations += found
        totals.violations_no_triggers += found_all
    return totals


def best_of(passes: list[PassTotals]) -> PassTotals:
    """Counts from the first pass (they never change), times as the minimum per figure."""
    best = PassTotals(**asdict(passes[0]))
    best.parse_s = min(p.parse_s for p in passes)
    best.engine_s = min(p.engine_s for p in passes)
    best.engine_no_triggers_s = min(p.engine_no_triggers_s for p in passes)
    return best


# --------------------------------------------------------------------------- flake8 timing


# flake8 and the checkers it always runs: the plugin-free venv gets exactly these
# versions, so the only difference between the two flake8 runs is the plugin.
FLAKE8_STACK = ("flake8", "pycodestyle", "pyflakes", "mccabe")


def flake8_pins() -> list[str]:
    return [f"{name}=={importlib.metadata.version(name)}" for name in FLAKE8_STACK]


def plain_flake8_python(cache: Path, pins: list[str]) -> Path:
    """A cached venv with the same flake8 stack and no flake8-async-review."""
    env_dir = cache / f"venv-{pins[0].replace('==', '-')}"
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # The marker records what was installed; a different stack rebuilds the venv.
    ready_marker = env_dir / ".bench-ready"
    wanted = "\n".join(pins)
    if ready_marker.exists() and ready_marker.read_text() == wanted:
        return python
    print(f"creating {env_dir} with {' '.join(pins)} ...", file=sys.stderr)
    shutil.rmtree(env_dir, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *pins], check=True)
    ready_marker.write_text(wanted)
    return python


def flake8_command(python: Path | str, source_dirs: list[Path]) -> list[str]:
    # --isolated: no project/user config; --exit-zero: findings are not failures.
    return [str(python), "-m", "flake8", "--isolated", "-j1", "--select", "ASR",
            "--exit-zero", *map(str, source_dirs)]


def command_env() -> dict[str, str]:
    """The environment of a timed command: Python writes and reuses bytecode, as for
    an installed package. With ``PYTHONDONTWRITEBYTECODE`` set, every run of an
    editable install compiles the whole package again (about 0.25 s, as long as
    flake8 takes for a few thousand lines), and that would be timed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_up(command: list[str]) -> None:
    """Run a timed command once on one small file, untimed, so that its bytecode is
    written before the first timed run (``command``'s last argument is replaced)."""
    with tempfile.TemporaryDirectory() as directory:
        sample = Path(directory) / "sample.py"
        sample.write_text("import asyncio\n\n\nasync def main():\n    await asyncio.sleep(0)\n")
        subprocess.run([*command[:-1], str(sample)], capture_output=True, env=command_env(),
                       cwd=directory, check=False)


def run_flake8(command: list[str]) -> tuple[float, int]:
    """Wall time of one flake8 run and the number of lines it reported."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=command_env())
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-5:])
        raise SystemExit(f"{command[0]} -m flake8 failed:\n{tail}")
    return elapsed, len(result.stdout.splitlines())


def time_flake8(plugin_python: Path | str, plain_python: Path, source_dirs: list[Path],
                repeat: int) -> tuple[float, float, int]:
    """Minimum wall times with and without the plugin, and the plugin's report count.

    The two are run alternately, so machine noise that drifts over the minutes this
    takes is shared by both sides instead of landing on one of them.
    """
    with_plugin = flake8_command(plugin_python, source_dirs)
    without_plugin = flake8_command(plain_python, source_dirs)
    warm_up(with_plugin)
    warm_up(without_plugin)
    best_with = best_without = float("inf")
    reported = 0
    for _ in range(repeat):
        elapsed, reported = run_flake8(with_plugin)
        best_with = min(best_with, elapsed)
        elapsed, _ = run_flake8(without_plugin)
        best_without = min(best_without, elapsed)
    return best_with, best_without, reported


# --------------------------------------------------------------------------- output


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def build_report(totals: PassTotals, repeat: int) -> dict[str, object]:
    return {
        "repeat": repeat,
        "files": totals.files,
        "lines": totals.lines,
        "skipped_files": totals.skipped,
        "parse_s": round(totals.parse_s, 4),
        "engine_s": round(totals.engine_s, 4),
        "engine_over_parse": round(ratio(totals.engine_s, totals.parse_s), 4),
        "engine_no_triggers_s": round(totals.engine_no_triggers_s, 4),
        "engine_no_triggers_over_parse": round(
            ratio(totals.engine_no_triggers_s, totals.parse_s), 4),
        "violations": totals.violations,
        "violations_no_triggers": totals.violations_no_triggers,
        "engine_errors": len(totals.engine_errors),
        "engine_no_triggers_errors": len(totals.engine_no_triggers_errors),
    }


LABELS = {
    "repeat": "repeat (min of N passes)",
    "files": "files",
    "lines": "lines",
    "skipped_files": "skipped files (parse errors)",
    "parse_s": "ast.parse s",
    "engine_s": "engine s",
    "engine_over_parse": "engine / parse",
    "engine_no_triggers_s": "engine (no text triggers) s",
    "engine_no_triggers_over_parse": "engine (no text triggers) / parse",
    "violations": "violations",
    "violations_no_triggers": "violations (no text triggers)",
    "rules": "rules",
    "clock": "clock",
    "engine_errors": "engine errors (files)",
    "engine_no_triggers_errors": "engine (no text triggers) errors (files)",
    "flake8_stack": "flake8 stack (both runs)",
    "flake8_with_plugin_s": "flake8 with plugin s",
    "flake8_without_plugin_s": "flake8 without plugin s",
    "flake8_with_over_without": "flake8 with / without",
    "flake8_reported": "flake8 reported lines",
}


def print_report(report: dict[str, object]) -> None:
    width = max(len(LABELS.get(key, key)) for key in report)
    for key, value in report.items():
        print(f"{LABELS.get(key, key):<{width}}  {value}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="download/extract directory (default: benchmarks/.cache)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="pinned package list (default: benchmarks/corpus.txt)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes over the corpus; the minimum is reported (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--all-rules", action="store_true",
                        help="also the opt-in rules (ASR9xx); by default the rules "
                             "`flake8 --select ASR` runs")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time parse and engine in CPU time of this process, not wall "
                             "time (on a loaded machine)")
    parser.add_argument("--flake8", action="store_true",
                        help="also time flake8 end to end, with and without the plugin")
    parser.add_argument("--own-projects", action="store_true",
                        help="make each corpus package a project of its own (a copy with a "
                             "setup.cfg), as in its repository: the project tier follows "
                             "the imports between its modules")
    parser.add_argument("--list", action="store_true",
                        help="list the corpus and what is cached, then exit")
    parser.add_argument("--corpus-only", action="store_true",
                        help="download/extract the corpus, print its directories, then exit")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cache: Path = args.cache.resolve()
    packages = read_corpus(args.corpus)

    if args.list:
        for package in packages:
            state = "cached" if is_cached(cache, package) else "missing"
            print(f"{package.pin:<30} {state}")
        return 0

    cache.mkdir(parents=True, exist_ok=True)
    source_dirs = [ensure_source(cache, package) for package in packages]
    if args.corpus_only:
        print("\n".join(map(str, source_dirs)))
        return 0

    if args.own_projects:
        source_dirs = own_project_dirs(cache, source_dirs)
    files = corpus_files(source_dirs)
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    # The rules `flake8 --select ASR` runs: the default ones; --all-rules adds the opt-in.
    rules = ALL_RULES if args.all_rules else [rule for rule in ALL_RULES if not rule.opt_in()]
    linter = Linter(rules)
    walk_all = Linter(rules, text_triggers=False)
    passes = []
    for _ in range(args.repeat):
        gc.collect()  # start each pass from the same clean heap
        project.clear_cache()  # and with nothing read by the project tier, as one run
        passes.append(time_one_pass(files, linter, walk_all))
    totals = best_of(passes)
    report = build_report(totals, args.repeat)
    report.update({"rules": len(linter.rules), "clock": "cpu" if args.cpu_time else "wall",
                   "layout": "own projects" if args.own_projects else "corpus"})

    if args.flake8:
        pins = flake8_pins()
        plain_python = plain_flake8_python(cache, pins)
        with_plugin, without_plugin, reported = time_flake8(
            sys.executable, plain_python, source_dirs, args.repeat)
        report.update({
            "flake8_stack": " ".join(pins),
            "flake8_with_plugin_s": round(with_plugin, 3),
            "flake8_without_plugin_s": round(without_plugin, 3),
            "flake8_with_over_without": round(ratio(with_plugin, without_plugin), 4),
            "flake8_reported": reported,
        })

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    warn_about_problems(totals)
    return 0


def warn_about_problems(totals: PassTotals) -> None:
    sys.stdout.flush()  # keep the warnings after the figures when both go to a terminal
    for label, errors in (("engine", totals.engine_errors),
                          ("engine (no text triggers)", totals.engine_no_triggers_errors)):
        if errors:
            print(f"WARNING: {label} raised on {len(errors)} file(s):", file=sys.stderr)
            for error in errors[:10]:
                print(f"  {error}", file=sys.stderr)
    if totals.violations != totals.violations_no_triggers and not (
            totals.engine_errors or totals.engine_no_triggers_errors):
        # Text triggers must only skip work, never change results.
        print("WARNING: text triggers changed the number of violations", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
