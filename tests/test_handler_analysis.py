"""The shared analysis of ``except`` clauses (ASR201, ASR202, ASR204, ASR205, ASR909):
what a clause catches is read first, through any import that renames a class, and its
body is walked only for a clause that could get a code, once whichever rules ask."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Iterator

import pytest

from flake8_async_review.engine.context import Context
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.rules.common import handlers

HANDLER_CODES = ("ASR201", "ASR202", "ASR204", "ASR205")


def codes(source: str, *selected: str) -> list[str]:
    linter = Linter(rules=[RULES_BY_CODE[code] for code in selected or HANDLER_CODES])
    return [v.code for v in lint_source(textwrap.dedent(source), "app/module.py", linter)]


def around_an_await(imports: str, clause: str) -> str:
    return (f"{imports}\n\n\nasync def consume(queue):\n    try:\n        await queue.get()\n"
            f"    {clause}\n        pass\n")


@pytest.mark.parametrize(
    ("imports", "clause"),
    [
        ("from asyncio import CancelledError as Stop", "except Stop:"),
        ("from asyncio import (\n    CancelledError  # asked for\n    as Stop,\n)", "except Stop:"),
        ("from asyncio import CancelledError \\\n    as Stop", "except Stop:"),
        ("from asyncio import CancelledError as \uff33top", "except Stop:"),
        ("from trio import Cancelled as Stop", "except (ValueError, Stop):"),
        ("from anyio import get_cancelled_exc_class as cancelled_class",
         "except cancelled_class():"),
        ("import asyncio.exceptions as failures", "except failures.CancelledError:"),
    ],
    ids=["renamed", "renamed over lines", "line continuation", "unicode name", "in a tuple",
         "factory renamed", "module renamed"],
)
def test_a_renamed_cancellation_class_is_still_cancellation(imports: str, clause: str) -> None:
    assert codes(around_an_await(imports, clause)) == ["ASR204"]


def test_a_class_renamed_inside_the_function_is_still_cancellation() -> None:
    source = """\
        async def consume(queue):
            from asyncio import CancelledError as Stop
            try:
                await queue.get()
            except Stop:
                pass
        """
    assert codes(source) == ["ASR204"]


@pytest.mark.parametrize(
    ("imports", "clause"),
    [
        ("", "except Stop:"),
        ("from asyncio import CancelledError as Stop\nStop = ValueError", "except Stop:"),
        ("from app.errors import Cancelled as Stop", "except Stop:"),
    ],
    ids=["unknown name", "rebound name", "another module's class"],
)
def test_a_name_that_is_no_cancellation_class_is_not(imports: str, clause: str) -> None:
    assert codes(around_an_await(imports, clause)) == []


@pytest.mark.parametrize(
    ("imports", "earlier", "expected"),
    [
        ("from builtins import KeyboardInterrupt as Interrupted", "Interrupted", []),
        ("import builtins as b", "b.SystemExit", []),
        ("", "ValueError", ["ASR202"]),
    ],
)
def test_an_earlier_clause_that_handles_stop_requests_under_another_name(
        imports: str, earlier: str, expected: list[str]) -> None:
    source = (f"{imports}\n\n\ndef run(job):\n    try:\n        job()\n"
              f"    except {earlier}:\n        raise\n    except:\n        job.fail()\n")
    assert codes(source) == expected


def test_base_exception_through_the_builtins_module() -> None:
    source = """\
        import builtins as b


        def run(job):
            try:
                job()
            except b.BaseException:
                job.fail()
        """
    assert codes(source) == ["ASR205"]


def test_only_the_clauses_that_could_get_a_code_have_their_body_walked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = """\
        async def consume(queue):
            try:
                await queue.get()
            except ValueError:
                narrow_clause()
            except Exception:
                pass
            try:
                await queue.get()
            except Exception:
                broad_clause_that_logs()
        """
    walked: list[str] = []
    walk = handlers.statement_nodes

    def recording(statements: Iterable[ast.stmt]) -> Iterator[ast.AST]:
        statements = list(statements)
        walked.extend(ast.unparse(statement) for statement in statements)
        return walk(statements)

    monkeypatch.setattr(handlers, "statement_nodes", recording)
    assert codes(source) == ["ASR201"]
    assert "pass" in walked  # The silent broad clause, to see that it does not raise.
    assert "narrow_clause()" not in walked
    assert "broad_clause_that_logs()" not in walked


def test_a_clause_body_is_walked_once_for_every_rule_that_asks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = """\
        import logging

        logger = logging.getLogger(__name__)


        def run(job):
            try:
                job()
            except BaseException as error:
                logger.error("job failed: %s", error)
                logger.error("giving up on %s", job)
        """
    asked: list[int] = []
    raises = handlers._raises

    def counting(handler: ast.ExceptHandler, context: Context) -> bool:
        asked.append(handler.lineno)
        return raises(handler, context)

    monkeypatch.setattr(handlers, "_raises", counting)
    assert codes(source, *HANDLER_CODES, "ASR909") == ["ASR205", "ASR909", "ASR909"]
    assert asked == [9]
