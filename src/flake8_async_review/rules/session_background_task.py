"""ASR501: the request's database session handed to a background task."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import enclosing_route, request_sessions, task_call


class SessionPassedToBackgroundTask(Rule):
    """
    ## What it does
    Finds a route that passes its database session to a background task:
    `background_tasks.add_task(fn, db)` or `BackgroundTask(fn, db_session=db)`, where
    `db` is a route parameter declared with `Depends(...)` (as its default or in
    `Annotated` metadata, also through an alias such as `DbSession`) whose type is a
    SQLAlchemy or SQLModel session, or a name bound from such a parameter.

    ## Why is this bad?
    Background tasks run after the response is sent. By then FastAPI has run the
    dependency's cleanup after its `yield`, which closes the session (and returns its
    connection to the pool). The task then works on a closed session: queries reopen a
    connection outside the dependency's control, objects are detached, and commits may
    silently go nowhere. The bug only shows under load or when the task touches lazy
    attributes.

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
    """

    code = "ASR501"
    name = "session-passed-to-background-task"
    message = ("`{}()` receives the request's database session `{}`, closed before the "
               "task runs: pass ids and open a new session in the task")
    severity = Severity.HIGH
    required_text = ("BackgroundTask", "Depends")

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
                context.report(self, argument, context.source_segment(node.func), argument.id)
