"""ASR902 (opt-in): a session commit with nothing to roll back when it fails."""

from __future__ import annotations

import ast

from ..analysis.catalogue import SESSIONS
from ..analysis.nodes import walk
from ..analysis.scopes import FUNCTION_TYPES, all_parameters, parameter_default
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends"})
_WITH = (ast.With, ast.AsyncWith)


class CommitWithoutRollback(Rule):
    """
    ## What it does
    Finds `commit()` on a typed SQLAlchemy or SQLModel session (`Session`,
    `AsyncSession`, `scoped_session`) that is neither inside a `try` whose `except`
    clauses (or `finally`) call `rollback()` or `close()`, nor inside a `with` block
    that manages the session (`with Session(engine) as session:`,
    `with session.begin():`), nor on a FastAPI dependency (`Depends(get_db)`, whose
    own cleanup closes the session).

    ## Why is this bad?
    When a commit fails (a constraint, a deadlock, a dropped connection) the session's
    transaction is left half-done. Until someone calls `rollback()`, every later use of
    that session raises `PendingRollbackError`: a long-lived session in a worker or a
    consumer loop stays broken for every following message, not only the one that
    failed.

    ## Example
    ```python
    from sqlalchemy.orm import Session


    class Consumer:
        def __init__(self, session: Session):
            self.session = session

        def handle(self, event):
            self.session.add(event)
            self.session.commit()
    ```

    ## Use instead
    ```python
    from sqlalchemy.orm import Session


    class Consumer:
        def __init__(self, session: Session):
            self.session = session

        def handle(self, event):
            self.session.add(event)
            try:
                self.session.commit()
            except Exception:
                self.session.rollback()
                raise
    ```

    The rule is opt-in (`--extend-select ASR902`): with short-lived sessions that are
    always closed after use, a failed commit does no lasting harm.
    """

    code = "ASR902"
    name = "commit-without-rollback"
    message = ("`{}()` has no rollback if it fails: roll back in an `except` or use the "
               "session as a context manager")
    severity = Severity.LOW
    required_text = ("commit",)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "commit"):
            return
        receiver = func.value
        if context.types.shaped_type_of(receiver, context.scope_nodes) not in SESSIONS:
            return
        text = context.source_segment(receiver)
        if (_rolled_back_on_failure(node, context) or _managed_by_with(text, context)
                or _dependency(receiver, context)):
            return
        context.report(self, node, context.source_segment(func))


def _rolled_back_on_failure(node: ast.AST, context: Context) -> bool:
    for statement in context.enclosing_try_bodies(node):
        cleanup = [*(n for h in statement.handlers for n in h.body), *statement.finalbody]
        for part in cleanup:
            for inner in walk(part):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr in ("rollback", "close")):
                    return True
    return False


def _managed_by_with(text: str, context: Context) -> bool:
    """A ``with`` around the call binds the session (``with Session() as s``) or
    manages it or its transaction (``with s:``, ``with s.begin():``)."""
    for ancestor in reversed(context.ancestors):
        if isinstance(ancestor, (*FUNCTION_TYPES, ast.ClassDef)):
            break
        if not isinstance(ancestor, _WITH):
            continue
        for item in ancestor.items:
            target = item.optional_vars
            managed = item.context_expr
            if isinstance(managed, ast.Call) and isinstance(managed.func, ast.Attribute) and (
                managed.func.attr in ("begin", "begin_nested")
            ):
                managed = managed.func.value
            if (target is not None and context.source_segment(target) == text) or (
                context.source_segment(managed) == text
            ):
                return True
    return False


def _dependency(receiver: ast.expr, context: Context) -> bool:
    """The session is a parameter of the enclosing function provided by ``Depends``."""
    function = context.enclosing_function
    if not isinstance(receiver, ast.Name) or function is None:
        return False
    for parameter in all_parameters(function.args):
        if parameter.arg != receiver.id:
            continue
        default = parameter_default(function.args, parameter)
        declared = [default, parameter.annotation]
        if isinstance(parameter.annotation, ast.Name):
            if context.types.imported_alias_depends(parameter.annotation.id, context.scope_nodes):
                return True
            declared += _module_values(parameter.annotation.id, context)
        return any(_mentions_depends(part, context) for part in declared if part is not None)
    return False


def _module_values(name: str, context: Context) -> list[ast.expr]:
    return [s.value for s in context.tree.body if isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)]


def _mentions_depends(expr: ast.expr, context: Context) -> bool:
    return any(isinstance(n, ast.Call) and context.qualified_name(n.func, [context.tree]) in _DEPENDS
               for n in walk(expr))
