"""Name resolution: which module or object a name stands for, from the file's imports.

Only what the source states is trusted. A name rebound by an assignment, a parameter or
a definition is unknown from then on, and so is every name a star or relative import
might provide: rules stay silent on unknown names.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable

BUILTIN_NAMES = frozenset(dir(builtins))
_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)


class Scope:
    """The names one module, class or function body binds.

    A binding maps a name to the dotted qualified name it was imported as, or to None
    when the name is bound to something the import map cannot know.
    """

    __slots__ = ("bindings", "is_class", "node", "star_import")

    def __init__(self, node: ast.AST, is_class: bool = False) -> None:
        self.node = node
        self.is_class = is_class
        self.bindings: dict[str, str | None] = {}
        self.star_import = False

    def bind(self, name: str, qualified: str | None) -> None:
        self.bindings[name] = qualified

    def bind_import(self, statement: ast.Import | ast.ImportFrom) -> None:
        for name, qualified in imported_names(statement):
            if name == "*":
                self.star_import = True
            else:
                self.bind(name, qualified)


class ModuleScope(Scope):
    """The module's scope, filled before the walk so that functions see imports that
    come after them in the file. A name bound twice to different things is unknown."""

    __slots__ = ()

    def bind(self, name: str, qualified: str | None) -> None:
        if name in self.bindings and self.bindings[name] != qualified:
            qualified = None
        self.bindings[name] = qualified

    @classmethod
    def of(cls, tree: ast.Module) -> ModuleScope:
        scope = cls(tree)
        scope._collect(tree.body)
        return scope

    def _collect(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.bind_import(statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bind(statement.name, None)
            else:
                for name in bound_names(statement):
                    self.bind(name, None)
                if isinstance(statement, _COMPOUND):
                    self._collect_compound(statement)

    def _collect_compound(self, statement: ast.stmt) -> None:
        for field in ("body", "orelse", "finalbody"):
            self._collect(getattr(statement, field, ()))
        for handler in getattr(statement, "handlers", ()):
            if handler.name:
                self.bind(handler.name, None)
            self._collect(handler.body)


def imported_names(statement: ast.Import | ast.ImportFrom) -> Iterable[tuple[str, str | None]]:
    """(local name, qualified name) pairs an import binds; relative imports are unknown."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
        return
    for alias in statement.names:
        if alias.name == "*":
            yield "*", None
        elif statement.level or not statement.module:
            yield alias.asname or alias.name, None
        else:
            yield alias.asname or alias.name, f"{statement.module}.{alias.name}"


def bound_names(statement: ast.stmt) -> Iterable[str]:
    """Plain names a simple statement assigns (targets of =, :=-free forms, for, with)."""
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        if isinstance(statement, ast.AugAssign) or statement.value is not None:
            targets = [statement.target]
    elif isinstance(statement, (ast.For, ast.AsyncFor)):
        targets = [statement.target]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in statement.items if item.optional_vars]
    for target in targets:
        yield from _target_names(target)


def _target_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def parameter_names(arguments: ast.arguments) -> Iterable[str]:
    for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        yield argument.arg
    if arguments.vararg:
        yield arguments.vararg.arg
    if arguments.kwarg:
        yield arguments.kwarg.arg
