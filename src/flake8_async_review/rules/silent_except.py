"""ASR201: a broad ``except`` whose body does nothing with the error."""

from __future__ import annotations

from ..engine.rule import Severity
from .common.handlers import HandlerRule


class SilentExcept(HandlerRule):
    """
    ## What it does
    Finds a broad `except` clause (a bare `except:`, `except Exception`,
    `except BaseException`, or a tuple that contains one of them) whose body does
    nothing with the error: it only has `pass`, `...`, `continue`, `break`,
    `return` of a constant, or assignments of constants such as `font = None`.

    A body that logs at any level, raises anything, uses the exception
    (`errors.append(exc)`, `return Result(error=exc)`), or calls anything at all is
    taken to handle the error and is not reported. Names are resolved through the
    imports: a module that rebinds `Exception` is not reported.

    ## Why is this bad?
    The error disappears without a trace. A health check that always answers "healthy",
    a cache that is silently always empty after a Redis outage, a font that is `None`
    because the deployment lacks a file: each shows up much later, far from its cause,
    and nothing in the logs says why.

    ## Example
    ```python
    async def is_healthy(db) -> bool:
        try:
            db.ping()
        except Exception:
            return False
        return True
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    async def is_healthy(db) -> bool:
        try:
            db.ping()
        except Exception:
            logger.warning("health check failed", exc_info=True)
            return False
        return True
    ```

    A clause that gets ASR204 (cancellation swallowed around an `await`) is reported as
    that instead; a silent `except BaseException` is reported as this rule, not ASR205.
    """

    code = "ASR201"
    name = "silent-except"
    message = "`{}` discards the error without a trace: log it or re-raise"
    severity = Severity.MEDIUM
