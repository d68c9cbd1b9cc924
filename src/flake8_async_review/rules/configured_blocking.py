"""ASR109: calls the project declares blocking, with ``--asr-blocking-calls``."""

from __future__ import annotations

import ast
from fnmatch import fnmatchcase

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import CallNames, Severity
from ..settings import BlockingPattern, Settings
from .common.blocking import BlockingCallRule

_DEFAULT_SUGGESTION = "run it with `asyncio.to_thread()` or use an async alternative"
# The characters that make a pattern match more than its own text (fnmatch).
_WILDCARDS = frozenset("*?[]")


class ConfiguredBlockingCall(BlockingCallRule):
    """
    ## What it does
    Finds calls, in the body of an `async def`, that the project has declared blocking
    with `--asr-blocking-calls`: its own synchronous helpers, or a library this suite
    does not know.

    ## Why is this bad?
    A team usually knows which of its clients are synchronous (an internal SDK, a legacy
    database layer). Declaring them once lets every `async def` that calls one be caught
    in review, before it stalls the event loop in production.

    ## Example
    ```python
    # setup.cfg: asr-blocking-calls = legacy_sdk.fetch_invoice->legacy_sdk.fetch_invoice_async
    import legacy_sdk


    async def invoice(invoice_id):
        return legacy_sdk.fetch_invoice(invoice_id)
    ```

    ## Use instead
    ```python
    import legacy_sdk


    async def invoice(invoice_id):
        return await legacy_sdk.fetch_invoice_async(invoice_id)
    ```

    ## Options
    `--asr-blocking-calls` (or `asr-blocking-calls` in the flake8 configuration): a
    comma- or newline-separated list of `pattern` or `pattern->suggestion`. A pattern is
    an fnmatch pattern over the called function's qualified name as imported
    (`legacy_sdk.fetch_*`) or over `Type.method` for a method of an object whose type
    is tracked (`legacy_sdk.Client.*`, for `client = legacy_sdk.Client()`). The
    suggestion, if any, is shown in the message. The rule does nothing while the option
    is empty.

    ## Fix
    For a pattern declared without a suggestion, runs the call in a worker thread:
    `legacy_sdk.fetch_invoice(invoice_id)` becomes
    `await asyncio.to_thread(legacy_sdk.fetch_invoice, invoice_id)` (with `anyio` or
    `trio`: `await anyio.to_thread.run_sync(...)`, keyword arguments through
    `functools.partial`), adding the imports it needs. Unsafe: the call then runs in
    another thread, with a copy of the task's
    context variables (what it sets there is lost), and only the project knows
    whether its API is thread-safe. Not offered for a pattern with a suggestion (the
    project named what to use instead), nor in a `with` statement.
    """

    code = "ASR109"
    name = "configured-blocking-call-in-async-function"
    message = "`{}()` is configured as blocking (`{}`): {}"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = ("async",)

    @classmethod
    def applies(cls, settings: Settings) -> bool:
        return bool(settings.blocking_calls)

    def call_names(self) -> CallNames:
        """The names the patterns can match: up to the first wildcard, a qualified name or
        its beginning; after the last one, the method name of ``Type.method``."""
        qualified: set[str] = set()
        prefixes: set[str] = set()
        methods: set[str] | None = set()
        for entry in self.settings.blocking_calls:
            pattern = entry.pattern
            wildcards = [index for index, character in enumerate(pattern) if character in _WILDCARDS]
            if not wildcards:
                qualified.add(pattern)
            else:
                literal = pattern[:wildcards[0]]
                prefixes.add(literal[:literal.rfind(".") + 1])
            tail = pattern[wildcards[-1] + 1:] if wildcards else pattern
            if "." not in tail:
                methods = None
            elif methods is not None:
                methods.add(tail.rpartition(".")[2])
        return CallNames(qualified=frozenset(qualified), prefixes=frozenset(prefixes),
                         methods=None if methods is None else frozenset(methods))

    def match(self, call: ast.Call, context: Context, chain: ScopeChain | None = None) -> str | None:
        found = self._pattern_for(call, context, chain)
        return found[0] if found else None

    def _pattern_for(self, call: ast.Call, context: Context, chain: ScopeChain | None
                     ) -> tuple[str, BlockingPattern] | None:
        name = context.callee(call, chain).name
        if name is None:
            return None
        for entry in self.settings.blocking_calls:
            if fnmatchcase(name, entry.pattern):
                return name, entry
        return None

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        found = self._pattern_for(node, context, None)
        entry = found[1] if found else BlockingPattern(matched)
        suggestion = f"use `{entry.suggestion}`" if entry.suggestion else _DEFAULT_SUGGESTION
        return (context.source_segment(node.func), entry.pattern, suggestion)

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        found = self._pattern_for(call, context, chain)
        return found is not None and not found[1].suggestion
