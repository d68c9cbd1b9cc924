"""The project tier: what names imported from other modules of the project stand for.

A rule asks only about a name the current file imports from a module of its own
project. The project root is the nearest ancestor directory holding ``pyproject.toml``,
``setup.cfg``, ``setup.py`` or ``.git``; modules resolve from it and from its ``src/``.
Project modules are read from their files and parsed, never imported or executed;
anything outside the project (site-packages, the standard library) is never opened and
stays a plain dotted name. Parsed modules are cached per process, keyed by path and
modification time (flake8 ``-j`` runs several processes: each keeps its own cache). A
module that cannot be read or parsed is ``None``, and every question about it is
unanswered: rules stay silent.

Nothing here runs for a file that imports nothing from its project: the first question
checks that a module path exists, and only then parses that module.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RECHECK_SECONDS = 1.0
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


@lru_cache(maxsize=1024)
def project_root(directory: str) -> Path | None:
    """The nearest ancestor of ``directory`` (itself included) with a project marker."""
    path = Path(directory).resolve()
    for candidate in (path, *path.parents):
        if any((candidate / marker).exists() for marker in _ROOT_MARKERS):
            return candidate
    return None


class Project:
    """One project root: module lookup and the parsed-module cache."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.search_paths = [root, *([root / "src"] if (root / "src").is_dir() else [])]
        self._paths: dict[str, Path | None] = {}
        self._search_prefixes = list(dict.fromkeys(
            os.path.join(form(str(base)), "") for form in (os.path.realpath, os.path.abspath)
            for base in self.search_paths))
        self._mentions: dict[tuple[str, tuple[str, ...]], bool] = {}
        self._loaded: dict[str, tuple[float, ModuleInfo | None]] = {}

    def module_path(self, dotted: str) -> Path | None:
        """The file of a project module, or None when the name is not the project's."""
        if dotted in self._paths:
            return self._paths[dotted]
        found: Path | None = None
        parts = dotted.split(".")
        if all(part.isidentifier() for part in parts):
            for base in self.search_paths:
                stem = base.joinpath(*parts)
                for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                    if candidate.is_file():
                        found = candidate
                        break
                if found:
                    break
        self._paths[dotted] = found
        return found

    def module_name(self, filename: str) -> str | None:
        """The dotted name of a file of the project, from the root or ``src/``."""
        absolute = os.path.abspath(filename)
        found = self._name_under(absolute)
        return found if found is not None else self._name_under(os.path.realpath(absolute))

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

    def mentions(self, dotted: str, words: tuple[str, ...]) -> bool:
        """Whether a project module's text contains one of ``words`` (read, not parsed;
        cached): a cheap test before parsing a module for a question only some modules
        can answer."""
        key = (dotted, words)
        found = self._mentions.get(key)
        if found is None:
            path = self.module_path(dotted)
            try:
                text = path.read_text(encoding="utf-8", errors="replace") if path else ""
            except OSError:
                text = ""
            found = self._mentions[key] = any(word in text for word in words)
        return found

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
    root = project_root(os.path.dirname(os.path.abspath(filename)))
    return project_for(root) if root is not None else None


_MODULES: dict[tuple[str, float], ModuleInfo | None] = {}
# The clear functions of other modules' per-project caches (declared dependencies, the
# settings-class scan), so that one call forgets everything the tier learnt.
_DEPENDENT_CACHES: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> Callable[[], None]:
    """Have :func:`clear_cache` call ``clear`` too."""
    _DEPENDENT_CACHES.append(clear)
    return clear


def load_module(project: Project, dotted: str, path: Path) -> ModuleInfo | None:
    """The parsed project module at ``path`` (cached by path and mtime)."""
    global parse_count
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    if key in _MODULES:
        return _MODULES[key]
    info: ModuleInfo | None = None
    try:
        source = path.read_text(encoding="utf-8")
        parse_count += 1
        tree = ast.parse(source, str(path))
        info = ModuleInfo(project, dotted, path, tree, is_package=path.name == "__init__.py")
        info.source = source
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        info = None
    _MODULES[key] = info
    return info


def clear_cache() -> None:
    """Forget every module, project and per-project fact the tier has read (a language
    server calls this when a project's configuration changes; tests and benchmarks to
    start cold)."""
    _MODULES.clear()
    project_root.cache_clear()
    project_for.cache_clear()
    for clear in _DEPENDENT_CACHES:
        clear()


class ModuleInfo:
    """One module's top-level names: imports (made absolute) and definitions."""

    def __init__(self, project: Project | None, name: str | None, path: Path | None,
                 tree: ast.Module, *, is_package: bool = False) -> None:
        self.project = project
        self.name = name
        self.path = path
        self.tree = tree
        self.is_package = is_package
        self.source: str | None = None  # Kept for modules read by the tier.
        self.imports: dict[str, tuple[str, str | None] | None] = {}
        self.definitions: dict[str, ast.stmt | None] = {}
        self._symbols: dict[str, Symbol | None] = {}
        self._resolving: set[str] = set()
        # Models of this module's classes (settings_classes), keyed by node identity.
        self.class_models: dict[int, Any] = {}
        self.settings_flags: dict[int, bool] = {}
        # Rule contexts over this module (context.context_for), one per settings.
        self.contexts: dict[Any, Any] = {}
        for statement in tree.body:
            self._collect(statement)

    def _bind_definition(self, name: str, node: ast.stmt) -> None:
        self.definitions[name] = None if name in self.definitions or name in self.imports else node

    def _collect(self, statement: ast.stmt) -> None:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for local, target in self._import_targets(statement):
                known = local in self.imports or local in self.definitions
                self.imports[local] = None if known else target
                self.definitions.pop(local, None)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._bind_definition(statement.name, statement)
        elif isinstance(statement, ast.Assign):
            for assigned in statement.targets:
                for name in _names(assigned):
                    self._bind_definition(name, statement)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            for name in _names(statement.target):
                if isinstance(statement, ast.AnnAssign) and statement.value is None:
                    continue
                self._bind_definition(name, statement)
        elif isinstance(statement, ast.If | ast.Try):
            # Conditional definitions (try/except ImportError, if TYPE_CHECKING): a name
            # bound there is ambiguous unless only one branch binds it.
            for child in ast.walk(statement):
                if isinstance(child, ast.stmt) and child is not statement:
                    for name in _statement_names(child):
                        self.definitions[name] = None
                        self.imports.pop(name, None)
        elif not isinstance(statement, ast.Expr) or _has_walrus(statement):
            # Names bound inside other statements (for, with, while, match, :=) are
            # unknown.
            for child in ast.walk(statement):
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
        if not level:
            return module
        if self.name is None:
            return None
        parts = self.name.split(".")
        if not self.is_package:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
        if module:
            parts.append(module)
        return ".".join(parts) or None

    def lookup(self, name: str, depth: int = 0) -> Symbol | None:
        """What a top-level name of this module stands for, following project imports."""
        if name in self._symbols:
            return self._symbols[name]
        if depth > _MAX_DEPTH or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            result = self._lookup(name, depth)
        finally:
            self._resolving.discard(name)
        self._symbols[name] = result
        return result

    def _lookup(self, name: str, depth: int) -> Symbol | None:
        if name in self.imports:
            target = self.imports[name]
            if target is None:
                return None
            module, attribute = target
            return resolve_dotted(self.project, module, attribute, depth + 1)
        node = self.definitions.get(name)
        return Local(self, node) if node is not None else None


def resolve_dotted(project: Project | None, module: str, attribute: str | None,
                   depth: int = 0) -> Symbol | None:
    """``module`` (and ``attribute`` of it): a project module's definition, the project
    module itself, or an external dotted name."""
    if project is not None and project.module_path(module) is not None:
        if attribute is None:
            return ModuleRef(project, module)
        if project.module_path(f"{module}.{attribute}") is not None:
            # A submodule, unless the package's __init__ binds the name otherwise: known
            # without parsing anything when the package's __init__ is empty.
            package = project.module_path(module)
            if package is not None and package.stat().st_size == 0:
                return ModuleRef(project, f"{module}.{attribute}")
        info = project.module(module)
        if info is None:
            return None
        symbol = info.lookup(attribute, depth)
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
    return any(isinstance(node, ast.NamedExpr) for node in ast.walk(statement))


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


def imported_from_project(module: ModuleInfo, name: str) -> Symbol | None:
    """What a top-level name of ``module`` stands for, when it is imported from a module
    of the project (None, without reading anything, for every other name)."""
    target = module.imports.get(name)
    project = module.project
    if target is None or project is None or project.module_path(target[0]) is None:
        return None
    return module.lookup(name)


def current_module(tree: ast.Module, filename: str, enabled: bool = True) -> ModuleInfo:
    """The file being linted as a :class:`ModuleInfo` (its tree is not parsed again).
    With the tier disabled, project imports resolve to nothing."""
    project = project_of(filename) if enabled else None
    name = project.module_name(filename) if project is not None else None
    return ModuleInfo(project, name, Path(filename), tree,
                      is_package=os.path.basename(filename) == "__init__.py")
