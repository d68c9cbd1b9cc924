"""Every rule is complete: well-formed code and name, fixture, docs, changelog, sections."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from harness import PROJECT_CODES, PROJECTS, all_fixtures, annotated, project_sources

from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.engine.rule import (
    DOC_SECTIONS,
    OPTIONAL_DOC_SECTIONS,
    Rule,
    Severity,
    code_blocks,
    doc_sections,
)
from flake8_async_review.frontends.rule_docs import stale_pages
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import Settings

ROOT = Path(__file__).parent.parent
RULE_IDS = [rule.code for rule in ALL_RULES]


def test_codes_and_names_are_well_formed_and_unique() -> None:
    codes = [rule.code for rule in ALL_RULES]
    names = [rule.name for rule in ALL_RULES]
    assert all(re.fullmatch(r"ASR\d{3}", code) for code in codes)
    assert all(re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", name) for name in names)
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert codes == sorted(codes), "the registry lists rules in code order"


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_metadata(rule: type[Rule]) -> None:
    assert isinstance(rule.severity, Severity)
    assert rule.message and "\n" not in rule.message
    assert rule.handled_node_types(), "a rule handles at least one node type"


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_docstring_has_the_sections_in_order(rule: type[Rule]) -> None:
    titles = list(doc_sections(rule))
    assert titles[: len(DOC_SECTIONS)] == list(DOC_SECTIONS)
    assert set(titles[len(DOC_SECTIONS) :]) <= set(OPTIONAL_DOC_SECTIONS)
    assert all(doc_sections(rule).values()), "no empty section"


def _example_settings(example: str) -> Settings:
    """Options an example states in a ``# setup.cfg: asr-name = value`` comment."""
    raw = {f"--{name}": value.strip()
           for name, value in re.findall(r"#\s*setup\.cfg:\s*(asr-[a-z-]+)\s*=\s*(.*)", example)}
    return Settings.from_strings(raw)


def _write_env_example(example: str, project: Path) -> None:
    """The project's ``.env.example``: the lines an example states in
    ``# .env.example: KEY=value`` comments (none: no such file)."""
    from flake8_async_review.analysis.project import clear_cache

    lines = re.findall(r"^#\s*\.env\.example:\s?(.*)$", example, flags=re.MULTILINE)
    target = project / ".env.example"
    if lines:
        target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    else:
        target.unlink(missing_ok=True)
    clear_cache()


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_example_triggers_the_rule_and_use_instead_does_not(rule: type[Rule], tmp_path: Path) -> None:
    """Each example is a module of a project of its own, which declares no dependency
    and has a settings module, as a service has (so that nothing around this repository
    decides the outcome)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "example"\ndependencies = []\n')
    (tmp_path / "config.py").write_text(
        "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        "    sentry_dsn: str | None = None\n")
    sections = doc_sections(rule)
    linter = Linter([rule], _example_settings(sections["Example"]))
    for example in code_blocks(sections["Example"]):
        _write_env_example(example, tmp_path)
        found = lint_source(example, str(tmp_path / "example.py"), linter)
        assert any(v.code == rule.code for v in found)
    for better in code_blocks(sections["Use instead"]):
        _write_env_example(better, tmp_path)
        assert lint_source(better, str(tmp_path / "better.py"), linter) == []
    assert code_blocks(sections["Example"]) and code_blocks(sections["Use instead"])


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_has_a_fixture_with_positives_and_negatives(rule: type[Rule]) -> None:
    """A fixture in tests/fixtures/; or, for a rule whose findings depend on the project
    around a file (its declared dependencies, whether it has a settings class), cases in
    the projects under tests/projects/, which declare what the rule reads."""
    fixtures = [f for f in all_fixtures() if f.code == rule.code]
    if not fixtures and rule.code in PROJECT_CODES:
        _assert_project_cases(rule.code)
        return
    assert fixtures, f"tests/fixtures/{rule.code}.py is missing"
    assert any(f.expected() for f in fixtures), "no positive case"
    assert any(_has_unannotated_definition(f.text) for f in fixtures), "no negative case"


def _assert_project_cases(code: str) -> None:
    """Some project reports the code, and some top-level definition of a project that
    reports it is expected to stay silent."""
    projects = [p for p in sorted(PROJECTS.iterdir()) if p.is_dir()]
    reporting = [p for p in projects
                 if any(d[2] == code for m in project_sources(p) for d in annotated(m))]
    assert reporting, f"no tests/fixtures/{code}.py and no project under tests/projects/ reports it"
    assert any(_has_unannotated_definition(m.read_text(encoding="utf-8"), code)
               for p in reporting for m in project_sources(p)), "no negative case"


def _has_unannotated_definition(text: str, code: str = r"ASR\d{3}") -> bool:
    """Some top-level function or class holds no expected diagnostic (of ``code``): a
    negative case."""
    annotated_lines = {n for n, line in enumerate(text.splitlines(), 1)
                       if re.search(rf"#.*{code}:", line)}
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not annotated_lines & set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for node in ast.parse(text).body
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_changelog_mentions_the_code(rule: type[Rule]) -> None:
    assert rule.code in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_generated_rule_pages_are_current() -> None:
    stale = stale_pages(ROOT / "docs" / "rules")
    assert stale == [], "run: python -m flake8_async_review.frontends.rule_docs"


def test_every_fixture_belongs_to_a_registered_rule() -> None:
    assert {f.code for f in all_fixtures()} <= set(RULE_IDS)


def _numbered_steps(text: str, heading: str) -> str:
    section = text[text.index(heading):]
    return section[section.index("1. "):].split("\n\n", 1)[0].rstrip("\n")


def test_the_architecture_page_has_the_readmes_steps_for_adding_a_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert _numbered_steps(architecture, "### A rule") == _numbered_steps(readme, "## Adding a rule")


# Modules run by name rather than imported: the flake8 entry point, `python -m`, the
# console script, and the docs generator.
_ENTRY_POINTS = {"flake8_async_review.plugin", "flake8_async_review.__main__",
                 "flake8_async_review.frontends.cli", "flake8_async_review.frontends.rule_docs"}


def test_every_module_of_the_package_has_a_caller() -> None:
    package = ROOT / "src" / "flake8_async_review"
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    imported: set[str] = set()
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = here.split(".")
                base = base[:len(base) - node.level + 1] if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                imported.add(target)
                imported.update(f"{target}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    uncalled = sorted(set(modules) - imported - packages - _ENTRY_POINTS)
    assert uncalled == []
