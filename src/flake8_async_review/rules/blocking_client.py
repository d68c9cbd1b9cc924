"""ASR107: a blocking SDK client (geocoding, uploads, AWS, mail, LLMs, sockets,
password hashing) called inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis import catalogue
from ..analysis.facts import ScopeChain
from ..engine.context import Callee, Context
from ..engine.rule import CallNames, Severity
from .common.blocking import BlockingCallRule

_TO_THREAD = "run it with `await asyncio.to_thread()`"
_GEOPY = "build the geocoder with `adapter_factory=AioHTTPAdapter` and await it"
_BOTO3 = "run it with `await asyncio.to_thread()` or use `aioboto3`"
_SMTP = "use `aiosmtplib`"
_OPENAI = "use `openai.AsyncOpenAI`"
_ANTHROPIC = "use `anthropic.AsyncAnthropic`"
_SOCKET = "use `asyncio.open_connection()` or the loop's `sock_*()` methods"
_DNS = "use `await loop.getaddrinfo()`"
_INPUT = "read it with `await asyncio.to_thread(input)`"
_HASHING = "it is slow by design: run it with `await asyncio.to_thread()`"

# Functions that block, by qualified name.
_FUNCTIONS: dict[str, str] = {
    "builtins.input": _INPUT,
    "socket.create_connection": _SOCKET,
    "socket.getaddrinfo": _DNS,
    "socket.gethostbyname": _DNS,
    "socket.gethostbyname_ex": _DNS,
    "socket.gethostbyaddr": _DNS,
    "socket.getnameinfo": _DNS,
    "socket.getfqdn": _DNS,
    "bcrypt.hashpw": _HASHING,
    "bcrypt.checkpw": _HASHING,
    "bcrypt.kdf": _HASHING,
    "hashlib.pbkdf2_hmac": _HASHING,
    "hashlib.scrypt": _HASHING,
    "werkzeug.security.generate_password_hash": _HASHING,
    "werkzeug.security.check_password_hash": _HASHING,
    # openai < 1.0 module API (its `acreate()` variants are coroutines).
    "openai.ChatCompletion.create": _OPENAI,
    "openai.Completion.create": _OPENAI,
    "openai.Embedding.create": _OPENAI,
    "openai.Image.create": _OPENAI,
    "openai.Moderation.create": _OPENAI,
    "openai.Audio.transcribe": _OPENAI,
    "openai.Audio.translate": _OPENAI,
}
# Constructors that connect when given a host.
_SMTP_CLASSES = frozenset({"smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"})
_CLOUDINARY_MODULES = ("cloudinary.uploader.", "cloudinary.api.")
_CLOUDINARY_LOCAL = frozenset({"build_upload_params", "build_eager", "build_custom_headers",
                               "only"})
_PASSLIB_SLOW = frozenset({
    "bcrypt", "bcrypt_sha256", "argon2", "scrypt", "pbkdf2_sha1", "pbkdf2_sha256",
    "pbkdf2_sha512", "sha256_crypt", "sha512_crypt", "django_pbkdf2_sha256",
    "django_bcrypt", "django_argon2",
})
_HASH_METHODS = frozenset({"hash", "verify", "encrypt", "genhash", "verify_and_update",
                           "dummy_verify"})

_BOTO3_CLIENT_LOCAL = frozenset({"get_paginator", "get_waiter", "can_paginate",
                                 "generate_presigned_url", "generate_presigned_post", "close"})
_SOCKETS = frozenset({"socket.socket", "ssl.SSLSocket"})
_SOCKET_IO = frozenset({
    "connect", "connect_ex", "accept", "recv", "recvfrom", "recv_into", "recvfrom_into",
    "recvmsg", "send", "sendall", "sendto", "sendmsg", "sendfile", "do_handshake", "read",
    "write", "unwrap",
})
_NON_BLOCKING_SOCKET_TEXT = ("setblocking(False)", "setblocking(0)", "settimeout(0)",
                             "settimeout(0.0)")
_SMTP_IO = frozenset({
    "connect", "helo", "ehlo", "ehlo_or_helo_if_needed", "starttls", "login", "auth",
    "sendmail", "send_message", "mail", "rcpt", "data", "rset", "noop", "verify", "vrfy",
    "expn", "docmd", "getreply", "putcmd", "send", "quit",
})

# Receiver type -> (methods that block, None for any public one; what to use instead).
_METHODS: dict[str, tuple[frozenset[str] | None, str]] = {
    catalogue.OPENAI_RESOURCE: (None, _OPENAI),
    catalogue.ANTHROPIC_RESOURCE: (None, _ANTHROPIC),
    "smtplib.SMTP": (_SMTP_IO, _SMTP),
    "socket.socket": (_SOCKET_IO, _SOCKET),
    "ssl.SSLSocket": (_SOCKET_IO, _SOCKET),
    "botocore.waiter.Waiter": (frozenset({"wait"}), _BOTO3),
    "botocore.paginate.PageIterator": (frozenset({"build_full_result"}), _BOTO3),
    "passlib.CryptContext": (_HASH_METHODS, _HASHING),
    "pwdlib.PasswordHash": (frozenset({"hash", "verify", "verify_and_update"}), _HASHING),
    "argon2.PasswordHasher": (frozenset({"hash", "verify"}), _HASHING),
    **{f"passlib.hash.{scheme}": (_HASH_METHODS, _HASHING) for scheme in _PASSLIB_SLOW},
}
# What a worker thread may call: the functions of these suggestions, and the methods of
# these objects (the OpenAI and Anthropic clients and boto3 clients are thread-safe,
# hashers hold no state). Not sockets and SMTP connections (the rest of the exchange
# stays on the loop), boto3 resources (not thread-safe), nor geocoders.
_THREAD_SAFE_FUNCTIONS = frozenset({_INPUT, _DNS, _HASHING, _OPENAI, _TO_THREAD})
_THREAD_SAFE_TYPES = frozenset({
    catalogue.OPENAI_RESOURCE, catalogue.ANTHROPIC_RESOURCE, "boto3.client",
    "botocore.waiter.Waiter", "botocore.paginate.PageIterator", "passlib.CryptContext",
    "pwdlib.PasswordHash", "argon2.PasswordHasher",
    *(f"passlib.hash.{scheme}" for scheme in _PASSLIB_SLOW),
})
# Calls whose result is a stream still to be read (a streamed completion, an S3 object's
# body, a Lambda or Bedrock payload): reading it blocks again.
_STREAMING_PREFIXES = ("get_object", "select_object_content", "invoke")

_GEOCODER_METHODS = frozenset({"geocode", "reverse", "reverse_timezone"})
_RATE_LIMITER = "geopy.RateLimiter"


class BlockingClientCall(BlockingCallRule):
    """
    ## What it does
    Finds calls, in the body of an `async def`, to client libraries that do their work
    synchronously:

    - geopy geocoders (`Nominatim`, `GoogleV3` ... from `geopy.geocoders`): `geocode()`,
      `reverse()`, and a `RateLimiter` wrapping them; not a geocoder built with
      `adapter_factory=AioHTTPAdapter`, whose methods are coroutines;
    - `cloudinary.uploader` and `cloudinary.api` functions (`upload()`, `destroy()` ...);
    - `boto3` clients and resources (`s3.upload_file()`, `table.put_item()`, waiters);
      not `generate_presigned_url()`, `get_paginator()` and the like, which do no I/O;
    - `smtplib.SMTP(host)` and `SMTP_SSL(host)`, which connect in the constructor, and
      `sendmail()`, `send_message()`, `login()`, `starttls()`, `quit()` ...;
    - the sync `openai.OpenAI` and `anthropic.Anthropic` clients
      (`client.chat.completions.create()`, `client.messages.create()`), and the
      `openai.chat.completions.create()` module client;
    - `socket` I/O: a socket's `connect()`, `accept()`, `recv()`, `send()`,
      `sendall()` ..., `socket.create_connection()`, and DNS lookups
      (`socket.getaddrinfo()`, `socket.gethostbyname()`);
    - `input()`;
    - password hashing, slow by design: `bcrypt.hashpw()`, `bcrypt.checkpw()`,
      passlib's `CryptContext.hash()`/`verify()` and `passlib.hash.bcrypt.hash()`,
      `pwdlib`, `argon2.PasswordHasher`, `hashlib.pbkdf2_hmac()`, `hashlib.scrypt()`.

    Method calls are reported only when the object's type is known from the source: a
    constructor or factory assigned to the name, an annotation, or a `self.` attribute.

    ## Why is this bad?
    These calls wait for a remote service (an upload can take seconds), for the user, or
    burn 100 ms or more of CPU on purpose. In an `async def` they run on the event loop
    thread, so every other request of the process waits until they return. A login
    endpoint that verifies a bcrypt hash in the loop serves one login at a time.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    async def summarize(text):
        response = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return response.choices[0].message.content
    ```

    ## Use instead
    ```python
    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    async def summarize(text):
        response = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return response.choices[0].message.content
    ```

    For SDKs without an async client, run the call in a worker thread:
    `await asyncio.to_thread(cloudinary.uploader.upload, file)`. Socket methods are not
    reported in a module that makes a socket non-blocking (`setblocking(False)`), nor
    geocoder methods in one that sets geopy's `default_adapter_factory`.

    ## Fix
    Runs the call in a worker thread: `bcrypt.hashpw(password, salt)` becomes
    `await asyncio.to_thread(bcrypt.hashpw, password, salt)` (with `anyio` or `trio`:
    `await anyio.to_thread.run_sync(...)`, keyword arguments through
    `functools.partial`), adding the imports it needs. Offered for `input()`, DNS
    lookups, password hashing, Cloudinary uploads, `boto3` clients, waiters and
    paginators, and the OpenAI and Anthropic clients, which are thread-safe. Unsafe:
    the call then runs in another thread, with a copy of the task's
    context variables (what it sets there is lost); an
    SDK's async client remains the better change where there is one.

    Not offered for sockets and SMTP connections (the rest of the exchange would still
    run on the event loop: use the async library the message names), `boto3`
    resources, which are not thread-safe, geocoders, nor calls whose result is read
    later: `stream=True`, `stream()`, an S3 `get_object()` whose body is read after it
    returns, Lambda and Bedrock `invoke*()`; nor in a `with` statement.
    """

    code = "ASR107"
    name = "blocking-client-call-in-async-function"
    message = "`{}()` blocks the event loop: {}"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = (
        "async",
        ("input", "socket", "hashlib", "openai", "anthropic", "boto3", "werkzeug", "bcrypt",
         "argon2", "smtplib", "geopy", "cloudinary", "passlib", "pwdlib"),
    )

    def call_names(self) -> CallNames:
        return CallNames(
            qualified=frozenset({*_FUNCTIONS, *_SMTP_CLASSES}),
            prefixes=frozenset({*_CLOUDINARY_MODULES, "passlib.hash.",
                                *(f"openai.{resource}." for resource in catalogue.OPENAI_RESOURCES)}),
            methods=None,  # Any method of an SDK client (boto3, OpenAI) may block.
            unnamed=True,  # A `RateLimiter` called by name.
        )

    def match(self, call: ast.Call, context: Context,
              chain: ScopeChain | None = None) -> str | None:
        found = self._blocking(call, context, chain)
        return found[0] if found else None

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        found = self._blocking(node, context, None)
        return (context.source_segment(node.func), found[1] if found else _TO_THREAD)

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        callee = context.callee(call, chain)
        if callee.qualified is not None:
            found = _function(callee.qualified, call)
            return found is not None and found[1] in _THREAD_SAFE_FUNCTIONS
        return callee.method is not None and callee.receiver in _THREAD_SAFE_TYPES

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        method = matched.rpartition(".")[2]
        if "stream" in method or method.startswith(_STREAMING_PREFIXES):
            return False
        return not any(keyword.arg == "stream" for keyword in call.keywords)

    def _blocking(self, call: ast.Call, context: Context, chain: ScopeChain | None
                  ) -> tuple[str, str] | None:
        """(the blocking API's dotted name, what to use instead), or None."""
        callee = context.callee(call, chain)
        if callee.qualified is not None:
            return _function(callee.qualified, call)
        if callee.receiver is not None and callee.method is not None:
            return _method(callee, context)
        if isinstance(call.func, ast.Name) and context.type_of(call.func, chain) == _RATE_LIMITER:
            return _RATE_LIMITER, "use `AsyncRateLimiter` with an async geocoder"
        return None


def _function(qualified: str, call: ast.Call) -> tuple[str, str] | None:
    if qualified in _FUNCTIONS:
        return qualified, _FUNCTIONS[qualified]
    if qualified in _SMTP_CLASSES:
        connects = bool(call.args) or any(k.arg == "host" for k in call.keywords)
        return (qualified, _SMTP) if connects else None
    if qualified.startswith(_CLOUDINARY_MODULES):
        name = qualified.rpartition(".")[2]
        if name[:1].islower() and name not in _CLOUDINARY_LOCAL and "async" not in name:
            return qualified, _TO_THREAD
        return None
    parts = qualified.split(".")
    if parts[0] == "openai" and len(parts) > 2 and parts[1] in catalogue.OPENAI_RESOURCES:
        return qualified, _OPENAI  # The module-level client: openai.chat.completions.create
    if (len(parts) == 4 and parts[:2] == ["passlib", "hash"] and parts[2] in _PASSLIB_SLOW
            and parts[3] in _HASH_METHODS):
        return qualified, _HASHING
    return None


def _method(callee: Callee, context: Context) -> tuple[str, str] | None:
    receiver, method = callee.receiver, callee.method
    assert receiver is not None and method is not None
    if method.startswith("_"):
        return None
    name = f"{receiver}.{method}"
    if receiver == "boto3.client":
        return None if method in _BOTO3_CLIENT_LOCAL else (name, _BOTO3)
    if receiver == "boto3.resource":
        # Capitalized methods build sub-resources (s3.Bucket(name)) without I/O.
        blocking = method[:1].islower() and method != "get_available_subresources"
        return (name, _BOTO3) if blocking else None
    if _is_geocoder(receiver):
        if method not in _GEOCODER_METHODS or _sets_default_adapter(context):
            return None
        return name, _GEOPY
    found = _METHODS.get(receiver)
    if found is None:
        return None
    methods, suggestion = found
    if methods is not None and method not in methods:
        return None
    if receiver in _SOCKETS and _makes_sockets_non_blocking(context):
        return None
    return name, suggestion


def _is_geocoder(receiver: str) -> bool:
    """A geocoder class: ``geopy.geocoders.Nominatim`` or its re-export ``geopy.Nominatim``."""
    module, _, cls = receiver.rpartition(".")
    return module in ("geopy.geocoders", "geopy") and cls[:1].isupper() and cls != "RateLimiter"


def _sets_default_adapter(context: Context) -> bool:
    """``geopy.geocoders.options.default_adapter_factory = ...`` may make every geocoder
    of the module async."""
    return context.text_has("default_adapter_factory")


def _makes_sockets_non_blocking(context: Context) -> bool:
    return any(context.text_has(text) for text in _NON_BLOCKING_SOCKET_TEXT)
