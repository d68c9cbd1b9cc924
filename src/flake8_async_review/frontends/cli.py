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
import difflib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, NoReturn

from .. import __version__
from ..settings import OPTIONS
from .cache import clean as clean_cache
from .core import (
    PARSE_ERRORS,
    FileReport,
    Finding,
    FixResult,
    Session,
    SourceFile,
    UsageError,
    changed_lines,
    fix_source,
    names_asr,
    unified_diff,
    write_fixed,
)
from .inputs import ENV_VAR
from .inputs import default_directory as default_cache_directory
from .replay import Recording, record
from .reports import FORMATS, Report, RuleFacts, rule_facts_from_json, rule_facts_json

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
        usage=f"{PROG} check [-h] [--format FORMAT] [--output FILE] [--diff REV]\n"
        f"{' ' * len(f'usage: {PROG} check ')}[--no-progress] [--docs-url URL]\n"
        f"{' ' * len(f'usage: {PROG} check ')}[--no-cache] [--cache-dir DIR]\n"
        f"{' ' * len(f'usage: {PROG} check ')}[flake8 options] [PATH ...]",
        description="Report the ASR diagnostics of files and directories, and each file "
        "that does not parse (E999) or cannot be read (E902). Paths git ignores are "
        "skipped when walking directories. A summary line follows the text output on "
        "standard error.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    _paths_help(check, "files and directories to check (default: the current directory)")
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
    check.add_argument("--docs-url", metavar="URL",
                       help="the documentation site that SARIF reports link each rule to "
                       "(URL/rules/ASRnnn/), or an address with {code} in it (default: "
                       "the package's documentation site, if it declares one)")
    check.add_argument("--no-cache", action="store_true",
                       help="check every file again, and neither read nor write the cache "
                       "of results")
    check.add_argument("--cache-dir", metavar="DIR",
                       help="where to keep the cache of results: files unchanged since a "
                       f"previous check, with the same options, are not checked again "
                       f"(default: ${ENV_VAR}, else {_cache_default_help()}); it can be "
                       "deleted at any time")

    fix = commands.add_parser(
        "fix", help="apply the fixes of reported diagnostics",
        usage=f"{PROG} fix [-h] [--diff] [--unsafe-fixes] [flake8 options] [PATH ...]",
        description="Apply the safe fixes of the diagnostics `check` reports. A file whose "
        "fixed text does not parse, or still has a diagnostic it fixed, is left as it is.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    _paths_help(fix, "files and directories to fix (default: the current directory)")
    fix.add_argument("--diff", action="store_true",
                     help="print a unified patch instead of writing files")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="also apply fixes that may change behaviour")

    roles = commands.add_parser(
        "roles", help="show what each file is for: application code, test, script, migration",
        usage=f"{PROG} roles [-h] [flake8 options] [PATH ...]",
        description="Show how each file is classified (application code, test, script or "
        "migration) and why: most rules check application code only (see each rule's "
        "'Where it applies'). Files are found as `check` finds them.",
        epilog=_FLAKE8_OPTIONS_HELP, allow_abbrev=False,
    )
    _paths_help(roles, "files and directories to classify (default: the current directory)")
    commands.add_parser("rules", help="list the rules", allow_abbrev=False)
    explain = commands.add_parser("explain", help="show a rule's documentation",
                                  allow_abbrev=False)
    explain.add_argument("code", metavar="RULE", help="a rule's code (ASR101) or name "
                         "(blocking-sleep-in-async-function)")
    cache = commands.add_parser(
        "cache", help="show where the cache of results is, or delete it",
        description="The cache of results that `check` and the language server keep: "
        "`cache dir` prints its directory, `cache clean` deletes its entries. Deleting "
        "it is always safe: the next check is as slow as the first.", allow_abbrev=False,
    )
    cache.add_argument("action", choices=("dir", "clean"), metavar="{dir,clean}")
    cache.add_argument("--cache-dir", metavar="DIR",
                       help=f"the cache directory (default: ${ENV_VAR}, else the user's cache "
                       "directory)")
    commands.add_parser(
        "lsp", help="run the language server on standard input and output",
        description="Run the language server (diagnostics, quick fixes, noqa actions, "
        "source.fixAll.asr) on stdio. Needs the `lsp` extra: "
        "pip install 'flake8-async-review[lsp]'.", allow_abbrev=False,
    )
    return parser


def _cache_default_help() -> str:
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - a dependency
        return "the user's cache directory"
    return platformdirs.user_cache_dir("flake8-async-review")


def _paths_help(parser: argparse.ArgumentParser, text: str) -> None:
    """Show the PATH arguments in the help. They are not parsed here: flake8's options
    (``--select ASR``) take values, so only flake8 can tell a path from a value."""
    parser.add_argument_group("positional arguments", f"PATH ...  {text}")


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our own options, and the rest (flake8's options and the paths) for flake8."""
    parser = build_parser()
    namespace, rest = parser.parse_known_args(list(argv))
    if namespace.command is None:
        raise UsageError("a command is required: check, fix, roles, rules, explain, cache or lsp")
    if namespace.command in ("rules", "explain", "lsp", "cache") and rest:
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


def run_check(options: argparse.Namespace, flake8_argv: list[str],
              recording: Recording | None = None) -> int:
    report_format = options.format
    if report_format not in FORMAT_NAMES:  # A flake8 formatter or format string.
        flake8_argv = [f"--format={report_format}", *flake8_argv]
        report_format = "text"
    session = Session(flake8_argv)
    if not options.no_cache:
        problem = session.use_cache(options.cache_dir or default_cache_directory())
        if problem is not None:
            print(f"{PROG}: warning: {problem}", file=sys.stderr)
    if report_format == "text":
        _check_flake8_format(session)
    _warn_about_selection(flake8_argv)
    changed = changed_lines(options.diff_rev) if options.diff_rev else None
    files = session.discover()
    if recording is not None:
        recording.session, recording.files = session, files
    if changed is not None:
        files = [f for f in files if changed.covers(f)]
    progress = Progress(sys.stderr, len(files), not options.no_progress)
    try:
        # A finding's physical line (flake8's text of the lines it spans) is shown only
        # by --show-source, and by a Markdown report for a file it cannot read again.
        reports = session.check_files(
            files, jobs=session.jobs, progress=progress,
            physical_lines=bool(session.options.show_source) or report_format == "markdown")
    finally:
        progress.close()
    if changed is not None:  # A file that does not parse is reported whatever changed.
        for file_report in reports:
            file_report.findings = [f for f in file_report.findings
                                    if f.parse_error or changed.covers(f.path, f.line)]
    findings = [f for r in reports for f in r.findings]
    if report_format == "text":
        _print_text(session, reports, options.output)
    else:
        not_checked = sum(1 for r in reports if not r.checked)
        report = Report(findings, len(reports) - not_checked, not_checked, options.docs_url,
                        _rule_facts(session, findings))
        _emit(FORMATS[report_format](report), options.output)
    if session.options.count:
        print(len(findings))
    if report_format == "text" and findings and not session.options.quiet:
        sys.stdout.flush()  # After the findings, also when both go to one terminal.
        print(summary_line(findings), file=sys.stderr)
    return 1 if findings and not session.options.exit_zero else 0


def _rule_facts(session: Session, findings: Sequence[Finding]) -> Mapping[str, RuleFacts] | None:
    """What reports show of the rules, kept in the cache so that a run whose results
    all come from it imports no rule; None: the report takes it from the rules."""
    if session.cache is None or all(f.parse_error for f in findings):
        return None
    stored = session.cache.package_data(
        "rules", rule_facts_json, lambda value: rule_facts_from_json(value) is not None)
    return rule_facts_from_json(stored)


def summary_line(findings: Sequence[Finding]) -> str:
    """``Found 42 problems in 7 files (12 fixable; 5 more with --unsafe-fixes)``."""
    files = len({f.path for f in findings})
    fixes = [f.violation.fix for f in findings if f.violation is not None and f.violation.fix]
    safe = sum(1 for fix in fixes if fix.safe)
    unsafe = len(fixes) - safe
    line = f"Found {_plural(len(findings), 'problem')} in {_plural(files, 'file')}"
    if safe and unsafe:
        return f"{line} ({safe} fixable; {unsafe} more with --unsafe-fixes)"
    if safe:
        return f"{line} ({safe} fixable)"
    if unsafe:
        return f"{line} ({unsafe} fixable with --unsafe-fixes)"
    return line


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _check_flake8_format(session: Session) -> None:
    """Refuse a ``--format`` that is neither a formatter nor a format string: flake8
    would print the word itself for every finding."""
    name = session.options.format
    known = [*FORMAT_NAMES, *sorted(n for n in session.plugins.reporters if n not in FORMAT_NAMES)]
    if name in known or "%(" in name:
        return
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(f"--format {name!r}: unknown format{hint}; use one of {', '.join(known)}, "
                     "or a format string such as '%(path)s:%(row)d: %(code)s %(text)s'")


def _warn_about_selection(flake8_argv: Sequence[str]) -> None:
    """Warn about codes selected on the command line that this command never reports
    (it runs only the ASR rules; flake8 runs the others)."""
    scanner = _Parser(add_help=False, allow_abbrev=False)
    scanner.add_argument("--select", action="append", default=[])
    scanner.add_argument("--extend-select", action="append", default=[])
    given, _ = scanner.parse_known_args(list(flake8_argv))
    for flag, values in (("--select", given.select), ("--extend-select", given.extend_select)):
        codes = [code.strip() for value in values for code in re.split(r"[,\s]+", value)]
        foreign = [code for code in codes if code and not names_asr([code])
                   and not any(error.startswith(code) for error in PARSE_ERRORS)]
        if foreign:
            what = "not ASR codes" if len(foreign) > 1 else "not an ASR code"
            print(f"{PROG}: warning: {flag} {','.join(foreign)}: {what}; this command runs "
                  "only the ASR rules (run flake8 for the others)", file=sys.stderr)


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
    _warn_about_selection(flake8_argv)
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
    from ..rules import ALL_RULES

    header = ("code", "name", "severity", "default", "fix")
    rows = [header] + [
        (rule.code, rule.name, rule.severity.value, "off" if rule.opt_in() else "on",
         rule.fix_class())
        for rule in ALL_RULES
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def run_explain(code: str) -> int:
    from ..rules import ALL_RULES, RULES_BY_CODE
    from .rule_docs import rule_page

    by_name = {rule.name: rule for rule in ALL_RULES}
    rule = RULES_BY_CODE.get(code.strip().upper()) or by_name.get(code.strip().lower())
    if rule is None:
        close = difflib.get_close_matches(code.strip().lower(), list(by_name), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(f"unknown rule {code!r} ({hint}`{PROG} rules` lists them)")
    page = "\n".join(line for line in rule_page(rule).splitlines() if not line.startswith("<!--"))
    print(page.strip())
    return 0


def run_roles(flake8_argv: list[str]) -> int:
    from ..analysis.roles import classify

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


def run_cache(action: str, directory: str | None) -> int:
    directory = os.path.abspath(directory or default_cache_directory())
    if action == "dir":
        print(directory)
        return 0
    removed = clean_cache(directory)
    print(f"{PROG}: removed {removed} cache {'entry' if removed == 1 else 'entries'} "
          f"from {directory}", file=sys.stderr)
    return 0


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
            if options.no_cache:
                return run_check(options, rest)
            return record(argv, lambda recording: run_check(options, rest, recording))
        if options.command == "fix":
            return run_fix(options, rest)
        if options.command == "rules":
            return run_rules()
        if options.command == "roles":
            return run_roles(rest)
        if options.command == "lsp":
            return run_lsp()
        if options.command == "cache":
            return run_cache(options.action, options.cache_dir)
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
