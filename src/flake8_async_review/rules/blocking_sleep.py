"""ASR101: ``time.sleep`` inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.fixes import (
    binds_tighter_than_await,
    insert_after,
    insert_before,
    module_reference,
    replace_node,
)
from ..engine.rule import CallNames, Severity
from ..engine.violation import Edit, Fix
from .common.blocking import BlockingCallRule


class BlockingSleep(BlockingCallRule):
    """
    ## What it does
    Finds `time.sleep()` called directly in the body of an `async def`, whatever the
    import form (`import time`, `from time import sleep as pause`, imports inside the
    function).

    ## Why is this bad?
    `time.sleep()` suspends the whole thread, and with it the event loop: every other
    request, task and timeout of the process waits until it returns. A retry loop with a
    one-second back-off stalls the service for a second per attempt.

    ## Example
    ```python
    import time


    async def poll_status(client, job_id):
        while not await client.is_done(job_id):
            time.sleep(1)
    ```

    ## Use instead
    ```python
    import asyncio


    async def poll_status(client, job_id):
        while not await client.is_done(job_id):
            await asyncio.sleep(1)
    ```

    ## Options
    `--asr-async-library` chooses the sleep the message and the fix use: `asyncio`
    (default), `anyio` or `trio`.

    ## Fix
    Replaces the call with `await asyncio.sleep(...)` (same argument) and adds
    `import asyncio` when the module lacks it. Safe when the call is a statement of its
    own; unsafe when its value is used, because the expression now suspends.

    Calls in a nested `def` or `lambda` are not reported: they run wherever that function
    is called, such as `asyncio.to_thread(time.sleep, 1)`.
    """

    code = "ASR101"
    name = "blocking-sleep-in-async-function"
    message = "`{}()` blocks the event loop: use `await {}()`"
    severity = Severity.HIGH
    fix_safety = "safe and unsafe"
    required_text = ("async", "sleep")

    def call_names(self) -> CallNames:
        return CallNames(qualified=frozenset({"time.sleep"}))

    def match(self, call: ast.Call, context: Context, chain: ScopeChain | None = None) -> str | None:
        qualified = context.callee(call, chain).qualified
        return qualified if qualified == "time.sleep" else None

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        return (context.source_segment(node.func), f"{self.settings.async_library}.sleep")

    def fix(self, node: ast.Call, context: Context) -> Fix | None:
        return self._fix(node, context, self.settings.async_library)

    def _fix(self, node: ast.Call, context: Context, library: str) -> Fix | None:
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            return None  # Not a valid time.sleep call: nothing mechanical to offer.
        module_name, import_edit = module_reference(context, library)
        if module_name is None:
            return None
        needs_parentheses = binds_tighter_than_await(context, node)
        edits: list[Edit] = [
            insert_before(context, node, "(await " if needs_parentheses else "await "),
            replace_node(context, node.func, f"{module_name}.sleep"),
        ]
        if needs_parentheses:
            edits.append(insert_after(context, node, ")"))
        if import_edit is not None:
            edits.append(import_edit)
        return Fix(
            edits=tuple(edits),
            safe=isinstance(context.parent, ast.Expr),
            description=f"Replace with `await {module_name}.sleep()`",
        )
