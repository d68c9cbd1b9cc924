"""ASR2xx beyond the fixtures: one code per except clause, precedence, ``except*``."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from harness import FIXTURES

from flake8_async_review.engine import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE

HANDLER_CODES = ("ASR201", "ASR202", "ASR204", "ASR205")


def codes(source: str, *selected: str) -> list[tuple[int, str]]:
    linter = Linter(rules=[RULES_BY_CODE[c] for c in selected or RULES_BY_CODE])
    return [(v.line, v.code) for v in lint_source(textwrap.dedent(source), "module.py", linter)]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("ASR20*.py")), ids=lambda p: p.name)
def test_an_except_clause_gets_at_most_one_of_the_handler_codes(fixture: Path) -> None:
    found = codes(fixture.read_text(encoding="utf-8"), *HANDLER_CODES)
    lines = [line for line, _ in found]
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("except:\n        pass", "ASR204"),
        ("except BaseException:\n        pass", "ASR204"),
        ("except BaseException:\n        log()", "ASR204"),
        ("except:\n        log()", "ASR204"),
        ("except Exception:\n        pass", "ASR201"),
        ("except Exception:\n        log()", None),
        ("except:\n        raise", None),
    ],
)
def test_precedence_around_an_await(handler: str, expected: str | None) -> None:
    source = f"async def f(x):\n    try:\n        await x()\n    {handler}\n"
    assert [code for _, code in codes(source, *HANDLER_CODES)] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("except:\n        pass", "ASR201"),
        ("except BaseException:\n        pass", "ASR201"),
        ("except BaseException:\n        log()", "ASR205"),
        ("except:\n        log()", "ASR202"),
        ("except asyncio.CancelledError:\n        pass", None),
    ],
)
def test_precedence_without_an_await(handler: str, expected: str | None) -> None:
    source = f"import asyncio\nasync def f(x):\n    try:\n        x()\n    {handler}\n"
    assert [code for _, code in codes(source, *HANDLER_CODES)] == ([expected] if expected else [])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11+")
def test_except_star_clauses() -> None:
    source = """
    import asyncio
    async def f(x):
        try:
            await x()
        except* asyncio.CancelledError:
            pass
        try:
            x()
        except* Exception:
            pass
    """
    linter = Linter(rules=[RULES_BY_CODE[c] for c in HANDLER_CODES])
    found = lint_source(textwrap.dedent(source), "m.py", linter)
    assert [(v.code, v.message.split("`")[1]) for v in found] == [
        ("ASR204", "except* asyncio.CancelledError"),
        ("ASR201", "except* Exception"),
    ]
