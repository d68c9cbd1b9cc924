"""ASR202: a bare ``except:`` that does not re-raise."""

from __future__ import annotations

import ast

from ..engine.context import Context
from ..engine.rule import Severity
from ..engine.violation import Edit, Fix
from .common.handlers import HandlerFacts, HandlerRule


class BareExcept(HandlerRule):
    """
    ## What it does
    Finds a bare `except:` that does not raise and that ASR201 does not report: its body
    does something (a body of `pass`, constants or `value = value` is silent, which is
    ASR201), or it answers a predicate (`return False` in `is_valid()`).

    ## Why is this bad?
    A bare `except:` catches `BaseException`: besides errors, also `KeyboardInterrupt`,
    `SystemExit` and `GeneratorExit`. Ctrl-C and `sys.exit()` are then handled as if
    they were errors, and the program keeps going when it was asked to stop.

    The clauses reported here do not guard an `await` whose cancellation they could
    swallow (that is ASR204), so the message does not speak of cancellation.

    ## Example
    ```python
    def load_settings(path):
        try:
            return parse(path)
        except:
            report_bad_settings(path)
            return DEFAULTS
    ```

    ## Use instead
    ```python
    def load_settings(path):
        try:
            return parse(path)
        except Exception:
            report_bad_settings(path)
            return DEFAULTS
    ```

    A bare `except:` that ends in `raise` is not reported. Around an `await` in an
    `async def`, a bare `except:` is reported as ASR204 instead.

    ## Fix
    Replaces `except:` with `except Exception:`, unless the module rebinds the name
    `Exception`.
    """

    code = "ASR202"
    name = "bare-except"
    message = "bare `except:` also catches `KeyboardInterrupt` and `SystemExit`: use `except Exception:`"
    severity = Severity.MEDIUM
    fix_safety = "safe"

    def message_args(self, node: ast.ExceptHandler, context: Context,
                     facts: HandlerFacts) -> tuple[object, ...]:
        return ()

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        if context.lookup("Exception")[0]:
            return None  # `Exception` is rebound here: the fix would change its meaning.
        line = node.lineno
        text = context.lines[line - 1]
        start = context.char_col(line, node.col_offset) + len("except")
        end = start + len(text[start:]) - len(text[start:].lstrip(" \t"))
        if text[start - len("except") : start] != "except" or text[end : end + 1] != ":":
            return None  # `except` and its colon on different lines: leave it alone.
        edit = Edit(line, start, line, end, " Exception")
        return Fix(edits=(edit,), safe=True, description="Replace with `except Exception:`")


