"""ASR103: starting or waiting for a process synchronously inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import Severity
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
_PROCESS_METHODS = {"subprocess.Popen": frozenset({"wait", "communicate"})}

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
    (default), `anyio.run_process()` or `trio.run_process()`.
    """

    code = "ASR103"
    name = "blocking-subprocess-in-async-function"
    message = "`{}()` is a blocking subprocess call: use `{}()`"
    severity = Severity.HIGH
    required_text = ("async", ("subprocess", "system", "popen", "spawn", "wait"))

    module_calls = _MODULE_CALLS
    typed_methods = _PROCESS_METHODS
    suggestions = _SUGGESTIONS

    def match(self, call: ast.Call, context: Context,
              chain: ScopeChain | None = None) -> str | None:
        matched = super().match(call, context, chain)
        if matched in _WAITS_WITH_OPTIONS and _no_hang(call, context, chain):
            return None
        return matched


def _no_hang(call: ast.Call, context: Context, chain: ScopeChain | None) -> bool:
    """The call's arguments mention ``os.WNOHANG``: a poll, not a wait."""
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(
        isinstance(node, (ast.Name, ast.Attribute))
        and context.qualified_name(node, chain) == _NO_HANG
        for argument in arguments
        for node in ast.walk(argument)
    )
