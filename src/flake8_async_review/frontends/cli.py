"""The ``flake8-async-review`` command: ``check``, ``fix``, ``rules``, ``explain`` and
``lsp`` (the language server, :mod:`flake8_async_review.frontends.lsp`).

``check`` and ``fix`` take flake8's own options (``--select``, ``--extend-ignore``,
``--per-file-ignores``, ``--exclude``, ``--config``, ``--isolated``, ``-j`` …) and every
``--asr-*`` option, read the same configuration files as flake8, and report exactly
what ``flake8 --select ASR`` reports; see :mod:`flake8_async_review.frontends.core`.

Exit status: 0 nothing reported, 1 something reported (or, for ``fix``, left unfixed or
refused), 2 a usage or configuration error (one line on stderr).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, NoReturn

from .. import __version__
from ..analysis.roles import classify
from ..rules import ALL_RULES, RULES_BY_CODE
from ..settings import OPTIONS
from .core import (
    FileReport,
    Finding,
    FixResult,
    Session,
    SourceFile,
    UsageError,
    changed_lines,
    fix_source,
    unified_diff,
    write_fixed,
)
from .reports import FORMATS, Report
from .rule_docs import rule_page

PROG = "flake8-async-review"
FORMAT_NAMES = ("text", *FORMATS)
PROGRESS_THRESHOLD = 20  # files; fewer finish before a progress line would help


# -- argument parsing --------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


_FLAKE8_OPTIONS_HELP = (
    "flake8's options are accepted with flake8's meaning: --select, --extend-select, "
    "--ignore, --extend-ignore, --per-file-ignores, --exclude, --extend-exclude, "
    "--filename, --config, --append-config, --isolated, --disable-noqa, -j/--jobs, "
    "--exit-zero and the rest, and the plugin's options: "
    + ", ".join(spec.flag for spec in OPTIONS)
    + ". Configuration files (.flake8, setup.cfg, tox.ini) are read as flake8 reads them."
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Find event-loop blocking calls and other "
                     "asyncio/FastAPI bugs (the ASR codes of the flake8 plugin).",
                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check", help="report ASR diagnostics, as `flake8 --select ASR` does",
        description="Report the ASR diagnostics of files and directories (default: the "
        "current directory). Paths git ignores are skipped when walking directories.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    check.add_argument("--format", default="text", metavar="FORMAT",
                       help="text (flake8's output; also any flake8 --format value), json, "
                       "sarif, github or markdown (default: text)")
    check.add_argument("--output", "--output-file", dest="output", metavar="FILE",
                       help="write the report to FILE instead of standard output")
    check.add_argument("--diff", metavar="REV", dest="diff_rev",
                       help="report only lines added or changed since the merge base with "
                       "REV (and untracked files)")
    check.add_argument("--no-progress", action="store_true",
                       help="never show the progress line on a terminal")

    fix = commands.add_parser(
        "fix", help="apply the fixes of reported diagnostics",
        description="Apply the safe fixes of the diagnostics `check` reports. A file whose "
        "fixed text does not parse, or still has a diagnostic it fixed, is left as it is.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    fix.add_argument("--diff", action="store_true",
                     help="print a unified patch instead of writing files")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="also apply fixes that may change behaviour")

    commands.add_parser(
        "roles", help="show what each file is for: application code, test, script, migration",
        description="Show how each file is classified (application code, test, script or "
        "migration) and why: most rules check application code only (see each rule's "
        "'Where it applies'). Files are found as `check` finds them.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    commands.add_parser("rules", help="list the rules", allow_abbrev=False)
    explain = commands.add_parser("explain", help="show a rule's documentation",
                                  allow_abbrev=False)
    explain.add_argument("code", metavar="ASRnnn")
    commands.add_parser(
        "lsp", help="run the language server on standard input and output",
        description="Run the language server (diagnostics, quick fixes, noqa actions, "
        "source.fixAll.asr) on stdio. Needs the `lsp` extra: "
        "pip install 'flake8-async-review[lsp]'.", allow_abbrev=False,
    )
    return parser


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our own options, and the rest (flake8's options and the paths) for flake8."""
    parser = build_parser()
    namespace, rest = parser.parse_known_args(list(argv))
    if namespace.command is None:
        raise UsageError("a command is required: check, fix, roles, rules, explain or lsp")
    if namespace.command in ("rules", "explain", "lsp") and rest:
        raise UsageError(f"unrecognized arguments: {' '.join(rest)}")
    return namespace, rest


# -- check ---------------------------------------------------------------------------------


class Progress:
    """``checked n/total files`` on stderr, only on a terminal and for many files."""

    def __init__(self, stream: IO[str], total: int, enabled: bool) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled and total >= PROGRESS_THRESHOLD and _isatty(stream)
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (done % 10 and done != total):
            return
        self.stream.write(f"\r{PROG}: checked {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_check(options: argparse.Namespace, flake8_argv: list[str]) -> int:
    report_format = options.format
    if report_format not in FORMAT_NAMES:  # A flake8 formatter or format string.
        flake8_argv = [f"--format={report_format}", *flake8_argv]
        report_format = "text"
    session = Session(flake8_argv)
    changed = changed_lines(options.diff_rev) if options.diff_rev else None
    files = session.discover()
    if changed is not None:
        files = [f for f in files if changed.covers(f)]
    progress = Progress(sys.stderr, len(files), not options.no_progress)
    try:
        reports = session.check_files(files, jobs=session.jobs, progress=progress)
    finally:
        progress.close()
    if changed is not None:
        for file_report in reports:
            file_report.findings = [f for f in file_report.findings
                                    if changed.covers(f.path, f.line)]
    findings = [f for r in reports for f in r.findings]
    if report_format == "text":
        _print_text(session, reports, options.output)
    else:
        _emit(FORMATS[report_format](Report(findings, len(files))), options.output)
    if session.options.count:
        print(len(findings))
    return 1 if findings and not session.options.exit_zero else 0


def _print_text(session: Session, reports: Sequence[FileReport], output: str | None) -> None:
    """Print with flake8's own formatter (``--format``, ``--show-source``, ``--tee`` …)."""
    from flake8.plugins import reporter
    from flake8.statistics import Statistics

    if output is not None:
        session.options.output_file = output
        if os.path.exists(output):  # flake8 appends; a report file starts afresh.
            os.unlink(output)
    formatter = reporter.make(session.plugins.reporters, session.options)
    statistics = Statistics()
    formatter.start()
    for file_report in reports:
        if not file_report.findings:
            continue
        formatter.beginning(file_report.path)
        for finding in file_report.findings:
            error = finding.flake8_error
            statistics.record(error)
            formatter.handle(error)
        formatter.finished(file_report.path)
    if session.options.statistics:
        formatter.show_statistics(statistics)
    formatter.stop()


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# -- fix -------------------------------------------------------------------------------------


def run_fix(options: argparse.Namespace, flake8_argv: list[str]) -> int:
    session = Session(flake8_argv)
    status = 0
    fixed_files = applied = 0
    remaining: list[Finding] = []
    for path in session.discover():
        if path == "-":
            raise UsageError("fix works on files, not on standard input")
        try:
            source = SourceFile.read(path)
        except (OSError, UnicodeError, SyntaxError) as error:
            print(f"{path}: not fixed: cannot read it ({error})", file=sys.stderr)
            status = 1
            continue
        result = fix_source(session, source, unsafe=options.unsafe_fixes)
        if result.refused is not None:
            print(f"{path}: not fixed: {result.refused}", file=sys.stderr)
            status = 1
            continue
        remaining += result.remaining
        if not result.changed:
            continue
        fixed_files += 1
        applied += result.applied
        if options.diff:
            sys.stdout.write(unified_diff(path, source.text, result.fixed))
            status = 1
        else:
            _write(result)
    if not options.diff:
        _print_remaining(session, remaining)
        if remaining:
            status = 1
        verb = "fixed"
    else:
        verb = "would fix"
    if applied:
        print(f"{PROG}: {verb} {applied} issue{'s' if applied != 1 else ''} in "
              f"{fixed_files} file{'s' if fixed_files != 1 else ''}", file=sys.stderr)
    return status


def _write(result: FixResult) -> None:
    write_fixed(result)


def _print_remaining(session: Session, remaining: list[Finding]) -> None:
    by_path: dict[str, list[Finding]] = {}
    for finding in remaining:
        by_path.setdefault(finding.path, []).append(finding)
    _print_text(session, [FileReport(p, f) for p, f in sorted(by_path.items())], None)


# -- rules and explain -----------------------------------------------------------------------


def run_rules() -> int:
    header = ("code", "name", "severity", "default", "fix")
    rows = [header] + [
        (rule.code, rule.name, rule.severity.value, "off" if rule.opt_in() else "on",
         "yes" if rule.fixable() else "no")
        for rule in ALL_RULES
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def run_explain(code: str) -> int:
    rule = RULES_BY_CODE.get(code.strip().upper())
    if rule is None:
        raise UsageError(f"unknown rule {code!r} (`{PROG} rules` lists them)")
    page = "\n".join(line for line in rule_page(rule).splitlines() if not line.startswith("<!--"))
    print(page.strip())
    return 0


def run_roles(flake8_argv: list[str]) -> int:
    session = Session(flake8_argv)
    for filename in session.discover():
        try:
            tree = ast.parse(Path(filename).read_bytes(), filename)
        except (SyntaxError, ValueError, OSError) as error:
            print(f"{filename}: not classified ({error.__class__.__name__}: {error})")
            continue
        found = classify(filename, tree)
        print(f"{filename}: {found.role.value} ({found.reason})")
    return 0


# -- lsp ---------------------------------------------------------------------------------------


def run_lsp() -> int:
    try:
        from . import lsp
    except ImportError as error:
        raise UsageError(f"the language server needs the lsp extra "
                         f"(pip install 'flake8-async-review[lsp]'): {error}") from None
    return lsp.main()


# -- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        options, rest = parse(argv)
        if options.command == "check":
            return run_check(options, rest)
        if options.command == "fix":
            return run_fix(options, rest)
        if options.command == "rules":
            return run_rules()
        if options.command == "roles":
            return run_roles(rest)
        if options.command == "lsp":
            return run_lsp()
        return run_explain(options.code)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_broken_pipe()
        return 1


def _silence_broken_pipe() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
