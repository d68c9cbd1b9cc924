"""ASR106: a synchronous database session, connection or driver used inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import CallNames, Severity
from .common.blocking import BlockingCallRule

_SQLALCHEMY_SESSION_IO = frozenset({
    "execute", "exec", "scalar", "scalars", "get", "get_one", "commit", "rollback", "flush",
    "refresh", "merge", "delete", "close", "connection", "begin_nested", "invalidate",
    "reset", "remove", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings",
})
# A Query is built lazily (query(), filter(), order_by() ...); these run it.
_QUERY_IO = frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "get",
                       "update", "delete", "value"})
_ENGINE_IO = frozenset({"connect", "begin", "execute", "scalar", "raw_connection"})
_CONNECTION_IO = frozenset({"execute", "exec_driver_sql", "scalar", "scalars", "commit",
                            "rollback", "close", "begin_nested", "get_isolation_level"})
_TPC = ("tpc_begin", "tpc_prepare", "tpc_commit", "tpc_rollback", "tpc_recover")
_DBAPI_CURSOR_IO = frozenset({"execute", "executemany", "callproc"})

# Receiver type -> (methods that wait for the database, what to use instead).
_METHODS: dict[str, tuple[frozenset[str], str]] = {
    "sqlalchemy.orm.Session": (_SQLALCHEMY_SESSION_IO, "`AsyncSession`"),
    "sqlalchemy.orm.scoped_session": (_SQLALCHEMY_SESSION_IO, "`AsyncSession`"),
    "sqlmodel.Session": (_SQLALCHEMY_SESSION_IO, "`AsyncSession`"),
    "sqlalchemy.orm.Query": (_QUERY_IO, "`AsyncSession`"),
    "sqlalchemy.Engine": (_ENGINE_IO, "`create_async_engine()`"),
    "sqlalchemy.Connection": (_CONNECTION_IO, "`create_async_engine()`"),
    "psycopg2.connection": (
        frozenset({"commit", "rollback", "reset", "cancel", "lobject",
                   "set_client_encoding", *_TPC}),
        "`asyncpg` or `psycopg.AsyncConnection`",
    ),
    "psycopg2.cursor": (
        _DBAPI_CURSOR_IO | {"copy_from", "copy_to", "copy_expert"},
        "`asyncpg` or `psycopg.AsyncConnection`",
    ),
    "psycopg.Connection": (
        frozenset({"execute", "commit", "rollback", "cancel", *_TPC}),
        "`psycopg.AsyncConnection`",
    ),
    "psycopg.Cursor": (frozenset({"execute", "executemany", "copy", "stream"}),
                       "`psycopg.AsyncConnection`"),
    "sqlite3.Connection": (
        frozenset({"execute", "executemany", "executescript", "commit", "rollback", "backup"}),
        "`aiosqlite`",
    ),
    "sqlite3.Cursor": (frozenset({"execute", "executemany", "executescript"}), "`aiosqlite`"),
    "pymysql.Connection": (
        frozenset({"commit", "rollback", "begin", "ping", "select_db", "autocommit",
                   "show_warnings"}),
        "`aiomysql`",
    ),
    "pymysql.cursors.Cursor": (_DBAPI_CURSOR_IO, "`aiomysql`"),
    "mysql.connector.Connection": (
        frozenset({"commit", "rollback", "ping", "reconnect", "start_transaction",
                   "cmd_query", "cmd_query_iter"}),
        "`aiomysql`",
    ),
    "mysql.connector.cursor": (_DBAPI_CURSOR_IO, "`aiomysql`"),
    "pymongo.MongoClient": (
        frozenset({"server_info", "list_database_names", "list_databases", "drop_database"}),
        "`pymongo.AsyncMongoClient`",
    ),
    "pymongo.database.Database": (
        frozenset({"command", "cursor_command", "list_collection_names", "list_collections",
                   "create_collection", "drop_collection", "validate_collection",
                   "dereference", "aggregate"}),
        "`pymongo.AsyncMongoClient`",
    ),
    # find() returns a lazy cursor: its reads are reported, not find() itself.
    "pymongo.collection.Collection": (
        frozenset({"find_one", "insert_one", "insert_many", "update_one", "update_many",
                   "replace_one", "delete_one", "delete_many", "count_documents",
                   "estimated_document_count", "aggregate", "aggregate_raw_batches",
                   "distinct", "bulk_write", "find_one_and_update", "find_one_and_replace",
                   "find_one_and_delete", "create_index", "create_indexes", "drop_index",
                   "drop_indexes", "drop", "list_indexes", "index_information", "rename",
                   "watch", "options"}),
        "`pymongo.AsyncMongoClient`",
    ),
    "pymongo.cursor.Cursor": (frozenset({"to_list", "next", "explain", "distinct"}),
                              "`pymongo.AsyncMongoClient`"),
}

# What a worker thread may call: pymongo's client, databases and collections are
# thread-safe. Sessions, connections and cursors (SQLAlchemy, DB-API drivers) belong to
# one thread at a time, and a sqlite3 connection refuses any other thread.
_THREAD_SAFE = frozenset({"pymongo.MongoClient", "pymongo.database.Database",
                          "pymongo.collection.Collection"})
# pymongo methods that return a cursor: its iteration blocks again.
_RETURNS_A_CURSOR = frozenset({"aggregate", "aggregate_raw_batches", "watch", "list_indexes",
                               "list_collections", "list_databases", "cursor_command"})
_METHOD_NAMES = frozenset(name for methods, _ in _METHODS.values() for name in methods)

# Functions that connect or run statements.
_FUNCTIONS: dict[str, str] = {
    "psycopg2.connect": "`asyncpg` or `psycopg.AsyncConnection`",
    "psycopg2.extras.execute_values": "`asyncpg` or `psycopg.AsyncConnection`",
    "psycopg2.extras.execute_batch": "`asyncpg` or `psycopg.AsyncConnection`",
    "psycopg.connect": "`psycopg.AsyncConnection`",
    "psycopg.Connection.connect": "`psycopg.AsyncConnection`",
    "sqlite3.connect": "`aiosqlite`",
    "pymysql.connect": "`aiomysql`",
    "pymysql.Connect": "`aiomysql`",
    "MySQLdb.connect": "`aiomysql`",
    "MySQLdb.Connect": "`aiomysql`",
    "mysql.connector.connect": "`aiomysql`",
    "mysql.connector.Connect": "`aiomysql`",
}


class SyncDatabaseCall(BlockingCallRule):
    """
    ## What it does
    Finds calls, in the body of an `async def`, that wait for a database through a
    synchronous API:

    - a SQLAlchemy or SQLModel `Session` (or `scoped_session`): `execute()`,
      `scalar(s)()`, `get()`, `commit()`, `flush()`, `refresh()`, `merge()`, `delete()`,
      `close()` and the other methods that `AsyncSession` makes awaitable, and the
      call that runs a `query(...)` chain (`.first()`, `.all()`, `.one()`, `.count()`,
      `.update()` ...), reported once per chain;
    - a sync `Engine` (`connect()`, `begin()`) and `Connection` (`execute()`, `commit()` ...);
    - DB-API drivers: `psycopg2`, `psycopg` (sync), `sqlite3`, `pymysql`/`MySQLdb` and
      `mysql.connector` connections (`connect()`, `commit()` ...) and cursors
      (`execute()`, `executemany()`, `callproc()`, `copy_*()`);
    - `pymongo` clients, databases, collections (`find_one()`, `insert_one()`,
      `update_many()`, `aggregate()` ...) and the reads of a `find()` cursor (`to_list()`).

    The session's type is taken from the source: `db: Session = Depends(get_db)`,
    `Annotated[Session, Depends(get_db)]` and aliases of it, an unannotated
    `Depends(get_db)` whose provider yields a session, `SessionLocal = sessionmaker(...)`
    then `SessionLocal()` or `with SessionLocal() as db`, annotations and `self.`
    attributes. `AsyncSession`, `async_sessionmaker`, `asyncpg`, `motor` and
    `AsyncMongoClient` objects are never reported, awaited or not.

    ## Why is this bad?
    A query waits for the network and for the database to plan, lock and return rows.
    In an `async def` that wait happens on the event loop thread, so every other request
    of the process waits with it: one slow query makes the whole service slow. FastAPI
    runs plain `def` routes in a thread pool, so a sync session there is fine; in an
    `async def` route it is not.

    ## Example
    ```python
    from fastapi import Depends
    from sqlalchemy.orm import Session

    from .db import get_db
    from .models import User


    async def read_user(user_id: int, db: Session = Depends(get_db)):
        return db.query(User).filter(User.id == user_id).first()
    ```

    ## Use instead
    ```python
    from fastapi import Depends
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import get_async_db
    from .models import User


    async def read_user(user_id: int, db: AsyncSession = Depends(get_async_db)):
        return await db.scalar(select(User).where(User.id == user_id))
    ```

    Or keep the sync session and declare the route with `def`: FastAPI then runs it in
    its thread pool. `fetchone()`, `fetchall()` and `fetchmany()` are not reported: the
    `execute()` before them is, and with the usual client-side cursors the rows are
    already in memory.

    ## Fix
    Only for `pymongo`, whose clients, databases and collections are thread-safe: the
    call runs in a worker thread, `users.find_one(query)` becoming
    `await asyncio.to_thread(users.find_one, query)` (with `anyio` or `trio`:
    `await anyio.to_thread.run_sync(...)`, keyword arguments through
    `functools.partial`), and the imports it needs are added. Unsafe: the query then
    runs in another thread, with a copy of the task's
    context variables (what it sets there is lost). Not offered for the
    methods that return a cursor (`aggregate()`, `watch()`, `list_collections()` ...),
    whose iteration blocks again.

    Never offered for SQLAlchemy and SQLModel sessions, engines and connections, nor
    DB-API connections and cursors: these belong to one thread at a time (a `sqlite3`
    connection refuses any other), and the rest of the route keeps using them on the
    event loop's thread. Use the async session or driver the message names, or a plain
    `def` route.
    """

    code = "ASR106"
    name = "sync-database-call-in-async-function"
    message = "`{}()` blocks the event loop on database I/O: use {} or a plain `def` route"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = (
        "async",
        ("sqlalchemy", "mysql", "psycopg", "sqlite3", "MySQLdb", "pymysql", "pymongo",
         "sqlmodel"),
    )

    def call_names(self) -> CallNames:
        return CallNames(qualified=frozenset(_FUNCTIONS), methods=_METHOD_NAMES)

    def match(self, call: ast.Call, context: Context,
              chain: ScopeChain | None = None) -> str | None:
        callee = context.callee(call, chain)
        if callee.qualified is not None:
            return callee.qualified if callee.qualified in _FUNCTIONS else None
        if callee.receiver is None or callee.method is None:
            return None
        found = _METHODS.get(callee.receiver)
        return callee.name if found is not None and callee.method in found[0] else None

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        return (context.source_segment(node.func), _suggestion(matched))

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return matched.rpartition(".")[0] in _THREAD_SAFE

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        return matched.rpartition(".")[2] not in _RETURNS_A_CURSOR


def _suggestion(matched: str) -> str:
    if matched in _FUNCTIONS:
        return _FUNCTIONS[matched]
    receiver = matched.rpartition(".")[0]
    return _METHODS[receiver][1] if receiver in _METHODS else "an async driver"
