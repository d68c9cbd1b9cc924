"""Where a report about a whole class goes (its `class Name` header), the settings
classes that the env example file rules (ASR405, ASR406, ASR906) look at, and the base of
every rule about the settings classes a file defines."""

from __future__ import annotations

import ast

from ...analysis.env_documentation import Documented, documented_class
from ...analysis.facts import FileFacts
from ...analysis.settings_classes import may_define_settings_classes
from ...engine.context import Context
from ...engine.rule import Rule


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


class SettingsClassRule(Rule):
    """A rule about the settings classes the checked file defines (ASR401, ASR402,
    ASR405, ASR406, ASR906): a file where no class can derive from a settings base has
    nothing for it, and is ruled out before the walk."""

    def checks_file(self, context: FileFacts) -> bool:
        return may_define_settings_classes(context)
