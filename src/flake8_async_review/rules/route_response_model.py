"""ASR904 (opt-in): a route that declares no response model."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import route_decorators

# A response model, or a response class that says what the body is (HTML, a file, a
# redirect).
_MODEL_KEYWORDS = frozenset({"response_model", "response_class"})


class RouteWithoutResponseModel(Rule):
    """
    ## What it does
    Finds a route (`@app.get(...)`, `@router.post(...)`, `api_route`, ... on a known
    `FastAPI` or `APIRouter`) with neither `response_model=` in its decorator nor a
    return annotation. Routes that set `response_class=` (HTML, files, redirects) or
    `include_in_schema=False`, and WebSocket routes, are not reported. Opt-in: select
    `ASR904` to enable it.

    ## Why is this bad?
    Without a response model FastAPI serialises whatever the handler returns: a field
    added to the ORM model (a password hash, an internal flag) reaches clients
    unnoticed, and the OpenAPI document describes the response as "any", so generated
    clients are untyped.

    ## Example
    ```python
    from fastapi import FastAPI

    from .store import load_user

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def get_user(user_id: int):
        return await load_user(user_id)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    from .store import load_user

    app = FastAPI()


    class UserOut(BaseModel):
        id: int
        email: str


    @app.get("/users/{user_id}", response_model=UserOut)
    async def get_user(user_id: int):
        return await load_user(user_id)
    ```
    """

    code = "ASR904"
    name = "route-without-response-model"
    message = ("route `{}` declares no response model: add `response_model=` or a "
               "return annotation")
    severity = Severity.LOW
    required_text = (("FastAPI", "APIRouter"),)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                          context: Context) -> None:
        if node.returns is not None:
            return
        decorators = route_decorators(node, context)
        if not decorators:
            return
        if any(isinstance(d.func, ast.Attribute) and d.func.attr == "websocket"
               for d in decorators):
            return
        if any(k.arg in _MODEL_KEYWORDS for d in decorators for k in d.keywords):
            return
        if any(k.arg == "include_in_schema" and isinstance(k.value, ast.Constant)
               and k.value.value is False for d in decorators for k in d.keywords):
            return
        context.report(self, node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef
