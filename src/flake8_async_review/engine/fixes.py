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


def _is_docstring(statement: ast.stmt, body: list[ast.stmt]) -> bool:
    return (
        statement is body[0]
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_future_import(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


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
