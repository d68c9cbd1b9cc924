"""The project tier reads another module's top level from a skeleton of its text: the
same definitions, positions and bodies as a parse of the whole text, or no skeleton."""

from __future__ import annotations

import ast
import textwrap
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_review.analysis import facts, project
from flake8_async_review.analysis.project import materialize, skeleton
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.linter import Linter
from flake8_async_review.rules import RULES_BY_CODE

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

TRICKY = textwrap.dedent('''\
    """A module docstring whose second paragraph starts at column 0.

    def not_a_function(): this is text
    class NotAClass: neither
    """
    import os, \\
        sys
    from typing import (
        Any,
    )

    QUERY = """
    select *
    from users
    """
    MARKER = '"""'  # not a string opener
    OTHER = "\'\'\'"  # nor this
    # a comment with """ in it


    @decorator(
        "arg",
    )
    @other
    def decorated(
        a: int,
        b: str = ")",
    ) -> dict[str, Any]:
        text = """
    def inner_text(): not code
    """
        return {"a": a,
                "b": b}


    async def coroutine(x):
        await x + \\
    1


    class Settings(
        Base,
        metaclass=Meta,
    ):
        """Doc."""

        name: str = "x"

        def method(self):
            return self.name


    class OneLiner(Base): pass
    class Commented(Base):  # trailing comment
        value = 1


    if os.environ.get("X"):
        def conditional():
            return 1
    else:
        conditional = None

    try:
        import fast as impl
    except ImportError:
        impl = None

    result = decorated(1,
    "two")
    ''')


def _stubs(source: str) -> tuple[ast.Module, dict[int, tuple[int, int, str]]]:
    made = skeleton(source)
    assert made is not None
    text, spans = made
    assert text.count("\n") == source.count("\n")
    return ast.parse(text), spans


def _agrees(source: str) -> None:
    """The skeleton's top level is the full parse's, but for definition bodies; each
    definition's lines parse back into exactly the full parse's definition."""
    full = ast.parse(source)
    tree, spans = _stubs(source)
    assert len(tree.body) == len(full.body)
    lines = source_lines(source)
    for mine, theirs in zip(tree.body, full.body, strict=True):
        if not isinstance(theirs, _DEFINITIONS):
            assert ast.dump(mine, include_attributes=True) == ast.dump(theirs, include_attributes=True)
            continue
        assert type(mine) is type(theirs) and mine.name == theirs.name
        assert [ast.dump(d) for d in mine.decorator_list] == [ast.dump(d) for d in theirs.decorator_list]
        if isinstance(theirs, ast.ClassDef):
            assert isinstance(mine, ast.ClassDef)
            assert [ast.dump(b) for b in [*mine.bases, *mine.keywords]] == [
                ast.dump(b) for b in [*theirs.bases, *theirs.keywords]]
        first, last, name = spans[mine.lineno]
        assert name == theirs.name
        assert first == min([theirs.lineno, *(d.lineno for d in theirs.decorator_list)])
        assert theirs.end_lineno is not None and last >= theirs.end_lineno
        body = project._parse_definition(theirs, "".join(lines[first - 1:last]), first)
        assert body is not None
        assert ast.dump(body, include_attributes=True) == ast.dump(theirs, include_attributes=True)


def test_a_tricky_module_has_the_same_top_level_and_bodies() -> None:
    _agrees(TRICKY)
    tree, spans = _stubs(TRICKY)
    names = [node.name for node in tree.body if isinstance(node, _DEFINITIONS)]
    assert names == ["decorated", "coroutine", "Settings", "OneLiner", "Commented"]
    assert len(spans) == 5


# Lines of a module with escaped and mixed triple quotes, a colon in a class header
# before its last line, and a one-line class body over two lines. ``Q`` stands for
# three single quotes.
ESCAPES = "\n".join([
    'TEXT = """a closing quote escaped: \\""" still text',
    "def not_code(): ...",
    'two backslashes then the end: \\\\"""',
    "",
    "",
    "def after_escapes():",
    "    return Q",
    'class NotCode: """ within',
    "\\Q",
    "Q",
    "",
    "",
    "MIXED = Q\"\"\"Q + \"\"\"",
    "Q",
    '"""',
    "",
    "",
    "class Spread(",
    '    make("a:b"),',
    "    Base,",
    "):",
    '    value = """',
    "class Inner: ...",
    '"""',
    "class OneLine: value = (",
    "    1)",
    "",
]).replace("Q", "'" * 3)


def test_escaped_and_mixed_triple_quotes_and_colons_in_a_class_header() -> None:
    _agrees(ESCAPES)
    tree, _ = _stubs(ESCAPES)
    assert [node.name for node in tree.body if isinstance(node, _DEFINITIONS)] == [
        "after_escapes", "Spread", "OneLine"]


def test_definition_bodies_are_blanked_out() -> None:
    made = skeleton(TRICKY)
    assert made is not None
    assert "inner_text" not in made[0] and "self.name" not in made[0]
    assert "select *" in made[0]  # A module-level string stays whole.


def test_a_module_the_split_cannot_read_is_parsed_whole(tmp_path: Path) -> None:
    # A body line at column 0 inside brackets ends the function early for the split:
    # the skeleton does not parse, and the module is read from its whole text.
    source = "def first():\n    return [\n1, 2]\n\n\ndef second():\n    return 2\n"
    made = skeleton(source)
    assert made is not None
    try:
        ast.parse(made[0])
    except SyntaxError:
        pass
    else:
        raise AssertionError("the split was expected to fail on this module")
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    path = tmp_path / "helpers.py"
    path.write_text(source, encoding="utf-8")
    project.clear_cache()
    root = project.project_root(str(tmp_path))
    assert root is not None
    info = project.load_module(project.project_for(root), "helpers", path)
    assert info is not None
    assert set(info.definitions) == {"first", "second"}
    first = info.definitions["first"]
    assert isinstance(first, ast.FunctionDef) and project.is_stub(first)
    whole = materialize(first)
    assert isinstance(whole.body[0], ast.Return) and whole.body[0].lineno == 2


def test_a_definition_name_is_read_as_python_normalizes_it() -> None:
    source = "class A\u00aa:\n    pass\n\n\ndef \ufb01nd():\n    return 1\n"
    made = skeleton(source)
    assert made is not None
    assert [name for _, _, name in made[1].values()] == [
        node.name for node in ast.parse(source).body] == ["Aa", "find"]
    _agrees(source)


def test_lone_carriage_returns_get_no_skeleton() -> None:
    assert skeleton("x = 1\rdef f():\r    return 1\r") is None


def test_a_definition_the_split_cannot_read_gets_no_skeleton() -> None:
    assert skeleton("def\\\n  split(): pass\n") is None


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(hypothesmith.from_node())
def test_generated_modules_agree_or_get_no_skeleton(source: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(source)
            made = skeleton(source)
            if made is None:
                return
            try:
                ast.parse(made[0])
            except (SyntaxError, ValueError):
                return  # No skeleton: the module is parsed whole.
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    tree, spans = _stubs(source)
    if len([n for n in tree.body if isinstance(n, _DEFINITIONS)]) != len(spans):
        return  # Refused by the loader too.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        _agrees(source)


def test_a_module_that_is_not_utf8_stays_unknown_after_its_outline_is_read(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    (tmp_path / "helpers.py").write_bytes(b"def f():\n    return '\xff'\n")
    project.clear_cache()
    root = project.project_root(str(tmp_path))
    assert root is not None
    tier = project.project_for(root)
    assert tier.outline("helpers").may_bind("f", project.SYNC_FUNCTIONS)  # Read leniently.
    assert tier.module("helpers") is None  # Parsed only from a strict reading.


def test_the_top_level_facts_of_a_module_read_are_worked_out_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    (tmp_path / "helpers.py").write_text(
        "import time\n\n\ndef first():\n    time.sleep(1)\n\n\ndef second():\n    time.sleep(2)\n",
        encoding="utf-8")
    route = tmp_path / "routes.py"
    source = ("from helpers import first, second\n\n\n"
              "async def handler():\n    first()\n    second()\n")
    route.write_text(source, encoding="utf-8")
    project.clear_cache()
    built: list[ast.AST] = []
    original = facts.Scope

    def counting(node: ast.AST, *args: object, **kwargs: object) -> facts.Scope:
        built.append(node)
        return original(node, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(facts, "Scope", counting)
    linter = Linter([RULES_BY_CODE["ASR110"]])
    found = linter.lint(ast.parse(source), source_lines(source), str(route))
    assert [violation.code for violation in found] == ["ASR110", "ASR110"]
    root = project.project_root(str(tmp_path))
    assert root is not None
    helpers = project.project_for(root).module("helpers")
    assert helpers is not None
    assert sum(node is helpers.tree for node in built) == 1


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xc3\xa9", b"\xc3",
                                 b"\xff", b"\xe2\x80\xa8", b"x = 1\n"]), max_size=40))
def test_module_texts_read_as_a_text_stream_reads_them(tmp_path_factory: pytest.TempPathFactory,
                                                        chunks: list[bytes]) -> None:
    """The tier reads a module's bytes and decodes them itself: the text is the one
    ``Path.read_text`` gives (line endings, a byte-order mark, bytes that are not
    UTF-8), and a strict read fails where it fails."""
    path = tmp_path_factory.mktemp("text") / "module.py"
    path.write_bytes(b"".join(chunks))
    assert project._read_text(path, errors="replace") == path.read_text(
        encoding="utf-8", errors="replace")
    try:
        expected: str | None = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        expected = None
    try:
        found: str | None = project._read_text(path)
    except UnicodeDecodeError:
        found = None
    assert found == expected
