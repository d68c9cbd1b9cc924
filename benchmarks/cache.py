"""What the results cache saves: `flake8-async-review check` cold (an empty cache), warm
(the same tree checked again) and without the cache, on real applications.

    python benchmarks/cache.py [--apps lnbits,chainlit] [--repeat 3] [--jobs 1] [--json]

Applications: those of `ecosystem.txt` named by `--apps` (default: lnbits, chainlit and
prefect's server), extracted as `ecosystem.py` extracts them. Each run is a new process
in the application's directory, `check --format json --isolated --no-progress -jN`:

- `cold`: a new, empty cache directory each time (the run checks every file and writes
  every entry);
- `warm`: a cache directory filled by one run beforehand (nothing changed since);
- `no-cache`: `--no-cache`.

The three are run alternately, `--repeat` times each; each figure is the minimum wall
time, and the minimum CPU time (user + system) of the process, which a loaded machine
disturbs less. Python writes its bytecode (into a scratch directory): a warm run's time
is mostly the command's start-up, which compiling every module again (as with
`PYTHONDONTWRITEBYTECODE`) would inflate. The three outputs must be the same, byte
for byte (checked on every run), and a warm run must write no entry (otherwise the
package or the tree changed meanwhile: the figure is flagged). The headline is
`warm / cold` (target: at most 0.1).

The package's source is copied once, at the start, and the runs import the copy: an
edit to the package during the measurement would otherwise change the cache's key and
turn warm runs into cold ones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import DEFAULT_CACHE
from ecosystem import DEFAULT_APPS, App, app_dir, read_apps

COMMAND = Path(sys.executable).parent / "flake8-async-review"
DEFAULT_NAMES = ("lnbits", "chainlit", "prefect")
MODES = ("cold", "warm", "no-cache")


def entry_count(directory: Path) -> int:
    return sum(1 for _ in directory.glob("v*/*/*.json"))


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and output (stdout, NUL, stderr) of a run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} (in {cwd}) failed with status "
                         f"{result.returncode}:\n{result.stderr[-3000:]}")
    return elapsed, cpu, result.stdout + "\0" + result.stderr


def snapshot_package(scratch: Path) -> Path:
    """A copy of the package's source, for PYTHONPATH."""
    import flake8_async_review

    source = Path(flake8_async_review.__file__).resolve().parent
    target = scratch / "src"
    shutil.copytree(source, target / source.name,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def measure(app: App, directory: Path, repeat: int, jobs: int, scratch: Path,
            source: Path) -> dict[str, object]:
    target = app.subdir or "."
    base = [str(COMMAND), "check", "--format", "json", "--isolated", "--no-progress",
            f"-j{jobs}"]
    warm_dir = scratch / f"{app.name}-warm"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "bytecode")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    _, _, expected = timed([*base, "--cache-dir", str(warm_dir), target], directory, env)  # Fill.
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpu_times: dict[str, list[float]] = {mode: [] for mode in MODES}
    same, warm_missed = True, False
    for index in range(repeat):
        for mode in MODES:
            if mode == "cold":
                options = ["--cache-dir", str(Path(tempfile.mkdtemp(dir=scratch)) / "cache")]
            elif mode == "warm":
                options = ["--cache-dir", str(warm_dir)]
                before = entry_count(warm_dir)
            else:
                options = ["--no-cache"]
            seconds, cpu, output = timed([*base, *options, target], directory, env)
            times[mode].append(seconds)
            cpu_times[mode].append(cpu)
            same = same and output == expected
            if mode == "warm" and entry_count(warm_dir) != before:
                warm_missed = True
        print(f"  {app.name} pass {index + 1}: "
              + ", ".join(f"{m} {times[m][-1]:.2f}s (CPU {cpu_times[m][-1]:.2f}s)" for m in MODES),
              file=sys.stderr)
    files = len(json.loads(expected.split("\0")[0]).get("diagnostics", [])) if expected else 0
    best = {mode: min(values) for mode, values in times.items()}
    cpu = {mode: min(values) for mode, values in cpu_times.items()}
    return {
        "app": app.package.pin + (f":{app.subdir}" if app.subdir else ""),
        "diagnostics": files,
        **{f"{mode} s": round(best[mode], 3) for mode in MODES},
        **{f"{mode} median s": round(statistics.median(times[mode]), 3) for mode in MODES},
        **{f"{mode} CPU s": round(cpu[mode], 3) for mode in MODES},
        "warm / cold": round(best["warm"] / best["cold"], 3),
        "warm / cold (CPU)": round(cpu["warm"] / cpu["cold"], 3),
        "warm / no-cache": round(best["warm"] / best["no-cache"], 3),
        "cold / no-cache": round(best["cold"] / best["no-cache"], 3),
        "outputs identical": same,
        "warm run wrote entries": warm_missed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(DEFAULT_NAMES),
                        help="comma-separated names of ecosystem.txt applications")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="check's -j (default: 1)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where the applications are extracted (as ecosystem.py)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    options = parser.parse_args()
    wanted = [name.strip() for name in options.apps.split(",") if name.strip()]
    apps = {app.name: app for app in read_apps(DEFAULT_APPS)}
    unknown = [name for name in wanted if name not in apps]
    if unknown:
        raise SystemExit(f"not in {DEFAULT_APPS.name}: {', '.join(unknown)}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="asr-cache-bench-") as scratch:
        source = snapshot_package(Path(scratch))
        for name in wanted:
            app = apps[name]
            rows.append(measure(app, app_dir(app, options.cache), options.repeat, options.jobs,
                                Path(scratch), source))
    if options.json:
        print(json.dumps({"jobs": options.jobs, "repeat": options.repeat, "apps": rows}, indent=2))
        return 0
    for row in rows:
        print(f"{row['app']}: cold {row['cold s']}s, warm {row['warm s']}s, "
              f"no cache {row['no-cache s']}s; warm / cold {row['warm / cold']} "
              f"(CPU {row['warm / cold (CPU)']}), "
              f"cold / no-cache {row['cold / no-cache']}; outputs identical: "
              f"{'yes' if row['outputs identical'] else 'NO'}"
              + ("; WARNING: a warm run wrote entries (the package or tree changed)"
                 if row["warm run wrote entries"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
