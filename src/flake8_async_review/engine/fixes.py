"""Building and applying fixes.

Edits are built from AST positions; applying them works on the original text, keeps its
line endings, applies identical edits once (two fixes may both add ``import asyncio``),
and leaves for the next round a fix whose edits touch a line an already chosen one
touches, or that shares its group with a chosen one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..analysis.source import source_lines
from .violation import Edit, Fix, Violation

if TYPE_CHECKING:
    from .context import Context

_Span = tuple[int, int, str]
MAX_ROUNDS = 10


# -- building edits ------------------------------------------------------------------


def replace_node(context: Context, node: ast.AST, new_text: str) -> Edit:
    """Replace the exact source range of ``node``."""
    start_line: int = node.lineno  # type: ignore[attr-defined]
    end_line: int = node.end_lineno  # type: ignore[attr-defined]
    return Edit(
        start_line,
        context.char_col(start_line, node.col_offset),  # type: ignore[attr-defined]
        end_line,
        context.char_col(end_line, node.end_col_offset),  # type: ignore[attr-defined]
        new_text,
    )


def insert_before(context: Context, node: ast.AST, text: str) -> Edit:
    line: int = node.lineno  # type: ignore[attr-defined]
    col = context.char_col(line, node.col_offset)  # type: ignore[attr-defined]
    return Edit(line, col, line, col, text)


def insert_after(context: Context, node: ast.AST, text: str) -> Edit:
    line: int = node.end_lineno  # type: ignore[attr-defined]
    col = context.char_col(line, node.end_col_offset)  # type: ignore[attr-defined]
    return Edit(line, col, line, col, text)


def module_reference(context: Context, module: str) -> tuple[str | None, Edit | None]:
    """The name that refers to ``module`` where the fix goes, and the import edit needed
    to make one; (None, None) when the obvious name is taken by something else."""
    alias = context.module_binding_for(module)
    if alias is not None and context.lookup(alias) == (True, module):
        return alias, None
    found, bound = context.lookup(module)
    if found:
        return (module, None) if bound == module else (None, None)
    return module, add_module_import(context, module)


def binds_tighter_than_await(context: Context, node: ast.AST) -> bool:
    """Whether ``node`` (the node being visited) would need parentheses once prefixed
    with ``await``: it is the object of an attribute, subscript or call."""
    parent = context.parent
    if isinstance(parent, (ast.Attribute, ast.Subscript)):
        return parent.value is node
    return isinstance(parent, ast.Call) and parent.func is node


def add_module_import(context: Context, module: str) -> Edit:
    """Insert ``import <module>`` before the module's first import, or after its
    docstring and ``__future__`` imports when it has none."""
    body = context.tree.body
    line = 1
    for statement in body:
        if _is_docstring(statement, body) or _is_future_import(statement):
            line = statement.end_lineno + 1  # type: ignore[operator]
            continue
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            line = statement.lineno
        break
    text = f"import {module}\n"
    # When the docstring or a __future__ import ends the file, append on a new line.
    if line > len(context.lines) and context.lines and not context.lines[-1].endswith(("\n", "\r")):
        text = "\n" + text
    return Edit(line, 0, line, 0, text)


# What runs a sync function in a worker thread, for each ``--asr-async-library``:
# (module, attribute path of the runner, whether it takes keyword arguments for the
# function). anyio's and trio's ``run_sync`` pass positional arguments only.
THREAD_RUNNERS: dict[str, tuple[str, str, bool]] = {
    "asyncio": ("asyncio", "to_thread", True),
    "anyio": ("anyio", "to_thread.run_sync", False),
    "trio": ("trio", "to_thread.run_sync", False),
}


def run_in_worker_thread(context: Context, call: ast.Call, library: str) -> tuple[Edit, ...] | None:
    """The edits that turn ``call`` (the node being visited, in an ``async def``) into
    ``await asyncio.to_thread(func, *args, **kwargs)``, or for anyio and trio
    ``await anyio.to_thread.run_sync(func, *args)`` (keyword arguments through
    ``functools.partial``), adding the imports that are missing.

    The callee and the arguments keep their text as written (comments in a call over
    several lines included): the edits only insert the runner before the call, turn the
    call's opening parenthesis into a comma, and close what they open. None when the
    names the fix needs are taken, or the call's text is not understood.
    """
    if any(isinstance(argument, ast.GeneratorExp) for argument in call.args):
        return None  # `f(x for x in y)` would need the generator parenthesized.
    module, runner, takes_keywords = THREAD_RUNNERS[library]
    module_name, module_import = module_reference(context, module)
    if module_name is None:
        return None
    opening = _opening_parenthesis(context, call)
    if opening is None:
        return None
    line, col = opening
    imports = [module_import]
    head = f"{module_name}.{runner}("
    closing = ""
    if call.keywords and not takes_keywords:
        functools_name, functools_import = module_reference(context, "functools")
        if functools_name is None:
            return None
        imports.append(functools_import)
        head += f"{functools_name}.partial("
        closing = ")"
    if binds_tighter_than_await(context, call):
        head, closing = f"(await {head}", closing + ")"
    else:
        head = f"await {head}"
    rest = context.lines[line - 1][col + 1:]
    if not (call.args or call.keywords):
        comma = ""
    elif not rest.strip() or rest.lstrip().startswith("#") or rest[:1].isspace():
        comma = ","
    else:
        comma = ", "
    edits = [insert_before(context, call, head), Edit(line, col, line, col + 1, comma)]
    if closing:
        edits.append(insert_after(context, call, closing))
    edits.extend(edit for edit in imports if edit is not None)
    return tuple(edits)


def _opening_parenthesis(context: Context, call: ast.Call) -> tuple[int, int] | None:
    """Where the parenthesis that opens a call's arguments is (line, character column):
    after the callee, past closing parentheses of a parenthesized callee, spaces,
    comments and line continuations."""
    line: int = call.func.end_lineno  # type: ignore[assignment]
    col = context.char_col(line, call.func.end_col_offset)  # type: ignore[arg-type]
    last_line: int = call.end_lineno  # type: ignore[assignment]
    while line <= min(last_line, len(context.lines)):
        text = context.lines[line - 1]
        while col < len(text):
            character = text[col]
            if character == "(":
                return line, col
            if character == "#" or (character == "\\" and not text[col + 1:].strip()):
                break
            if not (character.isspace() or character == ")"):
                return None
            col += 1
        line, col = line + 1, 0
    return None


def _is_docstring(statement: ast.stmt, body: list[ast.stmt]) -> bool:
    return (
        statement is body[0]
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_future_import(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


def after_leading_imports(context: Context) -> int:
    """The line after the module's docstring and leading imports (``if TYPE_CHECKING:``
    and ``try:`` blocks of imports included): where a module-level statement that uses
    what they import goes."""
    body = context.tree.body
    line = 1
    for statement in body:
        if not (_is_docstring(statement, body) or _only_imports(statement)):
            break
        line = statement.end_lineno + 1  # type: ignore[operator]
    return line


def add_module_statement(context: Context, statement: str,
                         import_edit: Edit | None = None) -> tuple[Edit, ...]:
    """Insert the one-line module-level ``statement`` after the leading imports (see
    :func:`after_leading_imports`), set off by a blank line; with the
    ``import_edit`` the same fix needs (from :func:`add_module_import`), merged into one
    edit when both would insert at the same point, so that their order is kept. Two
    fixes that add the same statement make identical edits, applied once."""
    line = after_leading_imports(context)
    lines = context.lines
    if line == 1:
        text = f"{statement}\n\n"
    else:
        text = f"\n{statement}\n"
        if line > len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            text = "\n" + text
    if import_edit is None:
        return (Edit(line, 0, line, 0, text),)
    if import_edit.start == (line, 0):
        merged = f"{import_edit.new_text}\n{statement}\n" + ("\n" if line == 1 else "")
        return (Edit(line, 0, line, 0, merged),)
    return (import_edit, Edit(line, 0, line, 0, text))


def alone_on_its_lines(context: Context, statement: ast.stmt) -> bool:
    """No other statement shares a line with ``statement`` (``if x: f()``, ``a; f()``):
    a fix may then add lines before or after it."""
    first = context.lines[statement.lineno - 1]
    last = context.lines[(statement.end_lineno or statement.lineno) - 1]
    before = first.encode()[: statement.col_offset].decode("utf-8", "replace")
    after = last.encode()[statement.end_col_offset or 0:].decode("utf-8", "replace").strip()
    return before.strip() == "" and (after == "" or after.startswith("#"))


def _only_imports(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(statement, (ast.If, ast.Try)):
        nested = [*statement.body, *statement.orelse]
        if isinstance(statement, ast.Try):
            nested += [s for handler in statement.handlers for s in handler.body]
            nested += statement.finalbody
        return all(_only_imports(s) or isinstance(s, ast.Pass) for s in nested)
    return False


# -- applying fixes ----------------------------------------------------------------------


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply every fix (in source order) that touches no line of a fix applied before
    it, other than by an identical edit, and shares no group with one.

    Returns the new text and the number of fixes applied.
    """
    starts = _line_starts(text)
    newline = _newline_of(text)
    chosen: list[_Span] = []
    chosen_edits: set[Edit] = set()
    groups: set[str] = set()
    applied = 0
    for fix in sorted(fixes, key=lambda f: min(edit.start for edit in f.edits)):
        if fix.group is not None and fix.group in groups:
            continue
        own = [edit for edit in fix.edits if edit not in chosen_edits]
        if any(_shares_a_line(edit, other) for edit in own for other in chosen_edits):
            continue
        spans = [_to_span(edit, starts, text, newline) for edit in fix.edits]
        if any(_conflicts(span, other) for span in spans for other in chosen):
            continue
        chosen.extend(span for span in spans if span not in chosen)
        chosen_edits.update(fix.edits)
        if fix.group is not None:
            groups.add(fix.group)
        applied += 1
    for start, end, new_text in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new_text + text[end:]
    return text, applied


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in source_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def _newline_of(text: str) -> str:
    for line in source_lines(text):
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith(("\n", "\r")):
            return line[-1]
    return "\n"


def _to_span(edit: Edit, starts: Sequence[int], text: str, newline: str) -> _Span:
    def offset(line: int, col: int) -> int:
        if line - 1 >= len(starts):
            return len(text)
        return min(starts[line - 1] + col, len(text))

    new_text = edit.new_text.replace("\n", newline) if newline != "\n" else edit.new_text
    return (offset(edit.start_line, edit.start_col), offset(edit.end_line, edit.end_col), new_text)


def _shares_a_line(edit: Edit, other: Edit) -> bool:
    return edit.start_line <= other.end_line and other.start_line <= edit.end_line


def _conflicts(span: _Span, other: _Span) -> bool:
    if span == other:
        return False
    (a, b, _), (c, d, _) = span, other
    if a == b == c == d:  # Two different insertions at one point: order unknown.
        return True
    return a < d and c < b


# -- choosing fixes ------------------------------------------------------------------------


def fixable(violations: Iterable[Violation], unsafe: bool) -> list[Fix]:
    return [v.fix for v in violations if v.fix is not None and (unsafe or v.fix.safe)]
