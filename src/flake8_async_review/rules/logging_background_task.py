"""ASR503: a logging call or ``print`` scheduled as the background task."""

from __future__ import annotations

import ast

from ..analysis.facts import FileFacts
from ..engine.context import Context
from ..engine.fixes import replace_node
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.fastapi_routes import task_call, task_callee_names
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

    ## Fix
    A statement `tasks.add_task(logger.info, "sending %s", email)` becomes
    `logger.info("sending %s", email)`: the message is logged at once and nothing is
    scheduled. The fix is safe: the same call runs, only earlier (a background task
    runs after the response is sent). Scheduling the real work is left to you. No fix
    is offered for `print` (ASR301 would report it), for `BackgroundTask(...)`, or for
    a function passed as `func=`.
    """

    code = "ASR503"
    name = "logging-call-as-background-task"
    message = ("`{}()` schedules `{}` as the background task, so the work itself never "
               "runs: schedule the function that does the work")
    severity = Severity.MEDIUM
    fix_safety = "safe"
    required_text = ("BackgroundTask",)

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        return task_callee_names(context)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        task = task_call(node, context)
        if task is None or task.function is None:
            return
        if self._is_logging(task.function, context):
            context.report(self, task.function, context.source_segment(node.func),
                           context.source_segment(task.function),
                           fix=_log_directly(node, task.function, context)
                           if context.fixes_wanted else None)

    @staticmethod
    def _is_logging(function: ast.expr, context: Context) -> bool:
        if context.qualified_name(function) == "builtins.print":
            return True
        return logging_function(function, context) is not None


def _log_directly(node: ast.Call, function: ast.expr, context: Context) -> Fix | None:
    """``tasks.add_task(logger.info, "x", a)`` as a statement becomes
    ``logger.info("x", a)``; the arguments and the comments among them keep their text."""
    if not (isinstance(node.func, ast.Attribute) and isinstance(context.parent, ast.Expr)
            and node.args and node.args[0] is function):
        return None
    if logging_function(function, context) is None:
        return None  # `print`: the call would then be reported by ASR301.
    called = context.source_segment(function)
    if not node.args[1:] and not node.keywords:
        return Fix(edits=(replace_node(context, node, f"{called}()"),), safe=True,
                   description="Log directly")
    head = replace_node(context, node, "")
    before = replace_node(context, function, "")
    line, end = before.end_line, before.end_col
    text = context.lines[line - 1]
    comma = end + len(text[end:]) - len(text[end:].lstrip(" \t"))
    if before.start_line != head.start_line or text[comma : comma + 1] != ",":
        return None  # A comment or a line break between the pieces: leave it to the user.
    after = text[comma + 1 :]
    rest = after.lstrip(" \t")
    cut = comma + 1 + (len(after) - len(rest) if rest[:1] not in ("#", "\n", "\r", "") else 0)
    return Fix(edits=(
        Edit(head.start_line, head.start_col, before.start_line, before.start_col, ""),
        Edit(line, end, line, cut, "("),
    ), safe=True, description="Log directly")
