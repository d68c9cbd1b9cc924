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
    linter = Linter([_Spy, _OwnTextSpy], Settings(project_inference=tier))
    return {violation.code for violation in linter.lint(ast.parse(text), source_lines(text), str(path))}


def test_imported_modules_text_counts_for_a_rule_that_searches_it(routes: Path) -> None:
    assert _codes(routes, tier=True) == {"ASR990"}


def test_a_rule_with_triggers_in_its_own_text_does_not_search_imports(routes: Path) -> None:
    assert "ASR991" not in _codes(routes, tier=True)


def test_the_tier_off_searches_no_other_module(routes: Path) -> None:
    assert _codes(routes, tier=False) == set()


def test_the_own_text_still_triggers_both(routes: Path) -> None:
    routes.write_text("class Local:\n    pass\n", encoding="utf-8")
    assert _codes(routes, tier=True) == {"ASR990", "ASR991"}


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
