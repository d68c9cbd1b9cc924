"""ASR603: a task created and dropped: nothing keeps it alive."""

from __future__ import annotations

import ast

from ..analysis.catalogue import EVENT_LOOPS
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.blocking import method_call, module_call

_TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future",
                             "asyncio.tasks.create_task", "asyncio.tasks.ensure_future"})


class DanglingTask(Rule):
    """
    ## What it does
    Finds `asyncio.create_task()`, `asyncio.ensure_future()` and a typed event loop's
    `create_task()` called as a statement of its own, so that the task they return is
    dropped.

    ## Why is this bad?
    The event loop keeps only a weak reference to a running task. With no other
    reference, the garbage collector may destroy the task before it finishes, silently,
    in the middle of its work; an exception it raises is never seen either. The Python
    documentation warns about exactly this.

    ## Example
    ```python
    import asyncio


    async def on_startup():
        asyncio.create_task(poll_forever())


    async def poll_forever():
        ...
    ```

    ## Use instead
    ```python
    import asyncio

    background_tasks = set()


    async def on_startup():
        task = asyncio.create_task(poll_forever())
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)


    async def poll_forever():
        ...
    ```

    Or start it in an `asyncio.TaskGroup` (`tg.create_task(...)`) or an anyio/trio
    nursery, which hold their tasks: those are not reported.
    """

    code = "ASR603"
    name = "dangling-task"
    message = "`{}()` result is dropped: the task can be garbage-collected mid-run; keep a reference"
    severity = Severity.HIGH
    required_text = (("create_task", "ensure_future"),)

    def visit_Expr(self, node: ast.Expr, context: Context) -> None:
        call = node.value
        if not isinstance(call, ast.Call):
            return
        callee = context.callee(call)
        if module_call(callee, _TASK_FACTORIES) or method_call(callee, EVENT_LOOPS, {"create_task"}):
            context.report(self, call, context.source_segment(call.func))
