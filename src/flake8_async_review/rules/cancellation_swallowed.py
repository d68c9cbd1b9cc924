"""ASR204: an ``except`` that catches cancellation around an ``await`` and does not
re-raise."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.fixes import module_reference, replace_node
from ..engine.rule import Severity
from ..engine.violation import Edit, Fix
from .common.handlers import (
    CANCELLATION,
    CANCELLATION_FACTORIES,
    HandlerFacts,
    HandlerRule,
)

_LIBRARIES = ("asyncio", "anyio", "trio")
# The clause that catches cancellation, per `--asr-async-library`, after the module name.
_CANCELLED = {"asyncio": "CancelledError", "trio": "Cancelled",
              "anyio": "get_cancelled_exc_class()"}
_ENDS_THE_BODY = (ast.Return, ast.Break, ast.Continue)


class CancellationSwallowed(HandlerRule):
    """
    ## What it does
    Finds, in the body of an `async def`, an `except` clause that catches cancellation
    (`asyncio.CancelledError`, `trio.Cancelled`, `anyio.get_cancelled_exc_class()`,
    `BaseException` or a bare `except:`, alone or in a tuple, in any import form) of a
    `try` block that contains an `await`, `async for` or `async with`, when the clause
    does not raise.

    A `try` block without a suspension point cannot be cancelled, so its clauses are
    not reported here. Neither is a cancellation the code asked for itself:

    * the documented way to wait for a task you cancelled: a `try` block whose only
      suspension points await an existing task or future by name (`task.cancel()`,
      then `try: await task` / `except asyncio.CancelledError: pass`), or wait for
      tasks the function cancelled before the `try` with `asyncio.wait_for(task, ...)`,
      `asyncio.shield(task)`, `asyncio.gather(*tasks, ...)` or `asyncio.wait(tasks)`
      (`task.cancel()`, or `t.cancel()` in a loop over `tasks`);
    * a clause that starts with `if <flag>: return` (or `break`) where the code sets
      the flag to `True` in the statement just before a `.cancel()` call:
      `self._stopping = True; self._task.cancel()` in a method of the same class, or
      `stopping = True; task.cancel()` in the function that defines the closure
      variable `stopping`. The clause ends on its own cancellation and deliberately
      carries on after any other;
    * a clause that only puts the cancellation off: it sets a local flag
      (`cancelled = True`) and the function raises `CancelledError` under a test of
      that flag later;
    * cleanup inside an outer clause that catches cancellation and ends with `raise`:
      the outer clause sends the cancellation on, whatever the inner one does;
    * the end of a private coroutine (`_recv_loop`) that the module only ever runs as
      a task of its own (`asyncio.create_task(self._recv_loop())`, `ensure_future`,
      a task group's `create_task`), when nothing of it runs after the clause: it
      returns, or the `try` is the coroutine's last statement (or the last statement
      of its final `while` loop, which the clause leaves with `break`). The task stops
      as asked; only `task.cancelled()` tells the difference. A public coroutine may
      be awaited from another module, where the caller would carry on, and is still
      reported.

    ## Why is this bad?
    Cancellation is how `asyncio.timeout()`, `asyncio.wait_for()`, task groups and
    server shutdown stop a task: they raise `CancelledError` at the `await` where the
    task is suspended. A handler that catches it and carries on makes the task ignore
    the request: the timeout never fires, shutdown hangs until it is killed, and a task
    group waits forever.

    ## Example
    ```python
    import asyncio


    async def consume(queue):
        while True:
            try:
                item = await queue.get()
                await handle(item)
            except BaseException:
                log_failure()
    ```

    ## Use instead
    ```python
    import asyncio


    async def consume(queue):
        while True:
            try:
                item = await queue.get()
                await handle(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                log_failure()
    ```

    A clause that raises anything (a bare `raise`, `raise exc`,
    `raise Error() from exc`), anywhere in its body, is not reported. This rule takes
    precedence over ASR201, ASR205 and ASR202 for the same clause.

    ## Fix
    Before a clause that catches everything (`except BaseException`, a bare
    `except:`), a clause that re-raises cancellation is inserted:
    `except asyncio.CancelledError: raise`, or with `--asr-async-library`
    `except trio.Cancelled: raise` or `except anyio.get_cancelled_exc_class(): raise`,
    and the module is imported when it is not. This fix is safe: every other exception
    still reaches the clause as before. It is not offered in a module that imports
    another of asyncio, anyio and trio (which cancellation class applies is then
    unclear; anyio code may import asyncio), nor for `except*`. The clause may then be
    reported by ASR201, ASR205 or ASR202, which this rule took precedence over.

    A clause that names only the cancellation class gets a `raise` at the end of its
    body (a body of a single `pass` becomes `raise`). This fix is unsafe: the code
    asked for the cancellation explicitly and may rely on carrying on after it. It is
    not offered when the body ends with `return`, `break` or `continue`, nor for a
    clause that also names other exceptions, which must not be re-raised.
    """

    code = "ASR204"
    name = "cancellation-swallowed"
    message = "`{}` around an `await` swallows cancellation: end the handler with `raise`"
    severity = Severity.HIGH
    fix_safety = "safe and unsafe"
    required_text = ("except", "async")

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        if not isinstance(context.parent, ast.Try):
            return None  # `except*` clauses cannot be mixed with a plain `except`.
        if facts.catches.everything:
            return _reraise_before(node, context, self.settings.async_library)
        if _names_only_cancellation(node, context):
            return _reraise_at_end(node, context)
        return None


def _reraise_before(node: ast.ExceptHandler, context: Context, library: str) -> Fix | None:
    others = set(_LIBRARIES) - {library, "asyncio" if library == "anyio" else library}
    if any(qualified is not None and qualified.partition(".")[0] in others
           for qualified in context.scope(context.tree).bindings.values()):
        return None
    module, import_edit = module_reference(context, library)
    if module is None:
        return None
    indent = _indent(node.lineno, node.col_offset, context)
    text = f"except {module}.{_CANCELLED[library]}:\n{_body_indent(node, context, indent)}raise\n{indent}"
    line, col = node.lineno, context.char_col(node.lineno, node.col_offset)
    edits = [Edit(line, col, line, col, text)]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix(edits=tuple(edits), safe=True, description="Re-raise cancellation first")


def _reraise_at_end(node: ast.ExceptHandler, context: Context) -> Fix | None:
    body = node.body
    last = body[-1]
    if isinstance(last, _ENDS_THE_BODY) or body[0].lineno == node.lineno:
        return None  # `raise` would never run, or the body shares the `except` line.
    if len(body) == 1 and isinstance(last, ast.Pass):
        return Fix(edits=(replace_node(context, last, "raise"),), safe=False,
                   description="Re-raise cancellation")
    indent = _indent(body[0].lineno, body[0].col_offset, context)
    end: int = last.end_lineno  # type: ignore[assignment]
    if end >= len(context.lines) and not context.lines[-1].endswith(("\n", "\r")):
        line, col, text = end, len(context.lines[-1]), f"\n{indent}raise\n"
    else:
        line, col, text = end + 1, 0, f"{indent}raise\n"
    return Fix(edits=(Edit(line, col, line, col, text),), safe=False,
               description="Re-raise cancellation")


def _names_only_cancellation(node: ast.ExceptHandler, context: Context) -> bool:
    if node.type is None:
        return False
    entries = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
    return all(
        context.qualified_name(entry.func) in CANCELLATION_FACTORIES and not entry.args
        if isinstance(entry, ast.Call) else context.qualified_name(entry) in CANCELLATION
        for entry in entries
    )


def _indent(line: int, col_offset: int, context: Context) -> str:
    return context.lines[line - 1][: context.char_col(line, col_offset)]


def _body_indent(node: ast.ExceptHandler, context: Context, indent: str) -> str:
    first = node.body[0]
    if first.lineno == node.lineno:
        return indent + "    "
    return _indent(first.lineno, first.col_offset, context)
