"""ASR605: a timeout scope whose body never awaits, so the timeout can never fire."""

from __future__ import annotations

import ast

from ..analysis.scopes import statement_nodes
from ..engine.context import Context
from ..engine.rule import Rule, Severity

# Scopes entered with `async with` only (asyncio's, async-timeout's).
_ASYNC_SCOPES = frozenset({
    "asyncio.timeout", "asyncio.timeout_at", "asyncio.timeouts.timeout",
    "asyncio.timeouts.timeout_at", "async_timeout.timeout", "async_timeout.timeout_at",
})
# anyio's and trio's scopes are plain context managers, entered with `with`; `async with`
# works on some versions too.
_SCOPES = frozenset({
    f"{library}.{function}"
    for library in ("anyio", "trio")
    for function in ("fail_after", "fail_at", "move_on_after", "move_on_at")
})
_CHECKPOINTS = (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom)


class TimeoutWithoutAwait(Rule):
    """
    ## What it does
    Finds a timeout scope in an `async def` whose body has no `await`, `async for` or
    `async with`: `async with asyncio.timeout(...)`, `asyncio.timeout_at`,
    `async_timeout.timeout`, and anyio's and trio's `fail_after`, `fail_at`,
    `move_on_after`, `move_on_at` (with `with` or `async with`).

    ## Why is this bad?
    A timeout cancels the task at its next `await`. A body that never awaits runs to the
    end however long it takes, and the timeout cannot fire: the code looks protected
    and is not. Most often an `await` is missing (a coroutine started but not awaited
    inside the scope), or the slow call is a blocking one that should be awaited
    through an async client or `asyncio.to_thread()`.

    ## Example
    ```python
    import asyncio


    async def fetch_report(client, report_id):
        async with asyncio.timeout(5):
            response = client.get_report(report_id)  # a blocking call: never cancelled
        return response
    ```

    ## Use instead
    ```python
    import asyncio


    async def fetch_report(client, report_id):
        async with asyncio.timeout(5):
            response = await asyncio.to_thread(client.get_report, report_id)
        return response
    ```

    ## Where it applies
    Only the scope's own body counts: an `await` in a function or lambda defined in it
    runs only when that is called, elsewhere. A body with a `yield` is left alone (the
    consumer of the generator may be cancelled there), as is a body of only `pass` or
    `...` (a placeholder), and an `async with` whose timeout is followed by other
    context managers in the same statement (entering them awaits inside the scope).

    ## Fix
    None: deleting the scope would keep the code as it runs today, but the scope
    usually means that an `await` is missing, and only the author knows which call was
    meant to be bounded.
    """

    code = "ASR605"
    name = "timeout-without-await"
    message = "`{}()` scope has no `await` in its body: the timeout can never fire"
    severity = Severity.MEDIUM
    # An `async with`, or a `with` in an `async def`: the text says `async` either way.
    required_text = ("async", ("timeout", "fail_", "move_on_"))

    def visit_AsyncWith(self, node: ast.AsyncWith, context: Context) -> None:
        # Context managers after the timeout are entered (awaited) inside its scope.
        last = node.items[-1].context_expr
        for item in node.items:
            name = self._scope_name(item.context_expr, context, _ASYNC_SCOPES | _SCOPES)
            if name is not None and item.context_expr is last:
                self._check(node, item.context_expr, context)

    def visit_With(self, node: ast.With, context: Context) -> None:
        if not context.in_async_function:
            return
        for item in node.items:
            if self._scope_name(item.context_expr, context, _SCOPES) is not None:
                self._check(node, item.context_expr, context)

    @staticmethod
    def _scope_name(expression: ast.expr, context: Context, names: frozenset[str]) -> str | None:
        if not isinstance(expression, ast.Call):
            return None
        qualified = context.qualified_name(expression.func)
        return qualified if qualified in names else None

    def _check(self, node: ast.With | ast.AsyncWith, call: ast.expr, context: Context) -> None:
        if all(_is_placeholder(statement) for statement in node.body):
            return
        for child in statement_nodes(node.body):
            if isinstance(child, _CHECKPOINTS):
                return
            if isinstance(child, ast.comprehension) and child.is_async:
                return
        assert isinstance(call, ast.Call)
        context.report(self, call, context.source_segment(call.func))


def _is_placeholder(statement: ast.stmt) -> bool:
    """``pass``, ``...`` or a string on its own."""
    if isinstance(statement, ast.Pass):
        return True
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and (statement.value.value is Ellipsis or isinstance(statement.value.value, str)))
