"""ASR601: a new event loop started on every iteration of a loop in sync code."""

from __future__ import annotations

import ast
import re

from ..analysis.catalogue import EVENT_LOOPS, LOOP_ENTRY_POINTS
from ..analysis.facts import FileFacts
from ..analysis.nodes import walk
from ..analysis.roles import Role
from ..analysis.scopes import FUNCTION_TYPES
from ..analysis.source import BETWEEN_TOKENS, in_a_name
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.blocking import method_call, module_call

_LOOP_FACTORIES = frozenset({"asyncio.new_event_loop", "asyncio.events.new_event_loop",
                             "uvloop.new_event_loop"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class EventLoopInLoop(Rule):
    """
    ## What it does
    Finds `asyncio.run()` (and `anyio.run()`, `trio.run()`) called in the body of a
    `for` or `while` loop, or in a comprehension, of synchronous code, and
    `run_until_complete()` on an event loop created in that same loop body
    (`asyncio.new_event_loop().run_until_complete(...)`).

    ## Why is this bad?
    Each call creates an event loop, runs one coroutine and closes the loop again. That
    is slow, and anything bound to a loop breaks on the second iteration: a shared
    `httpx.AsyncClient`, an async database engine or a `redis.asyncio` pool created in
    the first loop raises `RuntimeError: Event loop is closed` or `attached to a
    different loop` in the next. Nothing overlaps either: the iterations run one after
    the other, which is what the async code was written to avoid.

    ## Example
    ```python
    import asyncio


    def refresh_all(shops):
        for shop in shops:
            asyncio.run(refresh(shop))


    async def refresh(shop):
        ...
    ```

    ## Use instead
    ```python
    import asyncio


    def refresh_all(shops):
        asyncio.run(refresh_shops(shops))


    async def refresh_shops(shops):
        for shop in shops:
            await refresh(shop)


    async def refresh(shop):
        ...
    ```

    Or convert once with `asgiref.sync.async_to_sync(refresh)` outside the loop. A single
    `asyncio.run()` in a sync function (a CLI command, a Celery task) is not reported,
    nor is `run_until_complete()` on one loop reused across iterations, nor a supervisor
    that restarts the program after a crash (`while True:` around a `try` that runs
    it). Calls inside `async def` are ASR108's.

    ## Fix
    No fix is offered: moving the loop into one coroutine that `asyncio.run()` (or a
    `Runner`) runs once means rewriting the loop's body as async code and deciding where
    the event loop's life starts and ends, which the source does not say.
    """

    code = "ASR601"
    name = "event-loop-created-in-loop"
    message = "`{}()` inside a loop starts a new event loop per iteration: run one async function that loops"
    severity = Severity.MEDIUM
    # A script that loops over asyncio.run() breaks as a service does: clients created
    # on the first loop fail on the next one.
    roles = frozenset({Role.APP, Role.SCRIPT})
    required_text = (("asyncio", "anyio", "trio", "uvloop"), "run", ("for", "while"))

    def expression_scopes(self, context: FileFacts) -> frozenset[str] | None:
        # A runner is called as a method `run` of its module or `run_until_complete`
        # of a loop, under the name the file imports `run` as, or as a plain `run` in
        # a file that imports from a runner's module.
        text = context.joined_text()
        names = {".run", "run_until_complete", *_RUN_ALIAS.findall(text)}
        if any(_imported_from(module, text) for module in _RUNNER_MODULES):
            names.add("run")
        return frozenset(names)

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        return _runner_names(context) | _METHODS

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _METHODS:
                return  # Most method calls: nothing to resolve, no ancestors to walk.
        elif not (isinstance(func, ast.Name) and func.id in _runner_names(context)):
            return
        if isinstance(context.scope_nodes[-1], ast.AsyncFunctionDef):
            return
        callee = context.callee(node)
        runner = module_call(callee, LOOP_ENTRY_POINTS) is not None
        if not runner and not (isinstance(func, ast.Attribute)
                               and method_call(callee, EVENT_LOOPS, {"run_until_complete"})):
            return
        loop_body = _enclosing_loop_body(context, node)
        if loop_body is None or _restarts_on_failure(node, context):
            return
        if runner or _new_loop_per_iteration(node, context, loop_body):
            context.report(self, node, context.source_segment(func))


def _runner_names(context: FileFacts) -> frozenset[str]:
    """Plain names that may call a runner: ``run`` and what the source imports ``run``
    as (``from asyncio import run as arun``). Other plain calls are dismissed without
    resolving names, which in sync code nothing else does. Worked out once per file."""
    return context.shared_state("event-loop runner names", lambda: frozenset(
        {"run", *_RUN_ALIAS.findall(context.joined_text())}))


# The methods that run an event loop: `asyncio.run()`, `loop.run_until_complete()`.
_METHODS = frozenset({"run", "run_until_complete"})


# Starts with the word, so that a search skips from one `run` to the next (the
# lookbehind checks the word boundary); a pattern starting with `\b` is tried at every
# position of the file.
_RUN_ALIAS = re.compile(r"run(?<=\brun)\s+as\s+(\w+)")


_RUNNER_MODULES = tuple(sorted({name.partition(".")[0] for name in LOOP_ENTRY_POINTS}))


def _imported_from(module: str, text: str) -> bool:
    """Whether ``text`` may hold ``from <module> import``: the module's name with the
    word ``from`` before it and ``import`` after it, only white space between. Found
    with plain string searches."""
    position = text.find(module)
    while position != -1:
        end = position + len(module)
        before = position
        while before > 0 and text[before - 1] in BETWEEN_TOKENS:
            before -= 1
        after = end
        while after < len(text) and text[after] in BETWEEN_TOKENS:
            after += 1
        if (before < position and after > end and text[before - 4:before] == "from"
                and not in_a_name(text[before - 5:before - 4])
                and text.startswith("import", after)):
            return True
        position = text.find(module, end)
    return False


def _enclosing_loop_body(context: Context, node: ast.AST) -> list[ast.AST] | None:
    """The statements (or comprehension element) of the innermost loop whose body
    holds ``node``, within the enclosing function; None when there is none."""
    path = [*context.ancestors, node]
    for index in range(len(path) - 2, -1, -1):
        ancestor, child = path[index], path[index + 1]
        if isinstance(ancestor, (*FUNCTION_TYPES, ast.ClassDef)):
            return None
        if isinstance(ancestor, (ast.For, ast.While)) and any(c is child for c in ancestor.body):
            return list(ancestor.body)
        if isinstance(ancestor, _COMPREHENSIONS):
            parts = ([ancestor.key, ancestor.value] if isinstance(ancestor, ast.DictComp)
                     else [ancestor.elt])
            if any(part is child for part in parts):
                return list(parts)
    return None


def _restarts_on_failure(node: ast.AST, context: Context) -> bool:
    """A supervisor: ``while True:`` around a ``try`` that runs the whole program again
    after a crash. A fresh loop per restart is the point there."""
    loops = [a for a in context.ancestors if isinstance(a, ast.While)]
    if not loops:
        return False
    loop = loops[-1]
    if not (isinstance(loop.test, ast.Constant) and loop.test.value is True):
        return False
    inner = context.ancestors[context.ancestors.index(loop):]
    return any(t in inner and t.handlers for t in context.enclosing_try_bodies(node))


def _new_loop_per_iteration(call: ast.Call, context: Context, loop_body: list[ast.AST]) -> bool:
    """The loop ``run_until_complete`` is called on is created in the loop body itself:
    ``asyncio.new_event_loop().run_until_complete(...)``, or a name assigned
    ``asyncio.new_event_loop()`` there."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if isinstance(receiver, ast.Call):
        return context.qualified_name(receiver.func) in _LOOP_FACTORIES
    if not isinstance(receiver, ast.Name):
        return False
    for statement in loop_body:
        for node in walk(statement):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and any(isinstance(t, ast.Name) and t.id == receiver.id for t in node.targets)
                    and context.qualified_name(node.value.func) in _LOOP_FACTORIES):
                return True
    return False
