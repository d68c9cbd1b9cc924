"""Which function of the same module a call runs: ``helper()``, ``self.helper()``,
``cls.helper()`` or a ``def`` nested in the caller, resolved from the source alone.

Shared by the rules that follow a call into the module's own functions (ASR110 looks
for blocking calls in sync helpers, ASR604 for coroutine functions called without
``await``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .project import materialize, stub_text
from .receivers import enclosing_method, first_parameter
from .scopes import bound_names, imported_names, own_nodes, statements_of

if TYPE_CHECKING:
    from .facts import FileFacts

FunctionDefinition = ast.FunctionDef | ast.AsyncFunctionDef
_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod"})


def local_target(call: ast.Call, context: FileFacts, chain: Sequence[ast.AST]
                 ) -> tuple[FunctionDefinition, list[ast.AST]] | None:
    """The plain ``def`` or ``async def`` of this module a call runs, with the scope
    chain of its body; None when the source does not say for sure.

    Only a definition that is the one binding of its name in its scope counts, with no
    decorator but ``staticmethod``/``classmethod`` (a decorator may replace it), and
    not a generator function (calling one runs none of its body).
    """
    chain = list(chain)
    func = call.func
    if isinstance(func, ast.Name):
        scope = context.defining_scope(func.id, chain)
        if scope is None or scope.bindings.get(func.id) is not None:
            return None
        index = next((i for i, node in enumerate(chain) if node is scope.node), None)
        if index is None or scope.is_class:
            return None
        function = only_def(scope.node, func.id, context.numbered_lines())
        return (function, [*chain[: index + 1], function]) if function else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        method = enclosing_method(chain)
        if method is None or func.value.id != first_parameter(method[0]):
            return None
        class_chain = chain[: method[1] + 1]
        function = only_def(class_chain[-1], func.attr, context.numbered_lines())
        return (function, [*class_chain, function]) if function else None
    return None


def sync_def_names(scope_node: ast.Module | ast.ClassDef | FunctionDefinition) -> frozenset[str]:
    """The names for which :func:`only_def` may find a plain ``def`` in a module,
    class or function body: those the body binds once, with a ``def`` statement. Kept
    on the scope node."""
    names: frozenset[str] | None = getattr(scope_node, _SYNC_DEFS, None)
    if names is None:
        names = frozenset(name for name, found in _binders_of(scope_node).items()
                          if len(found) == 1 and isinstance(found[0], ast.FunctionDef))
        setattr(scope_node, _SYNC_DEFS, names)
    return names


def only_def(scope_node: ast.AST, name: str, lines: Sequence[str] | None = None
             ) -> FunctionDefinition | None:
    """The one plain ``def``/``async def name`` a scope binds, when nothing else in the
    scope binds ``name``. Answers are kept on the scope node: ASR110 asks about the
    same helpers of a module from every file that imports them. In a module read by
    the project tier the answer is the stub: :func:`project.materialize` gives its body.
    ``lines``: the file's, when at hand (see :func:`is_generator`)."""
    if isinstance(scope_node, ast.Lambda):
        return None
    answers: dict[str, FunctionDefinition | None] | None = getattr(scope_node, _ANSWERS, None)
    if answers is None:
        answers = {}
        setattr(scope_node, _ANSWERS, answers)
    if name not in answers:
        answers[name] = _only_def(_binders_of(scope_node).get(name, ()), lines)
    return answers[name]


_ANSWERS, _BINDERS, _SYNC_DEFS = "_asr_only_def", "_asr_binders", "_asr_sync_defs"


def _binders_of(scope_node: ast.AST) -> dict[str, list[ast.stmt]]:
    """:func:`_binders`, kept on the scope node."""
    binders: dict[str, list[ast.stmt]] | None = getattr(scope_node, _BINDERS, None)
    if binders is None:
        binders = _binders(scope_node)
        setattr(scope_node, _BINDERS, binders)
    return binders


def _binders(scope_node: ast.AST) -> dict[str, list[ast.stmt]]:
    """Each name the scope's statements bind, with the statements binding it."""
    found: dict[str, list[ast.stmt]] = {}
    for statement in statements_of(scope_node.body):  # type: ignore[attr-defined]
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = [statement.name]
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            bound = [local for local, _ in imported_names(statement)]
        else:
            bound = list(bound_names(statement))
        for name in bound:
            found.setdefault(name, []).append(statement)
    return found


def _only_def(found: Sequence[ast.stmt], lines: Sequence[str] | None
              ) -> FunctionDefinition | None:
    if len(found) != 1 or not isinstance(found[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    function = found[0]
    for decorator in function.decorator_list:
        if not (isinstance(decorator, ast.Name) and decorator.id in _TRANSPARENT_DECORATORS):
            return None
    # Calling a generator function runs none of its body; whoever iterates it does (for a
    # StreamingResponse, Starlette iterates sync generators in a worker thread).
    return None if is_generator(function, lines) else function


def is_generator(function: FunctionDefinition, lines: Sequence[str] | None = None) -> bool:
    """Whether a function's own body yields. A function whose text has no ``yield`` is
    not one, known without walking its body (nor, for a tier module's function,
    parsing it): its text is the stub's, or its lines of ``lines`` (the file's)."""
    text = stub_text(function)
    if text is not None and "yield" not in text:
        return False
    if text is None and lines is not None and function.end_lineno is not None and not any(
            "yield" in line for line in lines[function.lineno - 1:function.end_lineno]):
        return False
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(materialize(function)))
