"""ASR505: the caught exception sent to the client in an HTTPException's detail."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Rule, Severity

_HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                              "starlette.exceptions.HTTPException",
                              "fastapi.WebSocketException",
                              "starlette.exceptions.WebSocketException"})
# Attributes of an exception that are (or hold) its message.
_MESSAGE_ATTRIBUTES = frozenset({"args", "message", "msg", "strerror", "orig"})


class ExceptionDetailInHttpResponse(Rule):
    """
    ## What it does
    Finds `HTTPException(..., detail=...)` raised in an `except ... as e:` handler where
    the detail is built from the caught exception: `str(e)`, `repr(e)`, `f"...{e}"`,
    `e.args`, or `e` itself. `fastapi.HTTPException` and
    `starlette.exceptions.HTTPException` are recognised in any import form. Attributes
    such as `e.errors()` or `e.detail`, which a library provides for clients, are not
    reported.

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
        used = _exception_use(detail, names)
        if used is not None:
            context.report(self, node, context.source_segment(node.func), used)


def _detail(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in {"detail", "reason"}:
            return keyword.value
    return call.args[1] if len(call.args) >= 2 else None


def _exception_use(detail: ast.expr, names: set[str]) -> str | None:
    """The name of a caught exception the detail is built from, if any: used as a
    value, or through one of its message attributes; not through other attributes or
    methods (``e.errors()``, ``e.status_code``)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(detail):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(detail):
        if not (isinstance(node, ast.Name) and node.id in names
                and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr not in _MESSAGE_ATTRIBUTES:
            continue
        return node.id
    return None
