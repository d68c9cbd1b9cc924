"""ASR204: an ``except`` that catches cancellation around an ``await`` and does not
re-raise."""

from __future__ import annotations

from ..engine.rule import Severity
from .common.handlers import HandlerRule


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
      the outer clause sends the cancellation on, whatever the inner one does.

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
    """

    code = "ASR204"
    name = "cancellation-swallowed"
    message = "`{}` around an `await` swallows cancellation: end the handler with `raise`"
    severity = Severity.HIGH
    required_text = ("except", "async")
