"""ASR504: a route parses the request body by hand instead of declaring a model."""

from __future__ import annotations

import ast

from ..analysis.nodes import child_nodes, walk
from ..analysis.scopes import own_nodes
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import RouteNode, enclosing_route, request_parameters

_PARSERS = frozenset({"json", "form"})


class ManualRequestBodyParsing(Rule):
    """
    ## What it does
    Finds a route that reads `await request.json()` or `await request.form()` (where
    `request` is annotated `fastapi.Request` or `starlette.requests.Request`) and
    indexes the result or calls `.get()` on it, directly or through a name bound to it.
    Routes that also read `request.body()` or `request.headers` are left alone: a
    webhook reads the raw body and a signature header to verify the payload.

    ## Why is this bad?
    Nothing validates the body: a missing key raises `KeyError` and a wrong type fails
    somewhere later, both as a 500 with a traceback instead of a 422 naming the bad
    field. The route's schema is missing from the OpenAPI document, so clients cannot
    know what to send.

    ## Example
    ```python
    from fastapi import FastAPI, Request

    app = FastAPI()


    @app.post("/orders")
    async def create_order(request: Request):
        data = await request.json()
        return {"email": data["email"], "total": data["total_cents"]}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class OrderIn(BaseModel):
        email: str
        total_cents: int


    @app.post("/orders")
    async def create_order(order: OrderIn):
        return {"email": order.email, "total": order.total_cents}
    ```

    ## Fix
    No fix is offered: the replacement is a pydantic model of the request body,
    with a type for each field, which the code that reads the dict cannot tell; writing
    that model is not a mechanical rewrite.
    """

    code = "ASR504"
    name = "manual-request-body-parsing"
    message = ("`{}()` is parsed and read by hand: declare a Pydantic model parameter "
               "(validated, 422 on bad input)")
    severity = Severity.MEDIUM
    required_text = ("Request", ("form", "json"))
    # `await` runs only in an `async def` body (anywhere else Python refuses to compile
    # it): the walk need not enter the expressions of other code for this rule.
    async_bodies_only = True

    def visit_Await(self, node: ast.Await, context: Context) -> None:
        if not context.in_async_function:
            return
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in _PARSERS and isinstance(call.func.value, ast.Name)
                and not call.args and not call.keywords):
            return
        route = enclosing_route(context)
        if route is None:
            return
        request = call.func.value.id
        if request not in request_parameters(route, context, context.scope_nodes):
            return
        if _verifies_signature(route, request):
            return
        if _is_read(node, context.parent) or _bound_and_read(node, context, route):
            context.report(self, node, context.source_segment(call.func))


def _is_read(value: ast.AST, parent: ast.AST | None) -> bool:
    """``value[...]`` or ``value.get(...)``."""
    if isinstance(parent, ast.Subscript) and parent.value is value:
        return True
    return isinstance(parent, ast.Attribute) and parent.value is value and parent.attr == "get"


def _bound_and_read(node: ast.Await, context: Context, route: RouteNode) -> bool:
    """``data = await request.json()`` and, later in the route, ``data[...]`` or
    ``data.get(...)``, where ``data`` is bound nowhere else."""
    statement = context.parent
    if (isinstance(statement, ast.Assign) and statement.value is node
            and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)):
        name = statement.targets[0].id
    elif (isinstance(statement, ast.AnnAssign) and statement.value is node
            and isinstance(statement.target, ast.Name)):
        name = statement.target.id
    else:
        return False
    stores = 0
    parents: dict[int, ast.AST] = {}
    uses: list[ast.Name] = []
    for candidate in own_nodes(route):
        for child in child_nodes(candidate):
            parents[id(child)] = candidate
        if isinstance(candidate, ast.Name) and candidate.id == name:
            if isinstance(candidate.ctx, ast.Load):
                uses.append(candidate)
            else:
                stores += 1
    if stores != 1:
        return False
    return any(_is_read(use, parents.get(id(use))) for use in uses)


def _verifies_signature(route: RouteNode, request: str) -> bool:
    """The route also reads ``request.body()`` or ``request.headers``, or declares a
    ``Header(...)`` parameter (webhooks verify a signature over the raw body)."""
    for node in walk(route.args):
        if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "Header")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "Header")):
            return True
    for node in walk(route):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == request and node.attr in {"body", "headers", "stream"}):
            return True
    return False
