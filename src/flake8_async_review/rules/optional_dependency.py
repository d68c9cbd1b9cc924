"""ASR404: a feature used in a way that needs an extra package the project does not declare."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet

from ..analysis.dependencies import Declared, declared_dependencies
from ..analysis.facts import FileFacts
from ..analysis.nodes import last_name, walk
from ..analysis.project import External, Local, ModuleInfo, project_root
from ..analysis.scopes import imported_names, parameter_default
from ..analysis.settings_classes import symbol_of
from ..engine.context import Context
from ..engine.rule import Rule, Severity
from .common.fastapi_routes import route_decorators

ScopeChain = Sequence[ast.AST]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
# (the package a feature needs, packages or "package[extra]" that also provide it)
Feature = tuple[str, tuple[str, ...]]

_EMAIL: Feature = ("email-validator", ("email-validator", "pydantic[email]", "fastapi[standard]",
                                       "fastapi[all]"))
_MULTIPART: Feature = ("python-multipart", ("python-multipart", "fastapi[standard]",
                                            "fastapi[all]"))
_JINJA: Feature = ("jinja2", ("jinja2", "fastapi[standard]", "fastapi[all]"))

EMAIL_TYPES = frozenset({"pydantic.EmailStr", "pydantic.NameEmail", "pydantic.networks.EmailStr",
                         "pydantic.networks.NameEmail"})
UPLOAD_FILE = frozenset({"fastapi.UploadFile", "fastapi.datastructures.UploadFile"})
FORM_PARAMETERS = frozenset({"fastapi.Form", "fastapi.File", "fastapi.param_functions.Form",
                             "fastapi.param_functions.File", "fastapi.params.Form",
                             "fastapi.params.File"})
TEMPLATES = frozenset({"fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates"})
RESPONSES: dict[str, Feature] = {
    "fastapi.responses.ORJSONResponse": ("orjson", ("orjson", "fastapi[all]")),
    "fastapi.responses.UJSONResponse": ("ujson", ("ujson", "fastapi[all]")),
}
FEATURES: dict[str, Feature] = {
    **dict.fromkeys(EMAIL_TYPES, _EMAIL),
    **dict.fromkeys(UPLOAD_FILE | FORM_PARAMETERS, _MULTIPART),
    **dict.fromkeys(TEMPLATES, _JINJA),
    **RESPONSES,
}

# What makes a class a pydantic model: its fields are validated, so their types' schemas
# are built when the class is created.
MODEL_BASES = frozenset({
    "pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel", "pydantic.RootModel",
    "pydantic.root_model.RootModel", "pydantic_settings.BaseSettings",
    "pydantic_settings.main.BaseSettings", "pydantic.BaseSettings",
    "pydantic.env_settings.BaseSettings", "pydantic.v1.BaseSettings", "sqlmodel.SQLModel",
    "sqlmodel.main.SQLModel",
})
_PYDANTIC_DATACLASS = frozenset({"pydantic.dataclasses.dataclass"})
_VALIDATE_CALL = frozenset({"pydantic.validate_call", "pydantic.validate_arguments",
                            "pydantic.validate_call_decorator.validate_call"})
# Calls whose first argument is a type whose schema they build.
_ADAPTERS = frozenset({"pydantic.TypeAdapter", "pydantic.type_adapter.TypeAdapter",
                       "pydantic.parse_obj_as", "pydantic.tools.parse_obj_as"})
# FastAPI parameter declarations: a function with one of these as a parameter's default
# (or in its `Annotated` metadata) is a FastAPI dependant, analysed when its route is
# registered.
_PARAMETER_NAMES = ("Query", "Path", "Body", "Form", "File", "Header", "Cookie", "Depends",
                    "Security")
FASTAPI_PARAMETERS = frozenset(f"{module}.{name}" for name in _PARAMETER_NAMES
                               for module in ("fastapi", "fastapi.param_functions",
                                              "fastapi.params"))
DEPENDENCIES = frozenset(f"{module}.{name}" for name in ("Depends", "Security")
                         for module in ("fastapi", "fastapi.param_functions", "fastapi.params"))
_RESPONSE_CLASS_KEYWORDS = frozenset({"response_class", "default_response_class"})
_IMPORT_ERRORS = frozenset({"builtins.ImportError", "builtins.ModuleNotFoundError"})
_TRY_TYPES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def _last(qualified: frozenset[str] | dict[str, Feature]) -> frozenset[str]:
    return frozenset(name.rpartition(".")[2] for name in qualified)


_EMAIL_NAMES = _last(EMAIL_TYPES)
_UPLOAD_NAMES = _last(UPLOAD_FILE)
_FORM_NAMES = _last(FORM_PARAMETERS)
_PARAMETER_FUNCTION_NAMES = frozenset(_PARAMETER_NAMES)
_CONSTRUCTOR_NAMES = _last(TEMPLATES) | _last(RESPONSES)
_ADAPTER_NAMES = _last(_ADAPTERS)
_RESPONSE_NAMES = _last(RESPONSES)
_ALIASED = frozenset(FEATURES) | FASTAPI_PARAMETERS | _ADAPTERS
# What each handler looks for, and a cheap test of the file's text for those words (the
# parameter functions only count when called).
_FUNCTION_NAMES = _EMAIL_NAMES | _UPLOAD_NAMES | _FORM_NAMES
_CALL_NAMES = _CONSTRUCTOR_NAMES | _ADAPTER_NAMES | _EMAIL_NAMES
_WORDS = {word: word.rstrip("(") for word in (
    "EmailStr", "NameEmail", "UploadFile", "Jinja2Templates", "ORJSONResponse", "UJSONResponse",
    "TypeAdapter", "parse_obj_as", "Form(", "File(")}
# Generic forms whose arguments are not validated as values of that type.
_OPAQUE_GENERICS = frozenset({"Callable", "type", "Type", "ClassVar", "Literal"})
_UNIONS = frozenset({"Optional", "Union"})
_SEQUENCES = frozenset({"list", "List", "Sequence", "set", "Set", "frozenset", "FrozenSet"})


class OptionalDependencyNotDeclared(Rule):
    """
    ## What it does
    Finds a feature used in a way that needs a package its library does not install,
    when the project's declared dependencies (`pyproject.toml` `[project]` dependencies
    and optional groups, `[dependency-groups]`, Poetry dependencies and groups,
    `requirements*.txt`, `setup.cfg`, literal lists in `setup.py`) do not include it:

    | Feature | Needs | Also provided by |
    |---|---|---|
    | `EmailStr`, `NameEmail` | `email-validator` | `pydantic[email]`, `fastapi[standard]`, `fastapi[all]` |
    | FastAPI `Form`, `File`, `UploadFile` | `python-multipart` | `fastapi[standard]`, `fastapi[all]` |
    | `Jinja2Templates` | `jinja2` | `fastapi[standard]`, `fastapi[all]` |
    | `ORJSONResponse` | `orjson` | `fastapi[all]` |
    | `UJSONResponse` | `ujson` | `fastapi[all]` |

    The finding is at the use that needs the package, once per use, not at the import:

    - `EmailStr`, `NameEmail` in the type of a field of a pydantic model (a class
      deriving from `BaseModel`, `BaseSettings` or `SQLModel`, also through classes of
      the project, or a pydantic dataclass), of a parameter of a FastAPI route or
      dependency or of a `@validate_call` function, in a route's response model, in
      `TypeAdapter(...)`: pydantic builds their validator there;
    - `Form()`, `File()` declaring a parameter of a route or dependency, and
      `UploadFile` (also optional, or in a list) as the type of one: FastAPI checks for
      python-multipart when it registers the route;
    - `Jinja2Templates(...)`, `ORJSONResponse(...)`, `UJSONResponse(...)`, and the
      response classes passed as `response_class=` or `default_response_class=`.

    A route is a function decorated with `@app.get(...)` and the like on a known
    `FastAPI` or `APIRouter`; a dependency is a function (not a method) with a
    parameter declared through FastAPI (`Depends()`, `Query()`, `Form()`, ...), or a
    module-level function or class (its `__init__`) passed to `Depends()` in the same
    module. Other uses need none of these packages and are not reported:
    `isinstance(value, NameEmail)`, `NameEmail(...)`, `UploadFile` as the type of a
    helper's parameter, a response class in an annotation, the import itself.

    The project is the nearest directory above the file with `pyproject.toml`,
    `setup.cfg`, `setup.py` or `.git`. Nothing is reported when no dependency
    declaration can be read there (or `setup.py` computes its requirements), for a use
    inside a `try` whose `except` catches `ImportError`, nor for a name imported inside
    such a `try` or under `if TYPE_CHECKING:`: that code has planned for the missing
    package.

    ## Why is this bad?
    The code works on the developer's machine, where the package happens to be
    installed, and fails in a clean install: pydantic raises `ImportError` when the
    model is defined and FastAPI refuses to register a form route, at start-up of the
    production container; Starlette fails when the templates are created, a response
    class when it renders its first response.

    ## Example
    ```python
    # pyproject.toml: dependencies = ["fastapi", "pydantic"]
    from pydantic import BaseModel, EmailStr


    class SignUp(BaseModel):
        email: EmailStr
    ```

    ## Use instead
    Declare the package, here through pydantic's extra:

    ```toml
    [project]
    dependencies = ["fastapi", "pydantic[email]"]
    ```

    or do without the feature:

    ```python
    from pydantic import BaseModel


    class SignUp(BaseModel):
        email: str
    ```

    ## Fix
    No fix is offered: the missing package is declared in another file
    (`pyproject.toml`, `requirements.txt`, `setup.cfg` ...), whose format and version
    pins are the project's own, and a fix only edits the file it reports on. Add the
    package the message names to the project's dependencies.
    """

    code = "ASR404"
    name = "optional-dependency-not-declared"
    message = "`{}` needs `{}`, which the project's dependencies do not declare: add it (or `{}`)"
    severity = Severity.HIGH
    # What the rule looks for is imported from FastAPI, Starlette or pydantic by the file
    # itself (a name imported through a module of the project is not followed), and
    # `Form` and `File` are only used called (or imported under another name). The
    # second entry follows from the third: a file that holds none of its texts is
    # decided with five searches instead of ten.
    required_text = (("pydantic", "fastapi", "starlette"),
                     ("File", "Form", "Email", "JSONResponse", "Jinja2Templates"),
                     ("File(", "Form(", "UploadFile", "EmailStr", "NameEmail", "File as", "Form as",
                      "Jinja2Templates", "ORJSONResponse", "UJSONResponse"))
    # Each handler first asks whether the file itself spells one of the names it looks
    # for (see ``_FileState.may_use``): the modules it imports from cannot add one.
    triggers_in_own_text = True

    # -- pydantic models -----------------------------------------------------------------

    def checks_file(self, context: FileFacts) -> bool:
        # A file whose text names nothing the rule looks for (nor an alias of it).
        state = self._state(context)
        return any(state.may_use(names) for names in (_CALL_NAMES, _EMAIL_NAMES, _FUNCTION_NAMES))

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        state = self._state(context)
        if not state.may_use(_EMAIL_NAMES):
            return
        emails = state.spelt(_EMAIL_NAMES)
        fields = [statement for statement in node.body
                  if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                  and not statement.target.id.startswith("_")
                  and _mentions(statement.annotation, emails)]
        if not fields or state.declared is None:
            return
        if not (self._is_model(node, context) or _decorated_by(node, _PYDANTIC_DATACLASS, context)):
            return
        if _guarded(node, context):
            return
        chain = [*context.scope_nodes, node]
        for statement in fields:
            self._report_first(_type_names(statement.annotation), EMAIL_TYPES, context, chain)

    def _is_model(self, node: ast.ClassDef, context: Context) -> bool:
        module_scope = context.scope(context.tree)
        for base in node.bases:
            target = base.value if isinstance(base, ast.Subscript) else base
            if context.qualified_name(target) in MODEL_BASES:
                return True
            head = target
            while isinstance(head, ast.Attribute):
                head = head.value
            if (isinstance(head, ast.Name) and context.defining_scope(head.id) is module_scope
                    and self._symbol_is_model(context.module_info, target, context)):
                return True
        return False

    def _symbol_is_model(self, module: ModuleInfo, base: ast.expr, context: Context,
                         depth: int = 0) -> bool:
        symbol = symbol_of(module, base)
        if isinstance(symbol, External):
            return symbol.qualified in MODEL_BASES
        if not (isinstance(symbol, Local) and isinstance(symbol.node, ast.ClassDef)) or depth > 8:
            return False
        models = self._state(context).models
        key = id(symbol.node)
        if key not in models:
            models[key] = False  # Guards recursion through odd bases.
            models[key] = any(
                self._symbol_is_model(symbol.module,
                                      b.value if isinstance(b, ast.Subscript) else b,
                                      context, depth + 1)
                for b in symbol.node.bases)
        return models[key]

    # -- FastAPI dependants, validated functions -------------------------------------------

    def visit_FunctionDef(self, node: FunctionNode, context: Context) -> None:
        state = self._state(context)
        if not state.may_use(_FUNCTION_NAMES):
            return
        watched = state.spelt(_FUNCTION_NAMES)
        if not any(word in watched for word in _signature_words(node)):
            return
        if state.declared is None or _guarded(node, context):
            return
        routes = route_decorators(node, context)
        if routes or self._is_dependant(node, context):
            self._check_dependant(node, context)
        if routes:
            models = [k.value for d in routes for k in d.keywords if k.arg == "response_model"]
            if not models and node.returns is not None:
                models = [node.returns]
            for model in models:
                self._report_first(_type_names(model), EMAIL_TYPES, context)
        elif _decorated_by(node, _VALIDATE_CALL, context):
            for parameter in _parameters(node.args):
                if parameter.annotation is not None:
                    self._report_first(_type_names(parameter.annotation), EMAIL_TYPES, context)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _is_dependant(self, node: FunctionNode, context: Context) -> bool:
        """A function FastAPI analyses when the route that uses it is registered."""
        scopes = context.scope_nodes
        owner = scopes[-1]
        if isinstance(owner, ast.ClassDef):
            # A method: FastAPI calls only the `__init__` of a class passed to Depends().
            return (len(scopes) == 2 and node.name == "__init__"
                    and owner.name in self._state(context).depended_on(context))
        # A parameter declared for FastAPI: only FastAPI calls such a function.
        if any(self._parameter_calls(node, parameter, FASTAPI_PARAMETERS, context)
               for parameter in _parameters(node.args)):
            return True
        # A module-level function passed to Depends().
        return len(scopes) == 1 and node.name in self._state(context).depended_on(context)

    def _check_dependant(self, node: FunctionNode, context: Context) -> None:
        """One finding per parameter and package: ``Form()``/``File()`` or a file type
        (python-multipart), an e-mail type (email-validator)."""
        for parameter in _parameters(node.args):
            declared = self._parameter_calls(node, parameter, FASTAPI_PARAMETERS, context)
            if any(context.qualified_name(call.func) in DEPENDENCIES for call in declared):
                continue  # A dependency's result: its type is not validated.
            forms = [call.func for call in declared
                     if context.qualified_name(call.func) in FORM_PARAMETERS]
            if forms:
                self._report_first(forms, FORM_PARAMETERS, context)
            elif not declared and parameter.annotation is not None:
                upload = _file_type(parameter.annotation, context)
                if upload is not None:
                    self._report_first([upload], UPLOAD_FILE, context)
            if parameter.annotation is not None:
                self._report_first(_type_names(parameter.annotation), EMAIL_TYPES, context)

    def _parameter_calls(self, node: FunctionNode, parameter: ast.arg, names: frozenset[str],
                         context: Context) -> list[ast.Call]:
        """Calls to ``names`` that declare the parameter: its default, its ``Annotated``
        metadata."""
        candidates = [parameter_default(node.args, parameter), *_metadata(parameter.annotation)]
        spelt = self._state(context).spelt(_PARAMETER_FUNCTION_NAMES)
        return [c for c in candidates if isinstance(c, ast.Call)
                and last_name(c.func) in spelt
                and context.qualified_name(c.func) in names]

    # -- constructions, response classes, adapters -------------------------------------------

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        # A response class may be passed to any call: every call of a file that may
        # make one of them, none of another.
        return None if self._state(context).may_use(_CALL_NAMES) else frozenset()

    # Calls are all it handles of expressions: anywhere in a file that may make one of
    # them, nowhere in another.
    expression_scopes = callee_names

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        state = self._state(context)
        if not state.may_use(_CALL_NAMES):
            return
        func = node.func
        short = last_name(func)
        constructed = short in state.spelt(_CONSTRUCTOR_NAMES)
        adapted: ast.expr | None = None
        if short in state.spelt(_ADAPTER_NAMES):
            adapted = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) \
                else next((k.value for k in node.keywords if k.arg == "type"), None)
        validated = (short in ("validate", "_validate") and isinstance(func, ast.Attribute)
                     and last_name(func.value) in state.spelt(_EMAIL_NAMES))
        responses = state.spelt(_RESPONSE_NAMES)
        classes = [k.value for k in node.keywords
                   if k.arg in _RESPONSE_CLASS_KEYWORDS and last_name(k.value) in responses]
        if not (constructed or adapted is not None or validated or classes):
            return
        if state.declared is None or _guarded(node, context):
            return
        if constructed:
            self._report_first([func], TEMPLATES | RESPONSES.keys(), context)
        if adapted is not None and context.qualified_name(func) in _ADAPTERS:
            self._report_first(_type_names(adapted), EMAIL_TYPES, context)
        if validated:  # `EmailStr.validate(value)` (pydantic v1), `EmailStr._validate(value)`
            self._report_first([func.value], EMAIL_TYPES, context)  # type: ignore[attr-defined]
        for response_class in classes:
            self._report_first([response_class], RESPONSES.keys(), context)

    # -- reporting ---------------------------------------------------------------------

    def _report_first(self, nodes: Iterable[ast.expr], wanted: AbstractSet[str],
                      context: Context, chain: ScopeChain | None = None) -> None:
        """Report the first of ``nodes`` that names one of the ``wanted`` features."""
        for node in nodes:
            if not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            qualified = context.qualified_name(node, chain)
            if qualified in wanted:
                self._report(node, qualified, context)  # type: ignore[arg-type]
                return

    def _report(self, node: ast.expr, qualified: str, context: Context) -> None:
        state = self._state(context)
        declared = state.declared
        if declared is None or state.planned_for(node, context):
            return
        needed, providers = FEATURES[qualified]
        for provider in providers:
            name, _, extra = provider.partition("[")
            extras = declared.get(name)
            if extras is not None and (not extra or extra.rstrip("]") in extras):
                return
        alternative = next((p for p in providers if "[" in p), providers[-1])
        context.report(self, node, context.source_segment(node), needed, alternative)

    @staticmethod
    def _state(context: FileFacts) -> _FileState:
        return context.shared_state("optional-dependency file state", lambda: _FileState(context))


class _FileState:
    """What the rule learns once per file, each part on first use."""

    def __init__(self, context: FileFacts) -> None:
        self._context = context
        self._declared: Declared | None = None
        self._declared_read = False
        self._planned: frozenset[str] | None = None
        self._depended_on: frozenset[str] | None = None
        self._aliases: dict[str, str] | None = None
        self._present: frozenset[str] | None = None
        self._may_use: dict[frozenset[str], bool] = {}
        self._spelt: dict[frozenset[str], frozenset[str]] = {}
        self.models: dict[int, bool] = {}

    def may_use(self, names: frozenset[str]) -> bool:
        """Whether the file's text has one of ``names`` (for ``Form`` and ``File``: called),
        or imports one under another name: a cheap test before looking at nodes."""
        found = self._may_use.get(names)
        if found is None:
            if self._present is None:
                text = self._context.joined_text()
                self._present = frozenset(name for word, name in _WORDS.items() if word in text)
            found = self._may_use[names] = bool(names & self._present) or self.spelt(names) != names
        return found

    def spelt(self, names: frozenset[str]) -> frozenset[str]:
        """How the file may spell the things ``names`` name: the names themselves and the
        module-level aliases imported for them (``from fastapi import UploadFile as U``)."""
        found = self._spelt.get(names)
        if found is None:
            if self._aliases is None:
                bindings = self._context.scope(self._context.tree).bindings
                self._aliases = {local: qualified.rpartition(".")[2]
                                 for local, qualified in bindings.items()
                                 if qualified in _ALIASED and not qualified.endswith(f".{local}")}
            found = self._spelt[names] = names | frozenset(
                local for local, last in self._aliases.items() if last in names)
        return found

    @property
    def declared(self) -> Declared | None:
        """The project's declared dependencies; None when unknown (the rule is silent)."""
        if not self._declared_read:
            self._declared_read = True
            filename = self._context.filename
            found: Declared | None = None
            if filename and filename not in ("-", "stdin"):
                root = project_root(os.path.dirname(os.path.abspath(filename)))
                found = declared_dependencies(root) if root is not None else None
            self._declared = found
        return self._declared

    def planned_for(self, node: ast.expr, context: Context) -> bool:
        """The name the use starts with was imported inside ``try: ... except
        ImportError`` or under ``if TYPE_CHECKING:``: the code has a plan for the missing
        package, or the name does not exist at run time."""
        if self._planned is None:
            self._planned = frozenset(_planned_imports(context))
        head = node
        while isinstance(head, ast.Attribute):
            head = head.value
        return isinstance(head, ast.Name) and head.id in self._planned

    def depended_on(self, context: Context) -> frozenset[str]:
        """Names passed to ``Depends()``/``Security()`` anywhere in the module."""
        if self._depended_on is None:
            found: set[str] = set()
            for node in walk(context.tree):
                if (isinstance(node, ast.Call) and last_name(node.func) in ("Depends", "Security")
                        and context.qualified_name(node.func, [context.tree]) in DEPENDENCIES):
                    target = node.args[0] if node.args else next(
                        (k.value for k in node.keywords if k.arg == "dependency"), None)
                    if isinstance(target, ast.Name):
                        found.add(target.id)
            self._depended_on = frozenset(found)
        return self._depended_on


def _planned_imports(context: Context) -> Iterator[str]:
    for node in walk(context.tree):
        body: list[ast.stmt] = []
        if isinstance(node, _TRY_TYPES):
            if _catches_import_error(node.handlers, context, [context.tree]):
                body = node.body
        elif isinstance(node, ast.If) and last_name(node.test) == "TYPE_CHECKING":
            body = node.body
        for statement in body:
            for inner in walk(statement):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    yield from (name for name, _ in imported_names(inner))


def _catches_import_error(handlers: list[ast.ExceptHandler], context: Context,
                          chain: ScopeChain | None = None) -> bool:
    for handler in handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if caught is None or any(context.qualified_name(n, chain) in _IMPORT_ERRORS
                                 for n in names if n is not None):
            return True
    return False


def _guarded(node: ast.AST, context: Context) -> bool:
    """The node (being visited) is in a ``try:`` block one of whose handlers catches
    ``ImportError``."""
    return any(_catches_import_error(statement.handlers, context)
               for statement in context.enclosing_try_bodies(node))


def _decorated_by(node: ast.ClassDef | FunctionNode, names: frozenset[str],
                  context: Context) -> bool:
    return any(context.qualified_name(d.func if isinstance(d, ast.Call) else d) in names
               for d in node.decorator_list)


def _parameters(arguments: ast.arguments) -> list[ast.arg]:
    """The named parameters (``*args`` and ``**kwargs`` declare nothing to FastAPI or
    pydantic here)."""
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]


def _mentions(node: ast.expr, names: frozenset[str]) -> bool:
    """Some name or attribute in the type positions of an annotation is spelt like one of
    ``names`` (a cheap test before resolving anything)."""
    return any(last_name(inner) in names for inner in _type_names(node))


def _signature_words(node: FunctionNode) -> Iterator[str | None]:
    """How the names the rule looks at in a function's signature are spelt: the types of
    its parameters, the calls declaring them, its return type and the response models of
    its decorators (a cheap test before resolving anything)."""
    arguments = node.args
    for parameter in _parameters(arguments):
        if parameter.annotation is not None:
            yield from map(last_name, _type_names(parameter.annotation))
            yield from (last_name(m.func) for m in _metadata(parameter.annotation)
                        if isinstance(m, ast.Call))
    for default in (*arguments.defaults, *arguments.kw_defaults):
        if isinstance(default, ast.Call):
            yield last_name(default.func)
    models = [k.value for d in node.decorator_list if isinstance(d, ast.Call)
              for k in d.keywords if k.arg == "response_model"]
    for model in (*models, *([node.returns] if node.returns is not None else [])):
        yield from map(last_name, _type_names(model))


def _generic(node: ast.Subscript) -> tuple[str | None, list[ast.expr]]:
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return last_name(node.value), items


def _metadata(annotation: ast.expr | None) -> list[ast.expr]:
    """The metadata of an ``Annotated[T, ...]`` annotation."""
    if isinstance(annotation, ast.Subscript):
        name, items = _generic(annotation)
        if name == "Annotated":
            return items[1:]
    return []


def _type_names(annotation: ast.expr) -> Iterator[ast.expr]:
    """The names and dotted names in the type positions of an annotation, in source
    order: through generics, unions and the type of ``Annotated``; not into strings,
    calls, ``Annotated`` metadata, or the arguments of ``Callable``, ``type[...]``,
    ``ClassVar`` and ``Literal``."""
    stack: list[ast.expr] = [annotation]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Name, ast.Attribute)):
            yield node
        elif isinstance(node, ast.Subscript):
            name, items = _generic(node)
            if name in _OPAQUE_GENERICS:
                continue
            stack.extend(reversed(items[:1] if name == "Annotated" else items))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            stack += [node.right, node.left]
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(reversed(node.elts))


def _file_type(annotation: ast.expr, context: Context, depth: int = 0) -> ast.expr | None:
    """The ``UploadFile`` that makes FastAPI read a parameter as an uploaded file:
    ``UploadFile``, a union with it (``UploadFile | None``), a list or set of those,
    through ``Annotated``."""
    if depth > 8:
        return None
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return annotation if context.qualified_name(annotation) in UPLOAD_FILE else None
    members: list[ast.expr] = []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        members = [annotation.left, annotation.right]
    elif isinstance(annotation, ast.Subscript):
        name, items = _generic(annotation)
        if name == "Annotated":
            return _file_type(items[0], context, depth + 1) if items else None
        if name in _UNIONS:
            members = items
        elif name in _SEQUENCES and len(items) == 1:
            return _file_type(items[0], context, depth + 1)
    for member in members:
        found = _file_type(member, context, depth + 1)
        if found is not None:
            return found
    return None

