"""ASR102: a synchronous HTTP client call inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import Severity
from .common.blocking import BlockingCallRule

_REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_HTTPX_VERBS = _REQUESTS_VERBS | {"stream"}
_URLLIB3_POOL_METHODS = frozenset(
    {"request", "urlopen", "request_encode_url", "request_encode_body"}
)
# Closing a pool closes its open connections.
_URLLIB3_CLOSING = frozenset({"close", "clear"})
_HTTP_CLIENT_METHODS = frozenset({"request", "getresponse", "connect", "send"})

_MODULE_CALLS = frozenset({
    *(f"requests.{verb}" for verb in _REQUESTS_VERBS),
    *(f"requests.api.{verb}" for verb in _REQUESTS_VERBS),
    *(f"{module}.{verb}" for module in ("httpx", "httpx2") for verb in _HTTPX_VERBS),
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "urllib3.request",
})

# Sync client types and the methods of theirs that do network I/O. `httpx.AsyncClient`
# is deliberately absent: its methods return coroutines.
_CLIENT_METHODS: dict[str, frozenset[str]] = {
    "requests.Session": _REQUESTS_VERBS | {"send"},
    "httpx.Client": _HTTPX_VERBS | {"send", "close"},
    "urllib3.PoolManager": _URLLIB3_POOL_METHODS | _URLLIB3_CLOSING,
    "urllib3.ProxyManager": _URLLIB3_POOL_METHODS | _URLLIB3_CLOSING,
    "urllib3.HTTPConnectionPool": _URLLIB3_POOL_METHODS | _URLLIB3_CLOSING,
    "urllib3.HTTPSConnectionPool": _URLLIB3_POOL_METHODS | _URLLIB3_CLOSING,
    "urllib3.connectionpool.ConnectionPool": _URLLIB3_CLOSING,
    "urllib3.request.RequestMethods": _URLLIB3_POOL_METHODS,
    "http.client.HTTPConnection": _HTTP_CLIENT_METHODS,
    "http.client.HTTPSConnection": _HTTP_CLIENT_METHODS,
    "urllib.request.OpenerDirector": frozenset({"open"}),
}

# Objects that must not be shared with a worker thread: a `requests.Session` is not
# documented as thread-safe, an `http.client` connection holds one exchange's state.
_NOT_THREAD_SAFE = frozenset({
    "requests.Session", "http.client.HTTPConnection", "http.client.HTTPSConnection",
    "urllib.request.OpenerDirector",
})
# Calls that return a response still to be read: reading it blocks again.
_RETURNS_A_STREAM = frozenset({"urllib.request.urlopen"})
_STREAMING_KEYWORDS = frozenset({"stream", "preload_content"})

_SUGGESTIONS = {
    "asyncio": "`httpx.AsyncClient` or `aiohttp`",
    "anyio": "`httpx.AsyncClient`",
    "trio": "`httpx.AsyncClient`",
}


class BlockingHttpCall(BlockingCallRule):
    """
    ## What it does
    Finds HTTP requests made with a synchronous client in the body of an `async def`:

    - `requests.get()` and the other `requests` verbs, and the methods that send a
      request on a `requests.Session`;
    - `httpx.get()` and the other `httpx` module functions, and the same methods (plus
      `send` and `close`) on an `httpx.Client`, never on an `httpx.AsyncClient`; the
      same for `httpx2`, the continuation of `httpx`;
    - `urllib.request.urlopen()`, `urllib.request.urlretrieve()` and the `open()` of an
      opener from `urllib.request.build_opener()`;
    - `urllib3.request()`, and `request()`, `urlopen()`, `request_encode_url()`,
      `request_encode_body()`, `close()` and `clear()` on a `urllib3.PoolManager`,
      `ProxyManager` or connection pool (and the requests of any
      `urllib3.request.RequestMethods`);
    - `request()`, `getresponse()`, `connect()` and `send()` on an
      `http.client.HTTPConnection` or `HTTPSConnection`.

    A method call is reported only when the receiver's type is known from the source:
    a constructor or factory assignment, a `with` target, an annotation, a `self`
    attribute set in any method, or a FastAPI `Depends()` provider.

    ## Why is this bad?
    A synchronous client waits for the network on the event loop thread. While the
    remote service takes its time (and a slow or unreachable service can take until the
    timeout, or forever without one) no other request, task or health check of the
    process makes progress.

    ## Example
    ```python
    import requests


    async def fetch_profile(user_id):
        response = requests.get(f"https://api.example.com/users/{user_id}", timeout=5)
        return response.json()
    ```

    ## Use instead
    ```python
    import httpx


    async def fetch_profile(client: httpx.AsyncClient, user_id):
        response = await client.get(f"https://api.example.com/users/{user_id}", timeout=5)
        return response.json()
    ```

    ## Options
    `--asr-async-library` chooses the suggestion: `httpx.AsyncClient` or `aiohttp` for
    `asyncio` (default), `httpx.AsyncClient` for `anyio` and `trio`, and the worker
    thread of the fix.

    ## Fix
    Runs the call in a worker thread: `requests.get(url, timeout=5)` becomes
    `await asyncio.to_thread(requests.get, url, timeout=5)` (with `anyio`:
    `await anyio.to_thread.run_sync(functools.partial(requests.get, url, timeout=5))`,
    `trio` likewise), adding the imports it needs. Unsafe: the request then runs in
    another thread, with a copy of the task's
    context variables (what it sets there is lost), and the thread
    pool bounds how many requests run at once. The async client remains the better
    change.

    Not offered for a `requests.Session`, whose thread safety is not documented, nor an
    `http.client` connection; nor for a call whose response is read later
    (`urlopen()`, `stream()`, `stream=True`, `preload_content=False`), whose reads
    would still block; nor in a `with` statement.
    """

    code = "ASR102"
    name = "blocking-http-call-in-async-function"
    message = "`{}()` is a blocking HTTP call: use {}"
    severity = Severity.HIGH
    required_text = ("async", ("http", "requests", "urllib"))

    module_calls = _MODULE_CALLS
    typed_methods = _CLIENT_METHODS
    suggestions = _SUGGESTIONS
    fix_safety = "unsafe"

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return matched.rpartition(".")[0] not in _NOT_THREAD_SAFE

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        if matched in _RETURNS_A_STREAM or matched.rpartition(".")[2] == "stream":
            return False
        return not any(keyword.arg in _STREAMING_KEYWORDS for keyword in call.keywords)
