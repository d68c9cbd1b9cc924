"""The tree walks of the analysis: the nodes ``ast`` gives, less expression contexts and
operators, in ``ast``'s order; and the statements of a body, in source order."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from flake8_async_review.analysis.nodes import child_nodes, walk
from flake8_async_review.analysis.scopes import Scope, statements_of

_LEFT_OUT = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.py"))

_EVERY_STATEMENT = """
import os, os.path as p
from . import x
from a import *
async def f(a, /, b=1, *c, d, **e):
    global g
    x = y = 1
    x: int = 2
    x += 1
    [a, (b, *c)] = z
    for i in j:
        async with k as (l, m), n:
            pass
    else:
        del q
    while w:
        break
    try:
        import sys
    except E as err:
        raise
    else:
        lam = lambda v: v
    finally:
        assert t, "m"
    match s:
        case {"k": v, **rest} if v > 0:
            return [u async for u in v if not u]
        case [1, *others] | Point(x=0, y=hole):
            print(f"{hole!r:>{width}}", (walrus := 3))
    class C(B, metaclass=M):
        attribute = 1
        def method(self): ...
"""
_EXCEPT_STAR = """
try:
    pass
except* ValueError as group:
    caught = group
else:
    done = 1
"""


def _sources() -> list[str]:
    sources = [_EVERY_STATEMENT] + [path.read_text(encoding="utf-8") for path in _FIXTURES]
    if sys.version_info >= (3, 11):
        sources.append(_EXCEPT_STAR)
    return sources


def _reference_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """What :func:`statements_of` yields, written plainly (recursively)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _reference_statements(getattr(statement, name, None) or [])
        for handler in getattr(statement, "handlers", None) or []:
            yield from _reference_statements(handler.body)
        for case in getattr(statement, "cases", None) or []:
            yield from _reference_statements(case.body)


def _check_walks(tree: ast.AST) -> None:
    expected = [node for node in ast.walk(tree) if not isinstance(node, _LEFT_OUT)]
    assert list(walk(tree)) == expected
    for node in expected:
        assert child_nodes(node) == [
            child for child in ast.iter_child_nodes(node) if not isinstance(child, _LEFT_OUT)]
        body = getattr(node, "body", None)
        if isinstance(body, list):
            assert list(statements_of(body)) == list(_reference_statements(body))


@pytest.mark.parametrize("source", _sources(), ids=lambda s: s.split("\n", 2)[1][:30])
def test_walks_match_ast_less_contexts_and_operators(source: str) -> None:
    _check_walks(ast.parse(source))


def test_the_walk_leaves_out_only_contexts_and_operators() -> None:
    tree = ast.parse(_EVERY_STATEMENT)
    left_out = {type(node) for node in ast.walk(tree)} - {type(node) for node in walk(tree)}
    assert left_out and all(issubclass(kind, _LEFT_OUT) for kind in left_out)


def test_scope_bindings_through_every_statement() -> None:
    function = next(node for node in ast.parse(_EVERY_STATEMENT).body
                    if isinstance(node, ast.AsyncFunctionDef))
    scope = Scope(function)
    assert scope.bindings == {
        **dict.fromkeys(("a", "b", "c", "d", "e"), None),
        "x": None, "y": None, "i": None, "l": None, "m": None, "sys": "sys",
        "err": None, "lam": None, "C": None, "v": None, "rest": None, "others": None,
        "hole": None, "walrus": None,
    }
    module = Scope(ast.parse(_EVERY_STATEMENT))
    assert module.star_import
    assert {name: module.bindings[name] for name in ("os", "p", "x", "f")} == {
        "os": "os", "p": "os.path", "x": None, "f": None}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11 syntax")
def test_scope_binds_the_name_of_an_except_star_clause() -> None:
    assert set(Scope(ast.parse(_EXCEPT_STAR)).bindings) == {"group", "caught", "done"}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_walks_match_ast_on_generated_programs(source: str) -> None:
    _check_walks(ast.parse(source))
