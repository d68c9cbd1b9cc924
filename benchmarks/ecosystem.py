"""Ecosystem check: the default rules on pinned real applications, diffed against a
reviewed baseline (in the spirit of ruff's ecosystem check).

    python benchmarks/ecosystem.py                      # run, print the diff against the baseline
    python benchmarks/ecosystem.py --strict             # ... and exit 1 on any difference
    python benchmarks/ecosystem.py --app lnbits         # only some applications (repeatable)
    python benchmarks/ecosystem.py --write-findings F   # also write the normalized findings as JSON
    python benchmarks/ecosystem.py --findings F         # diff findings written earlier, run nothing
    python benchmarks/ecosystem.py --update-baseline    # rewrite the baseline, keeping the verdicts
    python benchmarks/ecosystem.py --precision          # precision figures from the baseline's verdicts
    python benchmarks/ecosystem.py --sample 6 --seed 1  # unjudged findings to review, with context
    python benchmarks/ecosystem.py --extend-select ASR9 # unknown options go to the check command

Applications: `ecosystem.txt`, one `name==version` a line, or `name==version:subdir` to
report only that subtree (the whole package is extracted, so the project tier still
follows imports into the rest of it). They are downloaded once with `pip download
--no-deps` (only the *.py files are kept, in the cache `project_tier.py` uses) and each
gets a `setup.cfg` so that it is a project root. Each is checked with the installed
command, `flake8-async-review check --format json --isolated -j2 --no-progress`, run
in the application's directory.

A finding is matched by (application, path, code, stripped source line) and, among
equal ones, by the line offset that pairs the most of them, not by its line number
alone: an edit elsewhere in the file does not make it new, and a finding that goes
does not hand its verdict to a neighbour with the same source line. The baseline
(`ecosystem_baseline.json`) holds one object per finding with a reviewer's verdict:
"TP", "TP-low", "FP", "UNSURE" or null (unjudged), and a one-sentence reason (see
the project's precision-review guide).
`--update-baseline` keeps the verdict and reason of every finding that pairs with
one of the baseline; new findings get null. `--precision` reports per code: true =
(TP + TP-low) / judged and worth it = TP / judged (UNSURE counts as judged), and
overall figures over the default-on codes, each code weighted by its number of reports.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bench import DEFAULT_CACHE, Package, ensure_source, read_source

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_APPS = BENCH_DIR / "ecosystem.txt"
DEFAULT_BASELINE = BENCH_DIR / "ecosystem_baseline.json"
COMMAND = Path(sys.executable).parent / "flake8-async-review"
CHECK_ARGS = ["check", "--format", "json", "--isolated", "-j2", "--no-progress"]
VERDICTS = ("TP", "TP-low", "FP", "UNSURE")
CONTEXT_LINES = 4


@dataclass(frozen=True)
class App:
    package: Package
    subdir: str | None  # Report only this subtree of the package, if set.

    @property
    def name(self) -> str:
        return self.package.name


@dataclass(frozen=True)
class Finding:
    app: str
    path: str  # Relative to the application's directory, with forward slashes.
    line: int
    col: int
    code: str
    message: str
    source: str  # The reported line, stripped.
    verdict: str | None = None
    reason: str = ""

    def sort_key(self) -> tuple[str, str, int, int, str]:
        return (self.app, self.path, self.line, self.col, self.code)

    def location(self) -> str:
        return f"{self.app}: {self.path}:{self.line} {self.code}"

    def raw_record(self) -> dict[str, object]:
        return {"app": self.app, "path": self.path, "line": self.line, "col": self.col,
                "code": self.code, "message": self.message, "source": self.source}

    def baseline_record(self) -> dict[str, object]:
        return {"app": self.app, "path": self.path, "line": self.line, "code": self.code,
                "message": self.message, "source": self.source, "verdict": self.verdict,
                "reason": self.reason}




# --------------------------------------------------------------------------- applications


def read_apps(path: Path) -> list[App]:
    apps = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pin, _, subdir = line.partition(":")
        name, sep, version = pin.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"{path}: expected `name==version[:subdir]`, got {raw!r}")
        apps.append(App(Package(name.strip(), version.strip()), subdir.strip().strip("/") or None))
    return apps


def app_dir(app: App, cache: Path) -> Path:
    """The application's extracted source, downloaded if needed, marked as a project root."""
    directory = ensure_source(cache / "apps", app.package)
    marker = directory / "setup.cfg"  # A project root that declares no dependencies.
    if not marker.exists():
        marker.write_text("[flake8]\n", encoding="utf-8")
    return directory


def default_on_codes() -> set[str]:
    """The codes `flake8-async-review rules` lists as on by default."""
    result = subprocess.run([str(COMMAND), "rules"], capture_output=True, text=True, check=False)
    codes = set()
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0].startswith("ASR") and fields[3] == "on":
            codes.add(fields[0])
    if result.returncode != 0 or not codes:
        raise SystemExit(f"`{COMMAND} rules` failed:\n{result.stderr}")
    return codes


# --------------------------------------------------------------------------- running


class SourceCache:
    """The lines of files of the applications, read once."""

    def __init__(self) -> None:
        self._lines: dict[Path, list[str]] = {}

    def lines(self, path: Path) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = read_source(path).splitlines()
            except (OSError, SyntaxError, UnicodeDecodeError):
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: Path, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def check_app(app: App, directory: Path, extra_args: list[str], sources: SourceCache) -> list[Finding]:
    target = app.subdir or "."
    if not (directory / target).exists():
        raise SystemExit(f"{app.package.pin}: no {target}/ in {directory}")
    command = [str(COMMAND), *CHECK_ARGS, *extra_args, target]
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = None
    # Exit status 1 means "diagnostics found"; anything else, or no JSON, is a failure.
    if result.returncode not in (0, 1) or not isinstance(report, dict):
        raise SystemExit(f"{' '.join(command)} (in {directory}) failed with status "
                         f"{result.returncode}:\n{result.stderr[-3000:]}")
    findings = []
    for diagnostic in report["diagnostics"]:
        path = Path(diagnostic["path"])
        absolute = path if path.is_absolute() else directory / path
        findings.append(Finding(
            app=app.name,
            path=absolute.relative_to(directory).as_posix(),
            line=diagnostic["line"],
            col=diagnostic["column"],
            code=diagnostic["code"],
            message=diagnostic["message"],
            source=sources.line(absolute, diagnostic["line"]),
        ))
    return findings


def run_apps(apps: list[App], cache: Path, extra_args: list[str]) -> list[Finding]:
    sources = SourceCache()
    findings: list[Finding] = []
    for app in apps:
        directory = app_dir(app, cache)
        found = check_app(app, directory, extra_args, sources)
        print(f"{app.package.pin}{':' + app.subdir if app.subdir else ''}: {len(found)} findings",
              file=sys.stderr)
        findings.extend(found)
    return sorted(findings, key=Finding.sort_key)


# --------------------------------------------------------------------------- files


def load_findings(path: Path) -> list[Finding]:
    records = json.loads(path.read_text(encoding="utf-8"))
    findings = [Finding(app=r["app"], path=r["path"], line=r["line"], col=r.get("col", 0),
                        code=r["code"], message=r["message"], source=r["source"],
                        verdict=r.get("verdict"), reason=r.get("reason") or "")
                for r in records]
    for finding in findings:
        if finding.verdict is not None and finding.verdict not in VERDICTS:
            raise SystemExit(f"{path}: {finding.location()}: unknown verdict {finding.verdict!r}")
    return findings


def load_baseline(path: Path) -> list[Finding]:
    if not path.exists():
        print(f"no baseline at {path}: every finding is new", file=sys.stderr)
        return []
    return load_findings(path)


def write_json(path: Path, records: Iterable[dict[str, object]]) -> None:
    path.write_text(json.dumps(list(records), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- diffing


def pairs(baseline: Iterable[Finding], current: Iterable[Finding]) -> list[tuple[Finding, Finding]]:
    """The baseline and current findings that are the same finding.

    Findings are grouped by (application, path, code, stripped source line); within a
    group, the line offset that pairs the most findings is taken (0 when the file did
    not change, the size of an insertion above them otherwise), and the findings left
    over are paired in line order. So a finding that disappears does not pass its
    verdict on to the next one with the same source line."""
    groups: dict[tuple[str, str, str, str], tuple[list[Finding], list[Finding]]] = defaultdict(
        lambda: ([], []))
    for finding in baseline:
        groups[(finding.app, finding.path, finding.code, finding.source)][0].append(finding)
    for finding in current:
        groups[(finding.app, finding.path, finding.code, finding.source)][1].append(finding)
    result: list[tuple[Finding, Finding]] = []
    for before, after in groups.values():
        if not (before and after):
            continue
        before.sort(key=Finding.sort_key)
        after.sort(key=Finding.sort_key)
        offsets = Counter(a.line - b.line for b in before for a in after)
        offset = max(offsets, key=lambda delta: (offsets[delta], -abs(delta)))
        by_line = {b.line + offset: b for b in before}
        matched_before: set[int] = set()
        rest = []
        for finding in after:
            old = by_line.get(finding.line)
            if old is not None and id(old) not in matched_before:
                matched_before.add(id(old))
                result.append((old, finding))
            else:
                rest.append(finding)
        left = [b for b in before if id(b) not in matched_before]
        result.extend(zip(left, rest, strict=False))
    return result


@dataclass
class Diff:
    new: list[Finding]
    gone: list[Finding]
    changed: list[tuple[Finding, Finding]]  # (baseline, current) with different messages

    def empty(self) -> bool:
        return not (self.new or self.gone or self.changed)


def diff(baseline: list[Finding], current: list[Finding]) -> Diff:
    paired = pairs(baseline, current)
    old = {id(b) for b, _ in paired}
    now = {id(a) for _, a in paired}
    return Diff(
        new=[finding for finding in current if id(finding) not in now],
        gone=[finding for finding in baseline if id(finding) not in old],
        changed=[(b, a) for b, a in paired if b.message != a.message],
    )


def print_diff(baseline: list[Finding], current: list[Finding], result: Diff) -> None:
    def was(finding: Finding) -> str:
        return f" [was {finding.verdict}]" if finding.verdict else ""

    for title, findings in (("new", result.new), ("gone", result.gone)):
        print(f"{title}: {len(findings)}")
        for finding in sorted(findings, key=Finding.sort_key):
            print(f"  {finding.location()} {finding.message}{was(finding)}")
            print(f"      {finding.source}")
    print(f"changed messages: {len(result.changed)}")
    for old, new in sorted(result.changed, key=lambda pair: pair[1].sort_key()):
        print(f"  {new.location()}{was(old)}\n      - {old.message}\n      + {new.message}")
    counts_before = Counter(f.code for f in baseline)
    counts_after = Counter(f.code for f in current)
    print("\ncode     before  after  delta")
    for code in sorted(counts_before.keys() | counts_after.keys()):
        b, a = counts_before[code], counts_after[code]
        print(f"{code:8} {b:6} {a:6} {a - b:+6}")
    b, a = len(baseline), len(current)
    print(f"{'total':8} {b:6} {a:6} {a - b:+6}")


def updated_baseline(baseline: list[Finding], current: list[Finding]) -> list[Finding]:
    """The current findings, with the verdicts of the baseline findings they pair with."""
    verdicts = {id(a): b for b, a in pairs(baseline, current)}
    result = []
    for finding in current:
        old = verdicts.get(id(finding))
        if old is not None:
            finding = replace(finding, verdict=old.verdict, reason=old.reason)
        result.append(finding)
    return sorted(result, key=Finding.sort_key)


# --------------------------------------------------------------------------- precision


@dataclass
class CodeFigures:
    code: str
    reports: int
    counts: Counter[str]

    @property
    def judged(self) -> int:
        return sum(self.counts[verdict] for verdict in VERDICTS)

    @property
    def true(self) -> float | None:
        return (self.counts["TP"] + self.counts["TP-low"]) / self.judged if self.judged else None

    @property
    def worth_it(self) -> float | None:
        return self.counts["TP"] / self.judged if self.judged else None


def code_figures(findings: list[Finding]) -> list[CodeFigures]:
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_code[finding.code].append(finding)
    return [CodeFigures(code, len(group), Counter(f.verdict or "unjudged" for f in group))
            for code, group in sorted(by_code.items())]


def weighted(figures: list[CodeFigures]) -> tuple[float | None, float | None, int]:
    """True and worth-it over the codes with a judged sample, each code's estimate
    weighted by its reports; and the reports of those codes."""
    judged = [f for f in figures if f.judged]
    volume = sum(f.reports for f in judged)
    if not volume:
        return None, None, 0
    true = sum(f.reports * (f.true or 0.0) for f in judged) / volume
    worth = sum(f.reports * (f.worth_it or 0.0) for f in judged) / volume
    return true, worth, volume


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


def print_precision(findings: list[Finding], default_on: set[str]) -> None:
    figures = code_figures(findings)
    print("code     reports judged   TP TP-low   FP UNSURE unjudged   true  worth it")
    for f in figures:
        opt_in = "" if f.code in default_on else "  (opt-in)"
        print(f"{f.code:8} {f.reports:7} {f.judged:6} {f.counts['TP']:4} {f.counts['TP-low']:6}"
              f" {f.counts['FP']:4} {f.counts['UNSURE']:6} {f.counts['unjudged']:8}"
              f" {percent(f.true):>6} {percent(f.worth_it):>9}{opt_in}")
    headline = [f for f in figures if f.code in default_on]
    true, worth, volume = weighted(headline)
    reports = sum(f.reports for f in headline)
    judged = sum(f.judged for f in headline)
    print(f"\ndefault-on codes: {reports} reports, {judged} judged; weighted over the {volume} "
          f"reports of the codes with a judged sample:")
    print(f"  true (TP + TP-low) / judged: {percent(true)}")
    print(f"  worth it TP / judged:        {percent(worth)}")


# --------------------------------------------------------------------------- sampling


def stratified_sample(findings: list[Finding], per_code: int, seed: int) -> list[Finding]:
    """Up to ``per_code`` unjudged findings of each code, taken from the applications in
    turn (in a shuffled order), each application's findings shuffled; reproducible."""
    by_code: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.verdict is None:
            by_code[finding.code][finding.app].append(finding)
    sample = []
    for code, by_app in sorted(by_code.items()):
        rng = random.Random(f"{seed}:{code}")
        queues = [rng.sample(group, len(group)) for _, group in sorted(by_app.items())]
        rng.shuffle(queues)
        taken: list[Finding] = []
        while len(taken) < per_code and any(queues):
            for queue in queues:
                if queue and len(taken) < per_code:
                    taken.append(queue.pop())
        sample.extend(taken)
    return sample


def print_sample(sample: list[Finding], apps: list[App], cache: Path) -> None:
    directories = {app.name: app_dir(app, cache) for app in apps
                   if app.name in {finding.app for finding in sample}}
    sources = SourceCache()
    for finding in sample:
        print(f"=== {finding.location()}\n    {finding.message}")
        directory = directories.get(finding.app)
        lines = sources.lines(directory / finding.path) if directory else []
        first = max(1, finding.line - CONTEXT_LINES)
        for number in range(first, min(len(lines), finding.line + CONTEXT_LINES) + 1):
            marker = ">" if number == finding.line else " "
            print(f"{marker}{number:6} {lines[number - 1]}")
        print()


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Unknown options (e.g. --extend-select ASR9) are passed to the check command.")
    parser.add_argument("--apps", type=Path, default=DEFAULT_APPS, help="the application pins")
    parser.add_argument("--app", action="append", default=[], metavar="NAME",
                        help="only this application (repeatable); the others' baseline is kept")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--findings", type=Path, metavar="FILE",
                        help="use findings written earlier by --write-findings instead of running")
    parser.add_argument("--write-findings", type=Path, metavar="FILE",
                        help="write the normalized findings as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any difference")
    parser.add_argument("--update-baseline", action="store_true",
                        help="rewrite the baseline with the current findings, keeping verdicts")
    parser.add_argument("--precision", action="store_true",
                        help="print precision figures from the baseline's verdicts (runs nothing)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="print N unjudged baseline findings per code, with context (runs nothing)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    options, extra_args = parse_args(argv)
    apps = read_apps(options.apps)
    pinned = {app.name for app in apps}
    if options.app:
        unknown = set(options.app) - pinned
        if unknown:
            raise SystemExit(f"not in {options.apps}: {', '.join(sorted(unknown))}")
        apps = [app for app in apps if app.name in options.app]
    selected = {app.name for app in apps}
    baseline = load_baseline(options.baseline)
    unpinned = {finding.app for finding in baseline} - pinned
    if unpinned:
        print(f"not pinned in {options.apps}, ignored: {', '.join(sorted(unpinned))}", file=sys.stderr)

    if options.precision or options.sample is not None:
        chosen = [finding for finding in baseline if finding.app in selected]
        if options.precision:
            print_precision(chosen, default_on_codes())
        if options.sample is not None:
            print_sample(stratified_sample(chosen, options.sample, options.seed), apps, options.cache)
        return 0

    if options.findings:
        current = [f for f in load_findings(options.findings) if f.app in selected]
    else:
        current = run_apps(apps, options.cache, extra_args)
    if options.write_findings:
        write_json(options.write_findings, (finding.raw_record() for finding in current))
    compared = [finding for finding in baseline if finding.app in selected]
    result = diff(compared, current)
    print_diff(compared, current, result)
    if options.update_baseline:
        # Other pinned applications keep their findings; unpinned ones are dropped.
        kept = [finding for finding in baseline if finding.app in pinned - selected]
        merged = sorted([*kept, *updated_baseline(compared, current)], key=Finding.sort_key)
        write_json(options.baseline, (finding.baseline_record() for finding in merged))
        recheck = [new for old, new in result.changed if old.verdict is not None]
        print(f"\nwrote {options.baseline}: {len(merged)} findings, {len(result.new)} new (unjudged)"
              + (f"; {len(recheck)} judged findings changed their message, re-check them:" if recheck
                 else ""))
        for finding in recheck:
            print(f"  {finding.location()} {finding.message}")
    return 1 if options.strict and not result.empty() else 0


if __name__ == "__main__":
    sys.exit(main())
