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
from .nodes import child_nodes, walk
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
            if kinds is not None and not base.project.may_bind(base.dotted, node.attr, kinds):
                return None  # Its text cannot bind the name so: the module is not parsed.
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
    return [node.attr for node in walk(method)
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
    pairs = _config_pairs(module, value)
    return pairs is None or any(key == "extra" and _allows_extra(item) for key, item in pairs)


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
    for node in walk(function):
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
SKIP_DIRS = _SKIP_DIRS  # Directories a walk of the project skips (virtual environments, builds).
_PROJECT_SETTINGS: dict[Path, frozenset[str]] = {}
register_cache(_PROJECT_SETTINGS.clear)


def settings_modules(project: Project) -> frozenset[str]:
    """Paths of the project's modules that define a settings class (scanned once)."""
    cached = _PROJECT_SETTINGS.get(project.root)
    if cached is not None:
        return cached
    found: set[str] = set()
    for path in _spelling_settings_base(project):
        name = project.module_name(str(path))
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
    if not may_define_settings_classes(context):
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


def may_define_settings_classes(context: FileFacts) -> bool:
    """Whether a class of the checked file can derive from a settings base: the chain
    of its bases ends at an import or an attribute that spells ``BaseSettings``, in the
    file itself or, with the project tier on, in a module of its project (once per
    file: the settings rules all ask)."""
    return context.shared_state("may define settings classes", lambda: _may_define(context))


def _may_define(context: FileFacts) -> bool:
    # The project first: its scan is made once for all its files, while the search of
    # the file's text would be one more for each. A base from the project is reached
    # through an import from it: a file that imports nothing from its project (a
    # script, a vendored module, a package of its own under the project's root) has
    # only the bases its own text spells.
    project = context.project
    return (project is not None and mentions_settings_base(project)
            and context.may_import_from_project()) or context.text_has("BaseSettings")


def mentions_settings_base(project: Project) -> bool:
    """Whether any module of the project spells ``BaseSettings``."""
    return bool(_spelling_settings_base(project))


def _spelling_settings_base(project: Project) -> list[Path]:
    """The modules of the project whose text spells ``BaseSettings``: those that can
    define a settings class, or import a settings base for one."""
    return _scan(project.root)[_SETTINGS_BASE]


# The words a scan of a project's files notes, each with the files that hold it: the
# settings base, and the words of most settings class names (see files_holding).
# ``BaseSettings`` holds ``Settings``: it is looked for only in the files that hold that.
_SETTINGS_BASE = b"BaseSettings"
_SETTINGS, _CONFIG = b"Settings", b"Config"
_SCAN_WORDS = (_SETTINGS_BASE, _SETTINGS, _CONFIG)


def files_holding(root: Path, word: bytes) -> list[Path] | None:
    """The Python files of the project at ``root`` whose bytes may hold ``word``: those
    that hold a scanned word that ``word`` contains (``AppSettings`` is only in files
    that hold ``Settings``). None when ``word`` contains none: any file may."""
    for scanned in _SCAN_WORDS:
        if scanned in word:
            return _scan(root)[scanned]
    return None


def _scan(root: Path) -> dict[bytes, list[Path]]:
    """Each scanned word, with the project's files that hold it: every file is read
    once per project, for all the questions these answer."""
    found = _SCANNED.get(root)
    if found is None:
        found = _SCANNED[root] = {word: [] for word in _SCAN_WORDS}
        for path in python_files(root):  # The listing the other scans share.
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if _SETTINGS in data:  # Most files hold neither: two searches of each.
                found[_SETTINGS].append(path)
                if _SETTINGS_BASE in data:
                    found[_SETTINGS_BASE].append(path)
            if _CONFIG in data:
                found[_CONFIG].append(path)
    return found


_SCANNED: dict[Path, dict[bytes, list[Path]]] = {}
register_cache(_SCANNED.clear)


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
    for node in walk(tree):
        for child in child_nodes(node):
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


# -- which environment variables a settings class reads (ASR405, ASR406, ASR906) -----------

_ALIAS_CHOICES = frozenset({"pydantic.AliasChoices", "pydantic.aliases.AliasChoices"})
_ALIAS_PATHS = frozenset({"pydantic.AliasPath", "pydantic.aliases.AliasPath"})
# Config keys that change where values come from: with them, the class is not understood.
_SOURCE_KEYS = frozenset({"secrets_dir", "cli_parse_args", "json_file", "yaml_file", "toml_file",
                          "pyproject_toml_table_header", "env_parse_none_str", "fields"})
_ENV_KEYS = frozenset({"env_prefix", "case_sensitive", "env_nested_delimiter", "env_file", "extra"})
# Methods that change how the environment is read or what is required.
_SOURCE_METHODS = frozenset({"settings_customise_sources", "customise_sources", "__init__",
                             "__new__", "__init_subclass__"})


@dataclass(frozen=True)
class EnvConfig:
    """The parts of a settings class's configuration that decide variable names.
    ``env_files``: the literal ``env_file`` paths (none when absent or computed)."""

    prefix: str = ""
    case_sensitive: bool = False
    nested_delimiter: str | None = None
    env_files: tuple[str, ...] = ()
    extra_allowed: bool = False


@dataclass(frozen=True)
class EnvField:
    """A field as the environment sees it: ``aliases`` are the names given by
    ``alias``/``validation_alias``/``env`` (None when some alias is not a literal)."""

    target: ast.Name
    required: bool
    aliases: tuple[str, ...] | None = ()
    annotation: ast.expr | None = None

    def variables(self, config: EnvConfig) -> tuple[str, ...] | None:
        """The variable names this field is read from under ``config``."""
        if self.aliases is None:
            return None
        if self.aliases:
            return self.aliases
        return (config.prefix + self.target.id,)


@dataclass(frozen=True)
class EnvModel:
    """A settings class read for its environment: its own fields (``declared``), those
    of its settings bases (``inherited``) and the configuration in effect."""

    node: ast.ClassDef
    config: EnvConfig
    declared: tuple[EnvField, ...]
    inherited: tuple[EnvField, ...]

    @property
    def fields(self) -> tuple[EnvField, ...]:
        return self.inherited + self.declared

    def display(self, name: str) -> str:
        """A variable name as a user writes it: upper case, unless case matters."""
        return name if self.config.case_sensitive else name.upper()

    def reads(self, variable: str) -> bool | None:
        """Whether the class reads ``variable``; None when that is not sure."""
        found: bool | None = False
        for env_field in self.fields:
            names = env_field.variables(self.config)
            if names is None:
                found = None
                continue
            if any(self.matches(name, variable) for name in names):
                return True
        return found

    def matches(self, name: str, variable: str) -> bool:
        """``variable`` is the field's variable ``name``, or one of its nested parts."""
        if not self.config.case_sensitive:
            name, variable = name.upper(), variable.upper()
        if variable == name:
            return True
        delimiter = self.config.nested_delimiter
        return bool(delimiter) and variable.startswith(name + str(delimiter))


def env_model(module: ModuleInfo, node: ast.ClassDef, depth: int = 0) -> EnvModel | None:
    """The environment view of a settings class, or None when the source does not say
    for sure (a base the tier cannot see, a configuration that is not literal, custom
    sources or ``__init__``, a conditional class body). Cached with the module."""
    models: dict[int, EnvModel | None] = module.answers.setdefault("settings env models", {})
    if id(node) in models:
        return models[id(node)]
    models[id(node)] = None  # Also guards recursion through odd bases.
    found = _env_model(module, node, depth) if depth <= 8 else None
    models[id(node)] = found
    return found


def _env_model(module: ModuleInfo, node: ast.ClassDef, depth: int) -> EnvModel | None:
    node = materialize(node)
    if node.decorator_list or not node.bases:
        return None
    settings = False
    config: dict[str, object] = {}
    inherited: list[EnvField] = []
    for base in node.bases:
        symbol = symbol_of(module, base)
        if isinstance(symbol, External):
            if symbol.qualified in SETTINGS_BASES:
                settings = True
            elif symbol.qualified not in ("builtins.object", "abc.ABC"):
                return None
        elif isinstance(symbol, Local) and isinstance(symbol.node, ast.ClassDef):
            parent = env_model(symbol.module, symbol.node, depth + 1)
            if parent is None:
                return None
            settings = True
            config.update(_config_items(parent.config))
            inherited += [f for f in parent.fields if f.target.id not in {i.target.id for i in inherited}]
        else:
            return None
    if not settings:
        return None
    own = _own_config(module, node)
    if own is None:
        return None
    config.update(own)
    declared: list[EnvField] = []
    for statement in node.body:
        if isinstance(statement, (ast.If, ast.Try, ast.For, ast.While, ast.With, ast.Match)):
            return None
        if (isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
                and statement.name in _SOURCE_METHODS):
            return None
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and statement.target.id != "model_config" and not statement.target.id.startswith("_")
                and not _is_classvar(statement.annotation)):
            declared.append(_env_field(module, statement))
    names = {f.target.id for f in declared}
    inherited = [f for f in inherited if f.target.id not in names]
    env_files = config.get("env_file", ())
    return EnvModel(node, EnvConfig(
        prefix=str(config.get("env_prefix", "")),
        case_sensitive=bool(config.get("case_sensitive", False)),
        nested_delimiter=config.get("env_nested_delimiter") or None,  # type: ignore[arg-type]
        env_files=env_files if isinstance(env_files, tuple) else (),
        extra_allowed=bool(config.get("extra_allowed", False)),
    ), tuple(declared), tuple(inherited))


def _config_items(config: EnvConfig) -> dict[str, object]:
    return {"env_prefix": config.prefix, "case_sensitive": config.case_sensitive,
            "env_nested_delimiter": config.nested_delimiter, "env_file": config.env_files,
            "extra_allowed": config.extra_allowed}


def _own_config(module: ModuleInfo, node: ast.ClassDef) -> dict[str, object] | None:
    """The class's own configuration items: class keywords, ``model_config`` and an inner
    ``class Config``; None when one of them cannot be read."""
    items: list[tuple[str, ast.expr]] = [(k.arg, k.value) for k in node.keywords if k.arg is not None]
    if any(k.arg is None for k in node.keywords):
        return None
    for statement in node.body:
        target = (statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                  else statement.target if isinstance(statement, ast.AnnAssign) else None)
        if isinstance(target, ast.Name) and target.id == "model_config":
            value = statement.value  # type: ignore[attr-defined]
            pairs = _config_pairs(module, value) if value is not None else None
            if pairs is None:
                return None
            items += pairs
        elif isinstance(statement, ast.ClassDef) and statement.name == "Config":
            for inner in statement.body:
                if isinstance(inner, ast.Assign):
                    items += [(t.id, inner.value) for t in inner.targets if isinstance(t, ast.Name)]
                elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Name) and inner.value:
                    items.append((inner.target.id, inner.value))
                elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        inner.name in _SOURCE_METHODS or inner.name == "parse_env_var"):
                    return None
    config: dict[str, object] = {}
    for key, value in items:
        if key in _SOURCE_KEYS:
            return None
        if key not in _ENV_KEYS:
            continue
        if key == "extra":
            config["extra_allowed"] = _allows_extra(value)
            continue
        if key == "env_file":
            config["env_file"] = _env_file_paths(value)
            continue
        value = _module_constant(module, value)
        if not isinstance(value, ast.Constant):
            return None
        if key in ("env_prefix", "env_nested_delimiter") and not isinstance(value.value, (str, type(None))):
            return None
        config[key] = value.value if value.value is not None else ("" if key == "env_prefix" else None)
    return config


def _module_constant(module: ModuleInfo, value: ast.expr) -> ast.expr:
    """The literal a module-level name is bound to once (``ENV_PREFIX = "APP_"``), else
    ``value`` itself."""
    if isinstance(value, ast.Name):
        symbol = symbol_of(module, value)
        if (isinstance(symbol, Local) and isinstance(symbol.node, ast.Assign)
                and len(symbol.node.targets) == 1 and isinstance(symbol.node.value, ast.Constant)):
            return symbol.node.value
    return value


def _config_pairs(module: ModuleInfo, value: ast.expr) -> list[tuple[str, ast.expr]] | None:
    """The keys and values of a ``SettingsConfigDict(...)``/``ConfigDict(...)`` call or a
    dict literal with string keys; None for anything else (unreadable)."""
    if isinstance(value, ast.Call):
        symbol = symbol_of(module, value.func)
        if not (isinstance(symbol, External) and symbol.qualified in _CONFIG_CALLS):
            return None
        if value.args or any(k.arg is None for k in value.keywords):
            return None
        return [(k.arg, k.value) for k in value.keywords if k.arg is not None]
    if isinstance(value, ast.Dict):
        pairs: list[tuple[str, ast.expr]] = []
        for key, item in zip(value.keys, value.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None
            pairs.append((key.value, item))
        return pairs
    return None


def _env_file_paths(value: ast.expr) -> tuple[str, ...]:
    """Literal ``env_file`` paths; () for one computed at run time (``BASE_DIR / ".env"``)."""
    items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
    return tuple(item.value for item in items
                 if isinstance(item, ast.Constant) and isinstance(item.value, str))


def _env_field(module: ModuleInfo, statement: ast.AnnAssign) -> EnvField:
    assert isinstance(statement.target, ast.Name)
    value = statement.value
    required = value is None or (isinstance(value, ast.Constant) and value.value is Ellipsis)
    aliases: tuple[str, ...] | None = ()
    if isinstance(value, ast.Call):
        symbol = symbol_of(module, value.func)
        if isinstance(symbol, External) and symbol.qualified in _FIELD_CALLS:
            keywords = {k.arg: k.value for k in value.keywords if k.arg is not None}
            first = value.args[0] if value.args else keywords.get("default")
            required = "default_factory" not in keywords and (
                first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis))
            found: list[str] = []
            for keyword in ("alias", "validation_alias", "env"):
                if keyword in keywords:
                    names = _alias_names(module, keywords[keyword])
                    if names is None:
                        aliases = None
                        break
                    found += names
            else:
                aliases = tuple(found)
            if any(k.arg is None for k in value.keywords):
                aliases = None
    if required and _may_be_none(module, statement.annotation):
        required = False  # pydantic v1 makes an Optional field default to None.
    return EnvField(statement.target, required, aliases, statement.annotation)


def _alias_names(module: ModuleInfo, value: ast.expr) -> list[str] | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):  # pydantic v1 `env=[...]`
        names = [_alias_names(module, item) for item in value.elts]
        return None if any(n is None for n in names) else [x for n in names if n for x in n]
    if isinstance(value, ast.Call) and not value.keywords:
        symbol = symbol_of(module, value.func)
        if isinstance(symbol, External) and symbol.qualified in _ALIAS_CHOICES:
            names = [_alias_names(module, item) for item in value.args]
            return None if any(n is None for n in names) else [x for n in names if n for x in n]
        if (isinstance(symbol, External) and symbol.qualified in _ALIAS_PATHS and value.args
                and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str)):
            return [value.args[0].value]
    return None


def _may_be_none(module: ModuleInfo, annotation: ast.expr) -> bool:
    """The annotation admits None (``X | None``, ``Optional[X]``, ``Any``...) or is not
    read (a string that does not parse)."""
    if isinstance(annotation, ast.Constant):
        if annotation.value is None:
            return True
        if isinstance(annotation.value, str):
            try:
                return _may_be_none(module, ast.parse(annotation.value, mode="eval").body)
            except SyntaxError:
                return True
        return False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _may_be_none(module, annotation.left) or _may_be_none(module, annotation.right)
    if isinstance(annotation, ast.Subscript):
        head = symbol_of(module, annotation.value)
        qualified = head.qualified if isinstance(head, External) else ""
        items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if qualified in ("typing.Optional", "typing_extensions.Optional"):
            return True
        if qualified in ("typing.Union", "typing_extensions.Union"):
            return any(_may_be_none(module, item) for item in items)
        if qualified in ("typing.Annotated", "typing_extensions.Annotated"):
            return _may_be_none(module, items[0])
        return False
    head = symbol_of(module, annotation)
    return isinstance(head, External) and head.qualified in ("typing.Any", "typing_extensions.Any")


def project_settings_classes(project: Project) -> list[tuple[ModuleInfo, ast.ClassDef]]:
    """Every top-level settings class of the project's modules (as the tier reads them)."""
    found: list[tuple[ModuleInfo, ast.ClassDef]] = []
    for location in sorted(settings_modules(project)):
        path = Path(location)
        name = project.module_name(location)
        info = load_module(project, name or path.stem, path) if name else None
        if info is None:
            continue
        found += [(info, node) for node in info.tree.body
                  if isinstance(node, ast.ClassDef) and is_settings_class(info, node)]
    return found
