"""ASR205: ``except BaseException`` that does not re-raise."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.fixes import replace_node
from ..engine.rule import Severity
from ..engine.violation import Edit, Fix
from .common.handlers import BASE_EXCEPTION, EXCEPTION, HandlerFacts, HandlerRule


class BaseExceptionCaught(HandlerRule):
    """
    ## What it does
    Finds `except BaseException` (or a tuple that contains `BaseException`) whose body
    does not raise and does not hand the exception on.

    A body that passes the exception on (`future.set_exception(exc)`,
    `errors.append(exc)`, `return exc`, `self.error = exc`) delivers it to code that
    will deal with it, and is not reported; logging it does not count.

    ## Why is this bad?
    `BaseException` also covers `SystemExit` and `KeyboardInterrupt`, which are not
    errors but requests to stop. A worker task or a Celery job that catches them and
    carries on can no longer be shut down by its supervisor or by Ctrl-C.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def run_job(job):
        try:
            job.run()
        except BaseException:
            logger.exception("job %s failed", job.id)
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def run_job(job):
        try:
            job.run()
        except Exception:
            logger.exception("job %s failed", job.id)
    ```

    A silent `except BaseException` is reported as ASR201, and one around an `await`
    in an `async def` as ASR204.

    ## Fix
    `BaseException` becomes `Exception` (in a tuple that already names `Exception`,
    it is dropped). The fix is unsafe: the clause no longer handles
    `KeyboardInterrupt`, `SystemExit` or cancellation, which now end the program or
    the task instead of running the handler. It is not offered where the name
    `Exception` is rebound.
    """

    code = "ASR205"
    name = "base-exception-caught"
    message = (
        "`{}` also catches `SystemExit` and `KeyboardInterrupt` and does not re-raise: "
        "catch `Exception`"
    )
    severity = Severity.MEDIUM
    fix_safety = "unsafe"
    required_text = ("except", "BaseException")

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        if node.type is None or context.lookup("Exception")[0]:
            return None  # `Exception` is rebound here: the fix would change its meaning.
        entries = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        named = [context.qualified_name(entry) for entry in entries]
        if EXCEPTION in named:
            kept = [context.source_segment(entry) for entry, name in zip(entries, named, strict=True)
                    if name != BASE_EXCEPTION]
            edits = [replace_node(context, node.type, kept[0] if len(kept) == 1 else f"({', '.join(kept)})")]
        else:
            edits = [_to_exception(entry, context) for entry, name in zip(entries, named, strict=True)
                     if name == BASE_EXCEPTION]
        return Fix(edits=tuple(edits), safe=False, description="Catch `Exception`")


def _to_exception(entry: ast.expr, context: Context) -> Edit:
    """``BaseException`` becomes ``Exception``, ``builtins.BaseException``
    ``builtins.Exception``."""
    if isinstance(entry, ast.Attribute):
        return replace_node(context, entry, f"{context.source_segment(entry.value)}.Exception")
    return replace_node(context, entry, "Exception")
