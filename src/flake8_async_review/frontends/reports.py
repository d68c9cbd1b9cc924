"""Report formats of the command line: JSON, SARIF 2.1.0, GitHub annotations, Markdown.

(The ``text`` format is flake8's own formatter, so it prints exactly what flake8 would.)
Every format takes the same :class:`Report`: the findings after noqa, selection and
``--diff``, in flake8's order, and the number of files checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.source import source_lines
from ..engine.fixes import apply_fixes
from ..engine.rule import Severity, code_blocks, doc_sections
from ..engine.violation import Fix
from ..rules import ALL_RULES, RULES_BY_CODE, Rule
from .core import Finding, SourceFile, unified_diff
from .rule_docs import rule_page

TOOL_NAME = "flake8-async-review"
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
# SARIF levels (and GitHub annotation levels) per severity.
_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error",
                Severity.MEDIUM: "warning", Severity.LOW: "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


@dataclass(frozen=True)
class Report:
    findings: Sequence[Finding]
    files_checked: int


def documentation_url() -> str | None:
    """The documentation site from the package metadata (``Project-URL: Documentation``)."""
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


def rule_url(code: str) -> str | None:
    base = documentation_url()
    return f"{base}/rules/{code}/" if base else None


def _rule(finding: Finding) -> type[Rule] | None:
    return RULES_BY_CODE.get(finding.code)


def _severity(finding: Finding) -> Severity:
    rule = _rule(finding)
    return rule.severity if rule is not None else Severity.MEDIUM


def _end(finding: Finding) -> tuple[int, int]:
    """End line and 0-based exclusive end column."""
    if finding.violation is not None:
        return finding.violation.end_line, finding.violation.end_col
    return finding.line, finding.col


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
        rule = _rule(finding)
        fix = finding.violation.fix if finding.violation is not None else None
        diagnostics.append({
            "path": _posix(finding.path),
            "line": finding.line,
            "column": finding.col + 1,
            "end_line": end_line,
            "end_column": end_col + 1,
            "code": finding.code,
            "name": rule.name if rule else None,
            "severity": _severity(finding).value,
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
        by_severity[_severity(finding).value] += 1
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
        if finding.violation is not None and finding.violation.fix is not None:
            fixable += 1
    return {
        "files_checked": report.files_checked,
        "diagnostics": len(report.findings),
        "fixable": fixable,
        "by_severity": by_severity,
        "by_code": dict(sorted(by_code.items())),
    }


# -- SARIF -------------------------------------------------------------------------------


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _sarif_rule(rule: type[Rule]) -> dict[str, Any]:
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
    url = rule_url(rule.code)
    if url:
        entry["helpUri"] = url
    return entry


def _page_without_marker(rule: type[Rule]) -> str:
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
    """SARIF 2.1.0, as GitHub code scanning accepts it: every rule (with help text),
    one result per finding with its region, and the fix as artifact changes."""
    rules = list(ALL_RULES)
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for finding in report.findings:
        end_line, end_col = _end(finding)
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": _SARIF_LEVEL[_severity(finding)],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(finding),
                "region": _region(finding.line, finding.col, end_line, end_col),
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
        "rules": [_sarif_rule(rule) for rule in rules],
    }
    base = documentation_url()
    if base:
        driver["informationUri"] = base
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
        rule = _rule(finding)
        title = f"{finding.code} {rule.name}" if rule else finding.code
        properties = [
            f"file={_escape_property(_posix(finding.path))}",
            f"line={finding.line}",
            f"endLine={end_line}",
            f"col={finding.col + 1}",
        ]
        if end_line == finding.line:  # GitHub ignores endColumn across lines.
            properties.append(f"endColumn={end_col + 1}")
        properties.append(f"title={_escape_property(title)}")
        level = _GITHUB_LEVEL[_SARIF_LEVEL[_severity(finding)]]
        lines.append(f"::{level} {','.join(properties)}::"
                     f"{_escape_data(f'{finding.code} {finding.message}')}")
    return "".join(line + "\n" for line in lines)


# -- Markdown review report --------------------------------------------------------------------


def to_markdown(report: Report, read: Callable[[str], SourceFile | None] | None = None) -> str:
    """A review report: a summary table by severity and rule, then the findings by
    severity and file, each with the code, the rule's "Use instead", and the exact patch
    when a fix exists."""
    read = read or _read_or_none
    findings = list(report.findings)
    out = ["# flake8-async-review report", ""]
    if not findings:
        out += [f"No issues in {_plural(report.files_checked, 'file')} checked.", ""]
        return "\n".join(out)
    files = {f.path for f in findings}
    fixable = sum(1 for f in findings if f.violation is not None and f.violation.fix is not None)
    out += [
        f"{_plural(len(findings), 'issue')} in {_plural(len(files), 'file')} "
        f"({report.files_checked} checked); {fixable} with an automatic fix.",
        "",
        "| Severity | Rule | Name | Issues | Fixable |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for severity in SEVERITY_ORDER:
        for code in sorted({f.code for f in findings if _severity(f) is severity}):
            of_code = [f for f in findings if f.code == code]
            rule = RULES_BY_CODE.get(code)
            fixes = sum(1 for f in of_code if f.violation is not None and f.violation.fix)
            out.append(f"| {severity.value} | {code} | {rule.name if rule else ''} | "
                       f"{len(of_code)} | {fixes} |")
    out.append("")
    sources: dict[str, SourceFile | None] = {}
    for severity in SEVERITY_ORDER:
        of_severity = [f for f in findings if _severity(f) is severity]
        if not of_severity:
            continue
        out += [f"## {severity.value.capitalize()}", ""]
        for path in _ordered(f.path for f in of_severity):
            out += [f"### `{_posix(path)}`", ""]
            if path not in sources:
                sources[path] = read(path)
            for finding in (f for f in of_severity if f.path == path):
                out += _markdown_finding(finding, sources[path])
    return "\n".join(out).rstrip("\n") + "\n"


def _markdown_finding(finding: Finding, source: SourceFile | None) -> list[str]:
    rule = _rule(finding)
    out = [f"- **line {finding.line}, column {finding.col + 1}**: `{finding.code}` "
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
    if rule is not None:
        use_instead = doc_sections(rule).get("Use instead", "")
        blocks = code_blocks(use_instead)
        if blocks:
            out += _indent(["<details><summary>Use instead</summary>", "", "```python",
                            *blocks[0].rstrip("\n").splitlines(), "```", "", "</details>", ""])
    return out


def _excerpt(finding: Finding, source: SourceFile | None) -> list[str]:
    if source is None:
        return [finding.physical_line.rstrip("\r\n")] if finding.physical_line else []
    lines = source_lines(source.text)
    end_line, _ = _end(finding)
    last = min(max(end_line, finding.line), finding.line + 5, len(lines))
    return [lines[i - 1].rstrip("\r\n") for i in range(finding.line, last + 1)]


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
