"""ASR503: a logging call or ``print`` scheduled as the background task."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import task_call
from .common.loggers import logging_function


class LoggingCallAsBackgroundTask(Rule):
    """
    ## What it does
    Finds a background task whose function is a logging call or `print`:
    `background_tasks.add_task(logger.info, "sending email")` or
    `BackgroundTask(print, ...)`. Loggers are `logging` itself, names bound from
    `logging.getLogger()` or `structlog.get_logger()`, and loguru's `logger`.

    ## Why is this bad?
    The task logs that the work happens, but the work itself was never scheduled: the
    e-mail is not sent, the report is not built. Usually the real function was
    replaced by a log line while debugging, or the log call was meant to go next to
    the `add_task()`, not inside it.

    ## Example
    ```python
    import logging

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/signup")
    async def signup(email: str, tasks: BackgroundTasks):
        tasks.add_task(logger.info, "sending welcome e-mail to %s", email)
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import BackgroundTasks, FastAPI

    from .mail import send_welcome

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/signup")
    async def signup(email: str, tasks: BackgroundTasks):
        logger.info("sending welcome e-mail to %s", email)
        tasks.add_task(send_welcome, email)
    ```
    """

    code = "ASR503"
    name = "logging-call-as-background-task"
    message = ("`{}()` schedules `{}` as the background task, so the work itself never "
               "runs: schedule the function that does the work")
    severity = Severity.MEDIUM
    required_text = ("BackgroundTask",)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        task = task_call(node, context)
        if task is None or task.function is None:
            return
        if self._is_logging(task.function, context):
            context.report(self, task.function, context.source_segment(node.func),
                           context.source_segment(task.function))

    @staticmethod
    def _is_logging(function: ast.expr, context: Context) -> bool:
        if context.qualified_name(function) == "builtins.print":
            return True
        return logging_function(function, context) is not None
