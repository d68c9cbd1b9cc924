"""ASR905 (opt-in): environment variables read outside the settings module."""

from __future__ import annotations

import ast
from pathlib import Path

from ..analysis.settings_classes import defines_settings_class, settings_modules
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_READERS = frozenset({"os.getenv", "os.getenvb", "os.environ.get"})


class EnvironmentReadOutsideSettings(Rule):
    """
    ## What it does
    In a project that has a pydantic settings class, finds `os.getenv()`,
    `os.environ.get()` and `os.environ[...]` reads in modules other than those that
    define a settings class. Writes (`os.environ[...] = ...`, `setdefault()`) are not
    reported.

    Opt-in: select it with `--extend-select ASR905`.

    ## Why is this bad?
    A variable read directly escapes the settings class: it is not validated or typed,
    is missing from the documented configuration, is read at import time or on every
    call instead of once, and tests cannot override it through the settings object.

    ## Example
    ```python
    import os


    def sentry_dsn():
        return os.getenv("SENTRY_DSN")
    ```

    ## Use instead
    ```python
    from app.config import settings


    def sentry_dsn():
        return settings.sentry_dsn
    ```

    ## Options
    `--asr-project-inference=off` turns the rule off: it needs to read the other modules
    of the project.
    """

    code = "ASR905"
    name = "environment-read-outside-settings"
    message = "`{}` reads the environment outside the settings module: add a field to the settings class"
    severity = Severity.LOW
    required_text = ("os", ("environ", "getenv"))

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        if context.qualified_name(node.func) in _READERS and self._outside_settings(context):
            context.report(self, node, context.source_segment(node.func))

    def visit_Subscript(self, node: ast.Subscript, context: Context) -> None:
        if (isinstance(node.ctx, ast.Load) and context.qualified_name(node.value) == "os.environ"
                and self._outside_settings(context)):
            context.report(self, node, context.source_segment(node))

    def _outside_settings(self, context: Context) -> bool:
        state: dict[str, bool] = context.rule_state(self, dict)
        if "outside" not in state:
            state["outside"] = self._decide(context)
        return state["outside"]

    @staticmethod
    def _decide(context: Context) -> bool:
        if not context.settings.project_inference:
            return False
        if defines_settings_class(context.module_info):
            return False
        project = context.project
        if project is None:
            return False
        modules = settings_modules(project)
        return bool(modules) and str(Path(context.filename).resolve()) not in modules
