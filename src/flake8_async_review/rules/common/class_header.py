"""Where a report about a whole class goes (its `class Name` header), and the settings
classes that the env example file rules (ASR405, ASR406, ASR906) look at."""

from __future__ import annotations

import ast

from ...analysis.env_documentation import Documented, documented_class
from ...analysis.settings_classes import may_define_settings_classes
from ...engine.context import Context


def class_header(node: ast.ClassDef) -> ast.AST:
    """A node spanning `class Name` of a class definition: a report at the class that
    does not cover its whole body."""
    return ast.Name(id=node.name, lineno=node.lineno, col_offset=node.col_offset,
                    end_lineno=node.lineno, end_col_offset=node.col_offset + len("class ") + len(node.name))


def documented_settings_class(node: ast.ClassDef, context: Context) -> Documented | None:
    """The env view of ``node`` when it is a top-level settings class of the checked
    file, fully understood, and the project tier is on (the example files are other
    files of the project)."""
    if context.scope_nodes[-1] is not context.tree or not context.settings.project_inference:
        return None
    if not may_define_settings_classes(context):
        return None
    return documented_class(context.module_info, node, context.filename)
