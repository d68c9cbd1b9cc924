"""What the engine knows about third-party types, by qualified name, without importing.

Types are named by their public qualified name (``redis.Redis``). Calls to a class give
an instance of it; the tables below add factories (``redis.from_url``), methods that
return another known type (``Session.query`` gives a ``Query``) and the spellings that
mean the same class (``redis.StrictRedis``).
"""

from __future__ import annotations

import ast

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
_ASYNC_SESSIONS = {"sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession"}


def normalize(qualified: str) -> str:
    return TYPE_ALIASES.get(qualified, qualified)


def call_result(qualified: str, call: ast.Call, class_type: str | None = None) -> str | None:
    """The type a call to ``qualified`` returns: a factory's product, else (a class
    being called) the class itself. ``class_type`` is the resolved ``class_=`` keyword
    of a session factory, when given."""
    qualified = normalize(qualified)
    if qualified in _SESSION_FACTORIES and any(k.arg == "class_" for k in call.keywords):
        if class_type is None:
            return None
        class_type = normalize(class_type)
        if class_type in _ASYNC_SESSIONS:
            return "sqlalchemy.ext.asyncio.async_sessionmaker"
        return qualified if class_type == _SESSION_FACTORIES[qualified] else None
    return FACTORY_RESULTS.get(qualified, qualified)


def method_result(receiver: str, method: str) -> str | None:
    return METHOD_RESULTS.get((receiver, method))


def attribute_result(receiver: str, attribute: str) -> str | None:
    return ATTRIBUTE_RESULTS.get((receiver, attribute)) or ATTRIBUTE_RESULTS.get((receiver, "*"))


def subscript_result(receiver: str) -> str | None:
    return SUBSCRIPT_RESULTS.get(receiver)
