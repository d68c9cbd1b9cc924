"""ASR502: an ORM instance loaded in a route handed to a background task."""

from __future__ import annotations

import ast

from ..analysis.facts import FileFacts
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import (
    enclosing_route,
    orm_instances,
    sessions_close_before_tasks,
    task_call,
    task_callee_names,
)

_DETACHED = "detached once the request's session closes"
_BOUND = "still bound to the request's session"


class OrmObjectPassedToBackgroundTask(Rule):
    """
    ## What it does
    Finds a route that passes an ORM instance to a background task: a name bound from
    `db.get(Model, id)`, `db.query(Model)....first()` (or `one()`, `one_or_none()`,
    `scalar()`, `all()`), `(await db.execute(select(Model)...)).scalar_one()` and its
    relatives (also through a `result` name), `await db.scalar(select(Model)...)`, or
    an object the route `db.add()`-ed. `db` is
    a SQLAlchemy or SQLModel session the route has: its dependency or one it opened.

    ## Why is this bad?
    The task runs after the response is sent. From FastAPI 0.106.0 to 0.117.x the
    session that loaded the object is closed by then: the object is detached, reading
    an expired or lazy-loaded attribute raises `DetachedInstanceError`, and changes
    made to it are never saved. Before 0.106.0 and since 0.118.0 the session is closed
    after the task: the object is still bound to the request's session, so lazy loads
    go through that session from the task (a sync task runs in a worker thread), and
    the task's own session cannot `add()` it (it is attached to another session).
    Passing `obj.id` and loading the object in the task's own session is safe. The
    message says which of the two the project gets, from the FastAPI version of its
    lock file or version constraints (an unknown version is taken to be a current one).

    ## Example
    ```python
    from fastapi import APIRouter, BackgroundTasks, Depends
    from sqlalchemy.orm import Session

    from .db import get_db
    from .mail import send_receipt
    from .models import Order

    router = APIRouter()


    @router.post("/orders/{order_id}/receipt")
    def send(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
        order = db.get(Order, order_id)
        tasks.add_task(send_receipt, order)
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, BackgroundTasks, Depends
    from sqlalchemy.orm import Session

    from .db import get_db
    from .mail import send_receipt
    from .models import Order

    router = APIRouter()


    @router.post("/orders/{order_id}/receipt")
    def send(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
        order = db.get(Order, order_id)
        tasks.add_task(send_receipt, order.id)
    ```

    ## Fix
    No fix is offered: passing the id instead of the object changes the task's
    signature and its body, which must load the object again in a session of its own;
    which query does that, and with which session, is the project's choice.
    """

    code = "ASR502"
    name = "orm-object-passed-to-background-task"
    message = "`{}()` receives the ORM object `{}`, {}: pass its id and load it in the task"
    severity = Severity.HIGH
    required_text = ("BackgroundTask", ("session", "Session"))

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        return task_callee_names(context)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        task = task_call(node, context)
        if task is None:
            return
        route = enclosing_route(context)
        if route is None:
            return
        names = [a for a in task.arguments if isinstance(a, ast.Name)]
        if not names:
            return
        instances = orm_instances(route, context, context.scope_nodes)
        for argument in names:
            if argument.id in instances:
                state = _DETACHED if sessions_close_before_tasks(context) else _BOUND
                context.report(self, argument, context.source_segment(node.func), argument.id, state)
