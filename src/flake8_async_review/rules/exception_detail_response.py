"""ASR505: the caught exception sent to the client in an HTTPException's detail."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.handlers import BARE, BASE_EXCEPTION, EXCEPTION, caught_names

_HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                              "starlette.exceptions.HTTPException",
                              "fastapi.WebSocketException",
                              "starlette.exceptions.WebSocketException"})
# Attributes of an exception that are (or hold) its message. Not `strerror`: an
# `OSError`'s errno text ("No such file or directory"), without the file name.
_MESSAGE_ATTRIBUTES = frozenset({"args", "message", "msg", "orig"})
# Clauses whose exception can be anything the code below raised.
_BROAD = frozenset({BARE, BASE_EXCEPTION, EXCEPTION})
# Exceptions whose text holds internals: file paths and addresses (the OSError family,
# but not `PermissionError`, which applications raise for their own "not allowed").
_INTERNAL_BUILTINS = frozenset(f"builtins.{name}" for name in (
    "OSError", "IOError", "EnvironmentError", "FileNotFoundError", "FileExistsError",
    "IsADirectoryError", "NotADirectoryError", "ConnectionError", "ConnectionRefusedError",
))
# Packages whose exceptions hold SQL, parameters, hosts or command lines.
_INTERNAL_PACKAGES = frozenset({
    "sqlalchemy", "psycopg", "psycopg2", "asyncpg", "aiopg", "pymysql", "aiomysql", "asyncmy",
    "MySQLdb", "sqlite3", "aiosqlite", "pymongo", "motor", "redis", "aioredis", "peewee",
    "tortoise", "elasticsearch", "cassandra", "neo4j", "clickhouse_driver", "subprocess",
})


class ExceptionDetailInHttpResponse(Rule):
    """
    ## What it does
    Finds `HTTPException(..., detail=...)` raised in an `except ... as e:` handler where
    the detail is built from the caught exception: `str(e)`, `repr(e)`, `f"...{e}"`,
    `e.args`, or `e` itself. `fastapi.HTTPException` and
    `starlette.exceptions.HTTPException` are recognised in any import form. Attributes
    such as `e.errors()`, `e.detail` or `e.strerror`, which hold no internals, are not
    reported, nor is an exception handed to another function (`describe(e)`,
    `ERROR_MESSAGES.DEFAULT(e, "failed")`): what the client reads is that function's
    choice (`str()`, `repr()`, `format()` and `"...".format()` pass the text on).

    Only handlers whose exception may carry internals are reported:

    * a broad one: `except Exception`, `except BaseException`, or a tuple with one of
      them: the exception can come from anywhere below;
    * a database or driver error (`sqlalchemy.exc`, `psycopg2`, `psycopg`, `asyncpg`,
      `pymongo`, `redis`, `sqlite3`, ...), whose text holds SQL statements, parameters
      and host names;
    * the `OSError` family (`OSError`, `FileNotFoundError`, `ConnectionError`, ...),
      whose text holds file paths and addresses, and `subprocess` errors, which hold
      the command line.

    Any other narrow handler (the project's own exceptions, `ValueError`, `KeyError`,
    `PermissionError`, pydantic's or jsonschema's `ValidationError`) is taken to catch
    an error whose message the code wrote for the client, and is not reported.

    ## Why is this bad?
    The text of an internal exception is written for developers: it can hold SQL
    statements and parameters, file paths, host names, driver versions or other
    users' data. Sent as the response detail it leaks to every client, and clients
    start to depend on messages that change with each library upgrade.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    from .payments import charge

    app = FastAPI()


    @app.post("/orders/{order_id}/pay")
    async def pay(order_id: int):
        try:
            await charge(order_id)
        except Exception as e:
            raise HTTPException(status_code=502, detail=str(e))
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI, HTTPException

    from .payments import charge

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/orders/{order_id}/pay")
    async def pay(order_id: int):
        try:
            await charge(order_id)
        except Exception as e:
            logger.exception("payment failed for order %s", order_id)
            raise HTTPException(status_code=502, detail="payment failed") from e
    ```
    """

    code = "ASR505"
    name = "exception-detail-in-http-response"
    message = ("`{}()` sends the caught exception `{}` to the client: log it and "
               "return a stable message")
    severity = Severity.MEDIUM
    required_text = ("HTTPException", "except")

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        handlers = context.enclosing_handlers(node)
        names = {handler.name for handler in handlers if handler.name}
        if not names:
            return
        if context.qualified_name(node.func) not in _HTTP_EXCEPTIONS:
            return
        detail = _detail(node)
        if detail is None:
            return
        for used in _exception_uses(detail, names, context):
            # The innermost clause that binds the name is the one the detail sees.
            handler = next(h for h in reversed(handlers) if h.name == used)
            if _carries_internals(caught_names(handler, context)):
                context.report(self, node, context.source_segment(node.func), used)
                return


_TEXT_CALLS = frozenset({"builtins.str", "builtins.repr", "builtins.format"})


def _detail(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in {"detail", "reason"}:
            return keyword.value
    return call.args[1] if len(call.args) >= 2 else None


def _exception_uses(detail: ast.expr, names: set[str], context: Context) -> list[str]:
    """The names of the caught exceptions the detail is built from, in order: used as a
    value, or through one of their message attributes; not through other attributes or
    methods (``e.errors()``, ``e.status_code``)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(detail):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    used: list[str] = []
    for node in ast.walk(detail):
        if not (isinstance(node, ast.Name) and node.id in names
                and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr not in _MESSAGE_ATTRIBUTES:
            continue
        if _through_unknown_call(node, parents, context):
            continue
        if node.id not in used:
            used.append(node.id)
    return used


def _through_unknown_call(node: ast.AST, parents: dict[int, ast.AST], context: Context) -> bool:
    """The exception reaches the detail as an argument of a call that may make anything
    of it (``ERROR_MESSAGES.DEFAULT(e, "failed")``): only ``str()``, ``repr()``,
    ``format()`` and a string's ``.format()`` are known to pass its text on."""
    child, parent = node, parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.Call) and child is not parent.func:
            func = parent.func
            passes_text = (
                context.qualified_name(func) in _TEXT_CALLS
                or (isinstance(func, ast.Attribute) and func.attr == "format"
                    and isinstance(func.value, (ast.Constant, ast.JoinedStr)))
            )
            if not passes_text:
                return True
        child, parent = parent, parents.get(id(parent))
    return False


def _carries_internals(caught: set[str]) -> bool:
    """The clause catches something broad, or an exception whose text holds internals."""
    return any(
        name in _BROAD or name in _INTERNAL_BUILTINS
        or name.partition(".")[0] in _INTERNAL_PACKAGES
        or name.startswith("django.db.")
        for name in caught
    )
