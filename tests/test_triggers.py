"""Text triggers and the project: the text of the modules a file imports from counts
for a rule's triggers, unless the rule declares that its triggers are syntax of the
file itself."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import ClassVar

import pytest

from flake8_async_review.analysis import project
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.context import Context
from flake8_async_review.engine.linter import Linter
from flake8_async_review.engine.rule import Rule, Severity
from flake8_async_review.settings import Settings


class _Spy(Rule):
    """Reports every module it is run on."""

    code = "ASR990"
    name = "spy"
    message = "walked"
    severity = Severity.LOW
    required_text = ("class",)
    roles = frozenset(Rule.roles)

    def visit_Module(self, node: ast.Module, context: Context) -> None:
        context.report(self, ast.Pass(lineno=1, col_offset=0))


class _OwnTextSpy(_Spy):
    code = "ASR991"
    triggers_in_own_text: ClassVar[bool] = True


class _PartlyOwnTextSpy(_Spy):
    """Needs `class` in the file itself, and `dataclass` anywhere (its own text, or an
    imported module's)."""

    code = "ASR992"
    required_text = ("class", "dataclass")
    own_text: ClassVar[frozenset[str]] = frozenset({"class"})


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    # The word "class" is only in the imported module's imports.
    (package / "models.py").write_text("from dataclasses import dataclass\n\n\nthing = 1\n",
                                       encoding="utf-8")
    path = package / "routes.py"
    path.write_text("from app.models import thing\n\nvalue = thing\n", encoding="utf-8")
    project.clear_cache()
    return path


def _codes(path: Path, tier: bool) -> set[str]:
    text = path.read_text(encoding="utf-8")
    linter = Linter([_Spy, _OwnTextSpy, _PartlyOwnTextSpy], Settings(project_inference=tier))
    return {violation.code for violation in linter.lint(ast.parse(text), source_lines(text), str(path))}


def test_imported_modules_text_counts_for_a_rule_that_searches_it(routes: Path) -> None:
    assert _codes(routes, tier=True) == {"ASR990"}


def test_a_rule_with_triggers_in_its_own_text_does_not_search_imports(routes: Path) -> None:
    assert "ASR991" not in _codes(routes, tier=True)


def test_the_tier_off_searches_no_other_module(routes: Path) -> None:
    assert _codes(routes, tier=False) == set()


def test_the_own_text_still_triggers_both(routes: Path) -> None:
    routes.write_text("class Local:\n    pass\n", encoding="utf-8")
    assert _codes(routes, tier=True) >= {"ASR990", "ASR991"}


def test_an_own_text_entry_is_never_supplied_by_an_import(routes: Path) -> None:
    """`class` and `dataclass` are both in the imported module only: the rule that
    needs `class` in the file itself stays off."""
    assert "ASR992" not in _codes(routes, tier=True)


def test_the_other_entries_may_come_from_an_import(routes: Path) -> None:
    """`class` in the file, `dataclass` only in the module it imports from."""
    routes.write_text("from app.models import thing\n\n\nclass Local:\n    pass\n",
                      encoding="utf-8")
    assert "ASR992" in _codes(routes, tier=True)
    assert "ASR992" not in _codes(routes, tier=False)


def test_blocking_rules_need_async_in_the_file_itself() -> None:
    """They report only in an `async def` of the file: a module imported with an
    `async def` of its own does not turn them on."""
    from flake8_async_review.rules.common.blocking import BlockingCallRule

    assert all("async" in rule.own_text and "async" in rule.required_text
               for rule in BlockingCallRule.family() if rule.async_calls_only)


def test_every_settings_base_is_named_base_settings() -> None:
    """ASR403 looks further in a file that defines a class only when its text holds
    ``BaseSettings``: every base that makes a settings class must be named so."""
    from flake8_async_review.analysis.settings_classes import SETTINGS_BASES

    assert all(base.rpartition(".")[2] == "BaseSettings" for base in SETTINGS_BASES)


def test_settings_class_of_an_aliased_module_is_still_looked_at(tmp_path: Path) -> None:
    from flake8_async_review.rules.unknown_settings_attribute import UnknownSettingsAttribute

    text = (
        "import pydantic_settings as ps\n\n\n"
        "class Settings(ps.BaseSettings):\n    token: str = ''\n\n\n"
        "settings = Settings()\nvalue = settings.tokn\n"
    )
    path = tmp_path / "config.py"
    linter = Linter([UnknownSettingsAttribute], Settings(project_inference=False))
    found = linter.lint(ast.parse(text), source_lines(text), str(path))
    assert [(v.code, v.line) for v in found] == [("ASR403", 9)]


def test_own_text_entries_are_required_texts() -> None:
    """A rule's ``own_text`` names entries of its ``required_text`` (a single text, not
    one of several alternatives), or it would change nothing."""
    from flake8_async_review.rules import ALL_RULES

    for rule in ALL_RULES:
        assert rule.own_text <= {entry for entry in rule.required_text if isinstance(entry, str)}, rule
