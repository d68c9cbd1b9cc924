"""ASR403: an attribute read on a settings instance names nothing the class defines."""

from __future__ import annotations

import ast
import difflib
from typing import Any

from ..context import Context
from ..project import Local
from ..receivers import _DEPENDS
from ..scopes import FUNCTION_TYPES
from ..settings_classes import (
    PYDANTIC_API,
    ClassRef,
    call_result,
    class_model,
    function_result,
    instance_of_symbol,
    settings_class_ref,
    symbol_of,
)
from .base import Rule, Severity

_MISSING: Any = object()


class UnknownSettingsAttribute(Rule):
    """
    ## What it does
    Finds an attribute read on an instance of a settings class of the project (a
    pydantic `BaseSettings` subclass) that names no field, property, method or inherited
    attribute of the class. Instances are recognised in the forms applications use:
    a module-level `settings = Settings()` (also imported: `from app.config import
    settings`), a call of a function that returns the class (`get_settings().x`, with or
    without `lru_cache`), and route parameters annotated with the class or declared
    `Depends(get_settings)`. The settings module may be another module of the project:
    it is read, never imported. The message suggests the closest field name.

    The pydantic API (`model_dump()`, `model_config`, v1's `dict()`, ...) counts as
    known. Nothing is reported when the class allows extra fields, defines
    `__getattr__`, or derives from a class that cannot be read.

    ## Why is this bad?
    The typo passes the tests that do not reach the line and raises `AttributeError`
    on the first request that does, in production.

    ## Example
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        fortex_auth_token: str


    settings = Settings()


    def auth_headers():
        return {"Authorization": f"Bearer {settings.fortex_api_token}"}
    ```

    ## Use instead
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        fortex_auth_token: str


    settings = Settings()


    def auth_headers():
        return {"Authorization": f"Bearer {settings.fortex_auth_token}"}
    ```

    ## Options
    `--asr-project-inference=off` limits the rule to settings classes and instances
    defined in the checked file itself.
    """

    code = "ASR403"
    name = "unknown-settings-attribute"
    message = "`{}`: settings class `{}` has no attribute `{}`{}"
    severity = Severity.HIGH

    def visit_Attribute(self, node: ast.Attribute, context: Context) -> None:
        if node.ctx.__class__ is not ast.Load:
            return
        value = node.value
        if value.__class__ not in (ast.Name, ast.Call, ast.Attribute):
            return
        state: dict[Any, Any] = context.rule_state(self, dict)
        if not self._worth_it(state, context):
            return
        found = self._instance(value, context, state)
        if found is None:
            return
        module, class_node = found
        model = class_model(module, class_node)
        attribute = node.attr
        if (model.open or not model.is_settings or attribute in model.attributes
                or attribute in PYDANTIC_API or attribute.startswith("_")):
            return
        close = difflib.get_close_matches(attribute, model.fields, n=1, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        context.report(self, node, context.source_segment(node), class_node.name, attribute, hint)

    def _worth_it(self, state: dict[Any, Any], context: Context) -> bool:
        """Only files that define a class or import from their project can hold a
        settings instance; others never look further."""
        active = state.get("active")
        if active is None:
            module = context.module_info
            project = module.project
            active = any(isinstance(n, ast.ClassDef) for n in context.tree.body) or (
                project is not None and any(
                    target is not None and project.module_path(target[0]) is not None
                    for target in module.imports.values()))
            state["active"] = active
        return bool(active)

    def _instance(self, value: ast.expr, context: Context, state: dict[Any, Any]) -> ClassRef | None:
        if isinstance(value, ast.Name):
            scope = context.defining_scope(value.id)
            if scope is None:
                return None
            key = (id(scope.node), value.id)
            cached = state.get(key, _MISSING)
            if cached is _MISSING:
                cached = state[key] = self._name_instance(value.id, scope.node, context)
            return cached  # type: ignore[no-any-return]
        if isinstance(value, ast.Call):
            head = value.func
            while isinstance(head, ast.Attribute):
                head = head.value
            if not isinstance(head, ast.Name) or context.defining_scope(head.id) is None:
                return None
            if context.defining_scope(head.id).node is not context.tree:  # type: ignore[union-attr]
                return None
            return call_result(context.module_info, value)
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
            scope = context.defining_scope(value.value.id)
            if scope is None or scope.node is not context.tree:
                return None
            return instance_of_symbol(symbol_of(context.module_info, value))
        return None

    def _name_instance(self, name: str, scope_node: ast.AST, context: Context) -> ClassRef | None:
        module = context.module_info
        if scope_node is context.tree:
            return instance_of_symbol(module.lookup(name))
        if not isinstance(scope_node, FUNCTION_TYPES) or isinstance(scope_node, ast.Lambda):
            return None
        parameter = next((a for a in (*scope_node.args.posonlyargs, *scope_node.args.args,
                                      *scope_node.args.kwonlyargs) if a.arg == name), None)
        if parameter is None or _rebound(scope_node, name):
            return None
        if parameter.annotation is not None:
            return settings_class_ref(module, parameter.annotation)
        default = _default_of(scope_node.args, parameter)
        if isinstance(default, ast.Call) and default.args and isinstance(default.args[0], ast.Name):
            depends = context.qualified_name(default.func, [context.tree])
            if depends in _DEPENDS:
                provider = module.lookup(default.args[0].id)
                if isinstance(provider, Local) and isinstance(provider.node, ast.FunctionDef):
                    return function_result(provider.module, provider.node)
        return None


def _rebound(function: ast.AST, name: str) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
    return False


def _default_of(arguments: ast.arguments, parameter: ast.arg) -> ast.expr | None:
    from ..scopes import parameter_default

    return parameter_default(arguments, parameter)
