"""ASR103: starting or waiting for a process synchronously inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..analysis.nodes import walk
from ..analysis.scopes import own_nodes
from ..engine.context import Context
from ..engine.rule import CallNames, Severity
from ..engine.violation import Fix
from .common.blocking import BlockingCallRule

_SPAWN_VARIANTS = ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")
_MODULE_CALLS = frozenset({
    *(f"subprocess.{name}" for name in (
        "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput", "Popen",
    )),
    "os.system",
    "os.popen",
    *(f"os.spawn{variant}" for variant in _SPAWN_VARIANTS),
    "os.posix_spawn",
    "os.posix_spawnp",
    "os.wait",
    "os.waitpid",
    "os.wait3",
    "os.wait4",
    "os.waitid",
})
# The waits that take options: with os.WNOHANG they return at once.
_WAITS_WITH_OPTIONS = frozenset({"os.waitpid", "os.wait3", "os.wait4", "os.waitid"})
_NO_HANG = "os.WNOHANG"
_WAITS = frozenset({"wait", "communicate"})
_PROCESS_METHODS = {"subprocess.Popen": _WAITS}
_POPEN = "subprocess.Popen"
# Where a call's value is bound: the parent node's field that holds it, and the field
# that holds the name it is bound to.
_BINDINGS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Assign: ("value", "targets"),
    ast.AnnAssign: ("value", "target"),
    ast.NamedExpr: ("value", "target"),
    ast.withitem: ("context_expr", "optional_vars"),
}
# Waits by the process they wait for (``proc``, ``self.process``), in source order.
_Waits = dict[str, list[ast.Call]]

# Calls that return a process or a pipe to it, whose use blocks again.
_RETURNS_A_PROCESS = frozenset({_POPEN, "os.popen"})

_SUGGESTIONS = {
    "asyncio": "asyncio.create_subprocess_exec",
    "anyio": "anyio.run_process",
    "trio": "trio.run_process",
}


class BlockingSubprocessCall(BlockingCallRule):
    """
    ## What it does
    Finds processes started or waited for synchronously in the body of an `async def`:
    `subprocess.run()`, `call()`, `check_call()`, `check_output()`, `getoutput()`,
    `getstatusoutput()` and `Popen()`; `os.system()`, `os.popen()`, every `os.spawn*()`,
    `os.posix_spawn()` and `os.posix_spawnp()`; `os.wait()`, `os.waitpid()`,
    `os.wait3()`, `os.wait4()` and `os.waitid()` (not when their options include
    `os.WNOHANG`); and `wait()` or `communicate()` on a `subprocess.Popen` whose type is
    known from the source.

    A process is reported once: when the `async def` that starts it with `Popen()`
    then waits for it (`proc.wait()`, `proc.communicate()`, or `Popen(...).wait()`),
    only the wait is reported, the call that blocks for the child's whole run.
    `Popen()` alone is reported: it forks and starts the child before it returns.

    The process objects of `asyncio.create_subprocess_exec()` are not `Popen`s: their
    `await proc.wait()` is not reported.

    ## Why is this bad?
    These calls return when the child process has finished (or, for `Popen()` and
    `posix_spawn()`, after forking and starting it, which takes long in a large
    process). Until then the event loop is stopped: a thumbnail conversion or a `git`
    command of a few seconds freezes every request the service is handling.

    ## Example
    ```python
    import subprocess


    async def make_thumbnail(source, target):
        subprocess.run(["convert", source, "-resize", "128x128", target], check=True)
    ```

    ## Use instead
    ```python
    import asyncio


    async def make_thumbnail(source, target):
        process = await asyncio.create_subprocess_exec(
            "convert", source, "-resize", "128x128", target
        )
        await process.wait()
    ```

    ## Options
    `--asr-async-library` chooses the suggestion: `asyncio.create_subprocess_exec()`
    (default), `anyio.run_process()` or `trio.run_process()`, and the worker thread of
    the fix.

    ## Fix
    Runs the call in a worker thread: `subprocess.run(cmd, check=True)` becomes
    `await asyncio.to_thread(subprocess.run, cmd, check=True)` (with `anyio`:
    `await anyio.to_thread.run_sync(functools.partial(subprocess.run, cmd, check=True))`,
    `trio` likewise), adding the imports it needs; `proc.wait()` becomes
    `await asyncio.to_thread(proc.wait)`. Unsafe: the call then runs in another thread
    (with a copy of the task's context variables), and cancelling the task no longer stops the
    wait: the child keeps running.

    Not offered for `Popen()` and `os.popen()`, which return a process or a pipe whose
    use blocks again, nor for the wait of a process that the same function starts with
    `Popen()` (the start would stay on the event loop): move the whole exchange into a
    sync function run with `asyncio.to_thread()`, or use the async subprocess API. Nor
    in a `with` statement.
    """

    code = "ASR103"
    name = "blocking-subprocess-in-async-function"
    message = "`{}()` is a blocking subprocess call: use `{}()`"
    severity = Severity.HIGH
    required_text = ("async", ("wait", "system", "subprocess", "spawn", "popen"))

    module_calls = _MODULE_CALLS
    typed_methods = _PROCESS_METHODS
    suggestions = _SUGGESTIONS
    fix_safety = "unsafe"

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return True

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        return matched not in _RETURNS_A_PROCESS

    def thread_fix(self, node: ast.Call, context: Context, matched: str) -> Fix | None:
        # `Popen(...).wait()`: the `Popen()` would stay on the loop, reported once its
        # wait is no longer called there.
        # So would `proc = Popen(...)` before `proc.wait()` in the same function.
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            return None
        if matched.startswith(f"{_POPEN}.") and self._started_here(func, context):
            return None
        return super().thread_fix(node, context, matched)

    def _started_here(self, func: ast.expr, context: Context) -> bool:
        """The process whose method ``func`` is was started by a ``Popen()`` of the
        function being walked."""
        key = _object_key(func.value) if isinstance(func, ast.Attribute) else None
        if key is None:
            return True  # Unsure: no fix.
        chain = list(context.scope_nodes)
        for node in own_nodes(context.scope_nodes[-1]):
            binding = _BINDINGS.get(type(node))
            if binding is None:
                continue
            value, targets = getattr(node, binding[0]), getattr(node, binding[1])
            names = targets if isinstance(targets, list) else [targets]
            if (isinstance(value, ast.Call) and self.match(value, context, chain) == _POPEN
                    and any(isinstance(n, ast.expr) and _object_key(n) == key for n in names)):
                return True
        return False

    def call_names(self) -> CallNames:
        return self.table_names()  # `match` only drops some of the tables' matches.

    def match(self, call: ast.Call, context: Context,
              chain: ScopeChain | None = None) -> str | None:
        matched = super().match(call, context, chain)
        if matched in _WAITS_WITH_OPTIONS and _no_hang(call, context, chain):
            return None
        return matched

    def reported_elsewhere(self, node: ast.Call, context: Context, matched: str) -> bool:
        """A ``Popen()`` the same ``async def`` later waits for: the wait is reported."""
        if matched != _POPEN:
            return False
        chain = list(context.scope_nodes)
        waits_by_function: dict[int, _Waits] = context.rule_state(self, dict)
        return any(self.match(wait, context, chain) is not None
                   for wait in _later_waits(node, context, waits_by_function))


def _later_waits(popen: ast.Call, context: Context, waits_by_function: dict[int, _Waits]
                 ) -> list[ast.Call]:
    """The calls that may wait for the process ``popen`` starts, after it in the
    function being walked (not in its nested functions) and not awaited:
    ``Popen(...).wait()``, or ``proc.wait()`` after ``proc = Popen(...)`` (or ``with
    Popen(...) as proc``)."""
    parent = context.parent
    if isinstance(parent, ast.Attribute):
        call = context.ancestors[-2] if parent.attr in _WAITS and len(context.ancestors) > 1 else None
        return [call] if isinstance(call, ast.Call) and call.func is parent else []
    binding = _BINDINGS.get(type(parent)) if parent is not None else None
    if binding is None or getattr(parent, binding[0]) is not popen:
        return []
    targets = getattr(parent, binding[1])
    target = targets[0] if isinstance(targets, list) and len(targets) == 1 else targets
    key = _object_key(target) if isinstance(target, ast.expr) else None
    if key is None:
        return []
    function = context.scope_nodes[-1]
    waits = waits_by_function.get(id(function))
    if waits is None:
        waits = waits_by_function[id(function)] = _waits_in(function)
    start = (popen.lineno, popen.col_offset)
    return [wait for wait in waits.get(key, ()) if (wait.lineno, wait.col_offset) > start]


def _waits_in(function: ast.AST) -> _Waits:
    """The not-awaited ``x.wait()`` and ``x.communicate()`` calls of a function's own
    body, by ``x`` (one pass over the body)."""
    waits: _Waits = {}
    awaited: set[int] = set()
    for node in own_nodes(function):
        if isinstance(node, ast.Await):
            awaited.add(id(node.value))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _WAITS and id(node) not in awaited):
            key = _object_key(node.func.value)
            if key is not None:
                waits.setdefault(key, []).append(node)
    return waits


def _object_key(node: ast.expr) -> str | None:
    """``proc`` or ``self.process``: a name, or an attribute of a name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _no_hang(call: ast.Call, context: Context, chain: ScopeChain | None) -> bool:
    """The call's arguments mention ``os.WNOHANG``: a poll, not a wait."""
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(
        isinstance(node, (ast.Name, ast.Attribute))
        and context.qualified_name(node, chain) == _NO_HANG
        for argument in arguments
        for node in walk(argument)
    )
