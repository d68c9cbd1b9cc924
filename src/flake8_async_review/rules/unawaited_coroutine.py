"""ASR604: a coroutine function called as a statement, without ``await``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..analysis.catalogue import names_leading_to
from ..analysis.local_functions import local_target, only_def
from ..analysis.nodes import child_nodes
from ..analysis.project import COROUTINE_FUNCTIONS
from ..analysis.roles import ALL_ROLES
from ..analysis.scopes import bound_names, imported_names, statements_of
from ..engine.context import Context
from ..engine.fixes import insert_before
from ..engine.rule import Rule, Severity
from ..engine.violation import Fix
from .common.blocking import module_call, typed_method

_COROUTINE_FUNCTIONS = frozenset({
    "asyncio.sleep", "asyncio.wait_for", "asyncio.wait", "asyncio.gather", "asyncio.shield",
    "asyncio.open_connection", "asyncio.open_unix_connection", "asyncio.start_server",
    "asyncio.start_unix_server", "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell", "asyncio.to_thread",
    "anyio.sleep", "anyio.sleep_forever", "anyio.sleep_until", "anyio.to_thread.run_sync",
    "trio.sleep", "trio.sleep_forever", "trio.sleep_until", "trio.to_thread.run_sync",
})

_ASYNC_SESSION_METHODS = frozenset({
    "commit", "execute", "flush", "refresh", "rollback", "close", "get", "get_one",
    "scalar", "scalars", "merge", "delete", "stream", "stream_scalars", "run_sync",
    "connection",
})  # Not add(), add_all(), expunge() or expire(): those are plain methods.
_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options",
                           "request"})
_REDIS_COMMANDS = frozenset({
    "get", "set", "setex", "setnx", "getset", "getdel", "mget", "mset", "delete", "unlink",
    "exists", "expire", "expireat", "pexpire", "persist", "ttl", "pttl", "incr", "incrby",
    "decr", "decrby", "append", "hget", "hset", "hsetnx", "hmget", "hgetall", "hdel",
    "hincrby", "hexists", "hkeys", "hvals", "hlen", "lpush", "rpush", "lpop", "rpop",
    "blpop", "brpop", "lrange", "llen", "ltrim", "lrem", "sadd", "srem", "smembers",
    "sismember", "scard", "zadd", "zrem", "zrange", "zrangebyscore", "zincrby", "zscore",
    "zcard", "publish", "ping", "flushdb", "flushall", "keys", "rename", "xadd", "xread",
    "xreadgroup", "xack", "eval", "evalsha", "close", "aclose",
})
ASYNC_METHODS: dict[str, frozenset[str]] = {
    "sqlalchemy.ext.asyncio.AsyncSession": _ASYNC_SESSION_METHODS,
    "sqlmodel.ext.asyncio.AsyncSession": _ASYNC_SESSION_METHODS | {"exec"},
    "sqlalchemy.ext.asyncio.AsyncEngine": frozenset({"dispose"}),
    "httpx.AsyncClient": _HTTP_METHODS | {"send", "aclose"},
    "aiohttp.ClientSession": _HTTP_METHODS | {"ws_connect", "close"},
    "redis.asyncio.Redis": _REDIS_COMMANDS,
    "aioredis.Redis": _REDIS_COMMANDS,
    "redis.asyncio.Pipeline": frozenset({"execute"}),
}


class UnawaitedCoroutine(Rule):
    """
    ## What it does
    Finds a statement that calls a coroutine function without `await`:

    - an `async def` of the same module: a module function, a function nested in the
      caller, or a method called through `self` or `cls`;
    - an `async def` imported from another module of the project (`notify(user)` after
      `from .jobs import notify`, or `jobs.notify(user)` after `from app import jobs`),
      called in an `async def`: the module is read, never imported;
    - `asyncio.sleep()`, `wait_for()`, `wait()`, `gather()`, `shield()`,
      `open_connection()`, `create_subprocess_exec()`, `to_thread()` and their relatives,
      and the `anyio`/`trio` sleeps;
    - a coroutine method of a typed async client: `AsyncSession.commit()`, `execute()`,
      `flush()`, `refresh()`, `get()`, `delete()` and the like (never `add()`, which is a
      plain method), the request methods of `httpx.AsyncClient` and
      `aiohttp.ClientSession`, and the commands of a `redis.asyncio` client.

    ## Why is this bad?
    Calling a coroutine function only creates the coroutine object; none of its body
    runs until it is awaited. The statement does nothing: the row is never committed,
    the request never sent, the sleep never happens. Python prints `RuntimeWarning:
    coroutine ... was never awaited` at garbage collection, which is easy to miss in
    production logs.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def rename_user(session: AsyncSession, user, name):
        user.name = name
        session.commit()
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def rename_user(session: AsyncSession, user, name):
        user.name = name
        await session.commit()
    ```

    A coroutine assigned to a name that is never read again in the function
    (`pending = asyncio.sleep(1)`) is reported too.

    Only calls the source resolves for sure are reported. Not followed: a method of an
    object whose type is unknown, a decorated `async def` (the decorator may make it
    sync), an async generator function, other functions imported from outside the
    project, and an imported name that the module binds again
    (`notify = traced(notify)`) or that a parameter or local variable shadows.
    `--asr-project-inference=off` keeps the rule to the coroutine functions of the same
    module. To start a coroutine without waiting for it, wrap it in
    `asyncio.create_task()` and keep the task.

    ## Fix
    In an `async def`, `await` is added before the call. The fix is safe for a call
    that is a statement of its own; it is unsafe for an assigned coroutine
    (`pending = asyncio.sleep(1)` becomes `pending = await asyncio.sleep(1)`): the
    name now holds the coroutine's result, and the function now waits for it.

    In a plain `def` there is no fix: `await` is a syntax error there, and whether
    the caller should become an `async def`, run the coroutine with `asyncio.run()`
    or schedule it on a running loop is a design decision.
    """

    code = "ASR604"
    name = "unawaited-coroutine"
    message = "`{}()` creates a coroutine that is never awaited, so it never runs: add `await`"
    severity = Severity.HIGH
    fix_safety = "safe and unsafe"
    # A test that calls a coroutine function without await passes without running it.
    roles = ALL_ROLES
    required_text = ("async",)

    # The handlers run for every expression statement and assignment of the files with
    # `async` in them: the common case (a call that cannot be a coroutine's) is decided
    # in as few calls as possible.

    def visit_Expr(self, node: ast.Expr, context: Context) -> None:
        call = node.value
        if call.__class__ is ast.Call and self._creates_coroutine(call, context):
            context.report(self, call, context.source_segment(call.func),
                           fix=_add_await(call, context, safe=True))

    def visit_Assign(self, node: ast.Assign, context: Context) -> None:
        """``pending = asyncio.sleep(1)`` with ``pending`` never read afterwards."""
        call = node.value
        targets = node.targets
        if call.__class__ is not ast.Call or len(targets) != 1 or targets[0].__class__ is not ast.Name:
            return
        scope = context.scope_nodes[-1].__class__
        if scope is not ast.FunctionDef and scope is not ast.AsyncFunctionDef:
            return  # A module or class attribute: others may read it (known at once).
        name = targets[0].id
        if not self._creates_coroutine(call, context) or _read_anywhere(name, context):
            return
        context.report(self, call, context.source_segment(call.func),
                       fix=_add_await(call, context, safe=False))

    def _creates_coroutine(self, call: ast.Call, context: Context) -> bool:
        names: _Candidates = context.rule_state(self, lambda: _candidate_names(context))
        if _candidate(call, names, context):
            callee = context.callee(call)
            if (module_call(callee, _COROUTINE_FUNCTIONS) is not None
                    or (names.clients(context) and typed_method(callee, ASYNC_METHODS) is not None)
                    or _local_coroutine(call, context)):
                return True
        # Only in an `async def` (see _imported_coroutine), told here without a call.
        if context.scope_nodes[-1].__class__ is not ast.AsyncFunctionDef:
            return False
        return _imported_coroutine(call, context, names)


def _add_await(call: ast.Call, context: Context, safe: bool) -> Fix | None:
    """``await`` before the call, in an ``async def`` only. Safe for a statement; unsafe
    for an assigned value, which becomes the coroutine's result."""
    if not context.in_async_function or not context.fixes_wanted:
        return None
    return Fix(edits=(insert_before(context, call, "await "),), safe=safe, description="Add `await`")


class _Candidates:
    """The names a call must have to be a coroutine function call: ``functions`` for a
    plain-name call and ``methods`` for the attribute of a method call (of the
    libraries and this module; a client's methods count where :meth:`clients`, whether
    an async client can be in the file at all); :meth:`imported` for the name a call of
    a function imported from the project starts with (``fetch()``, ``jobs.fetch()``).
    Both methods work their answer out on first use."""

    __slots__ = ("_clients", "_imported", "functions", "methods")

    def __init__(self, functions: frozenset[str], methods: frozenset[str]) -> None:
        self.functions, self.methods = functions, methods
        self._imported: frozenset[str] | None = None
        self._clients: bool | None = None

    def imported(self, context: Context) -> frozenset[str]:
        if self._imported is None:
            self._imported = _imported_once(context)
        return self._imported

    def clients(self, context: Context) -> bool:
        """Whether receiver typing can find an async client in the file: its text names
        one (its class, an alias or a factory), or it imports from its project, whose
        modules may make one. Most files of a library do neither, and the receivers of
        their many calls named ``get`` or ``close`` are not typed."""
        if self._clients is None:
            # The project first: most files of an application import from it, and
            # other rules ask too.
            self._clients = context.may_import_from_project() or any(
                name in context.joined_text() for name in _CLIENT_NAMES)
        return self._clients


def _candidate(call: ast.Call, names: _Candidates, context: Context) -> bool:
    """Could the call be one of ours, by its name alone? Most calls are not, and are
    dismissed without resolving names (which in sync code nothing else does)."""
    func = call.func
    kind = func.__class__
    if kind is ast.Name:
        return func.id in names.functions  # type: ignore[attr-defined]
    if kind is not ast.Attribute:
        return False
    attribute: str = func.attr  # type: ignore[attr-defined]
    return attribute in names.methods or (attribute in _CLIENT_METHODS and names.clients(context))


_CLIENT_METHODS = frozenset(name for methods in ASYNC_METHODS.values() for name in methods)
_CLIENT_NAMES = tuple(sorted(names_leading_to(ASYNC_METHODS)))
_LIBRARIES = ("asyncio", "anyio", "trio")


def _candidate_names(context: Context) -> _Candidates:
    """The file's ``async def`` names and what the module imports from the async
    libraries; for methods, also the library function names (``asyncio.sleep``).
    Found in the source text, once per file."""
    source = context.joined_text()
    async_defs = frozenset(_ASYNC_DEF.findall(source))
    imported = {name for name, qualified in context.scope(context.tree).bindings.items()
                if qualified is not None and qualified.startswith(_LIBRARIES)}
    imported.update(_IMPORTED_FROM_LIBRARY.findall(source))  # Imports inside functions.
    return _Candidates(async_defs | imported | _FUNCTION_NAMES, async_defs | _FUNCTION_NAMES)


def _imported_once(context: Context) -> frozenset[str]:
    """Module-level names that one import binds and nothing else rebinds: not a second
    import, a definition, an assignment (``fetch = wrap(fetch)``), a loop, ``with`` or
    ``except`` target, a ``:=`` or ``match`` capture, nor a ``global`` declaration in a
    function. Only such a name is surely the imported function wherever it is used."""
    imported: set[str] = set()
    bindings: dict[str, int] = {}
    for statement in _module_statements(context.tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            names = [local for local, _ in imported_names(statement)]
            imported.update(names)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [statement.name]
        else:
            names = list(bound_names(statement))
            names += [handler.name for handler in getattr(statement, "handlers", ())
                      if handler.name]
        for name in names:
            bindings[name] = bindings.get(name, 0) + 1
    unsure = set(context.scope(context.tree).expression_bound)
    source = context.joined_text()
    if "global" in source:
        for declared in _GLOBAL.findall(source):
            unsure.update(part.strip() for part in declared.split(","))
    return frozenset(name for name in imported if bindings[name] == 1 and name not in unsure)


# Each pattern starts with its keyword, then checks the word boundary before it with a
# lookbehind: a search then skips from one occurrence of the keyword to the next, where
# a pattern starting with `\b` (or `\w+`) is tried at every position of the file.
_ASYNC_DEF = re.compile(r"async(?<=\basync)\s+def\s+(\w+)")
# Every name bound with `as` (a superset of aliased imports).
_IMPORTED_FROM_LIBRARY = re.compile(r"as(?<=\bas)\s+(\w+)")
_FUNCTION_NAMES = frozenset(qualified.rpartition(".")[2] for qualified in _COROUTINE_FUNCTIONS)
_GLOBAL = re.compile(r"global(?<=\bglobal)\s+(\w+(?:\s*,\s*\w+)*)")


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a module body, through compound statements and ``match``
    cases, not into functions or classes."""
    for statement in statements_of(body):
        yield statement
        for case in getattr(statement, "cases", ()):
            yield from _module_statements(case.body)


def _read_anywhere(name: str, context: Context) -> bool:
    """The name is read somewhere in the scope that assigns it (nested functions
    included), or the scope is a module or class body, whose names others may read."""
    scope = context.scope_nodes[-1]
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return True
    memo: dict[int, frozenset[str]] = context.shared_state("names-read", dict)
    return name in _names_read(scope, memo)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _names_read(scope: ast.AST, memo: dict[int, frozenset[str]]) -> frozenset[str]:
    """The names read (or deleted, or declared ``global`` or ``nonlocal``) anywhere in
    ``scope``, its nested scopes included. Worked out on first use for ``scope`` and
    each scope nested in it, so that every node of a file is looked at once at most,
    however many assignments ask."""
    found = memo.get(id(scope))
    if found is not None:
        return found
    scopes = [scope]  # Outer before inner.
    names: dict[int, set[str]] = {id(scope): set()}
    inner: dict[int, list[ast.AST]] = {id(scope): []}
    stack = [(child, scope) for child in child_nodes(scope)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, _SCOPES):
            known = memo.get(id(node))
            if known is not None:
                names[id(owner)].update(known)
                continue
            scopes.append(node)
            names[id(node)], inner[id(node)] = set(), []
            inner[id(owner)].append(node)
            owner = node
        elif isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                names[id(owner)].add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names[id(owner)].update(node.names)
        stack.extend((child, owner) for child in child_nodes(node))
    for each in reversed(scopes):
        memo[id(each)] = frozenset(names[id(each)].union(*(memo[id(n)] for n in inner[id(each)])))
    return memo[id(scope)]


def _local_coroutine(call: ast.Call, context: Context) -> bool:
    target = local_target(call, context, context.scope_nodes)
    return target is not None and isinstance(target[0], ast.AsyncFunctionDef)


def _imported_coroutine(call: ast.Call, context: Context, names: _Candidates) -> bool:
    """``fetch()`` after ``from .jobs import fetch``, or ``jobs.fetch()`` after ``from app
    import jobs``, in an ``async def``: an undecorated ``async def`` of another module of
    the project, read by the project tier (which also checks that no local name or
    parameter shadows the import where the call is). The name must be bound by its
    import only, and the definition be the one binding of its name in its module and
    not an async generator (calling one creates no coroutine).

    Only calls in an ``async def`` body are looked up: there ASR110 reads the same
    modules for the sync helpers it follows, so this reads hardly any more of them
    (sync code would have the tier parse most of the modules its file imports)."""
    if not context.settings.project_inference:  # The caller made sure of the async def.
        return False
    func = call.func
    head = _head(func)
    # A name the file's top level imports from its project (as the tier asks first),
    # and one that nothing else rebinds.
    if head is None or head.id not in context.project_imports() or head.id not in names.imported(context):
        return False
    if context.project_function_is_async(func, kinds=COROUTINE_FUNCTIONS) is not True:
        return False
    found = context.project_definition(func, kinds=COROUTINE_FUNCTIONS)
    if found is None or not isinstance(found.node, ast.AsyncFunctionDef):
        return False
    return only_def(found.module.tree, found.node.name) is found.node


def _head(func: ast.expr) -> ast.Name | None:
    """The name a called ``name`` or ``name.attribute`` expression starts with."""
    while isinstance(func, ast.Attribute):
        func = func.value
    return func if isinstance(func, ast.Name) else None
