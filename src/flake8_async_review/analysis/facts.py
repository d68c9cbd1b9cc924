"""What is known of one file: the scopes and what names stand for, its place in the
project, and its source text, answered lazily from the tree at a position the walk moves.

The engine's :class:`~flake8_async_review.engine.context.Context` adds what rules need
on top (reporting, receiver types, memos); the analysis modules ask only this.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..settings import Settings
from .project import ASSIGNMENTS, ModuleInfo, Project, current_module, project_of
from .roles import Classification, classify
from .scopes import BUILTIN_NAMES, FUNCTION_TYPES, Scope, target_names
from .source import BETWEEN_TOKENS, in_a_name, source_lines

ScopeChain = Sequence[ast.AST]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPE_TYPES = (*FUNCTION_TYPES, ast.ClassDef, ast.Module)
_COMPREHENSION_CLASSES = frozenset(_COMPREHENSIONS)
_SCOPE_CLASSES = frozenset(_SCOPE_TYPES)
# The key, in ``ModuleInfo.answers``, of the facts kept about a module the tier read.
_MODULE_FACTS = "file facts of the module"
# What a comprehension variable resolves to: a scope binding it to nothing known.
_COMPREHENSION_SCOPE = Scope(ast.Module(body=[], type_ignores=[]))
# What may come before a `match` statement's soft keyword on its line.
_INDENT = " \t\f\ufeff"
# What follows a name that the code binds to another: ` as <name>` (of an import, an
# `except` or a `with`), with comments and line continuations allowed between.
_AS_NAME = re.compile(r"(?:\s|\\|#[^\n]*)+as(?:\s|\\|#[^\n]*)+(\w+)")


def _syntax_lines(text: str, count: int) -> tuple[list[int], list[int]] | tuple[()]:
    """The numbers of the lines that hold ``:=``, and of those that may start a
    ``match`` statement (the word comes first on its line), in ``text``, a file's
    ``count`` lines joined; () when they do not number as Python numbers them
    (carriage returns, lines without their endings, a split at a form feed)."""
    if "\r" in text or text.count("\n") + (not text.endswith("\n")) != count:
        return ()
    return _lines_of(text, ":=", _anywhere), _lines_of(text, "match", _starts_a_line)


def _anywhere(text: str, position: int) -> bool:
    return True


def _whole_name(length: int) -> Callable[[str, int], bool]:
    """A test that the ``length`` characters at a position are a whole name: no
    character of a name comes right before or after them."""

    def whole(text: str, position: int) -> bool:
        return not (in_a_name(text[position - 1:position])
                    or in_a_name(text[position + length:position + length + 1]))

    return whole


def _holds_name(text: str, name: str) -> bool:
    """Whether ``name`` is in ``text`` as a name of its own."""
    whole = _whole_name(len(name))
    position = text.find(name)
    while position != -1:
        if whole(text, position):
            return True
        position = text.find(name, position + len(name))
    return False


def _attribute_name(length: int) -> Callable[[str, int], bool]:
    """A test that the ``length`` characters at a position are a whole name that is
    an attribute: a dot comes before it, with only white space (or a line joined by a
    backslash) between."""
    whole = _whole_name(length)

    def attribute(text: str, position: int) -> bool:
        if not whole(text, position):
            return False
        index = position - 1
        while index >= 0 and text[index] in BETWEEN_TOKENS:
            index -= 1
        return index >= 0 and text[index] == "."

    return attribute


def _starts_a_line(text: str, position: int) -> bool:
    """The word at ``position`` is first on its line, and a word of its own."""
    if in_a_name(text[position + 5:position + 6]):
        return False
    return not text[text.rfind("\n", 0, position) + 1:position].strip(_INDENT)


def _lines_of(text: str, needle: str, where: Callable[[str, int], bool]) -> list[int]:
    """The numbers of the lines where ``needle`` occurs at a position ``where`` accepts,
    each once: found with plain string searches (a regular expression anchored at the
    start of every line tries every position of the text)."""
    found: list[int] = []
    line, counted = 1, 0
    position = text.find(needle)
    while position != -1:
        if where(text, position):
            line += text.count("\n", counted, position)
            counted = position
            if not found or found[-1] != line:
                found.append(line)
        position = text.find(needle, position + len(needle))
    return found


class _Unknown:
    """Not looked up yet (a project can be None)."""

    __slots__ = ()


_UNKNOWN = _Unknown()
T = TypeVar("T")


class FileFacts:
    """Names, scopes and project facts of one file, from the walk's position.

    The engine keeps ``ancestors`` (outermost first, not including the node being
    visited) and ``scope_nodes`` (the module, class, function and lambda bodies the walk
    is inside) current; everything else is derived from them on demand and cached, so
    questions nobody asks cost nothing. Questions about names take an optional scope
    chain, for code away from the walk's position.
    """

    def __init__(
        self, tree: ast.Module, lines: Sequence[str], filename: str, settings: Settings
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename
        self.settings = settings
        self.scope_nodes: list[ast.AST] = [tree]
        self.ancestors: list[ast.AST] = []
        self._scopes: dict[int, Scope] = {}
        self._text_tests: dict[str, bool] = {}
        self._text: str | None = None  # The lines joined, once a text test needs them.
        self._project_variables: dict[str, bool] = {}  # See imports_project_variable.
        self._imports_from_project: bool | None = None  # See may_import_from_project.
        self._project_imports: frozenset[str] | None = None  # See project_imports.
        # The numbers of the lines holding `:=` and of those that may start a `match`
        # statement; () when they cannot be told (see _may_hold).
        self._syntax_lines: tuple[list[int], list[int]] | tuple[()] | None = None
        self._segment_lines: Sequence[str] | None = None
        self._module_info: ModuleInfo | None = None
        self._project: Project | _Unknown | None = _UNKNOWN
        self._shared_states: dict[str, Any] = {}
        self._classification: Classification | None = None
        self._module_names_by_target: dict[str, str] | None = None

    def shared_state(self, key: str, factory: Callable[[], T]) -> T:
        """A memo for this file that several rules share, under a key naming what it
        holds (one analysis serving a family of rules)."""
        state = self._shared_states.get(key)
        if state is None:
            state = self._shared_states[key] = factory()
        return state

    @property
    def classification(self) -> Classification:
        """What the file is for (application code, a test, a script, a migration), from
        its path and top level; worked out on first use."""
        if self._classification is None:
            self._classification = classify(self.filename, self.tree)
        return self._classification

    def for_module(self, info: ModuleInfo) -> FileFacts | None:
        """The facts of another module of the project that the tier has read, with the
        same settings. Made for each question and not kept (what it computes would keep
        trees alive); answers worth keeping go to ``info.answers``."""
        if info.path is None or info.source is None:
            return None
        facts = FileFacts(info.tree, info.source_lines(), str(info.path), self.settings)
        facts.adopt_module(info)
        return facts

    def adopt_module(self, info: ModuleInfo) -> None:
        """Make these the facts of a module the tier has read (``info``, whose tree this
        is): what they work out about its top level (its scope, the lines of its ``:=``
        and ``match``) is kept with the module, so that each question about its code,
        which gets facts of its own, does not work it out again."""
        self._module_info = info
        self._project = info.project
        kept: tuple[Scope, tuple[list[int], list[int]] | tuple[()] | None] | None = (
            info.answers.get(_MODULE_FACTS))
        if kept is None:
            scope = self.scope(self.tree)
            info.answers[_MODULE_FACTS] = (scope, self._syntax_lines)
        else:
            self._scopes[id(self.tree)], self._syntax_lines = kept

    def scope(self, node: ast.AST) -> Scope:
        """What the body of a module, class, function or lambda binds (cached)."""
        scope = self._scopes.get(id(node))
        if scope is None:
            scope = self._scopes[id(node)] = Scope(
                node, walrus=self._may_hold(node, 0, ":="), match=self._may_hold(node, 1, "match")
            )
        return scope

    def _may_hold(self, node: ast.AST, kind: int, text: str) -> bool:
        """Whether the lines of ``node`` may hold a ``:=`` (``kind`` 0) or a ``match``
        statement (1): a scope whose lines have neither binds no name in its
        expressions, and its expressions are not walked. Where the file's lines cannot
        be numbered as Python numbers them, the whole file's text decides."""
        syntax_lines = self._numbered_syntax_lines()
        if not syntax_lines:
            return self.text_has(text)
        found = syntax_lines[kind]
        first: int | None = getattr(node, "lineno", None)
        last: int | None = getattr(node, "end_lineno", None)
        if not found or first is None or last is None:
            return bool(found)
        index = bisect_left(found, first)
        return index < len(found) and found[index] <= last

    def lines_with(self, names: Iterable[str]) -> list[int] | None:
        """The numbers of the lines that hold any of ``names`` as a name of its own (not
        part of a longer one: ``run``, not ``runner`` or ``rerun``), in order, each
        once; None when the file's lines do not number as Python numbers them. A name
        written with a leading dot (``.run``) counts only as an attribute: after a dot,
        with nothing but white space between."""
        if not self._numbered_syntax_lines():
            return None
        text = self.joined_text()
        found: set[int] = set()
        for name in names:
            if name.startswith("."):
                found.update(_lines_of(text, name[1:], _attribute_name(len(name) - 1)))
            else:
                found.update(_lines_of(text, name, _whole_name(len(name))))
        return sorted(found)

    def text_has(self, text: str) -> bool:
        """Whether the file's text contains ``text`` (cached): a cheap test before a
        walk that only that syntax needs."""
        found = self._text_tests.get(text)
        if found is None:
            # One search of the whole text, not one per line; a test's text holds no
            # line break, so it cannot match across two lines.
            found = self._text_tests[text] = text in self.joined_text()
        return found

    def renamings(self, names: Iterable[str]) -> frozenset[str]:
        """The names the file's text may bind something ending with one of ``names`` to
        under another name: ``HE`` for ``from fastapi import HTTPException as HE``, with
        some that are not such a binding (``e`` of ``except HTTPException as e``, and
        what follows a longer name that ends with one of ``names``). The text is
        normalized as Python normalizes identifiers."""
        text = self.joined_text()
        # Most text that is not all ASCII is in normal form already (accented letters
        # in strings and comments), which is far quicker to check than to make.
        if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        found: set[str] = set()
        for name in names:
            position = text.find(name)
            while position != -1:
                position += len(name)
                renamed = _AS_NAME.match(text, position)
                if renamed is not None:
                    found.add(renamed.group(1))
                position = text.find(name, position)
        return frozenset(found)

    def joined_text(self) -> str:
        """The file's lines joined (once)."""
        if self._text is None:
            self._text = "".join(self.lines)
        return self._text

    def comprehension_binds(self, name: str) -> bool:
        """Whether a comprehension around the node being visited binds ``name``: inside
        it, the name is the comprehension's variable, whatever the scope binds."""
        for ancestor in reversed(self.ancestors):
            kind = ancestor.__class__  # A set lookup, not isinstance: this runs per name.
            if kind in _COMPREHENSION_CLASSES:
                for generator in ancestor.generators:  # type: ignore[attr-defined]
                    if name in target_names(generator.target):
                        return True
            elif kind in _SCOPE_CLASSES:
                return False
        return False

    def qualified_name(self, node: ast.AST, chain: ScopeChain | None = None) -> str | None:
        """The dotted name an expression refers to through the imports in scope.

        ``sleep`` after ``from time import sleep`` is ``time.sleep``; ``open`` not
        rebound is ``builtins.open``. None when the source does not say for sure.
        """
        attributes: list[str] = []
        while node.__class__ is ast.Attribute:  # A loop: chains may be thousands long.
            attributes.append(node.attr)
            node = node.value
        if node.__class__ is not ast.Name:
            return None
        name: str = node.id
        found, qualified = self.lookup(name, chain)
        if not found:
            qualified = f"builtins.{name}" if name in BUILTIN_NAMES else None
        if qualified is None or not attributes:
            return qualified
        return ".".join([qualified, *reversed(attributes)])

    def lookup(self, name: str, chain: ScopeChain | None = None) -> tuple[bool, str | None]:
        """(is the name bound in a scope visible here, its qualified name or None)."""
        scope = self.defining_scope(name, chain)
        if scope is None:
            return False, None
        return True, scope.bindings.get(name)

    def defining_scope(self, name: str, chain: ScopeChain | None = None) -> Scope | None:
        """The innermost visible scope that binds ``name`` (or may, by a star import)."""
        nodes = self.scope_nodes if chain is None else chain
        if nodes is self.scope_nodes and self.comprehension_binds(name):
            return _COMPREHENSION_SCOPE
        for index in range(len(nodes) - 1, -1, -1):
            scope = self.scope(nodes[index])
            # A class body's names are not visible inside its methods.
            if scope.is_class and index != len(nodes) - 1:
                continue
            if name in scope.bindings or scope.star_import:
                return scope
        return None

    def module_binding_for(self, qualified: str) -> str | None:
        """A module-level name bound to exactly ``qualified`` (e.g. ``import asyncio as
        aio`` gives ``aio``), for fixes that need to refer to it. The first such name, from
        an index made once per file: a fix per finding must not read every binding."""
        if self._module_names_by_target is None:
            index: dict[str, str] = {}
            for name, bound in self.scope(self.tree).bindings.items():
                if bound is not None:
                    index.setdefault(bound, name)
            self._module_names_by_target = index
        return self._module_names_by_target.get(qualified)

    @property
    def project(self) -> Project | None:
        """The file's project for the tier: None with the tier off, or for a file
        outside any project. Looked up once per file (the lookup asks the operating
        system for the working directory)."""
        project = self._project
        if project is _UNKNOWN:
            project = self._project = (
                project_of(self.filename) if self.settings.project_inference else None)
        return project  # type: ignore[return-value]

    def know_project(self, project: Project | None) -> None:
        """Take the file's project (see :attr:`project`) from a caller that looked it
        up already."""
        self._project = project if self.settings.project_inference else None

    @property
    def module_info(self) -> ModuleInfo:
        """This file's top-level names for the project tier (see :mod:`project`): built
        on first use from the tree already parsed; other project modules are read only
        when a name imported from them is asked about."""
        if self._module_info is None:
            self._module_info = current_module(self.tree, self.filename, self.project)
        return self._module_info

    def in_project(self, qualified: str) -> bool:
        """Whether a dotted name starts with a package or module of the file's project
        (with the tier on; nothing is parsed)."""
        project = self.project
        return project is not None and project.module_path(qualified.partition(".")[0]) is not None

    def may_import_from_project(self) -> bool:
        """Whether the file may import from another module of its project (with the
        tier on): an import at its top resolves into the project, or its text holds
        the name of a top-level module of the project (an import inside a function).
        When not, nothing the tier knows can reach the file's code. Worked out once."""
        found = self._imports_from_project
        if found is None:
            found = self._imports_from_project = self._may_import_from_project()
        return found

    def _may_import_from_project(self) -> bool:
        project = self.project
        if project is None:
            return False
        if self.project_imports():
            return True
        text = self.joined_text()
        return any(_holds_name(text, name) for name in project.top_level_names())

    def project_imports(self) -> frozenset[str]:
        """The names the file's top level imports from modules of its project (none
        with the tier off). Worked out once."""
        found = self._project_imports
        if found is None:
            project = self.project
            found = self._project_imports = frozenset() if project is None else frozenset(
                name for name, target in self.module_info.imports.items()
                if target is not None and project.module_path(target[0]) is not None)
        return found

    def imports_project_variable(self, name: str) -> bool:
        """Whether ``name`` is imported from a module of the project whose text assigns
        it at its top level (read, not parsed)."""
        if not self.settings.project_inference:
            return False
        found = self._project_variables.get(name)
        if found is None:
            found = self._project_variables[name] = self._imports_project_variable(name)
        return found

    def _imports_project_variable(self, name: str) -> bool:
        target = self.module_info.imports.get(name)
        project = self.module_info.project
        if target is None or project is None:
            return False
        module, attribute = target
        return (attribute is not None and project.module_path(module) is not None
                and project.module_path(f"{module}.{attribute}") is None
                and project.may_bind(module, attribute, ASSIGNMENTS))

    def release(self) -> None:
        """Forget everything worked out about the file, once it is checked. Much of it
        refers back to these facts (a callee to its context, a module's memo of names
        to the module, a rule's memo to the nodes), and such a cycle would keep the
        file's whole tree alive until the garbage collector came across it, instead of
        freeing it at once. The facts of another module the tier read keep that
        module's own memos: they serve the next question."""
        info = self._module_info
        if info is not None and not self.is_foreign:
            info.forget()
        self.__dict__.clear()

    @property
    def is_foreign(self) -> bool:
        """A context over another module of the project (see :meth:`for_module`)."""
        return self._module_info is not None and self._module_info.source is not None

    def numbered_lines(self) -> Sequence[str]:
        """The file's lines as Python numbers them: ``lines`` themselves, unless they
        are split elsewhere (at a form feed, or without their endings); then split
        again, once."""
        if self._segment_lines is None:
            self._segment_lines = (self.lines if self._numbered_syntax_lines()
                                   else source_lines(self.joined_text()))
        return self._segment_lines

    def _numbered_syntax_lines(self) -> tuple[list[int], list[int]] | tuple[()]:
        """The lines of ``:=`` and of ``match`` (see :func:`_syntax_lines`), worked out
        once; () when the file's lines do not number as Python numbers them."""
        if self._syntax_lines is None:
            self._syntax_lines = _syntax_lines(self.joined_text(), len(self.lines))
        return self._syntax_lines

    def source_segment(self, node: ast.AST) -> str:
        """The exact source text of a node (what ``ast.get_source_segment`` returns,
        without splitting the whole file again on every call)."""
        first: int | None = getattr(node, "lineno", None)
        last: int | None = getattr(node, "end_lineno", None)
        start: int | None = getattr(node, "col_offset", None)
        end: int | None = getattr(node, "end_col_offset", None)
        if first is None or last is None or start is None or end is None:
            return ""
        first, last = first - 1, last - 1
        lines = self.numbered_lines()
        if not 0 <= first <= last < len(lines):
            return ""
        if first == last:
            return lines[first].encode()[start:end].decode()
        head = lines[first].encode()[start:].decode()
        tail = lines[last].encode()[:end].decode()
        return "".join([head, *lines[first + 1:last], tail])

    def char_col(self, line: int, byte_col: int) -> int:
        """Convert an AST column (UTF-8 bytes) to a character offset in the line."""
        if line < 1 or line > len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
