"""Report formats of the command line: JSON, SARIF 2.1.0, GitHub annotations, Markdown.

(The ``text`` format is flake8's own formatter, so it prints exactly what flake8 would.)
Every format takes the same :class:`Report`: the findings after noqa, selection and
``--diff``, in flake8's order, the number of files checked, and the number of files that
could not be checked (they do not parse, or cannot be read: each is a finding, E999 or
E902, reported at critical severity).

A rule's name and severity come from :class:`RuleFacts`, which a run whose results all
come from the cache reads from the cache instead of importing the rules; SARIF (every
rule's page) and Markdown ("Use instead" examples) import the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..analysis.source import source_lines
from ..engine.fixes import apply_fixes
from ..engine.rule import Severity, code_blocks, doc_sections
from ..engine.violation import Fix
from .core import PARSE_ERRORS, Finding, SourceFile, unified_diff

if TYPE_CHECKING:
    from ..engine.rule import Rule

TOOL_NAME = "flake8-async-review"
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
# SARIF levels (and GitHub annotation levels) per severity.
_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error",
                Severity.MEDIUM: "warning", Severity.LOW: "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


@dataclass(frozen=True)
class RuleFacts:
    """What reports show of a rule besides its findings."""

    name: str
    severity: Severity


@cache
def _rule_facts() -> dict[str, RuleFacts]:
    from ..rules import ALL_RULES

    return {rule.code: RuleFacts(rule.name, rule.severity) for rule in ALL_RULES}


def rule_facts_json() -> dict[str, list[str]]:
    """Every rule's facts, as ``{code: [name, severity]}`` (this imports the rules)."""
    return {code: [facts.name, facts.severity.value] for code, facts in _rule_facts().items()}


def rule_facts_from_json(value: Any) -> dict[str, RuleFacts] | None:
    """Rule facts read back from :func:`rule_facts_json`'s form; None when malformed."""
    severities = {severity.value: severity for severity in Severity}
    if not isinstance(value, dict):
        return None
    facts = {}
    for code, entry in value.items():
        if not (isinstance(entry, list) and len(entry) == 2
                and all(isinstance(item, str) for item in entry) and entry[1] in severities):
            return None
        facts[code] = RuleFacts(entry[0], severities[entry[1]])
    return facts


@dataclass(frozen=True)
class Report:
    findings: Sequence[Finding]
    files_checked: int
    files_not_checked: int = 0
    docs_url: str | None = None  # The documentation site (see rule_url).
    rules: Mapping[str, RuleFacts] | None = None  # By code; None: from the rules themselves.

    @property
    def facts(self) -> Mapping[str, RuleFacts]:
        return self.rules if self.rules is not None else _rule_facts()


@cache
def documentation_url() -> str | None:
    """The documentation site from the package metadata (``Project-URL: Documentation``),
    read once."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata(TOOL_NAME).get_all("Project-URL") or []
    except PackageNotFoundError:  # Running from a source tree that is not installed.
        return None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"documentation", "docs"}:
            return str(url).strip().rstrip("/")
    return None


def rule_url(code: str, docs_url: str | None = None) -> str | None:
    """The web page of a rule. ``docs_url`` is the documentation site (the rule is at
    ``rules/<code>/`` below it) or an address with ``{code}`` in it; the default is the
    package's documentation site. None when there is none."""
    if docs_url and "{code}" in docs_url:
        return docs_url.replace("{code}", code)
    base = docs_url.rstrip("/") if docs_url else documentation_url()
    return f"{base}/rules/{code}/" if base else None


def _name(report: Report, code: str) -> str | None:
    facts = report.facts.get(code) if code not in PARSE_ERRORS else None
    return facts.name if facts is not None else PARSE_ERRORS.get(code)


def _severity(report: Report, finding: Finding) -> Severity:
    if finding.parse_error:  # Nothing in the file was checked, and it cannot run.
        return Severity.CRITICAL
    facts = report.facts.get(finding.code)
    return facts.severity if facts is not None else Severity.MEDIUM


def _line(finding: Finding) -> int:
    """The 1-based line (flake8 reports a file it cannot read at line 0)."""
    return max(finding.line, 1)


def _end(finding: Finding) -> tuple[int, int]:
    """End line and 0-based exclusive end column."""
    if finding.violation is not None:
        return finding.violation.end_line, finding.violation.end_col
    return _line(finding), finding.start_col


def _fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "safe": fix.safe,
        "description": fix.description,
        "edits": [
            {"start_line": e.start_line, "start_column": e.start_col + 1,
             "end_line": e.end_line, "end_column": e.end_col + 1, "new_text": e.new_text}
            for e in fix.edits
        ],
    }


def _posix(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


# -- JSON ------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    """The JSON report. Its schema (``schema_version`` 1) is documented in
    docs/usage.md; fields are only ever added within one schema version."""
    diagnostics = []
    for finding in report.findings:
        end_line, end_col = _end(finding)
        fix = finding.violation.fix if finding.violation is not None else None
        diagnostics.append({
            "path": _posix(finding.path),
            "line": _line(finding),
            "column": finding.start_col + 1,
            "end_line": end_line,
            "end_column": end_col + 1,
            "code": finding.code,
            "name": _name(report, finding.code),
            "severity": _severity(report, finding).value,
            "message": finding.message,
            "fix": _fix_json(fix) if fix is not None else None,
        })
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "summary": _summary(report),
        "diagnostics": diagnostics,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _summary(report: Report) -> dict[str, Any]:
    by_severity = {s.value: 0 for s in SEVERITY_ORDER}
    by_code: dict[str, int] = {}
    fixable = 0
    for finding in report.findings:
        by_severity[_severity(report, finding).value] += 1
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
        if finding.violation is not None and finding.violation.fix is not None:
            fixable += 1
    return {
        "files_checked": report.files_checked,
        "files_not_checked": report.files_not_checked,
        "diagnostics": len(report.findings),
        "fixable": fixable,
        "by_severity": by_severity,
        "by_code": dict(sorted(by_code.items())),
    }


# -- SARIF -------------------------------------------------------------------------------


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _sarif_rule(rule: type[Rule], docs_url: str | None) -> dict[str, Any]:
    sections = doc_sections(rule)
    page = _page_without_marker(rule)
    level = _SARIF_LEVEL[rule.severity]
    entry: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_paragraph(sections.get("What it does", rule.name))},
        "fullDescription": {"text": _first_paragraph(sections.get("Why is this bad?", ""))
                            or rule.name},
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": {"level": level, "enabled": not rule.opt_in()},
        "properties": {
            "tags": ["asyncio", "correctness"],
            "precision": "high",
            "problem.severity": "recommendation" if level == "note" else level,
            "severity": rule.severity.value,
        },
    }
    url = rule_url(rule.code, docs_url)
    if url:
        entry["helpUri"] = url
    return entry


_PARSE_ERROR_HELP = {
    "E999": "The file does not parse (a syntax error, NUL bytes, or not Python text): "
            "none of its code was checked, and Python cannot import it.",
    "E902": "The file cannot be read: none of its code was checked.",
}


def _sarif_parse_error_rule(code: str) -> dict[str, Any]:
    text = _PARSE_ERROR_HELP[code]
    return {
        "id": code,
        "name": PARSE_ERRORS[code],
        "shortDescription": {"text": text.split(":")[0]},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": "error", "enabled": True},
        "properties": {"tags": ["correctness"], "precision": "very-high",
                       "problem.severity": "error", "severity": Severity.CRITICAL.value},
    }


def _page_without_marker(rule: type[Rule]) -> str:
    from .rule_docs import rule_page

    return "\n".join(line for line in rule_page(rule).splitlines()
                     if not line.startswith("<!--")).strip() + "\n"


def _region(start_line: int, start_col: int, end_line: int, end_col: int) -> dict[str, int]:
    return {"startLine": start_line, "startColumn": start_col + 1,
            "endLine": end_line, "endColumn": end_col + 1}


def _artifact(finding: Finding) -> dict[str, Any]:
    path = Path(finding.path)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": _posix(finding.path), "uriBaseId": "%SRCROOT%"}


def to_sarif(report: Report) -> str:
    """SARIF 2.1.0, as GitHub code scanning accepts it: every rule (with its whole page
    as help text, and its web page as ``helpUri`` when there is a documentation site),
    one result per finding with its region, and the fix as artifact changes. A file
    that does not parse or cannot be read is a result of rule E999 or E902."""
    from ..rules import ALL_RULES

    descriptors = [_sarif_rule(rule, report.docs_url) for rule in ALL_RULES]
    descriptors += [_sarif_parse_error_rule(code) for code in PARSE_ERRORS
                    if any(f.code == code for f in report.findings)]
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
    results = []
    for finding in report.findings:
        end_line, end_col = _end(finding)
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": _SARIF_LEVEL[_severity(report, finding)],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(finding),
                "region": _region(_line(finding), finding.start_col, end_line, end_col),
            }}],
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        fix = finding.violation.fix if finding.violation is not None else None
        if fix is not None:
            result["fixes"] = [{
                "description": {"text": fix.description + ("" if fix.safe else " (unsafe)")},
                "artifactChanges": [{
                    "artifactLocation": _artifact(finding),
                    "replacements": [
                        {"deletedRegion": _region(e.start_line, e.start_col, e.end_line, e.end_col),
                         "insertedContent": {"text": e.new_text}}
                        for e in fix.edits
                    ],
                }],
            }]
        results.append(result)
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": __version__,
        "semanticVersion": __version__,
        "rules": descriptors,
    }
    site = report.docs_url.rstrip("/") if report.docs_url and "{code}" not in report.docs_url \
        else documentation_url()
    if site:
        driver["informationUri"] = site
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- GitHub workflow annotations --------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: Report) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per finding."""
    lines = []
    for finding in report.findings:
        end_line, end_col = _end(finding)
        name = _name(report, finding.code)
        title = f"{finding.code} {name}" if name else finding.code
        properties = [
            f"file={_escape_property(_posix(finding.path))}",
            f"line={_line(finding)}",
            f"endLine={end_line}",
            f"col={finding.start_col + 1}",
        ]
        if end_line == _line(finding):  # GitHub ignores endColumn across lines.
            properties.append(f"endColumn={end_col + 1}")
        properties.append(f"title={_escape_property(title)}")
        level = _GITHUB_LEVEL[_SARIF_LEVEL[_severity(report, finding)]]
        lines.append(f"::{level} {','.join(properties)}::"
                     f"{_escape_data(f'{finding.code} {finding.message}')}")
    return "".join(line + "\n" for line in lines)


# -- Markdown review report --------------------------------------------------------------------


def to_markdown(report: Report, read: Callable[[str], SourceFile | None] | None = None) -> str:
    """A review report: a summary table by severity and rule, then the findings by
    severity and file, each with the code and the exact patch when a fix exists, then
    each reported rule's "Use instead" example, once per rule."""
    read = read or _read_or_none
    findings = list(report.findings)
    out = ["# flake8-async-review report", ""]
    checked = f"{report.files_checked} checked"
    if report.files_not_checked:
        checked += f", {report.files_not_checked} could not be checked"
    if not findings:
        out += [f"No issues in {_plural(report.files_checked, 'file')} checked"
                + (f" ({report.files_not_checked} could not be checked)."
                   if report.files_not_checked else "."), ""]
        return "\n".join(out)
    files = {f.path for f in findings}
    fixable = sum(1 for f in findings if f.violation is not None and f.violation.fix is not None)
    out += [
        f"{_plural(len(findings), 'issue')} in {_plural(len(files), 'file')} "
        f"({checked}); {fixable} with an automatic fix.",
        "",
        "| Severity | Rule | Name | Issues | Fixable |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for severity in SEVERITY_ORDER:
        for code in sorted({f.code for f in findings if _severity(report, f) is severity}):
            of_code = [f for f in findings if f.code == code]
            fixes = sum(1 for f in of_code if f.violation is not None and f.violation.fix)
            out.append(f"| {severity.value} | {code} | {_name(report, code) or ''} | "
                       f"{len(of_code)} | {fixes} |")
    out.append("")
    sources: dict[str, SourceFile | None] = {}
    for severity in SEVERITY_ORDER:
        of_severity = [f for f in findings if _severity(report, f) is severity]
        if not of_severity:
            continue
        out += [f"## {severity.value.capitalize()}", ""]
        for path in _ordered(f.path for f in of_severity):
            out += [f"### `{_posix(path)}`", ""]
            if path not in sources:
                sources[path] = read(path)
            for finding in (f for f in of_severity if f.path == path):
                out += _markdown_finding(finding, sources[path])
    out += _use_instead(report, findings)
    return "\n".join(out).rstrip("\n") + "\n"


def _use_instead(report: Report, findings: Sequence[Finding]) -> list[str]:
    """The "Use instead" example of each reported rule, in the summary table's order."""
    from ..rules import RULES_BY_CODE

    out: list[str] = []
    for severity in SEVERITY_ORDER:
        for code in sorted({f.code for f in findings if _severity(report, f) is severity}):
            rule = RULES_BY_CODE.get(code)
            if rule is None:
                continue
            blocks = code_blocks(doc_sections(rule).get("Use instead", ""))
            if blocks:
                out += [f"### {code} {rule.name}", "", "```python",
                        *blocks[0].rstrip("\n").splitlines(), "```", ""]
    return ["## Use instead", "", *out] if out else []


def _markdown_finding(finding: Finding, source: SourceFile | None) -> list[str]:
    out = [f"- **line {_line(finding)}, column {finding.start_col + 1}**: `{finding.code}` "
           f"{finding.message}", ""]
    excerpt = _excerpt(finding, source)
    if excerpt:
        out += _indent(["```python", *excerpt, "```", ""])
    fix = finding.violation.fix if finding.violation is not None else None
    if fix is not None and source is not None:
        patched, applied = apply_fixes(source.text, [fix])
        if applied:
            label = "Fix" if fix.safe else "Fix (unsafe: applied only with `--unsafe-fixes`)"
            patch = unified_diff(finding.path, source.text, patched, context=1)
            out += _indent([f"{label}: {fix.description}", "", "```diff",
                            *patch.rstrip("\n").splitlines(), "```", ""])
    return out


def _excerpt(finding: Finding, source: SourceFile | None) -> list[str]:
    if source is None:
        excerpt = [finding.physical_line.rstrip("\r\n")] if finding.physical_line else []
    else:
        lines = source_lines(source.text)
        first, (end_line, _) = _line(finding), _end(finding)
        last = min(max(end_line, first), first + 5, len(lines))
        excerpt = [lines[i - 1].rstrip("\r\n") for i in range(first, last + 1)]
    # A file that does not parse may not be text (NUL bytes, random bytes).
    if finding.parse_error and not all(c.isprintable() or c == "\t" for c in "".join(excerpt)):
        return []
    return excerpt


def _indent(lines: Iterable[str]) -> list[str]:
    return [f"  {line}" if line else "" for line in lines]


def _ordered(paths: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _read_or_none(path: str) -> SourceFile | None:
    try:
        return SourceFile.read(path)
    except (OSError, UnicodeError, SyntaxError):
        return None


FORMATS: dict[str, Callable[[Report], str]] = {
    "json": to_json,
    "sarif": to_sarif,
    "github": to_github,
    "markdown": to_markdown,
}
