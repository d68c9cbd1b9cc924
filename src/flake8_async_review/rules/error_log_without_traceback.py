"""ASR909: ``logger.error()`` in an ``except`` block, without the traceback."""

from __future__ import annotations

import ast
from dataclasses import replace

from ..analysis.nodes import walk
from ..engine.context import Context
from ..engine.fixes import insert_after
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.handlers import STOP_REQUESTS, raises
from .common.loggers import LOGURU, LoggerCall, clause_logger_calls, logger_call

_ERROR_LEVEL = frozenset({"error", "critical", "fatal"})
_TRACEBACK_KEYWORDS = frozenset({"exc_info", "stack_info"})


class ErrorLogWithoutTraceback(Rule):
    """
    ## What it does
    Finds `.error()`, `.critical()` and `.fatal()` calls of a recognised logger in the
    body of an `except` clause, without `exc_info`, when the clause does not raise.

    Recognised loggers are those the source says are loggers for sure: the `logging`
    module's own functions (`logging.error()`), loguru's `logger` imported from
    `loguru`, and names or `self` attributes bound from `logging.getLogger()`,
    `structlog.get_logger()` or a logger's `bind()`, parameters annotated
    `logging.Logger`, `logging.LoggerAdapter` objects, and names bound once to what a
    helper function of the project returns when it surely returns a standard-library
    logger (`logger = get_logger(__name__)`, with `get_logger` annotated
    `-> logging.Logger` or returning `logging.getLogger(...)`, in the same module or
    imported from another one). A logger another module of the project binds so is
    recognised where it is imported (`from app.log import logger`).

    A call that passes `exc_info` or `stack_info` (any value), `**kwargs` or a
    `traceback.format_exc()` text, or a loguru call through `logger.opt(exception=...)`,
    is not reported. Neither is one in a clause that raises (the traceback goes up with
    the exception), that logs the traceback in another call
    (`logger.debug("details", exc_info=True)`), or that only catches
    `KeyboardInterrupt` or `SystemExit` (a request to stop, not an error).

    The rule is opt-in (`--extend-select ASR909`). Whether a traceback is worth having
    depends on what failed, which the source does not say: on real applications about
    three in four of these calls log an expected, self-explanatory failure (a provider
    that is down, a value that does not parse, a best-effort cleanup) where the message
    already says all there is. Turn it on where every error log must carry its
    traceback, and apply its safe fix.

    ## Why is this bad?
    `logger.error(f"payment failed: {e}")` records the message of the exception but
    not where it came from. `KeyError: 'id'` alone does not say which dictionary, in
    which function, called from where; the traceback that would have said so is gone
    once the clause ends.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)


    async def charge(order):
        try:
            await payments.charge(order.id, order.total)
        except PaymentError as e:
            logger.error("payment failed for order %s: %s", order.id, e)
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    async def charge(order):
        try:
            await payments.charge(order.id, order.total)
        except PaymentError:
            logger.exception("payment failed for order %s", order.id)
    ```

    ## Fix
    `.error(...)` becomes `.exception(...)`, which logs at the same level with the
    traceback (the standard library, structlog and loguru all have it).
    `.critical(...)` and `.fatal(...)` get `exc_info=True`; for loguru, which has no
    `exc_info`, they become `.opt(exception=True).critical(...)`. A function imported
    from `logging` (`from logging import error`) gets `exc_info=True`. The fixes are
    safe: the message and the level stay the same. Of several such calls in one
    clause, only the first is fixed: the traceback is then logged, once.
    """

    code = "ASR909"
    name = "error-log-without-traceback"
    message = "`{}()` in an `except` block drops the traceback: use {}"
    severity = Severity.LOW
    fix_safety = "safe"
    required_text = ("except", ("error", "critical", "fatal"))

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if method not in _ERROR_LEVEL:
            return
        handlers = context.enclosing_handlers(node)
        if not handlers:
            return
        if any(k.arg is None or k.arg in _TRACEBACK_KEYWORDS for k in node.keywords):
            return
        call = logger_call(node, context)
        if call is None or call.method not in _ERROR_LEVEL:
            return
        if call.family == LOGURU and _loguru_with_exception(call.receiver):
            return
        handler = handlers[-1]
        if _formats_traceback(node, context) or raises(handler, context):
            return
        if _only_stop_requests(handler, context) or _logs_traceback(handler, context):
            return
        remedy, fix = _remedy(node, context, call)  # The message names the fix's remedy.
        if not context.fixes_wanted:
            fix = None
        elif fix is not None:
            # Once one call of the clause logs the traceback, the others need not.
            fix = replace(fix, group=f"{self.code}:{handler.lineno}:{handler.col_offset}")
        context.report(self, node, context.source_segment(func), remedy, fix=fix)


def _only_stop_requests(handler: ast.ExceptHandler, context: Context) -> bool:
    """The clause catches ``KeyboardInterrupt`` / ``SystemExit`` and nothing else."""
    if handler.type is None:
        return False
    entries = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return all(context.qualified_name(entry) in STOP_REQUESTS for entry in entries)


def _logs_traceback(handler: ast.ExceptHandler, context: Context) -> bool:
    """Another call in the clause logs the traceback (``logger.exception()``,
    ``logger.debug("details", exc_info=True)``)."""
    for node, call in clause_logger_calls(handler, context):
        if call.method == "exception" or (call.family == LOGURU and _loguru_with_exception(call.receiver)):
            return True
        for keyword in node.keywords:
            if keyword.arg == "exc_info" and not (
                isinstance(keyword.value, ast.Constant) and not keyword.value.value
            ):
                return True
    return False


def _loguru_with_exception(receiver: ast.expr | None) -> bool:
    """loguru's ``logger.opt(exception=...)`` somewhere in the receiver chain."""
    while isinstance(receiver, (ast.Call, ast.Attribute)):
        if isinstance(receiver, ast.Call):
            func = receiver.func
            if isinstance(func, ast.Attribute) and func.attr == "opt" and any(
                k.arg in ("exception", None) for k in receiver.keywords
            ):
                return True
            receiver = func
        else:
            receiver = receiver.value
    return False


def _formats_traceback(node: ast.Call, context: Context) -> bool:
    """An argument already carries the traceback text (``traceback.format_exc()``)."""
    for argument in [*node.args, *(k.value for k in node.keywords)]:
        for part in walk(argument):
            if isinstance(part, ast.Call):
                qualified = context.qualified_name(part.func)
                if qualified is not None and qualified.startswith("traceback."):
                    return True
    return False


def _remedy(node: ast.Call, context: Context, call: LoggerCall) -> tuple[str, Fix | None]:
    """The remedy the message names, and the fix that applies it."""
    func = node.func
    if isinstance(func, ast.Attribute):
        receiver = " ".join(context.source_segment(func.value).split())
        if call.method == "error":
            return f"`{receiver}.exception()`", _fix(
                (_rename_method(context, func, "exception"),), "Use `.exception()`"
            )
        if call.family == LOGURU:
            return f"`{receiver}.opt(exception=True).{call.method}()`", _fix(
                (_rename_method(context, func, f"opt(exception=True).{call.method}"),),
                "Use `.opt(exception=True)`",
            )
    return "`exc_info=True`", _add_exc_info(node, context)


def _rename_method(context: Context, func: ast.Attribute, new_text: str) -> Edit:
    line: int = func.end_lineno  # type: ignore[assignment]
    end = context.char_col(line, func.end_col_offset)  # type: ignore[arg-type]
    return Edit(line, end - len(func.attr), line, end, new_text)


def _add_exc_info(node: ast.Call, context: Context) -> Fix | None:
    arguments: list[ast.AST] = [*node.args, *node.keywords]
    if not arguments:
        return None  # Not a valid logging call: no message.
    last = max(arguments, key=lambda a: (a.end_lineno, a.end_col_offset))  # type: ignore[attr-defined]
    return _fix((insert_after(context, last, ", exc_info=True"),), "Add `exc_info=True`")


def _fix(edits: tuple[Edit, ...], description: str) -> Fix:
    return Fix(edits=edits, safe=True, description=description)
