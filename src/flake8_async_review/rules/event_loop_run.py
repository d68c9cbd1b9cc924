"""ASR108: starting an event loop inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.catalogue import EVENT_LOOPS, LOOP_ENTRY_POINTS
from ..analysis.facts import ScopeChain
from ..analysis.roles import ALL_ROLES
from ..engine.context import Context
from ..engine.fixes import binds_tighter_than_await, replace_node
from ..engine.rule import CallNames, Severity
from ..engine.violation import Fix
from .common.blocking import BlockingCallRule, method_call, module_call

LOOP_RUNNERS = frozenset({"run_until_complete", "run_forever"})


class EventLoopRun(BlockingCallRule):
    """
    ## What it does
    Finds `asyncio.run()` (and `anyio.run()`, `trio.run()`) and a loop's
    `run_until_complete()` or `run_forever()` called in the body of an `async def`.

    ## Why is this bad?
    An `async def` body already runs inside an event loop. Starting another one there
    raises `RuntimeError: asyncio.run() cannot be called from a running event loop` (or
    `This event loop is already running`) the first time the code runs, typically in
    production on a path the tests did not cover.

    ## Example
    ```python
    import asyncio


    async def refresh_prices(client):
        prices = asyncio.run(client.fetch_prices())
        return prices
    ```

    ## Use instead
    ```python
    async def refresh_prices(client):
        prices = await client.fetch_prices()
        return prices
    ```

    ## Fix
    Replaces `asyncio.run(coroutine)` with `await coroutine`. Unsafe: the coroutine now
    runs in the current loop rather than a new one, and the statement now suspends.
    """

    code = "ASR108"
    name = "event-loop-run-in-async-function"
    message = "`{}()` inside `async def` raises RuntimeError (a loop is running): `await` the coroutine"
    # Starting a loop inside a running one raises RuntimeError, in a test as anywhere.
    roles = ALL_ROLES
    severity = Severity.CRITICAL
    fix_safety = "unsafe"
    required_text = ("async", "run")

    def call_names(self) -> CallNames:
        return CallNames(qualified=LOOP_ENTRY_POINTS, methods=LOOP_RUNNERS)

    def match(self, call: ast.Call, context: Context, chain: ScopeChain | None = None) -> str | None:
        callee = context.callee(call, chain)
        return module_call(callee, LOOP_ENTRY_POINTS) or method_call(callee, EVENT_LOOPS, LOOP_RUNNERS)

    def fix(self, node: ast.Call, context: Context) -> Fix | None:
        callee = context.callee(node)
        if callee.qualified != "asyncio.run" or len(node.args) != 1 or node.keywords:
            return None
        argument = node.args[0]
        if not isinstance(argument, ast.Call):
            return None
        awaited = f"await {context.source_segment(argument)}"
        if binds_tighter_than_await(context, node):
            awaited = f"({awaited})"
        return Fix(
            edits=(replace_node(context, node, awaited),),
            safe=False,
            description="Await the coroutine instead of running a new loop",
        )
