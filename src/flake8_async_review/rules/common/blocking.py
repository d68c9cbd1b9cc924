"""What the ASR1xx rules share: a call that blocks the event loop in an ``async def``.

A rule of this family only says which calls block (:meth:`BlockingCallRule.match`);
when a call counts (lexically in an ``async def`` body, not awaited, actually called
rather than passed as a function object) is decided here, once for all of them, and
ASR110 reuses every ``match`` to find sync helpers that block.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from ...analysis.catalogue import normalize
from ...analysis.facts import ScopeChain
from ...engine.context import Callee, Context
from ...engine.fixes import run_in_worker_thread
from ...engine.rule import CallIndex, CallNames, Rule, shorten
from ...engine.violation import Fix

# Functions that take a function to run elsewhere: a call in their arguments is a
# mistake of another kind (the call runs here, its result goes to the thread), which a
# second worker thread would not fix.
_RUNNERS = frozenset({"to_thread", "run_sync", "run_in_executor", "run_in_threadpool",
                      "partial", "submit"})
# Objects that belong to the thread that uses them: a helper given one is not run in a
# worker thread (ASR110), whatever it does with it.
THREAD_BOUND_TYPES = frozenset({
    "sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session", "sqlmodel.Session",
    "sqlalchemy.orm.Query", "sqlalchemy.Connection", "psycopg2.connection", "psycopg2.cursor",
    "psycopg.Connection", "psycopg.Cursor", "sqlite3.Connection", "sqlite3.Cursor",
    "pymysql.Connection", "pymysql.cursors.Cursor", "mysql.connector.Connection",
    "mysql.connector.cursor", "redis.Pipeline", "redis.PubSub", "redis.Lock",
    "socket.socket", "ssl.SSLSocket", "smtplib.SMTP", "boto3.resource", "requests.Session",
})
# Where ``await`` would change what the code means: a generator expression becomes an
# async generator; f-strings are left alone.
_NO_AWAIT = (ast.GeneratorExp, ast.JoinedStr)


class BlockingCallRule(Rule):
    """Base of the rules that report a blocking call inside ``async def``.

    The common case is declarative: ``module_calls`` (qualified names of blocking
    functions), ``typed_methods`` (receiver type -> blocking methods) and
    ``suggestions`` (the remedy for each ``--asr-async-library``, shown as the message's
    second placeholder). Rules with other logic override ``match``/``message_args``.
    The message's first placeholder is the called expression as written
    (``self.redis_client.set``).
    """

    module_calls: ClassVar[Collection[str]] = frozenset()
    typed_methods: ClassVar[Mapping[str, Collection[str]]] = {}
    suggestions: ClassVar[Mapping[str, str]] = {}
    # visit_Call below looks only at calls in an async def body that are not awaited.
    async_calls_only: ClassVar[bool] = True
    # And so does every other handler of the family (ASR105's ``visit_withitem``).
    async_bodies_only: ClassVar[bool] = True
    # The rules this one asks about calls (ASR110: the rest of the family), indexed by
    # the names of the calls they match: built on first use.
    _call_index: tuple[Sequence[BlockingCallRule], CallIndex[BlockingCallRule]] | None = None

    @classmethod
    def family(cls) -> list[type[BlockingCallRule]]:
        """Every rule of this family, in code order: the subclasses defined so far (the
        registry imports every rule module), for rules that reuse the others' ``match``
        without importing them."""
        found: list[type[BlockingCallRule]] = []
        pending = list(cls.__subclasses__())
        while pending:
            rule = pending.pop()
            found.append(rule)
            pending.extend(rule.__subclasses__())
        return sorted(found, key=lambda rule: rule.code)

    def call_names(self) -> CallNames | None:
        """The names of the calls :meth:`match` can match: those of ``module_calls`` and
        ``typed_methods``. A rule with its own ``match`` declares its own; until it does,
        it is given every call."""
        if type(self).match is not BlockingCallRule.match:
            return None
        return self.table_names()

    @classmethod
    def table_names(cls) -> CallNames:
        """The names of the calls ``module_calls`` and ``typed_methods`` list: a typed
        method is called on an object, or through its class (``Path.read_text(path)``)."""
        methods = frozenset(name for names in cls.typed_methods.values() for name in names)
        return CallNames(qualified=frozenset(cls.module_calls), methods=methods,
                         class_methods=methods)

    def rules_for(self, call: ast.Call, context: Context, chain: ScopeChain | None,
                  rules: Sequence[BlockingCallRule]) -> tuple[BlockingCallRule, ...]:
        """The rules of ``rules`` (always the same ones for this rule) whose ``match``
        may match ``call``, in their order: those that declare a name of its callee."""
        cached = self._call_index
        if cached is None or cached[0] is not rules:
            cached = self._call_index = (rules, CallIndex([(rule.call_names(), rule) for rule in rules]))
        callee = context.callee(call, chain)
        return cached[1].candidates(callee.qualified, callee.method)

    def match(self, call: ast.Call, context: Context, chain: ScopeChain | None = None) -> str | None:
        """The dotted name of the blocking API ``call`` calls, or None.

        ``chain`` is the scope chain to resolve names in; None means where the walk is.
        """
        callee = context.callee(call, chain)
        if callee.qualified in self.module_calls:
            return callee.qualified
        return typed_method(callee, self.typed_methods) if self.typed_methods else None

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        if not context.in_async_function or context.is_awaited(node):
            return
        matched = self.match(node, context)
        if matched is not None and not self.reported_elsewhere(node, context, matched):
            context.report(self, node, *self.message_args(node, context, matched),
                           fix=(self.fix(node, context) or self.thread_fix(node, context, matched))
                           if context.fixes_wanted else None)

    def reported_elsewhere(self, node: ast.Call, context: Context, matched: str) -> bool:
        """Whether another report of this rule already covers the blocking call ``node``
        (one report per blocking object)."""
        return False

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        called = context.source_segment(node.func)
        if self.suggestions:
            return (called, self.suggestions[self.settings.async_library])
        return (called,)

    def fix(self, node: ast.Call, context: Context) -> Fix | None:
        """A rule's own fix (ASR101 awaits the async sleep instead); None for the rules
        whose fix is :meth:`thread_fix`."""
        return None

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        """Whether the blocking API ``matched`` (what :meth:`match` returned for
        ``call``) may run in a worker thread: not a database session, connection or
        cursor, nor another object that must stay on the thread that uses it. False by
        default: a rule names what it knows to be safe."""
        return False

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        """Whether the call has done its blocking work when it returns; False when it
        returns an object whose use blocks again (a file, a process, a streamed
        response)."""
        return True

    def thread_fix(self, node: ast.Call, context: Context, matched: str) -> Fix | None:
        """Run the call in a worker thread: ``await asyncio.to_thread(func, *args,
        **kwargs)`` (anyio and trio: ``to_thread.run_sync``). Unsafe: the callee then
        runs in another thread, with a copy of the task's context variables (what it
        sets there is lost). Offered only for thread-safe APIs whose work is done when
        the call returns, and where an ``await`` can go."""
        if not (self.thread_safe(node, context, matched) and self.done_on_return(node, matched)
                and awaitable_here(node, context)):
            return None
        edits = run_in_worker_thread(context, node, self.settings.async_library)
        if edits is None:
            return None
        called = shorten(context.source_segment(node.func))
        return Fix(edits=edits, safe=False, description=f"Run `{called}` in a worker thread")


def awaitable_here(call: ast.Call, context: Context) -> bool:
    """Whether ``call`` (the node being visited, in the body of an ``async def``) can be
    replaced with an ``await`` of it in a worker thread: not a ``with`` item (the block
    uses what it returns), not an argument of a function that runs functions elsewhere,
    and not in a generator expression or an f-string."""
    parent = context.parent
    if isinstance(parent, ast.withitem):
        return False
    if isinstance(parent, ast.keyword) and len(context.ancestors) > 1:
        parent = context.ancestors[-2]
    if isinstance(parent, ast.Call) and parent.func is not call:
        func = parent.func
        name = (func.attr if isinstance(func, ast.Attribute)
                else func.id if isinstance(func, ast.Name) else None)
        if name in _RUNNERS:
            return False
    for ancestor in reversed(context.ancestors):
        if isinstance(ancestor, _NO_AWAIT):
            return False
        if isinstance(ancestor, ast.AsyncFunctionDef):
            return True
    return True


def module_call(callee: Callee, names: Collection[str], prefixes: Sequence[str] = ()) -> str | None:
    """``callee.qualified`` when it is one of ``names`` or starts with a prefix."""
    qualified = callee.qualified
    if qualified is None:
        return None
    if qualified in names or (prefixes and qualified.startswith(tuple(prefixes))):
        return qualified
    return None


def method_call(callee: Callee, types: Collection[str], methods: Collection[str] | None) -> str | None:
    """``Type.method`` when the receiver is one of ``types`` and the method one of
    ``methods`` (None: any public method)."""
    method = callee.method
    if method is None:
        return None
    wanted = not method.startswith("_") if methods is None else method in methods
    if not wanted:
        return None
    return callee.name if callee.receiver in types else None


def typed_method(callee: Callee, methods_by_type: Mapping[str, Collection[str]]) -> str | None:
    """``Type.method`` when ``methods_by_type`` lists the method for the type of the
    receiver (``session.get(url)``), or for the class it is called through
    (``Path.read_text(path)``)."""
    method = callee.method
    if method is not None:
        # The method name first: for most calls it is in no table, and the receiver's
        # type is never worked out.
        if method not in _method_names(methods_by_type):
            return None
        owner = callee.receiver
        if owner is None:
            return None
    elif callee.qualified is not None:
        prefix, _, method = callee.qualified.rpartition(".")
        owner = normalize(prefix)
    else:
        return None
    listed = methods_by_type.get(owner)
    return f"{owner}.{method}" if listed is not None and method in listed else None


# A table of typed methods (kept, so that its id is not reused) with every method name it
# lists, by the table's id: the tables are the rules' constants.
_METHOD_NAMES: dict[int, tuple[Mapping[str, Collection[str]], frozenset[str]]] = {}


def _method_names(methods_by_type: Mapping[str, Collection[str]]) -> frozenset[str]:
    found = _METHOD_NAMES.get(id(methods_by_type))
    if found is None or found[0] is not methods_by_type:
        found = _METHOD_NAMES[id(methods_by_type)] = (
            methods_by_type, frozenset(name for names in methods_by_type.values() for name in names))
    return found[1]
