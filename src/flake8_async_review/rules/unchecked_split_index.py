"""ASR901 (opt-in): indexing the result of ``split()`` past what is guaranteed."""

from __future__ import annotations

import ast

from ..analysis.nodes import walk
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_SPLITS = frozenset({"split", "rsplit"})
_CATCHES_INDEX_ERROR = frozenset({"builtins.IndexError", "builtins.LookupError",
                                  "builtins.Exception", "builtins.BaseException"})


class UncheckedSplitIndex(Rule):
    """
    ## What it does
    Finds `<value>.split(...)[k]` and `<value>.rsplit(...)[k]` with a constant index
    `k >= 1` or `k <= -2`, when nothing in the function checks the value for the
    separator (`sep in value`, `value.count(sep)`, `len(value.split(...))`) and no
    `except IndexError` (or `LookupError`, `Exception`) surrounds it.

    ## Why is this bad?
    `split()` returns a single element when the separator is missing, so any index but
    `[0]` and `[-1]` raises `IndexError`. The value is typically input: a header
    (`authorization.split(" ")[1]`), a query parameter or a line of a file. One
    malformed request becomes a 500 and a stack trace instead of a clean 400 or 401.

    ## Example
    ```python
    def bearer_token(authorization: str) -> str:
        return authorization.split(" ")[1]
    ```

    ## Use instead
    ```python
    def bearer_token(authorization: str) -> str:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ValueError("expected a bearer token")
        return token
    ```

    `[0]` and `[-1]` never raise and are never reported, nor are splits of a string
    literal, `str.split` reached through a module function (`os.path.split()` returns a
    pair), or pandas' `.str.split()`. The rule is opt-in (`--extend-select ASR901`):
    some code bases split only trusted, well-formed values.
    """

    code = "ASR901"
    name = "unchecked-split-index"
    message = ("`{}()[{}]` raises IndexError when the separator is missing: "
               "check it first or use `partition()`")
    severity = Severity.LOW
    required_text = ("split(",)

    def visit_Subscript(self, node: ast.Subscript, context: Context) -> None:
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in _SPLITS):
            return
        index = _constant_index(node.slice)
        if index is None or index in (0, -1):
            return
        receiver = call.func.value
        if (isinstance(receiver, ast.Constant)
                or (isinstance(receiver, ast.Attribute) and receiver.attr == "str")
                or context.qualified_name(call.func) is not None):
            return
        if _catches_index_error(node, context) or _checked(receiver, context):
            return
        context.report(self, node, context.source_segment(call.func), index)


def _constant_index(index: ast.expr) -> int | None:
    negative = isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub)
    value = index.operand if isinstance(index, ast.UnaryOp) and negative else index
    if not (isinstance(value, ast.Constant) and type(value.value) is int):
        return None
    return -value.value if negative else value.value


def _catches_index_error(node: ast.AST, context: Context) -> bool:
    for statement in context.enclosing_try_bodies(node):
        for handler in statement.handlers:
            if handler.type is None:
                return True
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if any(context.qualified_name(t) in _CATCHES_INDEX_ERROR for t in types):
                return True
    return False


def _checked(receiver: ast.expr, context: Context) -> bool:
    """The enclosing function (or module) tests the split value somewhere: ``sep in
    value``, ``value.count(sep)``, ``len(value.split(...))``."""
    text = context.source_segment(receiver)
    scope = context.scope_nodes[-1]
    for node in walk(scope):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, (ast.In, ast.NotIn)) for op in node.ops
        ) and any(context.source_segment(c) == text for c in node.comparators):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("count", "find", "index", "partition", "startswith")
                and context.source_segment(node.func.value) == text):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "len" and node.args):
            argument = node.args[0]
            if (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute)
                    and argument.func.attr in _SPLITS
                    and context.source_segment(argument.func.value) == text):
                return True
    return False
