"""Rule documentation pages, generated from the rule classes' docstrings.

``python -m flake8_async_review.frontends.rule_docs`` rewrites ``docs/rules/``;
``--check`` only reports whether the pages are current (the test suite runs it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.roles import ALL_ROLES, Role
from ..engine.rule import Rule, doc_sections
from ..rules import ALL_RULES

_GENERATED = "<!-- Generated from the rule's docstring by flake8_async_review.frontends.rule_docs. -->"


def rule_page(rule: type[Rule]) -> str:
    """The Markdown page of one rule."""
    default = "off (opt-in)" if rule.opt_in() else "on"
    lines = [
        _GENERATED,
        f"# {rule.code}: {rule.name}",
        "",
        "| Code | Name | Severity | Default | Fix |",
        "| --- | --- | --- | --- | --- |",
        f"| `{rule.code}` | `{rule.name}` | {rule.severity.value} | {default} | "
        f"{rule.fix_class()} |",
        "",
        f"Message: {rule.code} {rule.message.replace('{}', '…')}",
        "",
    ]
    sections = doc_sections(rule)
    sections["Where it applies"] = _where_it_applies(rule, sections.get("Where it applies"))
    for title in sorted(sections, key=_SECTION_ORDER.index):
        lines += [f"## {title}", "", sections[title], ""]
    return "\n".join(lines)


_SECTION_ORDER = ["What it does", "Why is this bad?", "Example", "Use instead",
                  "Where it applies", "Options", "Fix"]
_ROLE_WORDS = {
    Role.APP: "application code", Role.TEST: "tests", Role.SCRIPT: "scripts",
    Role.MIGRATION: "migrations",
}


def roles_text(rule: type[Rule]) -> str:
    """The roles a rule checks, in words: "application code and scripts"."""
    if rule.roles == ALL_ROLES:
        return "every file"
    words = [_ROLE_WORDS[role] for role in Role if role in rule.roles]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _where_it_applies(rule: type[Rule], own: str | None) -> str:
    text = (
        f"Checks {roles_text(rule)}. Files are classified once as application code, "
        "tests, scripts or migrations (`flake8-async-review roles PATH` shows how and "
        "why); `--asr-check-roles` checks other roles with every rule."
    )
    return f"{text}\n\n{own}" if own else text


def index_page() -> str:
    lines = [
        _GENERATED,
        "# Rules",
        "",
        "Codes `ASR9xx` are opt-in: select them with `--extend-select`.",
        "",
        fix_summary(),
        "",
        "| Code | Name | Severity | Default | Checks | Fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in ALL_RULES:
        default = "off" if rule.opt_in() else "on"
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | "
            f"{default} | {roles_text(rule)} | {rule.fix_class()} |"
        )
    return "\n".join(lines) + "\n"


def fix_summary() -> str:
    """How many rules fix what they find, in words, from the rules themselves."""
    default_on = [rule for rule in ALL_RULES if not rule.opt_in()]
    fixing = [rule for rule in default_on if rule.fixable()]
    with_safe = [rule for rule in fixing if rule.fix_class() in ("safe", "safe and unsafe")]
    return (
        f"{len(fixing)} of the {len(default_on)} rules on by default offer a fix (the Fix "
        f"column): `flake8-async-review fix` applies the safe ones ({len(with_safe)} rules "
        "have some), `--unsafe-fixes` the unsafe ones too, which may change what the code "
        "does and are worth a review; each rule's page says what its fix does and why it "
        "is safe or not, or why it has none."
    )


def expected_pages() -> dict[str, str]:
    pages = {f"{rule.code}.md": rule_page(rule) for rule in ALL_RULES}
    pages["index.md"] = index_page()
    return pages


def stale_pages(rules_dir: Path) -> list[str]:
    """Names of pages that are missing, different, or left over from removed rules."""
    expected = expected_pages()
    stale = [
        name
        for name, text in expected.items()
        if not (rules_dir / name).is_file()
        or (rules_dir / name).read_text(encoding="utf-8") != text
    ]
    if rules_dir.is_dir():
        stale += [p.name for p in rules_dir.glob("*.md") if p.name not in expected]
    return sorted(stale)


def write_pages(rules_dir: Path) -> None:
    rules_dir.mkdir(parents=True, exist_ok=True)
    expected = expected_pages()
    for leftover in rules_dir.glob("*.md"):
        if leftover.name not in expected:
            leftover.unlink()
    for name, text in expected.items():
        (rules_dir / name).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules-dir", type=Path, default=Path("docs/rules"))
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    options = parser.parse_args(argv)
    if options.check:
        stale = stale_pages(options.rules_dir)
        for name in stale:
            print(f"stale: {options.rules_dir / name}", file=sys.stderr)
        return 1 if stale else 0
    write_pages(options.rules_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
