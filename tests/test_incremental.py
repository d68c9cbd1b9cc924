"""Re-parsing only what an edit touched gives exactly the tree of a whole parse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_review.analysis.incremental import Reparser

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").glob("*.py"))
TEXTS = [p.read_text(encoding="utf-8") for p in FIXTURES]
# What typing inserts, and the pieces that make slicing hard: brackets and strings left
# open, continuation lines, indentation, decorators, clauses of compound statements.
PIECES = ["x", " ", "\n", "\n\n", "    ", "\t", "(", ")", "[", "]", "{", "}", "'''", '"""',
          "'", "#", "\\", "\\\n", "@decorator\n", "x = 1\n", "    y = 2\n", "def g():\n",
          "def g():\n    return 1\n", "else:\n", "except:\n    pass\n", ":", ";", "async ",
          "from __future__ import annotations\n", "\r\n", "\r", "\x00", "é"]


def _outcome(parse: object, text: str) -> tuple[str, object]:
    try:
        tree = parse(text)  # type: ignore[operator]
    except (SyntaxError, ValueError) as error:
        detail = (error.msg, error.lineno, error.offset) if isinstance(error, SyntaxError) \
            else str(error)
        return type(error).__name__, detail
    return "tree", ast.dump(tree, include_attributes=True)


def _edit(text: str, data: st.DataObject) -> str:
    position = data.draw(st.integers(0, len(text)))
    if data.draw(st.booleans()):
        return text[:position] + data.draw(st.sampled_from(PIECES)) + text[position:]
    length = data.draw(st.integers(0, 40))
    return text[:position] + text[position + length:]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEXTS), st.data())
def test_each_version_parses_as_a_whole_parse_would(text: str, data: st.DataObject) -> None:
    reparser = Reparser()
    versions = [text]
    for _ in range(data.draw(st.integers(1, 6))):
        versions.append(_edit(versions[-1], data))
    for version in versions:
        assert _outcome(lambda t: reparser.parse("file.py", t), version) == \
            _outcome(ast.parse, version)


def test_an_edit_inside_a_function_parses_that_function_only() -> None:
    text = "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def b():\n    pass\n"
    reparser = Reparser()
    first = reparser.parse("f.py", text)
    edited = text.replace("sleep(1)", "sleep(2)")
    second = reparser.parse("f.py", edited)
    assert reparser.reparsed == 1
    assert second.body[0] is first.body[0] and second.body[2] is first.body[2]
    assert second.body[1] is not first.body[1]
    assert ast.dump(second, include_attributes=True) == \
        ast.dump(ast.parse(edited), include_attributes=True)
    # Lines added above a kept statement move it down.
    longer = edited.replace("async def a():\n", "async def a():\n    x = 1\n")
    third = reparser.parse("f.py", longer)
    assert third.body[2].lineno == 9
    assert ast.dump(third, include_attributes=True) == \
        ast.dump(ast.parse(longer), include_attributes=True)


@pytest.mark.parametrize(("before", "after"), [
    # A backslash at the end of the statement above: the edit continues it.
    ("x = 1 \\\n\ny = 2\n", "x = 1 \\\n+ 3\ny = 2\n"),
    # An indented line after a function joins its body.
    ("def f():\n    return 1\n\nz = 0\n", "def f():\n    return 1\n\n    q = 2\nz = 0\n"),
    # A future import changes the grammar of what follows.
    ("a = 1\n", "from __future__ import barry_as_FLUFL\na = 1\nb = 1 <> 2\n"),
    # A string opened above the kept statements swallows them.
    ("a = 1\nb = 2\n", "a = '''1\nb = 2\n'''\n"),
])
def test_edits_that_change_kept_statements(before: str, after: str) -> None:
    reparser = Reparser()
    reparser.parse("f.py", before)
    assert _outcome(lambda t: reparser.parse("f.py", t), after) == _outcome(ast.parse, after)


def test_a_syntax_error_is_the_whole_parse_s_and_the_last_good_version_is_not_kept() -> None:
    reparser = Reparser()
    reparser.parse("f.py", "a = 1\n\n\ndef f():\n    return 2\n")
    with pytest.raises(SyntaxError) as raised:
        reparser.parse("f.py", "a = 1\n\n\ndef f(:\n    return 2\n")
    assert (raised.value.lineno, raised.value.msg) == (4, "invalid syntax")
    fixed = "a = 1\n\n\ndef f():\n    return 3\n"
    assert ast.dump(reparser.parse("f.py", fixed)) == ast.dump(ast.parse(fixed))
    assert reparser.reparsed == 0


def test_files_are_kept_apart_and_the_oldest_forgotten() -> None:
    reparser = Reparser(keep=2)
    for name in ("a.py", "b.py", "c.py"):
        reparser.parse(name, f"{name[0]} = 1\n")
    reparser.parse("a.py", "a = 2\n")  # Forgotten: parsed whole.
    reparser.parse("c.py", "c = 2\n")
    assert reparser.reparsed == 1
