"""ASR908 (opt-in): a ``while`` loop that only sleeps until a flag changes."""

from __future__ import annotations

import ast

from ..analysis.nodes import walk
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_SLEEPS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "anyio.sleep_until",
                     "trio.sleep", "trio.sleep_until"})
_EVENTS = {"asyncio": "asyncio.Event", "anyio": "anyio.Event", "trio": "trio.Event"}
# Calls a polled condition may make and still be in-process state.
_PURE_CALLS = frozenset({"len", "bool", "any", "all"})


class SleepPollingLoop(Rule):
    """
    ## What it does
    Finds a `while` loop in an `async def` whose body only sleeps
    (`await asyncio.sleep(...)`, anyio's and trio's `sleep`/`sleep_until`) until a
    condition on the program's own state holds: the loop's condition, or an
    `if ...: break` next to the sleep. The condition reads names and attributes only
    (`while not self.ready:`, `while len(self.pending) > 0:`), no other call.

    ## Why is this bad?
    The loop wakes up on every tick to look at a flag another task sets: it reacts up
    to one period late, and spends the loop's time on wake-ups that find nothing. An
    `asyncio.Event` (or `anyio.Event`, `trio.Event`) that the other task sets wakes
    the waiter exactly when the state changes.

    ## Example
    ```python
    import asyncio


    class Worker:
        def __init__(self):
            self.ready = False

        async def wait_ready(self):
            while not self.ready:
                await asyncio.sleep(0.1)
    ```

    ## Use instead
    ```python
    import asyncio


    class Worker:
        def __init__(self):
            self.ready = asyncio.Event()

        async def wait_ready(self):
            await self.ready.wait()
    ```

    ## Where it applies
    A condition that calls something (`while not await client.is_done(job)`,
    `while time.monotonic() < deadline`, `while not path.exists()`) polls the outside
    world, which no event can signal: not reported. Nor is `while True:` with only a
    sleep (a keep-alive, not a wait).

    ## Options
    `--asr-async-library` chooses the event class the message suggests.

    An opt-in rule (`--extend-select ASR908`): polling a flag is wasteful, not wrong.
    The rule has no fix: replacing the flag by an event changes the code that sets it,
    elsewhere.
    """

    code = "ASR908"
    name = "sleep-polling-loop"
    message = "loop polls a condition with `{}()`: wait on an `{}` that is set when it changes"
    severity = Severity.LOW
    required_text = ("while", "sleep")
    source_args = frozenset()

    def visit_While(self, node: ast.While, context: Context) -> None:
        if not context.in_async_function or node.orelse:
            return
        body = node.body
        sleeps = [s for s in body if self._sleep(s, context) is not None]
        checks = [s for s in body if _is_exit_check(s)]
        if len(sleeps) != 1 or len(sleeps) + len(checks) != len(body) or len(checks) > 1:
            return
        conditions = [node.test, *(check.test for check in checks if isinstance(check, ast.If))]
        polled = [c for c in conditions if not (isinstance(c, ast.Constant) and c.value)]
        if not polled or not all(_in_process_state(c) for c in polled):
            return
        name = self._sleep(sleeps[0], context)
        context.report(self, node, name, _EVENTS[self.settings.async_library])

    @staticmethod
    def _sleep(statement: ast.stmt, context: Context) -> str | None:
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Await)
                and isinstance(statement.value.value, ast.Call)):
            return None
        qualified = context.qualified_name(statement.value.value.func)
        return qualified if qualified in _SLEEPS else None


def _is_exit_check(statement: ast.stmt) -> bool:
    """``if <condition>: break`` (or ``return``), nothing else."""
    return (isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1
            and isinstance(statement.body[0], (ast.Break, ast.Return)))


def _in_process_state(condition: ast.expr) -> bool:
    """A condition made of names, attributes, subscripts, constants, comparisons and
    ``len()``-like calls: nothing that asks the outside world."""
    for node in walk(condition):
        if isinstance(node, (ast.Await, ast.NamedExpr, ast.Lambda)):
            return False
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in _PURE_CALLS):
            return False
    return True
