"""ASR201: a broad ``except`` whose body does nothing with the error."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.fixes import alone_on_its_lines, insert_before, replace_node
from ..engine.rule import Severity
from ..engine.violation import Fix
from .common.handlers import HandlerFacts, HandlerRule
from .common.loggers import LOGURU, logger_for_fix


class SilentExcept(HandlerRule):
    """
    ## What it does
    Finds a broad `except` clause (a bare `except:`, `except Exception`,
    `except BaseException`, or a tuple that contains one of them) whose body does
    nothing with the error: it only has `pass`, `...`, `continue`, `break`,
    `return` of a constant, assignments of constants such as `font = None`, or
    no-ops such as `value = value`.

    A body that logs at any level, raises anything, uses the exception
    (`errors.append(exc)`, `return Result(error=exc)`), or calls anything at all is
    taken to handle the error and is not reported. Names are resolved through the
    imports: a module that rebinds `Exception` is not reported.

    Nor is a predicate's answer: a body that is just `return False` (or `return True`)
    in a function named `is_*`, `has_*`, `can_*`, `should_*`, `valid*`, `check_*` or
    `verify_*`. There the exception is the answer (`is_valid_url()` is `False` when the
    URL does not parse, `is_db_connectable()` when the connection fails), and a
    reviewer would not want the reason logged. A `-> bool` annotation alone does not
    make a predicate: `delete_file() -> bool` returning `False` on any error hides why
    the delete failed, and is reported. Narrow clauses (`except ValueError:`) are never
    reported, predicate or not. A bare `except:` or `except BaseException` in a
    predicate is still reported as ASR202 or ASR205: it also catches Ctrl-C.

    The same holds for a `try` that only parses or converts a value: `json.loads(raw)`,
    `int(value)`, `bytes.fromhex(text)`, `uuid.UUID(header)`, `jwt.decode(token, ...)`,
    `raw.decode()`, with nothing else in it (no other call, and no `await` but reading
    a failed response's body to find an error detail: `await response.json()`;
    `if` tests and assignments are fine). The exception
    says "this is not JSON, not a number", and the fallback (`metadata = {}`,
    `return None`) is the decision; at most a reviewer would ask for `except ValueError`.
    As soon as the `try` does anything more (`json.loads(read_text(path))`,
    `db.save(json.loads(raw))`), the clause hides that work's failure and is reported.

    Nor is a clause that says why in a comment of a few words, on the `except` line or
    in its body (`# the photo is optional: most accounts have none`): that records a
    decision a reviewer has already made. A marker is not an explanation: `# TODO`,
    `# BUG`, `# FIXME`, `# noqa`, `# type:` or a single word such as `# ignore` leave
    the clause reported.

    ## Why is this bad?
    The error disappears without a trace. A health check that always answers "healthy",
    a cache that is silently always empty after a Redis outage, a font that is `None`
    because the deployment lacks a file: each shows up much later, far from its cause,
    and nothing in the logs says why.

    ## Example
    ```python
    async def cached_profile(redis, user_id):
        try:
            return await redis.get(f"profile:{user_id}")
        except Exception:
            return None
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    async def cached_profile(redis, user_id):
        try:
            return await redis.get(f"profile:{user_id}")
        except Exception:
            logger.warning("profile cache unavailable", exc_info=True)
            return None
    ```

    A clause that gets ASR204 (cancellation swallowed around an `await`) is reported as
    that instead; a silent `except BaseException` is reported as this rule, not ASR205.

    ## Fix
    An unsafe fix logs the exception with the module's logger (or a new
    `logger = logging.getLogger(__name__)` after the imports, with `import logging`):
    a body that is only `pass` or `...` becomes `logger.exception("<function>() failed")`;
    a body with a fallback (`return None`, `value = {}`, `continue`) keeps it, after
    `logger.debug("<function>() failed, falling back", exc_info=True)` (loguru:
    `logger.opt(exception=True).debug(...)`), since the fallback says the failure is
    expected. It is unsafe because it adds output, and a level, that a reviewer should
    choose; raise the level where the failure matters. A clause written on one line
    (`except Exception: pass`) and one outside any function (run at import time, maybe
    before the logger is bound) get no fix.
    """

    code = "ASR201"
    name = "silent-except"
    message = "`{}` discards the error without a trace: log it or re-raise"
    severity = Severity.MEDIUM
    fix_safety = "unsafe"

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        body = node.body
        if not body or body[0].lineno == node.lineno or not alone_on_its_lines(context, body[0]):
            return None  # `except Exception: pass` on one line: nowhere to put a call.
        function = context.enclosing_function
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None  # At import time the logger may not be bound yet.
        found = logger_for_fix(context)
        if found is None:
            return None
        logger, edits = found
        what = f"{function.name}()"
        if len(body) == 1 and _does_nothing_at_all(body[0]):
            edits.append(replace_node(context, body[0], f'{logger.name}.exception("{what} failed")'))
            return Fix(edits=tuple(edits), safe=False, description="Log the exception")
        if logger.family == LOGURU:
            call = f'{logger.name}.opt(exception=True).debug("{what} failed, falling back")'
        else:
            call = f'{logger.name}.debug("{what} failed, falling back", exc_info=True)'
        line = context.lines[body[0].lineno - 1]
        indent = line[: context.char_col(body[0].lineno, body[0].col_offset)]
        edits.append(insert_before(context, body[0], f"{call}\n{indent}"))
        return Fix(edits=tuple(edits), safe=False, description="Log the exception at debug level")


def _does_nothing_at_all(statement: ast.stmt) -> bool:
    """``pass`` or ``...``: the body has no fallback of its own."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis)
