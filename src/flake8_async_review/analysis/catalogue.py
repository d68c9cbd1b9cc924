"""What the engine knows about third-party types, by qualified name, without importing.

Types are named by their public qualified name (``redis.Redis``). Calls to a class give
an instance of it; the tables below add factories (``redis.from_url``), methods that
return another known type (``Session.query`` gives a ``Query``) and the spellings that
mean the same class (``redis.StrictRedis``).
"""

from __future__ import annotations

import ast
from collections.abc import Collection

# Other spellings of one class, mapped to the name rules use.
TYPE_ALIASES: dict[str, str] = {
    "redis.client.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "aioredis.client.Redis": "aioredis.Redis",
    "redis.client.Pipeline": "redis.Pipeline",
    "redis.asyncio.client.Pipeline": "redis.asyncio.Pipeline",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.query.Query": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.engine.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.Connection",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlmodel.ext.asyncio.AsyncSession",
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "http.client.HTTPSConnection": "http.client.HTTPSConnection",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "openai.Client": "openai.OpenAI",
    "anthropic.Client": "anthropic.Anthropic",
    "passlib.context.CryptContext": "passlib.CryptContext",
    "asyncio.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.events.AbstractEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.SelectorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.ProactorEventLoop": "asyncio.AbstractEventLoop",
    "uvloop.Loop": "asyncio.AbstractEventLoop",
    "uvloop.new_event_loop": "asyncio.AbstractEventLoop",
}

# Functions (and classmethods) whose result is an instance of a known type.
FACTORY_RESULTS: dict[str, str] = {
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.Redis.from_pool": "redis.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "aioredis.from_url": "aioredis.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.Engine",
    "sqlmodel.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "boto3.client": "boto3.client",
    "boto3.resource": "boto3.resource",
    "psycopg2.connect": "psycopg2.connection",
    "sqlite3.connect": "sqlite3.Connection",
    "pymysql.connect": "pymysql.Connection",
    "MySQLdb.connect": "pymysql.Connection",
    "mysql.connector.connect": "mysql.connector.Connection",
    "socket.create_connection": "socket.socket",
    "urllib3.connection_from_url": "urllib3.PoolManager",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.new_event_loop": "asyncio.AbstractEventLoop",
}

# (receiver type, method) -> result type. "*" stands for any method or attribute.
_QUERY_CHAIN = (
    "filter", "filter_by", "join", "outerjoin", "order_by", "group_by", "having", "limit",
    "offset", "options", "where", "distinct", "select_from", "with_for_update",
    "execution_options", "populate_existing", "enable_eagerloads", "correlate",
)
METHOD_RESULTS: dict[tuple[str, str], str] = {
    ("redis.Redis", "pipeline"): "redis.Pipeline",
    ("redis.asyncio.Redis", "pipeline"): "redis.asyncio.Pipeline",
    ("sqlalchemy.orm.sessionmaker", "__call__"): "sqlalchemy.orm.Session",
    ("sqlalchemy.orm.scoped_session", "__call__"): "sqlalchemy.orm.Session",
    ("sqlalchemy.ext.asyncio.async_sessionmaker", "__call__"): "sqlalchemy.ext.asyncio.AsyncSession",
    ("sqlalchemy.orm.Session", "query"): "sqlalchemy.orm.Query",
    ("sqlmodel.Session", "query"): "sqlalchemy.orm.Query",
    ("sqlalchemy.orm.scoped_session", "query"): "sqlalchemy.orm.Query",
    ("sqlalchemy.Engine", "connect"): "sqlalchemy.Connection",
    ("sqlalchemy.Engine", "begin"): "sqlalchemy.Connection",
    ("psycopg2.connection", "cursor"): "psycopg2.cursor",
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("sqlite3.Connection", "execute"): "sqlite3.Cursor",
    ("pymysql.Connection", "cursor"): "pymysql.cursors.Cursor",
    ("mysql.connector.Connection", "cursor"): "mysql.connector.cursor",
    ("boto3.session.Session", "client"): "boto3.client",
    ("boto3.session.Session", "resource"): "boto3.resource",
    ("boto3.Session", "client"): "boto3.client",
    ("boto3.Session", "resource"): "boto3.resource",
    **{("sqlalchemy.orm.Query", name): "sqlalchemy.orm.Query" for name in _QUERY_CHAIN},
    **{
        ("pathlib.Path", name): "pathlib.Path"
        for name in ("joinpath", "resolve", "absolute", "expanduser", "with_name",
                     "with_suffix", "with_stem", "relative_to")
    },
}

ATTRIBUTE_RESULTS: dict[tuple[str, str], str] = {
    ("pymongo.MongoClient", "*"): "pymongo.database.Database",
    ("pymongo.database.Database", "*"): "pymongo.collection.Collection",
    ("pathlib.Path", "parent"): "pathlib.Path",
}

# Subscripting an instance: client["db"]["users"].
SUBSCRIPT_RESULTS: dict[str, str] = {
    "pymongo.MongoClient": "pymongo.database.Database",
    "pymongo.database.Database": "pymongo.collection.Collection",
}

# -- HTTP clients, subprocesses and paths (ASR102, ASR103, ASR104, ASR903) ---------------
TYPE_ALIASES.update({
    "requests.sessions.session": "requests.Session",
    "urllib3.poolmanager.ProxyManager": "urllib3.ProxyManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "urllib3._request_methods.RequestMethods": "urllib3.request.RequestMethods",
    # httpx2 continues httpx with the same API.
    "httpx2.Client": "httpx.Client",
    "httpx2._client.Client": "httpx.Client",
    "httpx2.AsyncClient": "httpx.AsyncClient",
    "httpx2._client.AsyncClient": "httpx.AsyncClient",
})
FACTORY_RESULTS.update({
    "urllib3.proxy_from_url": "urllib3.ProxyManager",
    "urllib3.poolmanager.proxy_from_url": "urllib3.ProxyManager",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "pathlib.Path.home": "pathlib.Path",
    "pathlib.Path.cwd": "pathlib.Path",
})
# -- end of HTTP clients, subprocesses and paths --------------------------------------------

# -- Loggers (ASR2xx, ASR301) ---------------------------------------------------------
# What the logging factories return, so that ``logger = logging.getLogger(__name__)``,
# ``self.log = structlog.get_logger()`` and ``log = logger.bind(...)`` are known loggers.
LOGGER_FACTORY_RESULTS: dict[str, str] = {
    "logging.getLogger": "logging.Logger",
    "structlog.get_logger": "structlog.BoundLogger",
    "structlog.getLogger": "structlog.BoundLogger",
    "structlog.wrap_logger": "structlog.BoundLogger",
    "structlog.stdlib.get_logger": "structlog.stdlib.BoundLogger",
    "loguru.logger.bind": "loguru.Logger",
    "loguru.logger.opt": "loguru.Logger",
    "loguru.logger.patch": "loguru.Logger",
}
LOGGER_METHOD_RESULTS: dict[tuple[str, str], str] = {
    ("logging.Logger", "getChild"): "logging.Logger",
    **{
        (logger, method): logger
        for logger in ("structlog.BoundLogger", "structlog.stdlib.BoundLogger")
        for method in ("bind", "new", "unbind", "try_unbind")
    },
    **{("loguru.Logger", method): "loguru.Logger" for method in ("bind", "opt", "patch")},
}
FACTORY_RESULTS.update(LOGGER_FACTORY_RESULTS)
METHOD_RESULTS.update(LOGGER_METHOD_RESULTS)
# -- end of loggers -----------------------------------------------------------------------

# Session factories take the class of session they make as ``class_=``.
_SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
}
SYNC_SESSIONS = frozenset({"sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session",
                           "sqlmodel.Session"})
ASYNC_SESSIONS = frozenset({"sqlalchemy.ext.asyncio.AsyncSession",
                            "sqlmodel.ext.asyncio.AsyncSession"})
SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS
QUERY = "sqlalchemy.orm.Query"
# What an untyped parameter used as a session (query, add, commit) is taken to be.
SHAPED_SESSION = "sqlalchemy.orm.Session"

# Starting an event loop: the functions, and the loop class whose methods run one.
LOOP_ENTRY_POINTS = frozenset({"asyncio.run", "anyio.run", "trio.run"})
EVENT_LOOPS = frozenset({"asyncio.AbstractEventLoop"})


def normalize(qualified: str) -> str:
    found = TYPE_ALIASES.get(qualified)
    if found is not None:
        return found
    if qualified.startswith("mypy_boto3_"):
        return _boto3_stub_client(qualified)
    return qualified


def _boto3_stub_client(qualified: str) -> str:
    """The client classes of the ``mypy-boto3-<service>`` type stubs
    (``mypy_boto3_dynamodb.DynamoDBClient``, also from ``mypy_boto3_dynamodb.client``)
    annotate what ``boto3.client("<service>")`` returns: the same type."""
    module, _, name = qualified.rpartition(".")
    _package, _, submodule = module.partition(".")
    if name.endswith("Client") and submodule in ("", "client"):
        return "boto3.client"
    return qualified


def call_result(qualified: str, call: ast.Call, class_type: str | None = None) -> str | None:
    """The type a call to ``qualified`` returns: a factory's product, else (a class
    being called) the class itself. ``class_type`` is the resolved ``class_=`` keyword
    of a session factory, when given."""
    qualified = normalize(qualified)
    if qualified in _SESSION_FACTORIES and any(k.arg == "class_" for k in call.keywords):
        if class_type is None:
            return None
        class_type = normalize(class_type)
        if class_type in ASYNC_SESSIONS:
            return "sqlalchemy.ext.asyncio.async_sessionmaker"
        return qualified if class_type == _SESSION_FACTORIES[qualified] else None
    if qualified.startswith("geopy.") and call.keywords:
        return _geocoder_with_adapter(qualified, call)
    return FACTORY_RESULTS.get(qualified, qualified)


def method_result(receiver: str, method: str) -> str | None:
    found = METHOD_RESULTS.get((receiver, method))
    if found is None and not method.startswith("_"):
        found = METHOD_RESULTS.get((receiver, "*"))
        if found is None and method[:1].isupper():
            found = CONSTRUCTOR_METHOD_RESULTS.get(receiver)
    return found


def attribute_result(receiver: str, attribute: str) -> str | None:
    return ATTRIBUTE_RESULTS.get((receiver, attribute)) or ATTRIBUTE_RESULTS.get((receiver, "*"))


def subscript_result(receiver: str) -> str | None:
    return SUBSCRIPT_RESULTS.get(receiver)


# -- Clients that block: Redis, databases and SDKs (ASR105, ASR106, ASR107) ----------------
# Kept in one block: the types these rules report on, and how instances of them are made.

TYPE_ALIASES.update({
    # Redis
    "redis.RedisCluster": "redis.cluster.RedisCluster",
    "redis.Sentinel": "redis.sentinel.Sentinel",
    "redis.client.PubSub": "redis.PubSub",
    "redis.lock.Lock": "redis.Lock",
    # Databases
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "psycopg2.extensions.connection": "psycopg2.connection",
    "psycopg2.extensions.cursor": "psycopg2.cursor",
    "psycopg.connection.Connection": "psycopg.Connection",
    "psycopg.cursor.Cursor": "psycopg.Cursor",
    "pymysql.connections.Connection": "pymysql.Connection",
    "MySQLdb.connections.Connection": "pymysql.Connection",
    "MySQLdb.Connection": "pymysql.Connection",
    "pymysql.cursors.DictCursor": "pymysql.cursors.Cursor",
    "mysql.connector.MySQLConnection": "mysql.connector.Connection",
    "mysql.connector.connection.MySQLConnection": "mysql.connector.Connection",
    "mysql.connector.cursor.MySQLCursor": "mysql.connector.cursor",
    "pymongo.synchronous.mongo_client.MongoClient": "pymongo.MongoClient",
    "pymongo.synchronous.database.Database": "pymongo.database.Database",
    "pymongo.synchronous.collection.Collection": "pymongo.collection.Collection",
    "pymongo.synchronous.cursor.Cursor": "pymongo.cursor.Cursor",
    # SDKs
    "smtplib.LMTP": "smtplib.SMTP",
    "openai._client.OpenAI": "openai.OpenAI",
    "openai.lib.azure.AzureOpenAI": "openai.AzureOpenAI",
    "anthropic._client.Anthropic": "anthropic.Anthropic",
    "geopy.extra.rate_limiter.RateLimiter": "geopy.RateLimiter",
    "argon2._password_hasher.PasswordHasher": "argon2.PasswordHasher",
    "botocore.client.BaseClient": "boto3.client",
})

FACTORY_RESULTS.update({
    "redis.StrictRedis.from_url": "redis.Redis",
    "redis.client.Redis.from_url": "redis.Redis",
    "redis.client.StrictRedis.from_url": "redis.Redis",
    "redis.cluster.RedisCluster.from_url": "redis.cluster.RedisCluster",
    "redis.RedisCluster.from_url": "redis.cluster.RedisCluster",
    "redis.asyncio.StrictRedis.from_url": "redis.asyncio.Redis",
    "redis.asyncio.client.Redis.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_pool": "redis.asyncio.Redis",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "MySQLdb.Connect": "pymysql.Connection",
    "pymysql.Connect": "pymysql.Connection",
    "mysql.connector.Connect": "mysql.connector.Connection",
    "ssl.create_default_context": "ssl.SSLContext",
    "pwdlib.PasswordHash.recommended": "pwdlib.PasswordHash",
    **{f"passlib.hash.{scheme}.using": f"passlib.hash.{scheme}"
       for scheme in ("bcrypt", "bcrypt_sha256", "argon2", "scrypt", "pbkdf2_sha1",
                      "pbkdf2_sha256", "pbkdf2_sha512", "sha256_crypt", "sha512_crypt",
                      "django_pbkdf2_sha256", "django_bcrypt", "django_argon2")},
})

METHOD_RESULTS.update({
    # Redis: commands queued on a pipeline return the pipeline; these run it.
    ("redis.Pipeline", "*"): "redis.Pipeline",
    ("redis.Pipeline", "execute"): "builtins.list",
    ("redis.Pipeline", "watch"): "builtins.bool",
    ("redis.Pipeline", "unwatch"): "builtins.bool",
    ("redis.Pipeline", "immediate_execute_command"): "builtins.object",
    ("redis.Pipeline", "load_scripts"): "builtins.None",
    ("redis.cluster.RedisCluster", "pipeline"): "redis.Pipeline",
    ("redis.Redis", "pubsub"): "redis.PubSub",
    ("redis.cluster.RedisCluster", "pubsub"): "redis.PubSub",
    ("redis.Redis", "lock"): "redis.Lock",
    ("redis.cluster.RedisCluster", "lock"): "redis.Lock",
    ("redis.Redis", "json"): "redis.commands.json.JSON",
    ("redis.Redis", "ft"): "redis.commands.search.Search",
    ("redis.Redis", "ts"): "redis.commands.timeseries.TimeSeries",
    ("redis.sentinel.Sentinel", "master_for"): "redis.Redis",
    ("redis.sentinel.Sentinel", "slave_for"): "redis.Redis",
    # SQLAlchemy
    ("sqlalchemy.orm.sessionmaker", "begin"): "sqlalchemy.orm.Session",
    ("sqlalchemy.orm.scoped_session", "begin"): "sqlalchemy.orm.Session",
    **{("sqlalchemy.orm.Query", name): "sqlalchemy.orm.Query"
       for name in ("with_entities", "add_columns", "add_entity", "params", "union",
                    "union_all", "yield_per", "slice", "with_parent", "autoflush",
                    "reset_joinpoint", "with_session", "prefix_with", "suffix_with")},
    # Drivers
    ("psycopg2.pool.SimpleConnectionPool", "getconn"): "psycopg2.connection",
    ("psycopg2.pool.ThreadedConnectionPool", "getconn"): "psycopg2.connection",
    ("psycopg.Connection", "cursor"): "psycopg.Cursor",
    ("psycopg.Connection", "execute"): "psycopg.Cursor",
    ("psycopg_pool.ConnectionPool", "connection"): "psycopg.Connection",
    ("psycopg_pool.ConnectionPool", "getconn"): "psycopg.Connection",
    ("sqlite3.Cursor", "execute"): "sqlite3.Cursor",
    ("sqlite3.Cursor", "executemany"): "sqlite3.Cursor",
    ("sqlite3.Connection", "executemany"): "sqlite3.Cursor",
    ("sqlite3.Connection", "executescript"): "sqlite3.Cursor",
    # pymongo: find() is lazy; its cursor runs the query when read.
    ("pymongo.MongoClient", "get_database"): "pymongo.database.Database",
    ("pymongo.MongoClient", "get_default_database"): "pymongo.database.Database",
    ("pymongo.database.Database", "get_collection"): "pymongo.collection.Collection",
    ("pymongo.database.Database", "create_collection"): "pymongo.collection.Collection",
    ("pymongo.collection.Collection", "find"): "pymongo.cursor.Cursor",
    ("pymongo.collection.Collection", "with_options"): "pymongo.collection.Collection",
    **{("pymongo.cursor.Cursor", name): "pymongo.cursor.Cursor"
       for name in ("sort", "limit", "skip", "batch_size", "hint", "max_time_ms",
                    "collation", "comment", "allow_disk_use", "where", "min", "max",
                    "add_option", "remove_option", "max_await_time_ms", "clone", "rewind")},
    # boto3: waiters and paginators wait or page through the service.
    ("boto3.client", "get_waiter"): "botocore.waiter.Waiter",
    ("boto3.client", "get_paginator"): "botocore.paginate.Paginator",
    ("botocore.paginate.Paginator", "paginate"): "botocore.paginate.PageIterator",
    # SDK clients that hand out configured copies of themselves.
    ("openai.OpenAI", "with_options"): "openai.OpenAI",
    ("openai.OpenAI", "copy"): "openai.OpenAI",
    ("openai.AzureOpenAI", "with_options"): "openai.AzureOpenAI",
    ("anthropic.Anthropic", "with_options"): "anthropic.Anthropic",
    ("anthropic.Anthropic", "copy"): "anthropic.Anthropic",
    ("ssl.SSLContext", "wrap_socket"): "ssl.SSLSocket",
})

# A capitalized method of these builds a sub-object of the same kind without I/O:
# ``s3.Bucket("media")``, ``dynamodb.Table("users")``, ``bucket.Object(key)``.
CONSTRUCTOR_METHOD_RESULTS: dict[str, str] = {
    "boto3.resource": "boto3.resource",
}

# The API resources of the OpenAI and Anthropic clients: ``client.chat.completions`` is
# a resource, and so is every attribute of a resource (``with_raw_response`` included).
OPENAI_RESOURCES = frozenset({
    "audio", "batches", "beta", "chat", "completions", "containers", "conversations",
    "embeddings", "evals", "files", "fine_tuning", "images", "models", "moderations",
    "realtime", "responses", "uploads", "vector_stores", "videos",
})  # Not ``webhooks``: verifying a signature is local.
ANTHROPIC_RESOURCES = frozenset({"beta", "completions", "messages", "models"})
_SYNC_OPENAI_CLIENTS = ("openai.OpenAI", "openai.AzureOpenAI")
_SYNC_ANTHROPIC_CLIENTS = ("anthropic.Anthropic", "anthropic.AnthropicBedrock",
                           "anthropic.AnthropicVertex")
OPENAI_RESOURCE = "openai.resources.SyncAPIResource"
ANTHROPIC_RESOURCE = "anthropic.resources.SyncAPIResource"

ATTRIBUTE_RESULTS.update({
    ("boto3.resource", "meta"): "boto3.resources.ResourceMeta",
    ("boto3.resources.ResourceMeta", "client"): "boto3.client",
    **{(client, name): OPENAI_RESOURCE
       for client in _SYNC_OPENAI_CLIENTS for name in OPENAI_RESOURCES},
    (OPENAI_RESOURCE, "*"): OPENAI_RESOURCE,
    **{(client, name): ANTHROPIC_RESOURCE
       for client in _SYNC_ANTHROPIC_CLIENTS for name in ANTHROPIC_RESOURCES},
    (ANTHROPIC_RESOURCE, "*"): ANTHROPIC_RESOURCE,
})

SUBSCRIPT_RESULTS.update({
    "pymongo.collection.Collection": "pymongo.collection.Collection",  # db.users["archive"]
})

# geopy geocoders take their HTTP adapter as ``adapter_factory=``: with an async one
# every method returns a coroutine, so the instance is not a blocking geocoder.
_SYNC_GEOPY_ADAPTERS = frozenset({"RequestsAdapter", "URLLibAdapter"})
_ASYNC_GEOPY_ADAPTERS = frozenset({"AioHTTPAdapter"})
ASYNC_GEOCODER = "geopy.async_geocoder"


def _geocoder_with_adapter(qualified: str, call: ast.Call) -> str | None:
    """A geocoder built with an explicit adapter: the class itself for a known sync
    adapter, ``ASYNC_GEOCODER`` for ``AioHTTPAdapter``, unknown for any other."""
    for keyword in call.keywords:
        if keyword.arg == "adapter_factory":
            value = keyword.value
            name = (value.id if isinstance(value, ast.Name)
                    else value.attr if isinstance(value, ast.Attribute) else None)
            if name in _ASYNC_GEOPY_ADAPTERS:
                return ASYNC_GEOCODER
            return qualified if name in _SYNC_GEOPY_ADAPTERS else None
    return FACTORY_RESULTS.get(qualified, qualified)


# -- FastAPI and Starlette: apps, routers, background tasks, requests (ASR5xx) ---------------
TYPE_ALIASES.update({
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.background.BackgroundTasks": "fastapi.BackgroundTasks",
    "fastapi.Request": "starlette.requests.Request",
    "fastapi.requests.Request": "starlette.requests.Request",
})
# Loggers (ASR503 too) are in the loggers block above.
# -- end of FastAPI and Starlette -------------------------------------------------------------
# -- Async clients whose methods return coroutines (ASR604) --------------------------------
TYPE_ALIASES.update({
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "aioredis.client.StrictRedis": "aioredis.Redis",
    "aioredis.StrictRedis": "aioredis.Redis",
    "sqlalchemy.ext.asyncio.engine.AsyncEngine": "sqlalchemy.ext.asyncio.AsyncEngine",
})
METHOD_RESULTS.update({
    ("aioredis.Redis", "pipeline"): "redis.asyncio.Pipeline",
    ("sqlalchemy.ext.asyncio.async_sessionmaker", "begin"): "sqlalchemy.ext.asyncio.AsyncSession",
})
# -- end of async clients -------------------------------------------------------------------


# -- What a file must name for a type to be known in it -----------------------------------


def names_leading_to(types: Collection[str]) -> frozenset[str]:
    """The names, one of which a file's text holds wherever receiver typing finds one of
    ``types`` from the file's own code (not through the project tier): the last part
    of each qualified name that leads there (the class, an alias, a factory, a type
    whose method, attribute or item does, the session class a session factory is
    given, a geocoder's adapter, the prefix of the boto3 stub modules). The name is in
    the import that binds it or in the dotted expression that reaches it, so a file
    without any of them has no such receiver.

    For example, ``httpx.AsyncClient`` is reached through ``AsyncClient``, and an
    ``AsyncSession`` through ``AsyncSession``, ``async_sessionmaker`` or a
    ``sessionmaker`` given ``class_=AsyncSession``."""
    wanted = set(types)
    qualified: set[str] = set()
    growing = True
    while growing:
        before = len(wanted)
        for (receiver, _), result in (*METHOD_RESULTS.items(), *ATTRIBUTE_RESULTS.items()):
            if result in wanted:
                wanted.add(receiver)
        for receiver, result in (*SUBSCRIPT_RESULTS.items(), *CONSTRUCTOR_METHOD_RESULTS.items()):
            if result in wanted:
                wanted.add(receiver)
        for factory, result in FACTORY_RESULTS.items():
            if result in wanted:
                qualified.add(factory)
        if "sqlalchemy.ext.asyncio.async_sessionmaker" in wanted:
            # So is `sessionmaker(class_=AsyncSession)`, which names the session class.
            wanted |= ASYNC_SESSIONS
        growing = len(wanted) != before
    qualified |= wanted
    qualified |= {alias for alias, name in TYPE_ALIASES.items() if name in qualified}
    names = {name.rpartition(".")[2] for name in qualified}
    if ASYNC_GEOCODER in wanted:
        names |= _ASYNC_GEOPY_ADAPTERS
    if "boto3.client" in wanted:
        names.add("mypy_boto3_")
    return frozenset(names)
