"""Every fixture, checked through the real flake8: the exact diagnostics, noqa, fixes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from harness import Diagnostic, Fixture, all_fixtures, only, run_flake8

from flake8_async_review.engine.linter import Linter, fix_text
from flake8_async_review.rules import RULES_BY_CODE

FIXTURES = all_fixtures()
IDS = [f.path.name for f in FIXTURES]


@cache
def _flake8_results(args: tuple[str, ...]) -> dict[Path, set[Diagnostic]]:
    """One flake8 run for all fixtures that share the same options."""
    return run_flake8([f.path for f in FIXTURES if f.args == args], args)


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_reports_exactly_the_annotated_diagnostics(fixture: Fixture) -> None:
    expected = fixture.expected()
    assert expected, "a fixture needs positive cases"
    found = only(fixture.code, _flake8_results(fixture.args)[fixture.path.resolve()])
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_noqa_silences_every_diagnostic(fixture: Fixture, tmp_path: Path) -> None:
    silenced = tmp_path / fixture.path.name
    silenced.write_text(fixture.with_noqa(), encoding="utf-8")
    found = only(fixture.code, run_flake8([silenced], fixture.args)[silenced.resolve()])
    assert found == set()


WITH_FIXES = [f for f in FIXTURES if f.fixed_twin.exists()]
# A fixture's unsafe fixes are shown by a `<fixture>.unsafe-fixed` twin: the text once
# safe and unsafe fixes are applied (where it differs from the safe `.fixed` twin).
WITH_UNSAFE_FIXES = [f for f in FIXTURES if f.path.with_name(f.path.name + ".unsafe-fixed").exists()]


def _fixes_give_the_twin(fixture: Fixture, twin: Path, unsafe: bool) -> None:
    linter = Linter([RULES_BY_CODE[fixture.code]], fixture.settings)
    once = fix_text(fixture.text, str(fixture.path), linter, unsafe=unsafe)
    assert once.error is None
    assert once.applied > (fix_text(fixture.text, str(fixture.path), linter).applied if unsafe else 0)
    assert once.text == twin.read_text(encoding="utf-8")
    twice = fix_text(once.text, str(fixture.path), linter, unsafe=unsafe)
    assert (twice.text, twice.applied) == (once.text, 0)


@pytest.mark.parametrize("fixture", WITH_FIXES, ids=[f.path.name for f in WITH_FIXES])
def test_safe_fixes_give_the_fixed_twin_and_are_idempotent(
        fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # As flake8 runs in the harness: from the fixtures' directory, where a fixture is a
    # top-level module of the application, not a file under tests/.
    monkeypatch.chdir(fixture.path.parent)
    _fixes_give_the_twin(fixture, fixture.fixed_twin, unsafe=False)


@pytest.mark.parametrize("fixture", WITH_UNSAFE_FIXES, ids=[f.path.name for f in WITH_UNSAFE_FIXES])
def test_unsafe_fixes_give_the_unsafe_fixed_twin_and_are_idempotent(
        fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture.path.parent)
    _fixes_give_the_twin(fixture, fixture.path.with_name(fixture.path.name + ".unsafe-fixed"), unsafe=True)
