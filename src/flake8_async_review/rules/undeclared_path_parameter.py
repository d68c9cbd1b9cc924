"""ASR506: a path parameter of a FastAPI route that its endpoint does not declare."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from keyword import iskeyword

from ..analysis.nodes import walk
from ..analysis.project import CLASSES, Local, imported_from_project
from ..analysis.scopes import all_parameters, own_nodes, parameter_default
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.fastapi_routes import APP_TYPES, route_decorators

ScopeChain = Sequence[ast.AST]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# Starlette's own syntax: `{name}` or `{name:converter}`, nothing else.
_PARAMETER = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_][a-zA-Z0-9_]*)?}")
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security",
                      "fastapi.params.Security"})
_MODELS = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
# Parameters through which an endpoint or a dependency can read any path parameter.
_CONNECTIONS = frozenset({"Request", "WebSocket", "HTTPConnection"})
_MAX_DEPTH = 6


class UndeclaredPathParameter(Rule):
    """
    ## What it does
    Finds a parameter in a FastAPI route's path (`@router.get("/items/{item_id}")`,
    `api_route`, `websocket`, and the path prefix of a router created in the same
    module) that neither the endpoint nor any of its dependencies declares.

    ## Why is this bad?
    FastAPI hands an endpoint only the path parameters it declares. An undeclared one
    is matched in the URL and then dropped: the endpoint cannot tell `/items/1` from
    `/items/2`, and usually answers every id with the same (first, or default) item.
    Most often the parameter was renamed on one side only (`{item_id}` in the path,
    `id` in the signature).

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/items/{item_id}")
    async def read_item(id: int):
        ...
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/items/{item_id}")
    async def read_item(item_id: int):
        ...
    ```

    ## Where it applies
    Routes of a `FastAPI` app or `APIRouter` whose type the module shows, with a path
    written as a string. A parameter counts as declared when the endpoint has it (or a
    parameter whose `Path(alias=...)` names it), or a dependency does
    (`Depends(get_item)` in a parameter or in `dependencies=[...]` of the route or of
    the router), followed through the module's own functions and classes. The rule is
    silent when it cannot see everything: a dependency imported from elsewhere, a
    `**kwargs` parameter, a `Request` the endpoint hands to other code (a template can
    read `request.path_params`) or in a module that reads `path_params`, an alias not
    written as a string, a method of a class-based view, a path built at run time.
    A prefix given to `include_router()` in another module is not seen.

    ## Fix
    Adds the parameter, as `item_id: str`, first in the endpoint's signature. Unsafe:
    the right type is for the author to choose (`int` converts and validates), and
    the parameter may have been meant to replace a misspelt one. No fix for a name
    that cannot be a Python parameter (`{import}`: declare it with
    `Path(alias="import")`), nor for an endpoint with positional-only parameters.
    """

    code = "ASR506"
    name = "undeclared-path-parameter"
    message = ("path parameter `{}` is declared by neither `{}()` nor its dependencies: "
               "its value is dropped")
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = ("fastapi", "{")

    def visit_FunctionDef(self, node: ast.FunctionDef, context: Context) -> None:
        self._check(node, context)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, context: Context) -> None:
        self._check(node, context)

    def _check(self, node: FunctionNode, context: Context) -> None:
        if isinstance(context.scope_nodes[-1], ast.ClassDef):
            return  # A class-based view: its class attributes may declare parameters.
        decorators = route_decorators(node, context)
        if not decorators:
            return
        chain = list(context.scope_nodes)
        declared = _declared(node, context, chain, 0)
        if declared is None or _passes_on_request(node):
            return
        for decorator in decorators:
            path = _path_argument(decorator)
            if path is None:
                continue
            router = decorator.func.value  # type: ignore[attr-defined]
            router_parts = _router_parts(router, context, chain)
            if router_parts is None:
                continue
            prefix, router_dependencies = router_parts
            more = _dependency_list(decorator, context, 0)
            if more is None or router_dependencies is None:
                continue
            names = declared | more | router_dependencies
            missing: list[str] = []
            for name in [*_PARAMETER.findall(prefix), *_PARAMETER.findall(str(path.value))]:
                if name not in names and name not in missing:
                    missing.append(name)
            # Each report's fix adds all of them, in path order (an edit made twice
            # applies once).
            fix = _fix(node, missing, context) if missing and context.fixes_wanted else None
            for name in missing:
                context.report(self, path, name, node.name, fix=fix)


def _path_argument(decorator: ast.Call) -> ast.Constant | None:
    path: ast.expr | None = decorator.args[0] if decorator.args else None
    for keyword in decorator.keywords:
        if keyword.arg == "path":
            path = keyword.value
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        return path
    return None


def _router_parts(router: ast.expr, context: Context,
                  chain: ScopeChain) -> tuple[str, frozenset[str] | None] | None:
    """The router's path prefix and what its ``dependencies=`` declare, for a router
    created in this module: ("", empty) for one with neither; None when the prefix
    cannot be read."""
    if not isinstance(router, ast.Name):
        return "", frozenset()
    values = [s.value for s in context.tree.body
              if isinstance(s, ast.Assign) and len(s.targets) == 1
              and isinstance(s.targets[0], ast.Name) and s.targets[0].id == router.id]
    values += [s.value for s in context.tree.body
               if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
               and s.target.id == router.id and s.value is not None]
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return "", frozenset()
    call = values[0]
    if context.qualified_name(call.func, [context.tree]) not in APP_TYPES:
        return "", frozenset()
    prefix = ""
    for keyword in call.keywords:
        if keyword.arg == "prefix":
            if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                return None
            prefix = keyword.value.value
        elif keyword.arg is None:
            return None
    return prefix, _dependency_list(call, context, 0)


def _dependency_list(call: ast.Call, context: Context, depth: int) -> frozenset[str] | None:
    """What the ``dependencies=[Depends(...), ...]`` of a route or router declare."""
    names: set[str] = set()
    for keyword in call.keywords:
        if keyword.arg is None:
            return None
        if keyword.arg != "dependencies":
            continue
        if not isinstance(keyword.value, (ast.List, ast.Tuple)):
            return None
        for element in keyword.value.elts:
            found = _from_depends(element, None, context, depth)
            if found is None:
                return None
            names |= found
    return frozenset(names)


def _declared(function: FunctionNode, context: Context, chain: ScopeChain,
              depth: int) -> frozenset[str] | None:
    """The request parameters a function declares, with those of its dependencies;
    None when it may read any (``**kwargs``, a ``Request``) or the source does not say."""
    if depth > _MAX_DEPTH:
        return None
    arguments = function.args
    if arguments.kwarg is not None:
        return None
    names: set[str] = set()
    for parameter in all_parameters(arguments):
        found = _parameter_names(parameter, parameter_default(arguments, parameter),
                                 context, chain, depth)
        if found is None:
            return None
        names |= found
    return frozenset(names)


def _parameter_names(parameter: ast.arg, default: ast.expr | None, context: Context,
                     chain: ScopeChain, depth: int) -> frozenset[str] | None:
    annotation = parameter.annotation
    metadata: list[ast.expr] = []
    if annotation is not None:
        annotation, metadata = _unwrap(annotation, context, chain)
        if annotation is None:
            return None
        if _is_connection(annotation) and _reads_path_params(context):
            return None
    names = {parameter.arg}
    for item in [*metadata, *([default] if default is not None else [])]:
        if not isinstance(item, ast.Call):
            continue
        if context.qualified_name(item.func, chain) in _DEPENDS:
            found = _from_depends(item, annotation, context, depth + 1)
            if found is None:
                return None
            names |= found
            continue
        for keyword in item.keywords:
            if keyword.arg is None:
                return None
            if keyword.arg == "alias":
                if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                    return None
                names.discard(parameter.arg)  # The request knows it by its alias only.
                names.add(keyword.value.value)
    return frozenset(names)


def _unwrap(annotation: ast.expr, context: Context,
            chain: ScopeChain) -> tuple[ast.expr | None, list[ast.expr]]:
    """The declared type and the ``Annotated`` metadata of an annotation, through a
    module-level alias; (None, []) when it is an alias the module cannot see."""
    for _ in range(_MAX_DEPTH):
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return None, []
            continue
        if isinstance(annotation, ast.Subscript):
            if context.qualified_name(annotation.value, chain) in _ANNOTATED:
                items = (annotation.slice.elts if isinstance(annotation.slice, ast.Tuple)
                         else [annotation.slice])
                return items[0], list(items[1:])
            return annotation, []
        if isinstance(annotation, ast.Name):
            alias = _module_alias(annotation.id, context)
            if alias is not None:
                annotation = alias
                continue
            if not _plain_name(annotation.id, context, chain):
                return None, []
        return annotation, []
    return None, []


def _module_alias(name: str, context: Context) -> ast.expr | None:
    """The subscript a module-level assignment binds ``name`` to, when it is the one
    plain assignment of the name (``DbSession = Annotated[...]``)."""
    aliases: dict[str, ast.expr | None] = context.shared_state("annotation aliases", lambda: {
        bound: values[0] if len(values) == 1 and isinstance(values[0], ast.Subscript) else None
        for bound, values in _module_assignments(context.tree).items()})
    return aliases.get(name)


def _module_assignments(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """The values that plain one-target assignments of the module body bind, by name."""
    found: dict[str, list[ast.expr]] = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            found.setdefault(statement.targets[0].id, []).append(statement.value)
    return found


def _plain_name(name: str, context: Context, chain: ScopeChain) -> bool:
    """A name that is not an ``Annotated`` alias this module cannot see: a builtin, a
    class of this module, a name of an installed package, or a class of the project."""
    found, qualified = context.lookup(name, chain)
    if not found:
        return True  # A builtin (`int`, `str`) or undefined.
    if qualified is None:
        return not any(isinstance(s, (ast.Assign, ast.AnnAssign)) for s in context.tree.body
                       if name in {t.id for t in _targets(s)})
    if not context.in_project(qualified):
        return True
    symbol = imported_from_project(context.module_info, name, CLASSES)
    return isinstance(symbol, Local) and isinstance(symbol.node, ast.ClassDef)


def _targets(statement: ast.stmt) -> list[ast.Name]:
    if isinstance(statement, ast.Assign):
        return [t for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target]
    return []


def _is_connection(annotation: ast.expr) -> bool:
    for node in walk(annotation):
        name = (node.id if isinstance(node, ast.Name)
                else node.attr if isinstance(node, ast.Attribute) else None)
        if name in _CONNECTIONS:
            return True
    return False


def _passes_on_request(function: FunctionNode) -> bool:
    """The endpoint hands its ``Request`` to other code (a template, a helper), which
    can read any path parameter from it."""
    requests = {p.arg for p in all_parameters(function.args)
                if p.annotation is not None and _is_connection(p.annotation)}
    if not requests:
        return False
    receivers = set()
    uses = []
    for node in own_nodes(function):
        if isinstance(node, ast.Attribute):
            receivers.add(id(node.value))
        elif isinstance(node, ast.Name) and node.id in requests and isinstance(node.ctx, ast.Load):
            uses.append(node)
    return any(id(use) not in receivers for use in uses)


def _reads_path_params(context: Context) -> bool:
    """The module reads ``request.path_params``: a ``Request`` parameter may then read
    any path parameter."""
    return context.text_has("path_params")


def _from_depends(call: ast.expr, annotation: ast.expr | None, context: Context,
                  depth: int) -> frozenset[str] | None:
    """What the dependency of a ``Depends(...)`` declares, when it is a function or
    class of this module."""
    if not isinstance(call, ast.Call):
        return None
    if context.qualified_name(call.func, [context.tree]) not in _DEPENDS:
        return None
    target: ast.expr | None = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "dependency":
            target = keyword.value
    if target is None:
        target = annotation  # `Depends()`: the annotated class is the dependency.
    instance = False
    if isinstance(target, ast.Call) and not target.args and not target.keywords:
        target, instance = target.func, True  # `Depends(Checker())`: its `__call__`.
    if not isinstance(target, ast.Name):
        return None
    if context.defining_scope(target.id, [context.tree]) is not context.scope(context.tree):
        return None
    definitions = [s for s in context.tree.body
                   if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                   and s.name == target.id]
    if len(definitions) != 1 or definitions[0].decorator_list:
        return None
    definition = definitions[0]
    if isinstance(definition, ast.ClassDef):
        return _class_declares(definition, instance, context, depth)
    if instance:
        return None
    return _declared(definition, context, [context.tree], depth + 1)


def _class_declares(definition: ast.ClassDef, instance: bool, context: Context,
                    depth: int) -> frozenset[str] | None:
    """What a class of this module declares as a dependency: its ``__init__``'s
    parameters (a pydantic model's fields), or for an instance its ``__call__``'s."""
    methods = {s.name: s for s in definition.body if isinstance(s, ast.FunctionDef)}
    if definition.keywords or "__new__" in methods:
        return None
    wanted = "__call__" if instance else "__init__"
    if wanted in methods:
        if definition.bases and not instance:
            return None  # A base class may change how it is built.
        return _declared(methods[wanted], context, [context.tree], depth + 1)
    if instance:
        return None
    if not definition.bases:
        return frozenset()  # `object.__init__`: nothing.
    if all(context.qualified_name(base, [context.tree]) in _MODELS for base in definition.bases):
        fields: set[str] = set()
        for statement in definition.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                if isinstance(statement.value, ast.Call):
                    return None  # `Field(alias=...)` and the like.
                fields.add(statement.target.id)
        return frozenset(fields)
    return None


def _fix(function: FunctionNode, names: list[str], context: Context) -> Fix | None:
    """``name: str`` for each name, first in the signature (not before positional-only
    parameters)."""
    arguments = function.args
    if arguments.posonlyargs or set(names) & {p.arg for p in all_parameters(arguments)}:
        return None
    if any(iskeyword(name) or name == "__debug__" for name in names):
        return None  # Not a valid parameter name: only `Path(alias=...)` can declare it.
    description = f"Add {', '.join(f'`{name}: str`' for name in names)} to the endpoint's parameters"
    # The `def name(` of the function, in the simple layouts a fix can rely on.
    for number in range(function.lineno, min(function.body[0].lineno, len(context.lines)) + 1):
        text = context.lines[number - 1]
        match = re.search(rf"\bdef\s+{re.escape(function.name)}\s*\(", text)
        if match is None:
            continue
        has_parameters = bool(all_parameters(arguments) or arguments.vararg or arguments.kwarg)
        rest = text[match.end():]
        if not has_parameters or rest.strip():
            insertion = ", ".join(f"{name}: str" for name in names) + (", " if has_parameters else "")
            column = match.end()
            return Fix(edits=(Edit(number, column, number, column, insertion),), safe=False,
                       description=description)
        # One parameter a line: a line of its own for each, indented as the next one.
        following = context.lines[number] if number < len(context.lines) else ""
        indent = following[:len(following) - len(following.lstrip())]
        if not following.strip() or following.lstrip().startswith("#"):
            return None
        insertion = "".join(f"{indent}{name}: str,\n" for name in names)
        return Fix(edits=(Edit(number + 1, 0, number + 1, 0, insertion),), safe=False,
                   description=description)
    return None
