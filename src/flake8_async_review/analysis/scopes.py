"""Name resolution: which module or object a name stands for, from the file's imports.

Each module, class and function body gets a :class:`Scope` on first use: the names it
binds, collected from its statements the way Python decides them (a name assigned
anywhere in a function is local to the whole function). Only what the source states is
trusted: a name rebound by an assignment, a parameter or a definition is unknown, and so
is every name a star or relative import might provide. Rules stay silent on unknowns.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable, Iterator

from .nodes import node_fields

BUILTIN_NAMES = frozenset(dir(builtins))
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DEFINITION_TYPES = frozenset(_DEFINITIONS)
# The statements whose targets bind names (see bound_names), and those with handlers.
_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                            ast.With, ast.AsyncWith})
_TRY_TYPES = frozenset({ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})


class Scope:
    """The names one module, class or function body binds.

    ``bindings`` maps a name to the dotted name it was imported as, or to None when it
    is bound to something else (an assignment, a parameter, a definition) or imported
    twice as different things. ``expression_bound`` holds the names bound inside
    expressions of the body itself (``:=`` targets, ``match`` captures): they are unknown
    throughout the body, since which binding a use sees depends on where it is.
    Comprehension variables are visible only inside their comprehension: the context
    answers for those from the walk's ancestors (:meth:`Context.comprehension_binds`).

    Finding ``:=`` targets takes a walk of the body's expressions; ``walrus`` and
    ``match`` say whether the file's text has that syntax at all (most files have
    neither, and then nothing is walked).
    """

    __slots__ = ("bindings", "expression_bound", "is_class", "node", "star_import")

    def __init__(self, node: ast.AST, walrus: bool = True, match: bool = True) -> None:
        self.node = node
        self.is_class = isinstance(node, ast.ClassDef)
        self.bindings: dict[str, str | None] = {}
        self.star_import = False
        if isinstance(node, FUNCTION_TYPES):
            for name in parameter_names(node.args):
                self.bindings[name] = None
        if not isinstance(node, ast.Lambda):
            self._collect(node.body)  # type: ignore[attr-defined]
        self.expression_bound = (
            frozenset(expression_bound_names(node, walrus)) if walrus or match else frozenset()
        )
        for name in self.expression_bound:
            self._bind(name, None)

    def _bind(self, name: str, qualified: str | None) -> None:
        if name in self.bindings and self.bindings[name] != qualified:
            qualified = None
        self.bindings[name] = qualified

    def _collect(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements_of(statements):
            kind = statement.__class__
            if kind is ast.Import or kind is ast.ImportFrom:
                for name, qualified in imported_names(statement):  # type: ignore[arg-type]
                    if name == "*":
                        self.star_import = True
                    else:
                        self._bind(name, qualified)
            elif kind in _DEFINITION_TYPES:
                self._bind(statement.name, None)  # type: ignore[attr-defined]
            elif kind in _BINDING_TYPES:
                for name in bound_names(statement):
                    self._bind(name, None)
            elif kind in _TRY_TYPES:
                for handler in statement.handlers:  # type: ignore[attr-defined]
                    if handler.name:
                        self._bind(handler.name, None)


def statements_of(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a body in source order, through compound statements, not into
    nested functions or classes."""
    stack = list(body)
    stack.reverse()
    blocks_of = _BLOCKS.get
    while stack:
        statement = stack.pop()
        yield statement
        fields = blocks_of(statement.__class__)
        if fields is None:
            fields = _blocks(statement.__class__)
        if not fields:
            continue
        inner: list[ast.stmt] = []
        for field in fields:
            value = getattr(statement, field)
            if field == "handlers" or field == "cases":
                for part in value:
                    inner += part.body
            else:
                inner += value
        inner.reverse()
        stack += inner


# Node type -> the fields of its statements' blocks that statements_of enters, in order.
_BLOCKS: dict[type, tuple[str, ...]] = {}
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _blocks(kind: type) -> tuple[str, ...]:
    fields: tuple[str, ...] = () if kind in _DEFINITION_TYPES else tuple(
        field for field in _BLOCK_FIELDS if field in getattr(kind, "_fields", ()))
    _BLOCKS[kind] = fields
    return fields


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function body in source order, not those of functions, lambdas or
    classes nested in it (they run only when called)."""
    return statement_nodes(function.body)  # type: ignore[attr-defined]


def statement_nodes(statements: Iterable[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of some statements in source order, not those of functions, lambdas or
    classes defined in them."""
    stack: list[ast.AST] = [
        statement for statement in reversed(list(statements)) if not isinstance(statement, _NESTED)
    ]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_children(node)))


_NESTED = (*FUNCTION_TYPES, ast.ClassDef)


def _children(node: ast.AST) -> list[ast.AST]:
    """:func:`nodes.child_nodes`, less nested functions, lambdas and classes (inlined:
    the walks of whole bodies call this for every node)."""
    children: list[ast.AST] = []
    for name in node_fields(node.__class__):
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if not isinstance(value, _NESTED):
                children.append(value)
        elif isinstance(value, list):
            children += [item for item in value
                         if isinstance(item, ast.AST) and not isinstance(item, _NESTED)]
    return children


def expression_bound_names(scope_node: ast.AST, walrus: bool = True) -> Iterator[str]:
    """Names bound inside the expressions of a module, class, function or lambda body
    (not of the scopes nested in it): ``:=`` targets (looked for only when ``walrus``)
    and ``match`` captures."""
    nested = (*FUNCTION_TYPES, ast.ClassDef)
    body = scope_node.body  # type: ignore[attr-defined]
    roots: list[ast.AST] = [body] if isinstance(body, ast.AST) else list(body)
    if not walrus:  # Only match statements can bind: look at their patterns alone.
        roots = [case.pattern for statement in roots if isinstance(statement, ast.stmt)
                 for inner in statements_of([statement]) if isinstance(inner, ast.Match)
                 for case in inner.cases]
    stack = [root for root in roots if not isinstance(root, nested)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target.id
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest
        stack += _children(node)


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
    """Plain names a statement itself assigns (=, annotated =, augmented =, for, with)."""
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
        yield from target_names(target)


def target_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from target_names(element)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def parameter_names(arguments: ast.arguments) -> Iterable[str]:
    for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        yield argument.arg
    if arguments.vararg:
        yield arguments.vararg.arg
    if arguments.kwarg:
        yield arguments.kwarg.arg


def all_parameters(arguments: ast.arguments) -> list[ast.arg]:
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return params


def parameter_default(arguments: ast.arguments, parameter: ast.arg) -> ast.expr | None:
    """The default value expression of a parameter, if it has one."""
    positional = [*arguments.posonlyargs, *arguments.args]
    if parameter in positional:
        offset = len(positional) - len(arguments.defaults)
        index = positional.index(parameter)
        return arguments.defaults[index - offset] if index >= offset else None
    if parameter in arguments.kwonlyargs:
        return arguments.kw_defaults[arguments.kwonlyargs.index(parameter)]
    return None


def declares_global(text: str, name: str) -> bool:
    """Whether a ``global`` statement of the source ``text`` may name ``name`` (read,
    not parsed: a comment or string may say so too). The keyword is looked for as text
    first, then each occurrence is checked where it is: a pattern that starts with
    ``\\b`` would be tried at every position of the text."""
    if "global" not in text:
        return False
    return re.search(rf"global(?<=\bglobal)\b[^\n]*\b{re.escape(name)}\b", text) is not None
