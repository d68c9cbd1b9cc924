"""ASR105: a synchronous Redis client used inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import CallNames, Severity
from .common.blocking import BlockingCallRule

_CLIENTS = frozenset({"redis.Redis", "redis.cluster.RedisCluster"})
# Client methods that talk to no server: they build helper objects or read settings.
_CLIENT_LOCAL = frozenset({
    "pipeline", "pubsub", "lock", "register_script", "client", "close", "from_url",
    "from_pool", "get_encoder", "get_connection_kwargs", "set_response_callback",
    "get_retry", "set_retry", "json", "ft", "ts", "bf", "cf", "cms", "topk", "tdigest",
    "graph", "keyslot", "get_nodes", "get_node", "get_default_node", "set_default_node",
    "get_primaries", "get_replicas", "get_random_node", "get_node_from_key",
    "get_redis_connection",
})
# A pipeline queues commands locally; these send them.
_PIPELINES = frozenset({"redis.Pipeline"})
_PIPELINE_IO = frozenset({"execute", "watch", "unwatch", "immediate_execute_command",
                          "load_scripts"})
_PUBSUBS = frozenset({"redis.PubSub"})
_PUBSUB_IO = frozenset({
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
    "get_message", "get_sharded_message", "listen", "ping", "check_health", "execute_command",
})
_LOCKS = frozenset({"redis.Lock"})
_LOCK_IO = frozenset({"acquire", "release", "extend", "reacquire", "locked", "owned"})
_SENTINELS = frozenset({"redis.sentinel.Sentinel"})
_SENTINEL_IO = frozenset({"discover_master", "discover_slaves", "execute_command"})
# Module command groups: r.json(), r.ft(), r.ts().
_MODULES = frozenset({"redis.commands.json.JSON", "redis.commands.search.Search",
                      "redis.commands.timeseries.TimeSeries"})
_MODULE_LOCAL = frozenset({"pipeline", "batch_indexer"})
# Where a worker thread may send the command: a client and its module command groups
# share a thread-safe connection pool. Pipelines and pub/sub objects are not
# thread-safe, and a lock keeps its token in the thread that acquired it.
_THREAD_SAFE = _CLIENTS | _MODULES
# Client methods that return an iterator or a connection whose use blocks again.
_RETURNS_A_READER = frozenset({"monitor"})


class SyncRedisCall(BlockingCallRule):
    """
    ## What it does
    Finds calls, in the body of an `async def`, that send a command on a synchronous
    Redis client from the `redis` package: `redis.Redis` (and `StrictRedis`), one made
    by `redis.from_url()` or `Redis.from_url()`, a `RedisCluster`, a client from
    `Sentinel.master_for()`, and the pipelines, pub/sub objects and locks these hand
    out. The client's type is taken from the source: a constructor or factory assigned
    to the name, an annotation (`Optional`, `X | None`, `Annotated` and strings
    included), or a `self.` attribute set in any method.

    Only calls that reach the server are reported: `pipe.set()` on a pipeline only
    queues a command, so the pipeline's `execute()` is reported instead; `pipeline()`,
    `pubsub()` and `lock()` build objects without I/O, except that `with r.lock(...)`
    acquires the lock at once and is reported. Clients of `redis.asyncio` (and
    `aioredis`) are never reported.

    ## Why is this bad?
    Each command waits for a network round trip, and a `Lock` waits for as long as
    another holder keeps it. While it waits, the event loop runs nothing else: every
    request the process is serving stalls, and a slow or unreachable Redis turns into
    timeouts everywhere rather than in the one handler that uses the cache.

    ## Example
    ```python
    import redis


    class OrderCache:
        def __init__(self, url):
            self.redis_client = redis.Redis.from_url(url)

        async def get_summary(self, order_id):
            return self.redis_client.get(f"order:{order_id}")
    ```

    ## Use instead
    ```python
    import redis.asyncio as redis


    class OrderCache:
        def __init__(self, url):
            self.redis_client = redis.Redis.from_url(url)

        async def get_summary(self, order_id):
            return await self.redis_client.get(f"order:{order_id}")
    ```

    A client whose type the source does not state (an unannotated parameter, a name
    imported from another module) is not reported.

    ## Fix
    Runs a client's command in a worker thread: `r.get(key)` becomes
    `await asyncio.to_thread(r.get, key)` (with `--asr-async-library=anyio` or `trio`:
    `await anyio.to_thread.run_sync(r.get, key)`, keyword arguments through
    `functools.partial`), adding the imports it needs. A redis-py client is
    thread-safe: its connection pool hands each thread its own connection. Unsafe: the
    command then runs in another thread, with a copy of the task's
    context variables (what it sets there is lost), and
    each command takes a thread of the pool; `redis.asyncio` remains the better change.

    Not offered for pipelines and pub/sub objects, which are not thread-safe, for a
    lock (it keeps its token in the thread that acquired it, so a release from another
    thread fails), for `scan_iter()` and the other iterators, whose iteration blocks
    again, nor in a `with` statement.
    """

    code = "ASR105"
    name = "sync-redis-in-async-function"
    message = "`{}()` is a sync Redis call that blocks the event loop: use `redis.asyncio`"
    severity = Severity.HIGH
    required_text = ("async", "redis")
    fix_safety = "unsafe"

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return matched.rpartition(".")[0] in _THREAD_SAFE

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        method = matched.rpartition(".")[2]
        return not (method.endswith("_iter") or method in _RETURNS_A_READER)

    def call_names(self) -> CallNames:
        return CallNames(methods=None)  # Most methods of a client send a command.

    def match(self, call: ast.Call, context: Context,
              chain: ScopeChain | None = None) -> str | None:
        callee = context.callee(call, chain)
        receiver, method = callee.receiver, callee.method
        if receiver is None or method is None or method.startswith("_"):
            return None
        if receiver in _CLIENTS:
            blocking = method not in _CLIENT_LOCAL
        elif receiver in _PIPELINES:
            blocking = method in _PIPELINE_IO
        elif receiver in _PUBSUBS:
            blocking = method in _PUBSUB_IO
        elif receiver in _LOCKS:
            blocking = method in _LOCK_IO
        elif receiver in _SENTINELS:
            blocking = method in _SENTINEL_IO or method.startswith("sentinel_")
        elif receiver in _MODULES:
            blocking = method not in _MODULE_LOCAL
        else:
            return None
        return callee.name if blocking else None

    def visit_withitem(self, node: ast.withitem, context: Context) -> None:
        """``with r.lock("key"):`` acquires the lock on entering, in the loop's thread."""
        call = node.context_expr
        if not (isinstance(call, ast.Call) and isinstance(context.parent, ast.With)
                and context.in_async_function):
            return
        callee = context.callee(call)
        if callee.receiver in _CLIENTS and callee.method == "lock":
            context.report(self, call, context.source_segment(call.func))
