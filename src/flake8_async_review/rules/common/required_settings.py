"""The fix of the settings rules (ASR401, ASR402): drop a field's default, so that the
setting becomes required and pydantic stops the service at start-up when the
environment does not set it."""

from __future__ import annotations

import ast

from ...analysis.settings_classes import SettingsField
from ...engine.context import Context
from ...engine.fixes import alone_on_its_lines
from ...engine.violation import Edit, Fix


def make_required(context: Context, node: ast.ClassDef, field: SettingsField) -> Fix | None:
    """``name: str = "x"`` becomes ``name: str``; ``name: str = Field("x", alias="X")``
    becomes ``name: str = Field(alias="X")`` (and ``= Field("x")`` goes whole); an
    unannotated ``name = "x"`` becomes ``name: str`` (``bytes`` for a bytes literal).
    None when the statement has another shape (several targets, ``*args`` or ``**kwargs``
    in the ``Field`` call, another statement on its line)."""
    statement = next((s for s in node.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                      and _declares(s, field.target)), None)
    if statement is None or field.default is None or not alone_on_its_lines(context, statement):
        return None
    value = statement.value
    if value is None:
        return None
    if isinstance(statement, ast.Assign):
        if value is not field.default or not isinstance(value, ast.Constant):
            return None
        kind = "bytes" if isinstance(value.value, bytes) else "str"
        edit = _edit(context, statement.lineno, statement.col_offset, statement.end_lineno,
                     statement.end_col_offset, f"{field.target.id}: {kind}")
        return _fix(edit)
    assert isinstance(statement, ast.AnnAssign)
    if value is field.default:
        return _fix_of(_drop_value(context, statement))
    if not isinstance(value, ast.Call):
        return None
    arguments: list[ast.expr | ast.keyword] = [*value.args, *value.keywords]
    if any(isinstance(a, ast.Starred) or (isinstance(a, ast.keyword) and a.arg is None)
           for a in arguments):
        return None
    arguments.sort(key=lambda a: (a.lineno, a.col_offset))
    index = next((i for i, a in enumerate(arguments)
                  if a is field.default or (isinstance(a, ast.keyword) and a.value is field.default)),
                 None)
    if index is None:
        return None
    if len(arguments) == 1:
        return _fix_of(_drop_value(context, statement))
    argument = arguments[index]
    if index + 1 < len(arguments):  # Up to the next argument: its comma goes too.
        following = arguments[index + 1]
        edit = _edit(context, argument.lineno, argument.col_offset, following.lineno,
                     following.col_offset, "")
    else:  # The last one: from the end of the one before.
        previous = arguments[index - 1]
        edit = _edit(context, previous.end_lineno, previous.end_col_offset, argument.end_lineno,
                     argument.end_col_offset, "")
    return _fix(edit)


def _declares(statement: ast.Assign | ast.AnnAssign, target: ast.Name) -> bool:
    if isinstance(statement, ast.AnnAssign):
        return statement.target is target
    return len(statement.targets) == 1 and statement.targets[0] is target



def _drop_value(context: Context, statement: ast.AnnAssign) -> Edit | None:
    """From the end of the annotation to the end of the value: `` = "x"`` goes. None
    when something else than ``=`` stands between them (``x: (str) = "a"``)."""
    annotation, value = statement.annotation, statement.value
    assert value is not None
    between = _text(context, annotation.end_lineno, annotation.end_col_offset,
                    value.lineno, value.col_offset)
    if between is None or between.strip() != "=":
        return None
    return _edit(context, annotation.end_lineno, annotation.end_col_offset, statement.end_lineno,
                 statement.end_col_offset, "")


def _edit(context: Context, start_line: int | None, start_col: int | None, end_line: int | None,
          end_col: int | None, text: str) -> Edit:
    assert start_line is not None and start_col is not None
    assert end_line is not None and end_col is not None
    return Edit(start_line, context.char_col(start_line, start_col), end_line,
                context.char_col(end_line, end_col), text)


def _text(context: Context, start_line: int | None, start_col: int | None,
          end_line: int | None, end_col: int | None) -> str | None:
    """The source between two AST positions (UTF-8 columns); None when they span lines
    (a default on the line after the annotation is left alone)."""
    if start_line is None or start_line != end_line or start_col is None or end_col is None:
        return None
    return context.lines[start_line - 1].encode()[start_col:end_col].decode("utf-8", "replace")


def _fix_of(edit: Edit | None) -> Fix | None:
    return None if edit is None else _fix(edit)


def _fix(edit: Edit) -> Fix:
    return Fix(edits=(edit,), safe=False, description="Remove the default: make the setting required")
