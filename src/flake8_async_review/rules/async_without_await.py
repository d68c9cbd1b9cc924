"""ASR907 (opt-in): an ``async def`` that never awaits."""

from __future__ import annotations

import ast

from ..analysis.nodes import last_name, walk
from ..analysis.scopes import all_parameters, own_nodes
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_SUSPENDING = (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom)
_NOT_IMPLEMENTED = frozenset({"NotImplementedError", "NotImplemented"})
_DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})
_CONNECTIONS = frozenset({"Request", "WebSocket", "HTTPConnection", "BackgroundTasks", "Response"})
_HTTP_ERRORS = frozenset({"HTTPException", "WebSocketException"})


class AsyncWithoutAwait(Rule):
    """
    ## What it does
    Finds a module-level or nested `async def` whose own body has no `await`,
    `async for`, `async with` or `yield`.

    ## Why is this bad?
    Such a function never suspends: every call of it runs start to end on the event
    loop, and its callers must `await` it for nothing. Often an `await` is missing; or
    the function calls blocking code that the `async` hides (the callers believe it
    cooperates with the loop). A plain `def` says what it does, and can run in a
    thread when it is slow.

    ## Example
    ```python
    import json


    async def load_rules(path):
        with open(path) as file:
            return json.load(file)
    ```

    ## Use instead
    ```python
    import json


    def load_rules(path):
        with open(path) as file:
            return json.load(file)
    ```

    ## Where it applies
    Who benefits: code whose `async def` helpers are called from other coroutines.
    Left alone, because the `async` is required or harmless there:

    - methods: a class often implements an async interface (a base class, a
      protocol, a framework hook) whose other implementations do await;
    - decorated functions: route handlers (FastAPI runs an `async def` handler on the
      loop, which suits a trivial one better than a thread), dependencies, fixtures,
      event handlers, `@overload`s, abstract methods;
    - FastAPI dependencies used from other modules: functions that take a
      `Depends(...)` or `Request` parameter, or raise `HTTPException` (FastAPI runs an
      `async def` dependency on the loop and a plain one in a thread pool, so `async`
      is the cheaper choice for one that never awaits);
    - functions the module passes by name to a call (`add_event_handler("startup",
      on_startup)`, `Depends(get_settings)`, `lifespan=...`): the caller expects a
      coroutine function;
    - stubs whose body is only `...`, `pass`, a docstring or `raise NotImplementedError`.

    An opt-in rule (`--extend-select ASR907`): most such functions are harmless.

    The rule has no fix: making the function a plain `def` changes every `await f()`
    of it, in this module and others, into an error.
    """

    code = "ASR907"
    name = "async-without-await"
    message = "`async def {}()` never awaits: make it a plain `def`, or await what it should"
    severity = Severity.LOW
    required_text = ("async",)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, context: Context) -> None:
        if node.decorator_list or isinstance(context.scope_nodes[-1], ast.ClassDef):
            return
        if _is_stub(node.body):
            return
        for child in own_nodes(node):
            if isinstance(child, _SUSPENDING):
                return
            if isinstance(child, ast.comprehension) and child.is_async:
                return
        if node.name in _referenced_by_name(context) or _looks_like_dependency(node, context):
            return
        context.report(self, node, node.name)


def _looks_like_dependency(node: ast.AsyncFunctionDef, context: Context) -> bool:
    """A FastAPI dependency, used from other modules: it takes ``Depends(...)`` or a
    ``Request`` parameter, or raises ``HTTPException``. FastAPI runs an ``async def``
    dependency on the loop and a plain one in a thread: ``async`` is the cheaper
    choice for one that never awaits."""
    arguments = node.args
    for expression in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None),
                       *(p.annotation for p in all_parameters(arguments) if p.annotation)]:
        for child in walk(expression):
            if isinstance(child, ast.Call) and last_name(child.func) in _DEPENDENCY_MARKERS:
                return True
            if isinstance(child, (ast.Name, ast.Attribute)) and last_name(child) in _CONNECTIONS:
                return True
    for child in own_nodes(node):
        if isinstance(child, ast.Raise) and child.exc is not None:
            raised = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
            if last_name(raised) in _HTTP_ERRORS:
                return True
    return False


def _is_stub(body: list[ast.stmt]) -> bool:
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # A docstring or `...`.
        if isinstance(statement, ast.Raise):
            raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(raised, ast.Name) and raised.id in _NOT_IMPLEMENTED:
                continue
        return False
    return True


def _referenced_by_name(context: Context) -> frozenset[str]:
    """Names the module uses other than by calling them: handed to a call, stored,
    returned, put in a container (``Depends(get_db)``, ``handlers = {"x": on_x}``)."""
    def collect() -> frozenset[str]:
        called: set[int] = set()
        names: set[str] = set()
        for node in walk(context.tree):
            if isinstance(node, ast.Call):
                called.add(id(node.func))
        for node in walk(context.tree):
            if id(node) in called:
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                names.add(node.attr)
        return frozenset(names)

    return context.shared_state("names used other than by a call", collect)
