"""Pydantic settings classes of a project: which classes they are, what they define, and
which expressions are instances of them. Answers come from the project tier
(:mod:`project`); anything it cannot see makes the answer "unsure" (None or open)."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .facts import FileFacts
from .project import (
    MODULES,
    SETTINGS_CLASSES,
    SETTINGS_FACTORIES,
    SETTINGS_REFERENCES,
    External,
    Kinds,
    Local,
    ModuleInfo,
    ModuleRef,
    Project,
    Symbol,
    is_stub,
    load_module,
    materialize,
    register_cache,
)
from .source import source_lines

SETTINGS_BASES = frozenset({
    "pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings",
    "pydantic.BaseSettings", "pydantic.env_settings.BaseSettings", "pydantic.v1.BaseSettings",
})
# Bases whose API is listed below: a class deriving from them is still fully known.
_KNOWN_BASES = SETTINGS_BASES | {
    "pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel",
    "builtins.object", "abc.ABC",
}
PYDANTIC_API = frozenset({
    # pydantic v2 / pydantic-settings
    "model_config", "model_fields", "model_computed_fields", "model_extra", "model_fields_set",
    "model_construct", "model_copy", "model_dump", "model_dump_json", "model_json_schema",
    "model_parametrized_name", "model_post_init", "model_rebuild", "model_validate",
    "model_validate_json", "model_validate_strings", "settings_customise_sources",
    # pydantic v1
    "dict", "json", "copy", "parse_obj", "parse_raw", "parse_file", "from_orm", "construct",
    "schema", "schema_json", "validate", "update_forward_refs", "Config", "fields",
})
_CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
_CONFIG_CALLS = frozenset({
    "pydantic_settings.SettingsConfigDict", "pydantic.ConfigDict", "builtins.dict",
    "pydantic_settings.main.SettingsConfigDict",
})


@dataclass
class SettingsClass:
    """What the tier knows of a class: is it a settings class, and its attribute names.
    ``open`` means unknown attributes may exist (extra allowed, ``__getattr__``, a base
    the tier cannot see)."""

    name: str
    is_settings: bool = False
    open: bool = False
    attributes: set[str] = field(default_factory=set)
    fields: list[str] = field(default_factory=list)




def symbol_of(module: ModuleInfo, node: ast.expr, kinds: Kinds | None = None) -> Symbol | None:
    """What a name or dotted expression at the top level of ``module`` stands for.
    ``kinds``: what the caller can use (see :meth:`ModuleInfo.lookup`); the modules of
    a dotted expression's prefix are then looked up as modules only."""
    if isinstance(node, ast.Name):
        found = module.lookup(node.id, kinds=kinds)
        if found is None and node.id not in module.definitions and node.id not in module.imports:
            import builtins

            return External(f"builtins.{node.id}") if hasattr(builtins, node.id) else None
        return found
    if isinstance(node, ast.Attribute):
        base = symbol_of(module, node.value, None if kinds is None else MODULES)
        if isinstance(base, External):
            return External(f"{base.qualified}.{node.attr}")
        if isinstance(base, ModuleRef):
            return base.module.lookup(node.attr, kinds=kinds) if base.module is not None else None
        return None
    if isinstance(node, ast.Subscript):  # Generic[T], BaseSettings subclasses with params
        return symbol_of(module, node.value, kinds)
    return None


def class_model(module: ModuleInfo, node: ast.ClassDef, depth: int = 0) -> SettingsClass:
    """The (cached) model of a top-level class of ``module``."""
    # Cached with the module, so that it lives exactly as long as the tree it describes
    # (a process-wide cache would keep every checked file's classes alive), by the node
    # the module holds: for a module read by the tier, the stub, whose body is parsed
    # again just to build the model.
    models: dict[int, SettingsClass] = module.answers.setdefault("settings class models", {})
    cached = models.get(id(node))
    if cached is not None:
        return cached
    model = models[id(node)] = SettingsClass(node.name)  # Also guards recursion through odd bases.
    node = materialize(node)
    if depth > 8:
        model.open = True
        return model
    if node.decorator_list:
        model.open = True  # A decorator may add attributes.
    for base in node.bases:
        symbol = symbol_of(module, base)
        if isinstance(symbol, External):
            if symbol.qualified in SETTINGS_BASES:
                model.is_settings = True
            if symbol.qualified not in _KNOWN_BASES and symbol.qualified != "typing.Generic":
                model.open = True
        elif isinstance(symbol, Local) and isinstance(symbol.node, ast.ClassDef):
            inherited = class_model(symbol.module, symbol.node, depth + 1)
            model.is_settings |= inherited.is_settings
            model.open |= inherited.open
            model.attributes |= inherited.attributes
            model.fields += [f for f in inherited.fields if f not in model.fields]
        else:
            model.open = True
    for keyword in node.keywords:
        if (keyword.arg == "extra" and _allows_extra(keyword.value)) or keyword.arg == "metaclass":
            model.open = True
    for statement in node.body:
        _class_statement(module, statement, model)
    return model


def _class_statement(module: ModuleInfo, statement: ast.stmt, model: SettingsClass) -> None:
    names: list[str] = []
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        names = [statement.target.id]
        if not _is_classvar(statement.annotation) and statement.target.id != "model_config":
            model.fields.append(statement.target.id)
    elif isinstance(statement, ast.Assign):
        names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        if not all(isinstance(t, ast.Name) for t in statement.targets):
            model.open = True
    elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names = [statement.name]
        if statement.name in ("__getattr__", "__getattribute__"):
            model.open = True
        if not isinstance(statement, ast.ClassDef):
            names += _self_attributes(statement)
        if isinstance(statement, ast.ClassDef) and statement.name == "Config":
            for inner in statement.body:
                if (isinstance(inner, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "extra" for t in inner.targets)
                        and _allows_extra(inner.value)):
                    model.open = True
    elif isinstance(statement, (ast.If, ast.Try, ast.For, ast.While, ast.With)):
        model.open = True  # Conditional class bodies: unsure what they define.
    model.attributes.update(names)
    if "model_config" in names:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if value is not None and _config_allows_extra(module, value):
            model.open = True


def _self_attributes(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Attributes a method sets on its first parameter (``self.x = ...``,
    ``object.__setattr__(self, "x", ...)`` is not followed: it is rare in settings)."""
    arguments = [*method.args.posonlyargs, *method.args.args]
    if not arguments:
        return []
    self_name = arguments[0].arg
    return [node.attr for node in ast.walk(method)
            if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name) and node.value.id == self_name]


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return isinstance(target, (ast.Name, ast.Attribute)) and (
        (target.id if isinstance(target, ast.Name) else target.attr) == "ClassVar")


def _allows_extra(value: ast.expr) -> bool:
    """True unless ``value`` plainly says "ignore" or "forbid"."""
    if isinstance(value, ast.Constant):
        return value.value not in ("ignore", "forbid")
    if isinstance(value, ast.Attribute):
        return value.attr not in ("ignore", "forbid")
    return True


def _config_allows_extra(module: ModuleInfo, value: ast.expr) -> bool:
    """``model_config`` allows extra attributes, or is not something we can read."""
    if isinstance(value, ast.Call):
        symbol = symbol_of(module, value.func)
        if not (isinstance(symbol, External) and symbol.qualified in _CONFIG_CALLS):
            return True
        if value.args or any(k.arg is None for k in value.keywords):
            return True
        return any(k.arg == "extra" and _allows_extra(k.value) for k in value.keywords)
    if isinstance(value, ast.Dict):
        if any(k is None for k in value.keys):
            return True
        return any(isinstance(k, ast.Constant) and k.value == "extra" and _allows_extra(v)
                   for k, v in zip(value.keys, value.values, strict=False))
    return True


# -- which expressions are settings instances ---------------------------------------------

ClassRef = tuple[ModuleInfo, ast.ClassDef]


def settings_class_ref(module: ModuleInfo, expr: ast.expr, depth: int = 0) -> ClassRef | None:
    """The settings class an annotation or class expression names (through
    ``Annotated[X, ...]`` and string annotations)."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            parsed = ast.parse(expr.value, mode="eval").body
        except SyntaxError:
            return None
        return settings_class_ref(module, parsed, depth + 1)
    if isinstance(expr, ast.Subscript):
        head = symbol_of(module, expr.value)
        if isinstance(head, External) and head.qualified in (
                "typing.Annotated", "typing_extensions.Annotated"):
            first = expr.slice.elts[0] if isinstance(expr.slice, ast.Tuple) else expr.slice
            return settings_class_ref(module, first, depth + 1)
        return None
    symbol = symbol_of(module, expr, SETTINGS_REFERENCES)
    if isinstance(symbol, Local):
        if isinstance(symbol.node, ast.ClassDef):
            if is_settings_class(symbol.module, symbol.node):
                return symbol.module, symbol.node
            return None
        if (isinstance(symbol.node, ast.Assign) and len(symbol.node.targets) == 1
                and isinstance(symbol.node.value, ast.Subscript)):  # Alias = Annotated[...]
            return settings_class_ref(symbol.module, symbol.node.value, depth + 1)
    return None


def call_result(module: ModuleInfo, call: ast.Call, depth: int = 0) -> ClassRef | None:
    """The settings class whose instance ``call`` returns: the class itself, or a
    (cached) sync function of the project that returns one."""
    symbol = symbol_of(module, call.func, SETTINGS_FACTORIES)
    if not isinstance(symbol, Local) or depth > 4:
        return None
    if isinstance(symbol.node, ast.ClassDef):
        return (symbol.module, symbol.node) if is_settings_class(symbol.module, symbol.node) else None
    if isinstance(symbol.node, ast.FunctionDef):
        return function_result(symbol.module, symbol.node, depth + 1)
    return None


def function_result(module: ModuleInfo, function: ast.FunctionDef, depth: int = 0) -> ClassRef | None:
    """The settings class a (cached) sync function returns an instance of; for a
    function of a module read by the tier, kept with the module."""
    if not is_stub(function):
        return _function_result(module, function, depth)
    key = ("settings instance returned", id(function))
    if key not in module.answers:
        module.answers[key] = _function_result(module, materialize(function), depth)
    found: ClassRef | None = module.answers[key]
    return found


def _function_result(module: ModuleInfo, function: ast.FunctionDef, depth: int) -> ClassRef | None:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        symbol = symbol_of(module, target)
        if not (isinstance(symbol, External) and symbol.qualified in _CACHE_DECORATORS):
            return None
    if function.returns is not None:
        return settings_class_ref(module, function.returns)
    found: list[ClassRef | None] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Return):
            if isinstance(node.value, ast.Call):
                found.append(call_result(module, node.value, depth + 1))
            else:
                found.append(None)
        elif isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None
    if not found or any(item is None for item in found):
        return None
    first = found[0]
    assert first is not None
    return first if all(item is not None and item[1] is first[1] for item in found) else None


def instance_of_symbol(symbol: Symbol | None, depth: int = 0) -> ClassRef | None:
    """The settings class a top-level variable holds an instance of."""
    if not isinstance(symbol, Local) or depth > 4:
        return None
    node = symbol.node
    if isinstance(node, ast.AnnAssign):
        return settings_class_ref(symbol.module, node.annotation)
    if (isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)):
        return call_result(symbol.module, node.value, depth + 1)
    return None


# -- does the project have a settings class (ASR905) -------------------------------------

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "env", "node_modules", "site-packages",
                        "build", "dist", "__pycache__", ".tox", ".nox", ".mypy_cache"})
_PROJECT_SETTINGS: dict[Path, frozenset[str]] = {}
register_cache(_PROJECT_SETTINGS.clear)


def settings_modules(project: Project) -> frozenset[str]:
    """Paths of the project's modules that define a settings class (scanned once)."""
    cached = _PROJECT_SETTINGS.get(project.root)
    if cached is not None:
        return cached
    found: set[str] = set()
    for directory, subdirectories, files in os.walk(project.root):
        subdirectories[:] = [d for d in subdirectories
                             if d not in _SKIP_DIRS and not d.startswith(".")]
        for filename in files:
            if not filename.endswith(".py"):
                continue
            location = os.path.join(directory, filename)
            try:
                with open(location, "rb") as handle:
                    if b"BaseSettings" not in handle.read():
                        continue
            except OSError:
                continue
            path = Path(location)
            name = project.module_name(location)
            info = load_module(project, name or path.stem, path) if name else None
            if info is not None and defines_settings_class(info):
                found.add(str(path.resolve()))
    result = _PROJECT_SETTINGS[project.root] = frozenset(found)
    return result


def defines_settings_class(module: ModuleInfo) -> bool:
    return any(isinstance(node, ast.ClassDef) and is_settings_class(module, node)
               for node in module.tree.body)


# -- fields of a settings class, for ASR401/ASR402 ----------------------------------------

_FIELD_CALLS = frozenset({"pydantic.Field", "pydantic.fields.Field"})
_SECRET_CALLS = frozenset({"pydantic.SecretStr", "pydantic.SecretBytes", "pydantic.types.SecretStr",
                           "pydantic.types.SecretBytes", "pydantic.v1.SecretStr"})
STRING_TYPES = frozenset({"builtins.str", "builtins.bytes"}) | _SECRET_CALLS
_OPTIONAL = frozenset({"typing.Optional"})
_UNION = frozenset({"typing.Union"})


@dataclass(frozen=True)
class SettingsField:
    target: ast.Name
    annotation: ast.expr | None
    default: ast.expr | None  # None: no default (required) or a default_factory


def declared_settings_fields(context: FileFacts, node: ast.ClassDef) -> list[SettingsField]:
    """The fields of ``node`` when it is a module-level settings class of the file being
    checked (``visit_ClassDef`` of the settings rules); [] for any other class."""
    if context.scope_nodes[-1] is not context.tree or not node.bases:
        return []
    module = context.module_info
    return settings_fields(module, node) if settings_class_at(module, node) else []


def settings_fields(module: ModuleInfo, node: ast.ClassDef) -> list[SettingsField]:
    """The fields a settings class body declares, with their default value expression
    (unwrapped from ``Field(default)``). Names starting with ``_`` are pydantic's private
    attributes (``PrivateAttr``), not fields."""
    found: list[SettingsField] = []
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if (_is_classvar(statement.annotation) or statement.target.id == "model_config"
                    or statement.target.id.startswith("_")):
                continue
            found.append(SettingsField(statement.target, statement.annotation,
                                       _default(module, statement.value)))
        elif (isinstance(statement, ast.Assign) and len(statement.targets) == 1
              and isinstance(statement.targets[0], ast.Name)
              and statement.targets[0].id != "model_config"
              and not statement.targets[0].id.startswith("_")):
            found.append(SettingsField(statement.targets[0], None, _default(module, statement.value)))
    return found


def _default(module: ModuleInfo, value: ast.expr | None) -> ast.expr | None:
    if isinstance(value, ast.Call):
        symbol = symbol_of(module, value.func)
        if isinstance(symbol, External) and symbol.qualified in _FIELD_CALLS:
            for keyword in value.keywords:
                if keyword.arg == "default":
                    return keyword.value
            return value.args[0] if value.args else None
    return value


def string_value(module: ModuleInfo, value: ast.expr | None) -> str | bytes | None:
    """The literal a default is: ``"x"``, ``b"x"`` or ``SecretStr("x")``."""
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
        return value.value
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        symbol = symbol_of(module, value.func)
        if isinstance(symbol, External) and symbol.qualified in _SECRET_CALLS:
            return string_value(module, value.args[0])
    return None


def annotation_kind(module: ModuleInfo, annotation: ast.expr | None) -> str | None:
    """``"plain"`` for ``str``/``bytes``/``SecretStr``, ``"optional"`` for those or
    None, None for any other type."""
    if annotation is None:
        return "plain"
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return annotation_kind(module, ast.parse(annotation.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        return _optional_of(module, sides)
    if isinstance(annotation, ast.Subscript):
        head = symbol_of(module, annotation.value)
        if not isinstance(head, External):
            return None
        items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if head.qualified in _OPTIONAL and len(items) == 1:
            return "optional" if annotation_kind(module, items[0]) == "plain" else None
        if head.qualified in _UNION:
            return _optional_of(module, items)
        if head.qualified in ("typing.Annotated", "typing_extensions.Annotated"):
            return annotation_kind(module, items[0])
        return None
    symbol = symbol_of(module, annotation)
    return "plain" if isinstance(symbol, External) and symbol.qualified in STRING_TYPES else None


def _optional_of(module: ModuleInfo, sides: list[ast.expr]) -> str | None:
    nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
    others = [s for s in sides if s not in nones]
    if len(nones) == 1 and len(others) == 1 and annotation_kind(module, others[0]) == "plain":
        return "optional"
    return None


def name_words(name: str) -> list[str]:
    """``fortexAPIToken`` and ``FORTEX_API_TOKEN`` alike: ``["fortex", "api", "token"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [word for word in spaced.lower().split("_") if word]


def settings_class_at(module: ModuleInfo, node: ast.ClassDef) -> bool:
    return is_settings_class(module, node)


def is_settings_class(module: ModuleInfo, node: ast.ClassDef, depth: int = 0) -> bool:
    """Whether a class derives from a settings base, from its bases alone (cached with
    the module). Cheaper than :func:`class_model`, which also reads every method: most
    classes are not settings classes and need no more than this."""
    flags: dict[int, bool] = module.answers.setdefault("settings class flags", {})
    if id(node) in flags:
        return flags[id(node)]
    flags[id(node)] = False  # Guards recursion through odd bases.
    found = False
    for base in node.bases if depth <= 8 else ():
        symbol = symbol_of(module, base, SETTINGS_CLASSES)
        if isinstance(symbol, External):
            found = symbol.qualified in SETTINGS_BASES
        elif isinstance(symbol, Local) and isinstance(symbol.node, ast.ClassDef):
            found = is_settings_class(symbol.module, symbol.node, depth + 1)
        if found:
            break
    flags[id(node)] = found
    return found


# -- how the project uses a settings field, for ASR402 ------------------------------------


@dataclass(frozen=True)
class FieldUse:
    """One read of ``<expression>.<field>`` somewhere in the project.

    ``tested``: the read is a truth value or compared (``if s.x:``, ``s.x or None``,
    ``not s.x``, ``s.x == ""``, a comprehension's ``if``): the code expects it to be
    empty at times. ``callee``: the qualified name of the call the value is a positional
    argument of; ``keyword``: the keyword argument or the string key of the dict entry
    it is passed as. The value is followed through ``.get_secret_value()``, ``str()``
    and f-strings (``f"Bearer {s.api_key}"``)."""

    tested: bool
    callee: str | None = None
    keyword: str | None = None


_FIELD_USES: dict[tuple[Path, str], dict[str, list[FieldUse]]] = {}
_PYTHON_FILES: dict[Path, list[Path]] = {}
register_cache(_FIELD_USES.clear)
register_cache(_PYTHON_FILES.clear)


def field_uses(facts: FileFacts, name: str) -> list[FieldUse]:
    """Every read of the attribute ``name`` in the file being checked and, with the
    project tier on, in the other modules of its project (read from disk once per
    project and name)."""
    uses = _uses_in(facts.tree, name, facts)
    project = facts.module_info.project
    if project is None:
        return uses
    key = (project.root, name)
    by_path = _FIELD_USES.get(key)
    if by_path is None:
        by_path = _FIELD_USES[key] = _project_field_uses(project, name, facts)
    checked = os.path.realpath(facts.filename)
    for path, found in by_path.items():
        if path != checked:
            uses += found
    return uses


def _project_field_uses(project: Project, name: str, facts: FileFacts) -> dict[str, list[FieldUse]]:
    needle = name.encode()
    found: dict[str, list[FieldUse]] = {}
    for path in python_files(project.root):
        try:
            data = path.read_bytes()
            if needle not in data:
                continue
            text = data.decode("utf-8")
            tree = ast.parse(text, str(path))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
            continue
        other = FileFacts(tree, source_lines(text), str(path), facts.settings)
        uses = _uses_in(tree, name, other)
        if uses:
            found[os.path.realpath(path)] = uses
    return found


def python_files(root: Path) -> list[Path]:
    """The ``.py`` files of a project, outside virtual environments, build output and
    hidden directories (listed once per project)."""
    cached = _PYTHON_FILES.get(root)
    if cached is not None:
        return cached
    files: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories
                             if d not in _SKIP_DIRS and not d.startswith(".")]
        files += [Path(directory, n) for n in names if n.endswith(".py")]
    _PYTHON_FILES[root] = files
    return files


def _uses_in(tree: ast.Module, name: str, facts: FileFacts) -> list[FieldUse]:
    parents: dict[int, ast.AST] = {}
    reads: list[ast.Attribute] = []
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        if isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.ctx, ast.Load):
            reads.append(node)
    return [_use(read, parents, facts, tree) for read in reads]


def _use(read: ast.Attribute, parents: dict[int, ast.AST], facts: FileFacts,
         tree: ast.Module) -> FieldUse:
    if _tested(read, parents):
        return FieldUse(tested=True)
    value: ast.AST = read
    while True:  # Through `.get_secret_value()`, `str()` and f-strings.
        parent = parents.get(id(value))
        grandparent = parents.get(id(parent)) if parent is not None else None
        secret = (isinstance(parent, ast.Attribute) and parent.attr == "get_secret_value"
                  and isinstance(grandparent, ast.Call) and grandparent.func is parent)
        formatted = isinstance(parent, ast.FormattedValue) and isinstance(grandparent, ast.JoinedStr)
        if (secret or formatted) and grandparent is not None:
            value = grandparent
        elif (isinstance(parent, ast.Call) and len(parent.args) == 1 and parent.args[0] is value
              and facts.qualified_name(parent.func, [tree]) == "builtins.str"):
            value = parent
        else:
            break
    if isinstance(parent, ast.Call) and any(argument is value for argument in parent.args):
        return FieldUse(tested=False, callee=facts.qualified_name(parent.func, [tree]))
    if isinstance(parent, ast.keyword):
        return FieldUse(tested=False, keyword=parent.arg)
    if isinstance(parent, ast.Dict):
        for key, item in zip(parent.keys, parent.values, strict=True):
            if item is value and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return FieldUse(tested=False, keyword=key.value)
    return FieldUse(tested=False)


def _tested(read: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """The read is (part of) a condition, a comparison or an ``and``/``or``/``not``."""
    child: ast.AST = read
    parent = parents.get(id(child))
    while parent is not None and not isinstance(parent, ast.stmt):
        if isinstance(parent, (ast.BoolOp, ast.Compare)):
            return True
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        if isinstance(parent, ast.IfExp) and parent.test is child:
            return True
        if isinstance(parent, ast.comprehension) and any(c is child for c in parent.ifs):
            return True
        child, parent = parent, parents.get(id(parent))
    return isinstance(parent, (ast.If, ast.While, ast.Assert)) and parent.test is child
