"""The project tier: what names imported from other modules of the project stand for.

A rule asks only about a name the current file imports from a module of its own
project. The project root is the nearest ancestor directory holding ``pyproject.toml``,
``setup.cfg``, ``setup.py`` or ``.git``; modules resolve from it and from its ``src/``.
Project modules are read from their files and parsed, never imported or executed;
anything outside the project (site-packages, the standard library) is never opened and
stays a plain dotted name. Parsed modules are cached per process, keyed by path and
modification time (flake8 ``-j`` runs several processes: each keeps its own cache). Only
a module's top level is parsed when it is read (see :func:`skeleton`), and a function's
or class's body when a question needs it. A module that cannot be read, or whose top
level does not parse, is ``None``, and every question about it is unanswered; so is a
question about a body that does not parse: rules stay silent.

Nothing here runs for a file that imports nothing from its project: the first question
checks that a module path exists, and only then parses that module.
"""

from __future__ import annotations

import ast
import bisect
import math
import os
import re
import time
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from .nodes import walk
from .scopes import statements_of
from .source import paused_collection, source_lines

# How old a module's last check may be before its file is looked at again. A lint run
# reads each module once; a long-lived process (the language server) sets a short one.
RECHECK_SECONDS = math.inf
_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_DEPTH = 8

# How many project modules this process has parsed: tests check that files which
# import nothing from their project parse none.
parse_count = 0


@dataclass(frozen=True)
class External:
    """A name that comes from outside the project: its dotted name."""

    qualified: str


@dataclass(frozen=True)
class Local:
    """A definition in a project module: the top-level statement that binds it."""

    module: ModuleInfo
    node: ast.stmt


class ModuleRef:
    """A project module itself (``from app import config``), parsed only when a
    question about one of its names needs it."""

    __slots__ = ("_loaded", "_module", "dotted", "project")

    def __init__(self, project: Project, dotted: str) -> None:
        self.project, self.dotted = project, dotted
        self._module: ModuleInfo | None = None
        self._loaded = False

    @property
    def module(self) -> ModuleInfo | None:
        if not self._loaded:
            self._loaded = True
            self._module = self.project.module(self.dotted)
        return self._module


Symbol = External | Local | ModuleRef

# What a question about a name can use, so that a module whose text cannot bind the
# name that way is never parsed: a function (``def``/``async def``), a class, an
# assignment (``x = ...``, ``x: T = ...``), or only a module (re-exported by an import).
FUNCTION, COROUTINE_FUNCTION = "def", "async def"
CLASS, SETTINGS_CLASS, ASSIGNMENT = "class", "settings-class", "assignment"
Kinds = frozenset[str]
SYNC_FUNCTIONS: Kinds = frozenset({FUNCTION})
COROUTINE_FUNCTIONS: Kinds = frozenset({COROUTINE_FUNCTION})
FUNCTIONS: Kinds = SYNC_FUNCTIONS | COROUTINE_FUNCTIONS
ASSIGNMENTS: Kinds = frozenset({ASSIGNMENT})
CLASSES: Kinds = frozenset({CLASS})
SETTINGS_CLASSES: Kinds = frozenset({SETTINGS_CLASS})
SETTINGS_FACTORIES: Kinds = FUNCTIONS | SETTINGS_CLASSES
SETTINGS_REFERENCES: Kinds = SETTINGS_CLASSES | ASSIGNMENTS
MODULES: Kinds = frozenset()

_WORD = re.compile(r"[A-Za-z_]\w*")
# One pass over the text finds what an outline needs at the start of a line: each
# alternative begins with the newline before it (the text is read with one put in
# front), a literal that the regular expression engine looks for quickly, and then a
# word character (tested once, before the alternatives: most lines are indented).
_OUTLINE_LINE = re.compile(
    r"\n(?=\w)(?:(?P<coroutine>async[ \t]+)?def[ \t]+(?P<function>\w+)"
    r"|class[ \t]+(?P<class>\w+)(?P<rest>[^\n]*)"
    r"|(?P<imported>(?:from|import)[ \t][^\n(]*)(?:\((?P<names>[^)]*)\))?"
    r"|(?P<assigned>\w+)[ \t]*(?::[^\n=]*)?=(?!=))")
# The start of ``from module import (...)``, whose names are between the brackets.
_IMPORT_LIST_START = re.compile(r"from[ \t]+[\w.]+[ \t]+import[ \t]*")


class Outline:
    """What a module's text says it binds at its top level, read with a few regular
    expressions and no parsing: names after ``def``/``async def``, ``class`` and
    ``name =`` at the start of a line, and the words of its import statements. It only
    rules modules out: a name missing here is not bound there so, and the module is
    not parsed to look for it (a name present may still be bound otherwise: the
    parse decides). A settings class is a class whose ``class`` line mentions
    "Settings" (``class Settings(BaseSettings)``, ``class Prod(AppSettings)``); one
    behind an aliased base is missed, and its rules stay silent.

    The words of the whole text (:attr:`words`) are split out only when asked: one
    question needs them, and splitting a large module costs as much as the rest."""

    __slots__ = ("_imported_line", "_names", "_text", "_words", "assignment_lines")

    def __init__(self, text: str) -> None:
        self._text = text  # The string the project already keeps: no copy.
        self._words: dict[str, None] | None = None
        self._imported_line: str | None = None
        # Each name, with a bit for each kind it is bound as and one for being a word
        # of an import: a dict of strings and numbers, which the garbage collector
        # does not track (a set per kind, for each of a project's modules, it would).
        names: dict[str, int] = {}
        # name -> the lines that assign it at the top level (their first line each).
        self.assignment_lines: dict[str, str] = {}
        imported: list[str] = []
        for match in _OUTLINE_LINE.finditer("\n" + text):
            # All the groups at once: one call per line, not one per group.
            coroutine, function, class_name, rest, statement, listed, assigned = match.groups()
            if statement is not None:
                imported.append(statement)
                if listed is not None and _IMPORT_LIST_START.fullmatch(statement):
                    imported.append(listed)
                continue
            if assigned:
                start = match.start()  # In ``text``: the newline put in front is not there.
                end = text.find("\n", start)
                line = text[start:end if end >= 0 else len(text)]
                self.assignment_lines[assigned] = (
                    self.assignment_lines.get(assigned, "") + line + "\n")
                names[assigned] = names.get(assigned, 0) | _KIND_BITS[ASSIGNMENT]
            elif function:
                bit = _KIND_BITS[COROUTINE_FUNCTION if coroutine else FUNCTION]
                names[function] = names.get(function, 0) | bit
            else:
                bit = _KIND_BITS[CLASS]
                if "Settings" in class_name or "Settings" in rest:
                    bit |= _KIND_BITS[SETTINGS_CLASS]
                names[class_name] = names.get(class_name, 0) | bit
        for word in _WORD.findall(" ".join(imported)):
            names[word] = names.get(word, 0) | _IMPORTED
        self._names = names

    @property
    def words(self) -> Collection[str]:
        """Every identifier-like word of the text."""
        if self._words is None:
            self._words = dict.fromkeys(_WORD.findall(self._text))
        return self._words

    @property
    def imported_line(self) -> str:
        """The words of the import statements, sorted, on one line (made once: every
        file that imports from this module adds it to its trigger text)."""
        if self._imported_line is None:
            self._imported_line = " ".join(
                sorted(name for name, bits in self._names.items() if bits & _IMPORTED)) + "\n"
        return self._imported_line

    def may_bind(self, name: str, kinds: Kinds) -> bool:
        return bool(self._names.get(name, 0) & _kinds_mask(kinds))


# The bit of each kind in an outline's names; the last, for the words of imports (a
# re-export binds a name too).
_KIND_BITS = {FUNCTION: 1, COROUTINE_FUNCTION: 2, CLASS: 4, SETTINGS_CLASS: 8, ASSIGNMENT: 16}
_IMPORTED = 32
_MASKS: dict[Kinds, int] = {}


def _kinds_mask(kinds: Kinds) -> int:
    mask = _MASKS.get(kinds)
    if mask is None:
        mask = _MASKS[kinds] = _IMPORTED | sum(_KIND_BITS[kind] for kind in kinds)
    return mask


def _read_text(path: Path, errors: str = "strict") -> str:
    """``path.read_text(encoding="utf-8", errors=errors)``, without a text stream (a
    third of the time, for the many small modules of a project): the bytes decoded,
    line endings made ``\\n`` as a text stream makes them."""
    with open(path, "rb") as handle:
        return decode_source(handle.read(), errors)


def decode_source(data: bytes, errors: str = "strict") -> str:
    """A module's bytes as text, its line endings made ``\\n`` as a text stream makes
    them."""
    text = data.decode("utf-8", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


@lru_cache(maxsize=1024)
def project_root(directory: str) -> Path | None:
    """The nearest ancestor of ``directory`` (itself included, symbolic links
    resolved) with a project marker."""
    found = _marked_ancestor(real_directory(directory))
    return Path(found) if found is not None else None


@lru_cache(maxsize=4096)
def _marked_ancestor(path: str) -> str | None:
    """:func:`project_root` of a resolved directory: itself when it holds a marker,
    else its parent's answer, which every directory below the parent shares (each
    directory's markers are looked for once, however deep the tree)."""
    if any(os.path.exists(os.path.join(path, marker)) for marker in _ROOT_MARKERS):
        return path
    parent = os.path.dirname(path)
    return None if parent == path else _marked_ancestor(parent)


class Project:
    """One project root: module lookup and the parsed-module cache."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.search_paths = [root, *([root / "src"] if (root / "src").is_dir() else [])]
        self._paths: dict[str, Path | None] = {}
        # Directory -> its entries: (names of regular files, names of directories), or
        # None when it cannot be listed. Module lookup reads each directory once instead
        # of asking the file system about every candidate path.
        self._listings: dict[str, tuple[frozenset[str], frozenset[str]] | None] = {}
        self._names: dict[str, str | None] = {}
        self._search_prefixes = list(dict.fromkeys(
            os.path.join(form(str(base)), "") for form in (os.path.realpath, os.path.abspath)
            for base in self.search_paths))
        self._texts: dict[str, tuple[float, str, Outline | None]] = {}
        self._loaded: dict[str, tuple[float, ModuleInfo | None]] = {}
        self._top_level: frozenset[str] | None = None

    def module_path(self, dotted: str) -> Path | None:
        """The file of a project module, or None when the name is not the project's."""
        if dotted in self._paths:
            return self._paths[dotted]
        found: Path | None = None
        parts = dotted.split(".")
        if all(part.isidentifier() for part in parts):
            for base in self.search_paths:
                found = self._module_file(base, parts)
                if found:
                    break
        self._paths[dotted] = found
        return found

    def top_level_names(self) -> frozenset[str]:
        """The modules and packages at the top of the project (in its root or
        ``src/``): the first part of every dotted name :meth:`module_path` finds."""
        if self._top_level is None:
            names: set[str] = set()
            for base in self.search_paths:
                listing = self._listing(str(base))
                if listing is None:
                    continue
                files, directories = listing
                names.update(name[:-3] for name in files if name.endswith(".py"))
                names.update(directories)
            self._top_level = frozenset(name for name in names
                                        if name.isidentifier() and self.module_path(name) is not None)
        return self._top_level

    def _module_file(self, base: Path, parts: list[str]) -> Path | None:
        """``base/a/b.py`` or ``base/a/b/__init__.py`` for ``a.b``, whichever is a file
        (the first), from the listings of the directories on the way."""
        directory = str(base)
        for part in parts[:-1]:
            listing = self._listing(directory)
            if listing is None or part not in listing[1]:
                return None
            directory = os.path.join(directory, part)
        listing = self._listing(directory)
        if listing is None:
            return None
        # One path made, for a file found (most names asked about are not modules).
        name = f"{parts[-1]}.py"
        if name in listing[0]:
            return Path(directory, name)
        if parts[-1] in listing[1]:
            package = os.path.join(directory, parts[-1])
            found = self._listing(package)
            if found is not None and "__init__.py" in found[0]:
                return Path(package, "__init__.py")
        return None

    def _listing(self, directory: str) -> tuple[frozenset[str], frozenset[str]] | None:
        if directory in self._listings:
            return self._listings[directory]
        found: tuple[frozenset[str], frozenset[str]] | None
        try:
            files: list[str] = []
            directories: list[str] = []
            with os.scandir(directory) as entries:
                for entry in entries:
                    # Symbolic links followed, as ``Path.is_file()`` would.
                    try:
                        if entry.is_file():
                            files.append(entry.name)
                        elif entry.is_dir():
                            directories.append(entry.name)
                    except OSError:
                        continue
            found = (frozenset(files), frozenset(directories))
        except OSError:
            found = None
        self._listings[directory] = found
        return found

    def module_name(self, filename: str) -> str | None:
        """The dotted name of a file of the project, from the root or ``src/``."""
        if filename in self._names:
            return self._names[filename]
        absolute = os.path.abspath(filename)
        found = self._name_under(absolute)
        if found is None:
            found = self._name_under(real_path(absolute))
        self._names[filename] = found
        return found

    def _name_under(self, path: str) -> str | None:
        for base in reversed(self._search_prefixes):
            if not path.startswith(base):
                continue
            stem, extension = os.path.splitext(path[len(base):])
            if extension != ".py":
                return None
            parts = stem.split(os.sep)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts)
        return None

    def text(self, dotted: str) -> str:
        """A project module's source text ("" when unreadable). One string per module,
        cheap to keep, unlike a tree; read again after ``RECHECK_SECONDS`` if the file
        changed."""
        return self._text_entry(dotted)[1]

    def _text_entry(self, dotted: str) -> tuple[float, str, Outline | None]:
        now = time.monotonic()
        found = self._texts.get(dotted)
        if found is not None and now - found[0] < RECHECK_SECONDS:
            return found
        path = self.module_path(dotted)
        try:
            text = _read_text(path, errors="replace") if path else ""
        except OSError:
            text = ""
        entry = (now, text, found[2] if found is not None and found[1] == text else None)
        self._texts[dotted] = entry
        return entry

    def read_text(self, dotted: str, path: Path) -> str:
        """The text of the module file ``path`` (named ``dotted``), decoded strictly: in
        a run that reads each module once (``RECHECK_SECONDS`` infinite), the one
        :meth:`text` read already when it is of that file and decoded cleanly."""
        found = self._texts.get(dotted)
        if (math.isinf(RECHECK_SECONDS) and found is not None and self._paths.get(dotted) == path
                and "\ufffd" not in found[1]):
            return found[1]
        return _read_text(path)

    def outline(self, dotted: str) -> Outline:
        entry = self._text_entry(dotted)
        if entry[2] is None:
            entry = self._texts[dotted] = (entry[0], entry[1], Outline(entry[1]))
        assert entry[2] is not None
        return entry[2]

    def mentions(self, dotted: str, words: tuple[str, ...]) -> bool:
        """Whether a project module's text contains one of ``words`` (read, not parsed):
        a cheap test before parsing a module for a question only some modules can
        answer."""
        text = self.text(dotted)
        return any(word in text for word in words)

    def may_bind(self, dotted: str, name: str, kinds: Kinds) -> bool:
        """Whether a module's text can bind ``name`` at its top level as one of
        ``kinds``, or import it (a re-export). False means parsing the module cannot
        answer the question: the tier would find no such definition there."""
        return self.outline(dotted).may_bind(name, kinds)

    def module(self, dotted: str) -> ModuleInfo | None:
        """The parsed module; its file's modification time is checked again only when
        the last check is older than ``RECHECK_SECONDS`` (a linter run asks many times
        a second about the same few modules)."""
        now = time.monotonic()
        found = self._loaded.get(dotted)
        if found is not None and now - found[0] < RECHECK_SECONDS:
            return found[1]
        path = self.module_path(dotted)
        info = load_module(self, dotted, path) if path is not None else None
        self._loaded[dotted] = (now, info)
        return info


@lru_cache(maxsize=256)
def project_for(root: Path) -> Project:
    return Project(root)


def project_of(filename: str) -> Project | None:
    """The project a file belongs to, or None (stdin, a file outside any project)."""
    if not filename or filename in ("-", "stdin"):
        return None
    # Keyed by the absolute path: a relative name means another file once the working
    # directory changes (a language server, a test run).
    return _project_of(os.path.abspath(filename))


@lru_cache(maxsize=4096)
def _project_of(filename: str) -> Project | None:
    root = project_root(os.path.dirname(filename))
    return project_for(root) if root is not None else None


_MODULES: dict[tuple[str, float], ModuleInfo | None] = {}
# The clear functions of other modules' per-project caches (declared dependencies, the
# settings-class scan), so that one call forgets everything the tier learnt.
_DEPENDENT_CACHES: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> Callable[[], None]:
    """Have :func:`clear_cache` call ``clear`` too."""
    _DEPENDENT_CACHES.append(clear)
    return clear


def real_path(path: str) -> str:
    """``os.path.realpath`` of an absolute, normalized path: its directory's, looked up
    once per directory, unless the file itself is a symbolic link."""
    if os.path.islink(path):
        return os.path.realpath(path)
    directory, name = os.path.split(path)
    return os.path.join(real_directory(directory), name)


@lru_cache(maxsize=4096)
def real_directory(directory: str) -> str:
    """``os.path.realpath`` of a directory. An absolute path that is not itself a
    symbolic link is its parent's real path and its own name: one look at the file
    system for each directory, instead of one for each directory of its path."""
    parent, name = os.path.split(directory)
    if (os.name != "posix" or not name or name in (".", "..") or not os.path.isabs(directory)
            or directory.count("/") > _MAX_COMPOSED_DEPTH or os.path.islink(directory)):
        return os.path.realpath(directory)
    return os.path.join(real_directory(parent), name)


# Deeper paths are resolved whole, by the library: composing one directory at a time
# recurses once per level.
_MAX_COMPOSED_DEPTH = 64


register_cache(real_directory.cache_clear)


def load_module(project: Project, dotted: str, path: Path) -> ModuleInfo | None:
    """The project module at ``path`` (cached by path and mtime), with its functions and
    classes stubbed (see :func:`materialize`): its top level is parsed from a skeleton
    of its text (:func:`skeleton`), the whole text only when no skeleton can be made."""
    global parse_count
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    if key in _MODULES:
        return _MODULES[key]
    info: ModuleInfo | None = None
    try:
        source = project.read_text(dotted, path)
        parse_count += 1
        with paused_collection():
            info = _from_skeleton(project, dotted, path, source)
            if info is None:
                tree = ast.parse(source, str(path))
                info = ModuleInfo(project, dotted, path, tree, is_package=path.name == "__init__.py")
                info.source = source
                _stub_bodies(info)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        info = None
    _MODULES[key] = info
    return info


# Kept trees are many small objects, which the cyclic garbage collector traverses on
# every full collection (on a large application, keeping whole modules made a run twice
# as slow). So a module read by the tier keeps its top-level statements, but the bodies
# of its functions and classes are dropped; a body is parsed again, from exactly its
# lines, each time a question needs it (see :func:`materialize`), and what is learnt
# from it is kept instead (``ModuleInfo.answers``, keyed by the stub).
_STUB = "_asr_stub"  # On a stubbed def or class: (its module, first line, last line).
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DEFINITION_CLASSES = frozenset(_DEFINITIONS)
Definition = TypeVar("Definition", bound=ast.AST)


def _stub_bodies(info: ModuleInfo) -> None:
    for statement in info.tree.body:
        if isinstance(statement, _DEFINITIONS) and statement.end_lineno is not None:
            first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
            _make_stub(info, statement, first, statement.end_lineno)


def _make_stub(info: ModuleInfo, statement: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
               first: int, last: int) -> None:
    setattr(statement, _STUB, (info, first, last))
    # Every stub of the process has the same body, `...`, and a function's the same
    # empty parameters: one set of nodes serves them all (a dozen objects fewer per
    # definition for the garbage collector to traverse). Nothing reads their positions,
    # and a question that needs the real ones materializes the definition.
    statement.body = _STUB_BODY
    if not isinstance(statement, ast.ClassDef):
        # A function keeps its name, kind and decorators, which say what a call of it
        # does; its parameters and annotations come with its body.
        statement.args = _STUB_ARGUMENTS
        statement.returns = None


_STUB_BODY: list[ast.stmt] = [ast.Expr(value=ast.Constant(value=..., lineno=1, col_offset=0,
                                                          end_lineno=1, end_col_offset=3),
                                       lineno=1, col_offset=0, end_lineno=1, end_col_offset=3)]
_STUB_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                kw_defaults=[], kwarg=None, defaults=[])


# Parsing a whole module costs about as much as linting it, and the tier needs the
# bodies of few of its functions. So a module is parsed from its skeleton: its text
# with the body of every top-level function and class blanked out, line for line (so
# that every position stays that of the file), a function reduced to
# ``def name(): ...`` and a class to its header. A top-level statement starts at a line
# whose first character is neither blank, a comment nor a closing bracket, and which
# neither continues a triple-quoted string nor follows a backslash. When the split is
# wrong (a line of a body at column 0 inside brackets), the skeleton does not parse or
# does not hold the definitions found, and the module is parsed whole; a body cut short
# does not parse back into its definition, and questions about it stay unanswered (see
# :func:`materialize`).
_STATEMENT_START = re.compile(r"\n(?=[^\s#)\]}])")
# What can hold triple quotes without starting a string: a comment, a string. Where
# each may start, and how those that stay on their line end (a triple-quoted string's
# end is found with plain searches: a pattern would test each of its characters).
_TOKEN_START = re.compile(r"[#\"']")
_ONE_LINE_TOKENS = (
    re.compile(r"#[^\r\n]*"),
    re.compile(r'"(?:[^\\"\r\n]|\\.)*"', re.DOTALL),
    re.compile(r"'(?:[^\\'\r\n]|\\.)*'", re.DOTALL),
)
_DEFINITION_LINE = re.compile(r"(?:(async)[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)|(async|def|class)\b")
_NOT_A_START = frozenset(" \t\f\v\r\n#)]}")
_MAX_HEADER_LINES = 40


def skeleton(source: str) -> tuple[str, dict[int, tuple[int, int, str]]] | None:
    """The skeleton of a module's text, and for each top-level def or class, by the
    line of its ``def``/``class`` keyword: its first line (its first decorator's), its
    last line, and its name. None when the text cannot be split so (a line ending that
    is a lone carriage return, a definition the split cannot read)."""
    if "\r" in source and source.count("\r") != source.count("\r\n"):
        return None
    strings = _multiline_strings(source)
    starts = [match.end() for match in _STATEMENT_START.finditer(source)
              if not _continues(source, match.end(), strings)]
    if source[:1] and source[0] not in _NOT_A_START:
        starts.insert(0, 0)
    starts.append(len(source))
    pieces: list[str] = [source[:starts[0]]]
    spans: dict[int, tuple[int, int, str]] = {}
    line = source.count("\n", 0, starts[0]) + 1  # The line number of `begin`.
    decorated: int | None = None  # The first line of the decorators being read.
    for position in range(len(starts) - 1):
        begin, end = starts[position], starts[position + 1]
        lines = source.count("\n", begin, end)
        first, line_of_next = line, line + lines
        chunk = source[begin:end]
        if chunk[0] == "@":
            decorated = line if decorated is None else decorated
        else:
            first, decorated = (line if decorated is None else decorated), None
            match = _DEFINITION_LINE.match(chunk)
            if match is not None:
                if match[4] is not None:
                    return None  # A definition the regular expression cannot read.
                if match[3] is None:
                    kept = f"{'async ' if match[1] else ''}def {match[2]}(): ...\n"
                else:
                    header = _class_header(chunk)
                    if header is None:
                        return None
                    kept = header
                chunk = kept + "\n" * (lines - kept.count("\n"))
                name = match[2] or match[3]
                if not name.isascii():  # As Python reads identifiers: `Aª` is `Aa`.
                    name = unicodedata.normalize("NFKC", name)
                spans[line] = (first, line_of_next - 1, name)
        pieces.append(chunk)
        line = line_of_next
    return "".join(pieces), spans


def _multiline_strings(source: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the triple-quoted strings that span lines, in order.
    Only lines holding triple quotes are read as tokens, from their start or from the
    end of the string before."""
    found: list[tuple[int, int]] = []
    position = 0
    # The next of each kind of triple quotes at or after ``position`` (searched for
    # again only once passed): two plain searches of the text in all.
    double, single = source.find('"""'), source.find("'''")
    while True:
        if double != -1 and double < position:
            double = source.find('"""', position)
        if single != -1 and single < position:
            single = source.find("'''", position)
        if double == -1 and single == -1:
            return found
        triple = single if double == -1 or (single != -1 and single < double) else double
        start = max(position, source.rfind("\n", 0, triple) + 1)
        position = triple + 3
        token = _next_token(source, start)
        while token is not None and token[1] <= triple:
            token = _next_token(source, token[1])
        if token is not None and token[0] <= triple:
            position = max(position, token[1])
            if source.find("\n", token[0], token[1]) != -1:
                found.append(token)


def _next_token(source: str, position: int) -> tuple[int, int] | None:
    """The (start, end) offsets of the first comment or string from ``position`` on."""
    while True:
        start = _TOKEN_START.search(source, position)
        if start is None:
            return None
        at = start.start()
        quotes = source[at:at + 3]
        if quotes == '"""' or quotes == "'''":
            end = _triple_quoted_end(source, at + 3, quotes)
            if end != -1:
                return at, end
        for pattern in _ONE_LINE_TOKENS:
            match = pattern.match(source, at)
            if match is not None:
                return at, match.end()
        position = at + 1


def _triple_quoted_end(source: str, position: int, quotes: str) -> int:
    """Where the triple-quoted string whose text starts at ``position`` ends (after its
    closing quotes), or -1: the first ``quotes`` not escaped by a backslash."""
    while True:
        found = source.find(quotes, position)
        if found == -1:
            return -1
        backslash = found
        while backslash > position and source[backslash - 1] == "\\":
            backslash -= 1
        if (found - backslash) % 2 == 0:
            return found + 3
        position = found + 1


def _continues(source: str, offset: int, strings: list[tuple[int, int]]) -> bool:
    """Whether the line at ``offset`` continues the statement before it: after a
    backslash at the end of the line before, or inside a multi-line string."""
    before = source[max(0, offset - 3):offset].rstrip("\r\n")
    if before.endswith("\\"):
        return True
    index = bisect.bisect_right(strings, (offset, len(source))) - 1
    return index >= 0 and strings[index][0] < offset < strings[index][1]


def _class_header(chunk: str) -> str | None:
    """A class's header from its statement's text, its body replaced with ``...``."""
    stop = 0
    for _ in range(_MAX_HEADER_LINES):
        stop = chunk.find("\n", stop) + 1
        if stop == 0:
            stop = len(chunk)
        header = chunk[:stop].rstrip()
        if ":" not in header:
            if stop >= len(chunk):
                return None
            continue  # No class statement parses without its colon: the next line.
        for body in ("\n    ...", ""):
            try:
                ast.parse(header + body)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            if body and stop >= len(chunk.rstrip()):
                return None  # A body that would start after the statement's lines.
            return header + body + "\n"
        if stop >= len(chunk):
            return None
    return None


def _from_skeleton(project: Project, dotted: str, path: Path, source: str) -> ModuleInfo | None:
    made = skeleton(source)
    if made is None:
        return None
    text, spans = made
    try:
        tree = ast.parse(text, str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    definitions = [statement for statement in tree.body if isinstance(statement, _DEFINITIONS)]
    if len(definitions) != len(spans):
        return None
    info = ModuleInfo(project, dotted, path, tree, is_package=path.name == "__init__.py")
    info.source = source
    for statement in definitions:
        span = spans.get(statement.lineno)
        if span is None or span[2] != statement.name:
            return None
        _make_stub(info, statement, span[0], span[1])
    return info


def is_stub(node: ast.AST) -> bool:
    return hasattr(node, _STUB)


def stub_text(node: ast.AST) -> str | None:
    """The source lines of a stubbed definition (None for any other node)."""
    stub = getattr(node, _STUB, None)
    if stub is None:
        return None
    info, first, last = stub
    return "".join(info.source_lines()[first - 1:last])


def materialize(node: Definition) -> Definition:
    """The whole definition of a top-level def or class of a module read by the tier,
    parsed again from its own lines (a new tree each time: callers keep what they learn,
    not the tree); any other node as it is. When those lines do not parse back into
    the same definition, the stub itself: its body says nothing, so rules stay silent."""
    stub = getattr(node, _STUB, None)
    if stub is None:
        return node
    parsed = _parse_definition(node, stub_text(node) or "", stub[1])
    return parsed if isinstance(parsed, type(node)) else node


def _parse_definition(node: ast.AST, text: str, first: int) -> ast.AST | None:
    try:
        with paused_collection():
            # Blank lines before it put every node at its line in the file.
            tree = ast.parse("\n" * (first - 1) + text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(tree.body) != 1:
        return None
    found = tree.body[0]
    if type(found) is not type(node) or getattr(found, "name", None) != getattr(node, "name", None):
        return None
    return found


def clear_cache() -> None:
    """Forget every module, project and per-project fact the tier has read (a language
    server calls this when a project's configuration changes; tests and benchmarks to
    start cold)."""
    _MODULES.clear()
    project_root.cache_clear()
    _marked_ancestor.cache_clear()
    project_for.cache_clear()
    _project_of.cache_clear()
    for clear in _DEPENDENT_CACHES:
        clear()


class ModuleInfo:
    """One module's top-level names: imports (made absolute) and definitions."""

    def __init__(self, project: Project | None, name: str | None, path: Path | str | None,
                 tree: ast.Module, *, is_package: bool = False) -> None:
        self.project = project
        self.name = name
        self._path = path  # Made a Path when asked for (the checked file's rarely is).
        self.tree = tree
        self.is_package = is_package
        self.source: str | None = None  # Kept for modules read by the tier.
        self.imports: dict[str, tuple[str, str | None] | None] = {}
        self.definitions: dict[str, ast.stmt | None] = {}
        self._symbols: dict[str | tuple[str, Kinds], Symbol | None] = {}
        self._resolving: set[str] = set()
        # What rules learnt about this module, keyed by their question: settings-class
        # models and ASR110 summaries by node identity (stable: for a module the tier
        # reads, the stubs live as long as this; for the checked file, its tree).
        self.answers: dict[Any, Any] = {}
        self._lines: list[str] | None = None
        for statement in tree.body:
            self._collect(statement)

    @property
    def path(self) -> Path | None:
        path = self._path
        if path is None or isinstance(path, Path):
            return path
        found = self._path = Path(path)
        return found

    def forget(self) -> None:
        """Drop what questions about this module learnt (its names' answers refer back
        to it): called for the checked file's module when the file is done."""
        self._symbols.clear()
        self.answers.clear()

    def source_lines(self) -> list[str]:
        """The source's lines, split where Python counts lines (once, when asked)."""
        if self._lines is None:
            self._lines = source_lines(self.source or "")
        return self._lines

    def _bind_definition(self, name: str, node: ast.stmt) -> None:
        # Bound twice (`from .jobs import fetch` then `fetch = wrap(fetch)`): unsure.
        if name in self.imports:
            self.imports[name] = None
        self.definitions[name] = None if name in self.definitions or name in self.imports else node

    def _collect(self, statement: ast.stmt) -> None:
        # By the statement's exact class (this runs for every top-level statement of
        # every checked file), the common ones first.
        kind = statement.__class__
        if kind is ast.ImportFrom or kind is ast.Import:
            imports, definitions = self.imports, self.definitions
            for local, target in self._import_targets(statement):  # type: ignore[arg-type]
                imports[local] = None if local in imports or local in definitions else target
                definitions.pop(local, None)
        elif kind in _DEFINITION_CLASSES:
            self._bind_definition(statement.name, statement)  # type: ignore[attr-defined]
        elif kind is ast.Assign:
            for assigned in statement.targets:  # type: ignore[attr-defined]
                for name in _names(assigned):
                    self._bind_definition(name, statement)
        elif kind is ast.Expr:
            if _has_walrus(statement):
                self._unknown_bindings(statement)
        elif kind is ast.AnnAssign or kind is ast.AugAssign:
            if kind is ast.AnnAssign and statement.value is None:  # type: ignore[attr-defined]
                return
            for name in _names(statement.target):  # type: ignore[attr-defined]
                self._bind_definition(name, statement)
        elif kind is ast.If or kind is ast.Try:
            # Conditional definitions (try/except ImportError, if TYPE_CHECKING): a name
            # bound there is ambiguous. Only the statements that run at the top level
            # bind module names: not those in the bodies of functions and classes
            # defined there, nor expressions.
            for inner in statements_of([statement]):
                for name in _statement_names(inner):
                    self.definitions[name] = None
                    self.imports.pop(name, None)
        else:
            self._unknown_bindings(statement)

    def _unknown_bindings(self, statement: ast.stmt) -> None:
        """Names bound inside other statements (for, with, while, match, :=) are
        unknown."""
        for child in walk(statement):
            if isinstance(child, ast.stmt):
                for name in _statement_names(child):
                    self.definitions[name] = None
            elif isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                self.definitions[child.target.id] = None

    def _import_targets(self, statement: ast.Import | ast.ImportFrom
                        ) -> list[tuple[str, tuple[str, str | None] | None]]:
        found: list[tuple[str, tuple[str, str | None] | None]] = []
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    found.append((alias.asname, (alias.name, None)))
                else:
                    top = alias.name.partition(".")[0]
                    found.append((top, (top, None)))
            return found
        base = self.absolute(statement.module, statement.level)
        for alias in statement.names:
            if alias.name == "*":
                continue
            found.append((alias.asname or alias.name, (base, alias.name) if base else None))
        return found

    def absolute(self, module: str | None, level: int) -> str | None:
        """The absolute module name of an import (relative ones need this module's name)."""
        return absolute_module(self.name, self.is_package, module, level)

    def lookup(self, name: str, depth: int = 0, kinds: Kinds | None = None) -> Symbol | None:
        """What a top-level name of this module stands for, following project imports.
        With ``kinds``, a name imported from another project module is looked up there
        only if that module's text can bind it so (otherwise: None, nothing parsed)."""
        key = name if kinds is None else (name, kinds)
        if key in self._symbols:
            return self._symbols[key]
        if depth > _MAX_DEPTH or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            result = self._lookup(name, depth, kinds)
        finally:
            self._resolving.discard(name)
        self._symbols[key] = result
        return result

    def _lookup(self, name: str, depth: int, kinds: Kinds | None) -> Symbol | None:
        if name in self.imports:
            target = self.imports[name]
            if target is None:
                return None
            module, attribute = target
            return resolve_dotted(self.project, module, attribute, depth + 1, kinds)
        node = self.definitions.get(name)
        return Local(self, node) if node is not None else None


def resolve_dotted(project: Project | None, module: str, attribute: str | None,
                   depth: int = 0, kinds: Kinds | None = None) -> Symbol | None:
    """``module`` (and ``attribute`` of it): a project module's definition, the project
    module itself, or an external dotted name. ``kinds``: see :meth:`ModuleInfo.lookup`."""
    if project is not None and project.module_path(module) is not None:
        if attribute is None:
            return ModuleRef(project, module)
        if project.module_path(f"{module}.{attribute}") is not None:
            # A submodule, unless the package's __init__ binds the name otherwise: known
            # without parsing anything when the package's text never mentions it.
            if attribute not in project.outline(module).words:
                return ModuleRef(project, f"{module}.{attribute}")
        elif kinds is not None and not project.may_bind(module, attribute, kinds):
            return None
        info = project.module(module)
        if info is None:
            return None
        symbol = info.lookup(attribute, depth, kinds)
        if symbol is None and project.module_path(f"{module}.{attribute}") is not None:
            return ModuleRef(project, f"{module}.{attribute}")
        return symbol
    if project is not None and _inside_project(project, module):
        return None  # A project package whose module we cannot find: unsure.
    return External(f"{module}.{attribute}" if attribute else module)


def _inside_project(project: Project, module: str) -> bool:
    """The top package of ``module`` is one of the project's (then a missing submodule
    is a miss of ours, not an external name)."""
    top = module.partition(".")[0]
    return project.module_path(top) is not None


def _has_walrus(statement: ast.stmt) -> bool:
    return any(isinstance(node, ast.NamedExpr) for node in walk(statement))


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _names(element)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []


def _statement_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.partition(".")[0] for alias in statement.names]
    if isinstance(statement, ast.Assign):
        return [name for target in statement.targets for name in _names(target)]
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        return _names(statement.target)
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return _names(statement.target)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [n for item in statement.items if item.optional_vars for n in _names(item.optional_vars)]
    return []


def imported_from_project(module: ModuleInfo, name: str, kinds: Kinds | None = None
                          ) -> Symbol | None:
    """What a top-level name of ``module`` stands for, when it is imported from a module
    of the project (None, without reading anything, for every other name)."""
    target = module.imports.get(name)
    project = module.project
    if target is None or project is None or project.module_path(target[0]) is None:
        return None
    return module.lookup(name, kinds=kinds)




def imported_texts(tree: ast.Module, filename: str, project: Project | None) -> list[str]:
    """The top-level assignment lines, in other modules of the project, of the names
    this module imports from them (``cache = redis.Redis()`` for ``from app.clients
    import cache``), and the words of those modules' imports (``sqlalchemy`` behind an
    imported ``SessionLocal`` or ``get_db``): text the engine's triggers also look at,
    since calls on those objects are checked here (read, not parsed; none for most
    files). Each piece is the same string object every time it is asked for, as long
    as its module is unchanged, so that a caller can remember what it found in it.
    ``project``: the file's (see :func:`project_of`)."""
    found: list[str] = []
    if project is None:
        return found
    for statement in tree.body:
        if not isinstance(statement, ast.ImportFrom):
            continue
        base = _import_base(project, filename, statement)
        if base is None or project.module_path(base) is None:
            continue
        outline = project.outline(base)
        lines = outline.assignment_lines
        found += (lines[alias.name] for alias in statement.names if alias.name in lines)
        found.append(outline.imported_line)
    return found


def _import_base(project: Project, filename: str, statement: ast.ImportFrom) -> str | None:
    if not statement.level:
        return statement.module
    return absolute_module(project.module_name(filename),
                           os.path.basename(filename) == "__init__.py",
                           statement.module, statement.level)


def absolute_module(importer: str | None, is_package: bool, module: str | None,
                    level: int) -> str | None:
    """The absolute name of ``from <level dots><module> import ...`` in the module named
    ``importer`` (None when a relative import cannot be resolved)."""
    if not level:
        return module
    if importer is None:
        return None
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (level - 1)]
    if module:
        parts.append(module)
    return ".".join(parts) or None


def current_module(tree: ast.Module, filename: str, project: Project | None) -> ModuleInfo:
    """The file being linted as a :class:`ModuleInfo` (its tree is not parsed again), in
    ``project`` (see :func:`project_of`). Without one (the tier disabled, a file outside
    any project), project imports resolve to nothing."""
    name = project.module_name(filename) if project is not None else None
    return ModuleInfo(project, name, filename, tree,
                      is_package=os.path.basename(filename) == "__init__.py")
