"""ASR505: the caught exception sent to the client in an HTTPException's detail."""

from __future__ import annotations

import ast
from http import HTTPStatus

from ..analysis.facts import FileFacts
from ..analysis.nodes import child_nodes, walk
from ..engine.context import Context
from ..engine.fixes import (
    alone_on_its_lines,
    insert_before,
    replace_node,
)
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.handlers import BARE, BASE_EXCEPTION, EXCEPTION, caught_names
from .common.loggers import clause_logger_calls, logger_for_fix

_HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                              "starlette.exceptions.HTTPException",
                              "fastapi.WebSocketException",
                              "starlette.exceptions.WebSocketException"})
_EXCEPTION_NAMES = frozenset(name.rpartition(".")[2] for name in _HTTP_EXCEPTIONS)
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

    ## Fix
    The detail becomes the status code's standard phrase (`"Bad Gateway"` for 502,
    `"Internal Server Error"` when the code is not a literal, `"Internal error"` for a
    WebSocket close reason), and the exception, with its traceback, goes to the log
    instead: `logger.exception("pay failed")` (the function's name) is added before the
    `raise`. The logger is the module's own (`logger = logging.getLogger(__name__)`, a
    structlog or loguru logger); a module without one gets
    `logger = logging.getLogger(__name__)` after its imports (and `import logging`), so
    that the information the client no longer sees is not lost. A clause that already
    logs the exception (`logger.exception(...)`, `exc_info=`, or a logging call given
    the exception, `logger.warning("failed: %s", e)`) only gets the new detail.
    A detail that is a dict, list or tuple (a structured body the client parses) is
    left alone, as is an `HTTPException` that is not raised where it is built, or a
    `raise` that shares its line with another statement.

    The fix is unsafe: clients see another text, and one that parsed the old one
    breaks. Write a message that says what failed for the client, if the phrase says
    too little.
    """

    code = "ASR505"
    name = "exception-detail-in-http-response"
    message = ("`{}()` sends the caught exception `{}` to the client: log it and "
               "return a stable message")
    severity = Severity.MEDIUM
    fix_safety = "unsafe"
    required_text = ("HTTPException", "except")

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        return _EXCEPTION_NAMES | context.renamings(_EXCEPTION_NAMES)

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
                fix = _fix(node, detail, handler, context) if context.fixes_wanted else None
                context.report(self, node, context.source_segment(node.func), used, fix=fix)
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
    for node in walk(detail):
        for child in child_nodes(node):
            parents[id(child)] = node
    used: list[str] = []
    for node in walk(detail):
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


# -- the fix -----------------------------------------------------------------------------



def _fix(call: ast.Call, detail: ast.expr, handler: ast.ExceptHandler, context: Context) -> Fix | None:
    statement = context.parent
    if not (isinstance(statement, ast.Raise) and statement.exc is call):
        return None
    if isinstance(detail, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.DictComp, ast.ListComp)):
        return None
    if not alone_on_its_lines(context, statement):
        return None
    edits: list[Edit] = [replace_node(context, detail, f'"{_generic_detail(call, context)}"')]
    if not _logs_exception(handler, context):
        log = _log_edits(statement, context)
        if log is None:
            return None
        edits += log
    return Fix(edits=tuple(edits), safe=False,
               description="Log the exception and send a generic detail")


def _generic_detail(call: ast.Call, context: Context) -> str:
    if "WebSocket" in (context.qualified_name(call.func) or ""):
        return "Internal error"
    status: ast.expr | None = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "status_code":
            status = keyword.value
    if isinstance(status, ast.Constant) and type(status.value) is int:
        try:
            return HTTPStatus(status.value).phrase
        except ValueError:
            pass
    elif isinstance(status, ast.Attribute):
        # `status.HTTP_502_BAD_GATEWAY`, `HTTPStatus.BAD_GATEWAY`.
        qualified = context.qualified_name(status) or ""
        name = qualified.rpartition(".")[2]
        code = name.split("_")[1] if name.startswith("HTTP_") else None
        if code is not None and code.isdigit():
            try:
                return HTTPStatus(int(code)).phrase
            except ValueError:
                pass
        if qualified.startswith("http.HTTPStatus.") and name in HTTPStatus.__members__:
            return HTTPStatus[name].phrase
    return "Internal Server Error"


def _logs_exception(handler: ast.ExceptHandler, context: Context) -> bool:
    """A logging call of the clause already logs the exception: its traceback
    (``logger.exception()``, ``exc_info=``), or its text (``logger.warning("%s", e)``)."""
    for node, call in clause_logger_calls(handler, context):
        if call.method == "exception" or any(k.arg in ("exc_info", "exception") for k in node.keywords):
            return True
        if handler.name and any(isinstance(n, ast.Name) and n.id == handler.name
                                for argument in node.args for n in walk(argument)):
            return True
    return False


def _log_edits(statement: ast.Raise, context: Context) -> list[Edit] | None:
    """The edits that log the exception before ``statement``: a call of the module's
    logger, bound if need be."""
    function = context.enclosing_function
    if function is None:
        return None
    what = getattr(function, "name", None) or "request"
    first = context.lines[statement.lineno - 1]
    indent = first[: context.char_col(statement.lineno, statement.col_offset)]
    found = logger_for_fix(context)
    if found is None:
        return None
    logger, edits = found
    edits.append(insert_before(context, statement, f'{logger.name}.exception("{what} failed")\n{indent}'))
    return edits
