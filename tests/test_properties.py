"""The plugin never raises, whatever valid program it is given."""

from __future__ import annotations

import ast
import warnings

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_review.engine.linter import Linter
from flake8_async_review.frontends.flake8_plugin import Plugin
from flake8_async_review.rules import ALL_RULES

# Every rule walks every file: text triggers would otherwise skip most generated code.
LINTER = Linter(ALL_RULES, text_triggers=False)
BOUNDS = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def lint(source: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    LINTER.lint(tree, source.splitlines(keepends=True), "generated.py")
    list(Plugin(tree, source.splitlines(keepends=True), "generated.py").run())


@BOUNDS
@given(hypothesmith.from_grammar())
def test_never_raises_on_grammar_generated_programs(source: str) -> None:
    lint(source)


@BOUNDS
@given(hypothesmith.from_node())
def test_never_raises_on_node_generated_programs(source: str) -> None:
    lint(source)


_CALLS = st.sampled_from(
    ["time.sleep(1)", "sleep(x)", "pause()", "t.sleep(*a, **k)", "time.sleep", "(time.sleep)(1)",
     "time.sleep(1).x", "time.sleep(1)[0]", "f(time.sleep(1))", "await time.sleep(1)"]
)
_WRAPPERS = st.sampled_from(
    ["{c}", "x = {c}", "return {c}", "lambda: {c}", "[{c} for _ in y]", "(yield {c})",
     "def g(a={c}): pass", "with {c}: pass", "try:\n        {c}\n    except E: pass"]
)
_IMPORTS = st.sampled_from(
    ["import time", "from time import sleep", "from time import sleep as pause",
     "import time as t", "from time import *", "", "import asyncio\nimport time"]
)


@BOUNDS
@given(_IMPORTS, _WRAPPERS, _CALLS, st.booleans())
def test_never_raises_and_fixes_still_parse(imports: str, wrapper: str, call: str,
                                            is_async: bool) -> None:
    from flake8_async_review.engine.linter import fix_text

    body = wrapper.format(c=call)
    source = f"{imports}\n{'async ' if is_async else ''}def f():\n    {body}\n"
    lint(source)
    outcome = fix_text(source, "generated.py", LINTER, unsafe=True)
    assert outcome.error is None  # Every fix, even unsafe, leaves code that parses.


_NAMES = st.sampled_from(["a", "b", "c"])
_VALUES = st.sampled_from(
    ["self.{n}", "self.{n}.copy()", "redis.Redis()", "{n}", "{n}.x()", "None", "Session()",
     "SessionLocal()", "self.{n}.query(User).first()", "Path('x') / self.{n}"]
)


@st.composite
def _classes(draw: st.DrawFn) -> str:
    """A class whose methods assign attributes from each other, and an async method that
    uses them: the shapes receiver typing must answer (or give up on) without looping."""
    lines = ["import redis", "from sqlalchemy.orm import Session, sessionmaker",
             "from pathlib import Path", "SessionLocal = sessionmaker()",
             f"{draw(_NAMES)} = {draw(_VALUES).format(n=draw(_NAMES))}",
             f"class {draw(_NAMES).upper()}({draw(_NAMES).upper()}):"]
    for method in range(draw(st.integers(1, 3))):
        lines.append(f"    def m{method}(self):")
        for _ in range(draw(st.integers(1, 3))):
            target, value = draw(_NAMES), draw(_VALUES).format(n=draw(_NAMES))
            lines.append(f"        self.{target} = {value}")
    lines.append("    async def run(self):")
    lines.append(f"        self.{draw(_NAMES)}.get(); self.m0(); {draw(_NAMES)}.get()")
    return "\n".join(lines) + "\n"


@BOUNDS
@given(_classes())
def test_never_raises_on_self_referential_attributes(source: str) -> None:
    lint(source)
