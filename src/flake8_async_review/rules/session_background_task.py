"""ASR501: the request's database session handed to a background task."""

from __future__ import annotations

import ast

from ..analysis.facts import FileFacts
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import (
    enclosing_route,
    request_sessions,
    sessions_close_before_tasks,
    task_call,
    task_callee_names,
)

_CLOSED = "closed before the task runs"
_KEPT_OPEN = "kept open with its connection until the task ends"


class SessionPassedToBackgroundTask(Rule):
    """
    ## What it does
    Finds a route that passes its database session to a background task:
    `background_tasks.add_task(fn, db)` or `BackgroundTask(fn, db_session=db)`, where
    `db` is a route parameter declared with `Depends(...)` (as its default or in
    `Annotated` metadata, also through an alias such as `DbSession`) whose type is a
    SQLAlchemy or SQLModel session, or a name bound from such a parameter.

    ## Why is this bad?
    Background tasks run after the response is sent. From FastAPI 0.106.0 to 0.117.x,
    FastAPI has by then run the dependency's cleanup after its `yield`, which closes
    the session (and returns its connection to the pool). The task then works on a
    closed session: queries reopen a connection outside the dependency's control,
    objects are detached, and commits may silently go nowhere. The bug only shows under
    load or when the task touches lazy attributes.

    Before 0.106.0 and since 0.118.0 the cleanup runs after the background tasks: the
    session stays open, and holds its pooled connection, for as long as the task runs,
    used by the task after the request is done (a sync task uses it from a worker
    thread). A slow task then keeps a connection per request; under load the pool runs
    dry. The message says which of the two the project gets: the FastAPI version is read
    from its lock file (`uv.lock`, `poetry.lock`, `pdm.lock`) or from the version
    constraints it declares, and an unknown version is taken to be a current one.

    ## Example
    ```python
    from fastapi import APIRouter, BackgroundTasks, Depends
    from sqlalchemy.orm import Session

    from .db import get_db
    from .mail import send_receipt

    router = APIRouter()


    @router.post("/orders/{order_id}/receipt")
    def send(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
        tasks.add_task(send_receipt, db, order_id)
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, BackgroundTasks

    from .mail import send_receipt

    router = APIRouter()


    @router.post("/orders/{order_id}/receipt")
    def send(order_id: int, tasks: BackgroundTasks):
        # send_receipt opens its own session: `with SessionLocal() as db: ...`
        tasks.add_task(send_receipt, order_id)
    ```

    ## Fix
    No fix is offered: the task needs a session of its own, and how to open one
    (`async with SessionLocal() as session:`, a `sessionmaker` of the project, a context
    manager helper) and what to pass instead of the session's objects (their ids) is the
    project's choice, not a mechanical rewrite.
    """

    code = "ASR501"
    name = "session-passed-to-background-task"
    message = ("`{}()` receives the request's database session `{}`, {}: pass ids and "
               "open a new session in the task")
    severity = Severity.HIGH
    required_text = ("BackgroundTask", "Depends")

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        return task_callee_names(context)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        task = task_call(node, context)
        if task is None:
            return
        route = enclosing_route(context)
        if route is None:
            return
        sessions = request_sessions(route, context, context.scope_nodes)
        for argument in task.arguments:
            if isinstance(argument, ast.Name) and argument.id in sessions:
                when = _CLOSED if sessions_close_before_tasks(context) else _KEPT_OPEN
                context.report(self, argument, context.source_segment(node.func), argument.id, when)
