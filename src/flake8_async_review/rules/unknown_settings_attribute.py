"""ASR403: an attribute read on a settings instance names nothing the class defines."""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..analysis.facts import FileFacts
from ..analysis.nodes import walk
from ..analysis.project import ASSIGNMENTS, FUNCTIONS, Local
from ..analysis.receivers import _DEPENDS
from ..analysis.roles import Role
from ..analysis.scopes import FUNCTION_TYPES, parameter_default
from ..analysis.settings_classes import (
    PYDANTIC_API,
    ClassRef,
    call_result,
    class_model,
    function_result,
    instance_of_symbol,
    settings_class_ref,
    settings_modules,
    symbol_of,
)
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix

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

    The pydantic API (`model_dump()`, `model_config`, v1's `dict()`, ...) and
    attributes a method sets on `self` count as known. Nothing is reported when the
    class allows extra fields, defines `__getattr__`, is decorated, or derives from a
    class that cannot be read. To keep the cost low, a name imported from a module whose
    text mentions neither `settings` nor `config` is not followed.

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

    ## Fix
    When exactly one field of the class is close to the name (the one the message
    suggests, and no other), the name becomes that field: `settings.fortex_api_token`
    becomes `settings.fortex_auth_token`. The fix is unsafe: the closest name is a
    guess, and the intended setting may be one the class still lacks.
    """

    code = "ASR403"
    name = "unknown-settings-attribute"
    message = "`{}`: settings class `{}` has no attribute `{}`{}"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    # A name the settings class lacks raises AttributeError wherever the code runs.
    roles = frozenset({Role.APP, Role.TEST, Role.SCRIPT})
    # Settings reach a module under a name or import path that says so (`settings`,
    # `get_settings`, `app.config`); other files are not examined.
    required_text = (("onfig", "ettings", "ONFIG", "ETTINGS"),)

    def checks_file(self, context: FileFacts) -> bool:
        return self._worth_it(context)

    def visit_Attribute(self, node: ast.Attribute, context: Context) -> None:
        if node.ctx.__class__ is not ast.Load:
            return
        value = node.value
        kind = value.__class__
        if kind is ast.Name:
            found = self._name(value.id, context,  # type: ignore[attr-defined]
                               context.rule_state(self, dict))
        elif kind is ast.Attribute or kind is ast.Call:
            # The name the chain starts with first: most chains (`self.items.append`,
            # `request.app.state`) start with one that leads to no settings instance,
            # known before the chain is spelt out.
            head = value.func if kind is ast.Call else value  # type: ignore[attr-defined]
            for _ in range(_MAX_LINKS):
                if head.__class__ is not ast.Attribute:
                    break
                head = head.value
            if head.__class__ is not ast.Name:
                return
            state: dict[Any, Any] = context.rule_state(self, dict)
            if not self._may_lead_to_settings(head.id, context, state):
                return
            found = self._chain(value, context, state)
        else:
            return
        if found is None:
            return
        module, class_node = found
        model = class_model(module, class_node)
        attribute = node.attr
        if (model.open or not model.is_settings or attribute in model.attributes
                or attribute in PYDANTIC_API or attribute.startswith("_")):
            return
        close = difflib.get_close_matches(attribute, model.fields, n=2, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        fix = _rename(node, close[0], context) if len(close) == 1 and context.fixes_wanted else None
        context.report(self, node, context.source_segment(node), class_node.name, attribute, hint,
                       fix=fix)

    @staticmethod
    def _worth_it(context: FileFacts) -> bool:
        """Only files that define a class deriving from a settings base (whose name,
        every one of them ``BaseSettings``, the text then holds), or import from a
        project that has a settings class, can hold a settings instance; others never
        look further."""
        if context.text_has("BaseSettings") and any(
                isinstance(n, ast.ClassDef) for n in context.tree.body):
            return True
        project = context.project
        return (project is not None and bool(context.project_imports())
                and bool(settings_modules(project)))

    def _chain(self, value: ast.expr, context: Context, state: dict[Any, Any]) -> ClassRef | None:
        """What a chain of names, or a call of one, stands for, once the name it starts
        with may lead to settings (see :meth:`visit_Attribute`)."""
        # Only a chain of names resolves (`app.config.settings`, `get_settings()`): one
        # through a call or a subscript (`get_settings().db`) stands for nothing known.
        dotted = _dotted(value.func if isinstance(value, ast.Call) else value)
        if dotted is None:
            return None
        head = dotted.partition(".")[0]
        scope = context.defining_scope(head)
        if scope is None or scope.node is not context.tree:
            return None
        # What a module-level expression stands for depends on its names alone: asked
        # once per file for each (`settings.db.url` and `settings.db.port` share it).
        key = ("call" if isinstance(value, ast.Call) else "chain", dotted)
        found = state.get(key, _MISSING)
        if found is _MISSING:
            if isinstance(value, ast.Call):
                found = state[key] = call_result(context.module_info, value)
            else:
                found = state[key] = instance_of_symbol(
                    symbol_of(context.module_info, value, ASSIGNMENTS))
        return found  # type: ignore[no-any-return]

    def _name(self, name: str, context: Context, state: dict[Any, Any]) -> ClassRef | None:
        function = context.scope_nodes[-1]
        # A function's parameter names, kept by the function's identity (an int key,
        # unlike the tuples and strings of the other entries).
        parameters: frozenset[str] | None = state.get(id(function))
        if parameters is None:
            parameters = state[id(function)] = (
                _parameters(function) if isinstance(function, FUNCTION_TYPES) else frozenset())
        if name in parameters:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return None  # A lambda's parameter.
            key = (id(function), name)
            cached = state.get(key, _MISSING)
            if cached is _MISSING:
                cached = state[key] = self._parameter_instance(name, function, context)
            return cached  # type: ignore[no-any-return]
        if name[:1].isupper():  # A class: `Settings.x` is not an instance attribute.
            return None
        module_key = ("module", name)
        cached = state.get(module_key, _MISSING)
        if cached is _MISSING:
            cached = None
            if self._may_lead_to_settings(name, context, state):
                cached = instance_of_symbol(context.module_info.lookup(name, kinds=ASSIGNMENTS))
            state[module_key] = cached
        if cached is None:
            return None
        # The module-level name, not a local or a comprehension variable of that name.
        scope = context.defining_scope(name)
        return cached if scope is not None and scope.node is context.tree else None

    def _may_lead_to_settings(self, name: str, context: Context, state: dict[Any, Any]) -> bool:
        """Cheap rejections before resolving a module-level name: classes (not
        instances), names from outside the project, and project modules whose text
        mentions neither settings nor config (they are not parsed)."""
        key = ("lead", name)
        found = state.get(key)
        if found is None:
            found = state[key] = self._leads(name, context)
        return bool(found)

    @staticmethod
    def _leads(name: str, context: Context) -> bool:
        module = context.module_info
        if name in module.definitions:
            return module.definitions[name] is not None
        if name not in module.imports:
            return False
        target = module.imports[name]
        project = module.project
        if target is None or project is None or project.module_path(target[0]) is None:
            return False
        dotted = target[0] if target[1] is None else f"{target[0]}.{target[1]}"
        if project.module_path(dotted) is not None and target[1] is None:
            return True  # `import app.config`: decided by the attribute asked about.
        return project.mentions(target[0], _SETTINGS_WORDS) or (
            project.module_path(dotted) is not None)

    def _parameter_instance(self, name: str, function: ast.FunctionDef | ast.AsyncFunctionDef,
                            context: Context) -> ClassRef | None:
        module = context.module_info
        parameter = next(a for a in _all_arguments(function) if a.arg == name)
        found: ClassRef | None = None
        if parameter.annotation is not None:
            found = settings_class_ref(module, parameter.annotation)
        else:
            default = parameter_default(function.args, parameter)
            if (isinstance(default, ast.Call) and default.args
                    and isinstance(default.args[0], ast.Name)
                    and context.qualified_name(default.func, [context.tree]) in _DEPENDS):
                provider = module.lookup(default.args[0].id, kinds=FUNCTIONS)
                if isinstance(provider, Local) and isinstance(provider.node, ast.FunctionDef):
                    found = function_result(provider.module, provider.node)
        if found is None or _rebound(function, parameter, context.numbered_lines()):
            return None
        return found


_SETTINGS_WORDS = ("settings", "Settings", "SETTINGS", "config", "Config", "CONFIG")
# Links of a chain of names that may still lead to a settings instance: packages,
# modules, then the instance.
_MAX_LINKS = 32


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None; None too for a chain
    longer than any path of modules (each attribute read of a chain asks about the
    chain before it, which must not cost its whole length)."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        if len(attributes) == _MAX_LINKS:
            return None
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(attributes)])


def _all_arguments(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.arg]:
    arguments = function.args
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> frozenset[str]:
    return frozenset(a.arg for a in _all_arguments(function))


def _rebound(function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: ast.arg,
             lines: Sequence[str]) -> bool:
    """Whether the parameter's name is bound again anywhere in ``function``: assigned or
    deleted, declared global or nonlocal, caught (``except E as name``), imported,
    defined (``def name``), or captured by a ``match`` pattern. ``lines``: the file's,
    which most often tell without a walk of the function (see :func:`_only_read`)."""
    name = parameter.arg
    if _only_read(function, parameter, lines):
        return False
    return any(name in _bound_by(node) for node in walk(function) if node is not function)


def _only_read(function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: ast.arg,
               lines: Sequence[str]) -> bool:
    """Whether the function's text shows that nothing in it binds the parameter's name:
    every other mention of the name is followed by a dot (an attribute read,
    ``config.debug``), and no line holds an import (``import config.sub`` binds
    ``config``). Every other way to bind a name writes something else after it. A text
    that is not all ASCII, where a name may be spelt in another form of the same
    characters, is left to the walk."""
    first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    last = function.end_lineno
    if last is None or last > len(lines):
        return False
    word = _word(parameter.arg)
    for number in range(first, last + 1):
        line = lines[number - 1]
        if not line.isascii() or "import" in line:
            return False
        for found in word.finditer(line):
            if line[found.end():found.end() + 1] == ".":
                continue
            if number == parameter.lineno and found.start() == parameter.col_offset:
                continue  # The parameter itself.
            return False
    return True


@lru_cache(maxsize=256)
def _word(name: str) -> re.Pattern[str]:
    """``name`` as a whole word (its text first, the boundary checked behind it, so that
    it is searched for as text)."""
    escaped = re.escape(name)
    return re.compile(rf"{escaped}(?<=\b{escaped})(?!\w)")


def _bound_by(node: ast.AST) -> tuple[str | None, ...] | list[str]:
    if isinstance(node, ast.Name):
        return () if isinstance(node.ctx, ast.Load) else (node.id,)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return node.names
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.FunctionDef,
                         ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.alias):
        return (node.asname or node.name.partition(".")[0],)
    if isinstance(node, ast.MatchMapping):
        return (node.rest,)
    return ()


def _rename(node: ast.Attribute, field: str, context: Context) -> Fix | None:
    """Replace the attribute's name (the last characters of the node) with ``field``."""
    line: int | None = node.end_lineno
    if line is None or node.end_col_offset is None:
        return None
    end = context.char_col(line, node.end_col_offset)
    start = end - len(node.attr)
    if context.lines[line - 1][start:end] != node.attr:
        return None
    return Fix(edits=(Edit(line, start, line, end, field),), safe=False,
               description=f"Replace with `{field}`")
