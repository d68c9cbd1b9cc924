"""ASR205: ``except BaseException`` that does not re-raise."""

from __future__ import annotations

from ..engine.rule import Severity
from .common.handlers import HandlerRule


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
    """

    code = "ASR205"
    name = "base-exception-caught"
    message = (
        "`{}` also catches `SystemExit` and `KeyboardInterrupt` and does not re-raise: "
        "catch `Exception`"
    )
    severity = Severity.MEDIUM
    required_text = ("except", "BaseException")
