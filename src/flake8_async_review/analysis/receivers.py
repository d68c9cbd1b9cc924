"""Receiver typing: the class of the object a method is called on, from the source alone.

A name or ``self`` attribute has a type when the source states one and nothing in the
source contradicts it. Evidence is gathered per scope on first use and cached:

* assignments from a known constructor or factory (``r = redis.Redis()``,
  ``db = SessionLocal()`` after ``SessionLocal = sessionmaker()``), plain aliasing
  (``a = b``) and ``with X(...) as v``;
* annotations of parameters, variables and class attributes, through ``Optional``,
  ``X | None``, ``Annotated`` and string annotations;
* ``self.x`` from annotations in the class body or in any method, and from assignments
  in any method (set in ``_setup()``, used in ``async def store()``);
* FastAPI dependencies: ``db: Session = Depends(get_db)``, or an unannotated
  ``Depends(get_db)`` whose provider is annotated or yields a known type;
* across modules of the project (read by the project tier, never imported): aliases,
  variables and factories imported from another module (``from app.db import
  SessionLocal``), what a function of another module returns or a provider there
  yields, and ``self.x`` set by a base class of another module.

Conflicting evidence (an annotated async client assigned a sync one) means unknown.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from . import catalogue
from .facts import FileFacts
from .nodes import walk
from .project import (
    ASSIGNMENTS,
    CLASSES,
    FUNCTIONS,
    Kinds,
    Local,
    ModuleInfo,
    Symbol,
    imported_from_project,
    is_stub,
    materialize,
    resolve_dotted,
    stub_text,
)
from .scopes import (
    FUNCTION_TYPES,
    all_parameters,
    declares_global,
    own_nodes,
    parameter_default,
    statements_of,
)

Chain = Sequence[ast.AST]
_UNWRAP_FIRST = {"typing.Optional", "typing.Annotated", "typing_extensions.Annotated",
                 "typing.Generator", "typing.Iterator", "typing.AsyncGenerator",
                 "typing.AsyncIterator", "typing.Iterable", "typing.AsyncIterable",
                 "collections.abc.Generator", "collections.abc.Iterator",
                 "collections.abc.AsyncGenerator", "collections.abc.AsyncIterator",
                 "collections.abc.Iterable", "collections.abc.AsyncIterable",
                 "contextlib.AbstractContextManager", "typing.ContextManager"}
_UNIONS = {"typing.Union"}
_DEPENDS = {"fastapi.Depends", "fastapi.params.Depends"}
_ANNOTATED = {"typing.Annotated", "typing_extensions.Annotated"}
_MAX_NESTING = 64


@dataclass
class _Evidence:
    """What a scope says about one name: declared types and assigned values, each with
    the scope chain to evaluate it in."""

    annotations: list[tuple[ast.expr, Chain]] = field(default_factory=list)
    values: list[tuple[ast.expr, Chain]] = field(default_factory=list)
    dependencies: list[tuple[ast.expr, Chain]] = field(default_factory=list)
    unknown: bool = False  # Bound in a way that says nothing (for target, del, ...).


class TypeResolver:
    """Answers ``type_of`` for one file; all work is on demand and cached."""

    def __init__(self, context: FileFacts) -> None:
        self.context = context
        self._evidence: dict[int, dict[str, _Evidence]] = {}
        self._resolved: dict[tuple[int, str], str | None] = {}
        self._in_progress: set[tuple[int, str]] = set()
        self._nesting = 0

    # -- entry point ----------------------------------------------------------------------

    def type_of(self, node: ast.AST, chain: Chain) -> str | None:
        # Each step of a receiver (`a.b().c[0]`, `x2 = x1`) asks for the type of the one
        # before it: past _MAX_NESTING steps the type is unknown, not a RecursionError.
        if self._nesting > _MAX_NESTING:
            return None
        self._nesting += 1
        try:
            kind = node.__class__
            if kind is ast.Name:
                return self._name_type(node.id, chain)  # type: ignore[attr-defined]
            if kind is ast.Attribute:
                return self._attribute_type(node, chain)  # type: ignore[arg-type]
            if kind is ast.Call:
                return self._call_type(node, chain)  # type: ignore[arg-type]
            if kind is ast.Subscript:
                value = self.type_of(node.value, chain)  # type: ignore[attr-defined]
                return catalogue.subscript_result(value) if value else None
            if kind is ast.BinOp and isinstance(node.op, ast.Div):  # type: ignore[attr-defined]
                left = self.type_of(node.left, chain)  # type: ignore[attr-defined]
                return left if left == "pathlib.Path" else None
            return None
        finally:
            self._nesting -= 1

    def shaped_type_of(self, node: ast.AST, chain: Chain) -> str | None:
        """``type_of``, where an untyped parameter used with the unmistakable shape of
        a SQLAlchemy session (see :meth:`session_shaped`) is a session, and so the
        calls it starts (``db.query(User).filter(...)`` a query). For the rules about
        what a session's user does (ASR602, ASR902), not for what blocks."""
        known = self.type_of(node, chain)
        if known is not None:
            return known
        if isinstance(node, ast.Name):
            return catalogue.SHAPED_SESSION if self.session_shaped(node.id, chain) else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = self.shaped_type_of(node.func.value, chain)
            return catalogue.method_result(receiver, node.func.attr) if receiver else None
        return None

    def session_shaped(self, name: str, chain: Chain) -> bool:
        """Whether ``name`` is a parameter without annotation or default of the function
        at the chain's end, never rebound there, whose body runs a query with it
        (``name.query(Model)...first()``), adds with it (``name.add(...)``) and commits
        it (``name.commit()``). A name used only with ``get()`` and ``commit()`` could
        be many things, and is not a session."""
        function = chain[-1] if chain else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        if self.context.defining_scope(name, chain) is not self.context.scope(function):
            return False
        key = (id(function), "shaped session " + name)
        return self._memo(key, lambda: _SHAPED if _session_shape(function, name) else None) is not None

    # -- names ----------------------------------------------------------------------------

    def _name_type(self, name: str, chain: Chain) -> str | None:
        if chain is self.context.scope_nodes and self.context.comprehension_binds(name):
            return None  # A comprehension variable, at the walk's position.
        for index in range(len(chain) - 1, -1, -1):
            scope_node = chain[index]
            scope = self.context.scope(scope_node)
            if scope.is_class and index != len(chain) - 1:
                continue
            if scope.star_import:
                return None
            if name in scope.bindings:
                if scope_node is self.context.tree and self.context.imports_project_variable(name):
                    # An object another module of the project creates
                    # (`from app.cache import redis_client`).
                    return self._memo((0, "import " + name),
                                      lambda: _project_instance_type(self.context, name))
                if scope.bindings[name] is not None:
                    return None  # An imported module or class, not an instance.
                return self._resolved_name(scope_node, name, chain[: index + 1])
        return None

    def _resolved_name(self, scope_node: ast.AST, name: str, chain: Chain) -> str | None:
        def decide() -> str | None:
            evidence = self._evidence_of(scope_node, chain).get(name)
            return self._decide(evidence) if evidence else None

        return self._memo((id(scope_node), name), decide)

    def _memo(self, key: tuple[int, str], compute: Callable[[], str | None]) -> str | None:
        """Compute a type once per file; a question that comes back while it is being
        answered (`x = x.copy()`, `self.c = self.c.copy()`) has no answer."""
        if key in self._resolved:
            return self._resolved[key]
        if key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            result = compute()
        finally:
            self._in_progress.discard(key)
        self._resolved[key] = result
        return result

    def _decide(self, evidence: _Evidence) -> str | None:
        if evidence.unknown:
            return None
        declared = {self.annotation_type(a, c) for a, c in evidence.annotations}
        declared |= {self.dependency_type(d, c) for d, c in evidence.dependencies
                     if not evidence.annotations}
        assigned = [self._value_type(v, c) for v, c in evidence.values]
        if declared:
            if len(declared) != 1 or None in declared:
                return None
            (only,) = declared
            if any(t is None and self._built_types(v, c) - {only, _NONE}
                   for (v, c), t in zip(evidence.values, assigned, strict=True)):
                return None  # A stale annotation: the value is built as something else.
            return only if all(t in (only, None, _NONE) for t in assigned) else None
        known = {t for t in assigned if t is not _NONE}
        if not known or None in known or len(known) != 1:
            return None
        return known.pop()

    def _value_type(self, value: ast.expr, chain: Chain) -> str | None:
        if isinstance(value, ast.Constant) and value.value is None:
            return _NONE  # `self.client = None` until set up: neither for nor against.
        return self.type_of(value, chain)

    def _built_types(self, value: ast.expr, chain: Chain, depth: int = 0) -> set[str]:
        """The types the source may build a value as, also where ``type_of`` leaves it
        open: each side of ``a or b`` and ``a if c else b``, what a module function
        without a return annotation returns, and what calling an object of a known type
        (``self.factory()``) or a module variable that a function binds under ``global``
        makes. Used to find an annotation the value contradicts."""
        known = self._value_type(value, chain)
        if known is not None:
            return {known}
        if depth > 3:
            return set()
        if isinstance(value, (ast.BoolOp, ast.IfExp)):
            parts = value.values if isinstance(value, ast.BoolOp) else [value.body, value.orelse]
            return {t for part in parts for t in self._built_types(part, chain, depth + 1)}
        if not isinstance(value, ast.Call):
            return set()
        func = value.func
        if not isinstance(func, ast.Name):
            callees = [self.type_of(func, chain)]
        else:
            function = self._module_function(func.id, chain)
            if function is not None:
                nodes = list(own_nodes(function))
                if function.returns is not None or any(isinstance(n, (ast.Yield, ast.YieldFrom))
                                                       for n in nodes):
                    return set()
                inner = [self.context.tree, function]
                return {t for n in nodes if isinstance(n, ast.Return) and n.value is not None
                        for t in self._built_types(n.value, inner, depth + 1)}
            if self.context.defining_scope(func.id, chain) is not self.context.scope(self.context.tree):
                return set()
            callees = self._global_rebinding_types(func.id)
        made = {catalogue.method_result(c, "__call__") for c in callees if c is not None}
        return {t for t in made if t is not None}

    def _global_rebinding_types(self, name: str) -> list[str | None]:
        """The types of the values module functions assign to a module variable they
        declare ``global`` (``SessionLocal = sessionmaker(...)`` in ``init_db()``)."""
        if not declares_global(self.context.joined_text(), name):
            return []
        found: list[str | None] = []
        for statement in self.context.tree.body:
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            function = materialize(statement)
            nodes = list(own_nodes(function))
            if not any(isinstance(n, ast.Global) and name in n.names for n in nodes):
                continue
            found += [self.type_of(n.value, [self.context.tree, function]) for n in nodes
                      if isinstance(n, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
        return found

    def _evidence_of(self, scope_node: ast.AST, chain: Chain) -> dict[str, _Evidence]:
        found = self._evidence.get(id(scope_node))
        if found is None:
            found = self._evidence[id(scope_node)] = {}
            if isinstance(scope_node, FUNCTION_TYPES):
                self._parameter_evidence(scope_node, chain, found)
            if not isinstance(scope_node, ast.Lambda):
                body = scope_node.body  # type: ignore[attr-defined]
                for statement in statements_of(body):
                    _statement_evidence(statement, chain, found)
            # A comprehension variable or `:=` target of the same name: which binding a
            # use sees depends on where it is, so none is trusted.
            for name in self.context.scope(scope_node).expression_bound:
                _evidence_for(found, name).unknown = True
        return found

    def _parameter_evidence(self, function: ast.AST, chain: Chain,
                            found: dict[str, _Evidence]) -> None:
        arguments: ast.arguments = function.args  # type: ignore[attr-defined]
        outer = chain[:-1]  # Annotations and defaults are evaluated outside the function.
        for parameter in all_parameters(arguments):
            evidence = _evidence_for(found, parameter.arg)
            if parameter.annotation is not None:
                evidence.annotations.append((parameter.annotation, outer))
            default = parameter_default(arguments, parameter)
            if default is not None and self._is_depends(default, outer):
                evidence.dependencies.append((default, outer))
            elif default is not None:
                evidence.values.append((default, outer))

    # -- attributes ---------------------------------------------------------------------

    def _attribute_type(self, node: ast.Attribute, chain: Chain) -> str | None:
        method = enclosing_method(chain)
        if method is not None and isinstance(node.value, ast.Name):
            function, class_index = method
            if node.value.id == first_parameter(function):
                return self._class_attribute(chain[: class_index + 1], node.attr)
        receiver = self.type_of(node.value, chain)
        return catalogue.attribute_result(receiver, node.attr) if receiver else None

    def _class_attribute(self, class_chain: Chain, attribute: str) -> str | None:
        class_node = class_chain[-1]

        def decide() -> str | None:
            evidence = self._instance_evidence(class_node, class_chain).get(attribute)  # type: ignore[arg-type]
            if evidence is not None:
                return self._decide(evidence)
            # Not set in this class: a base class of the same module may set it.
            for base in class_node.bases:  # type: ignore[attr-defined]
                base_node = self._module_class(base)
                if base_node is not None:
                    found = self._class_attribute([self.context.tree, base_node], attribute)
                elif isinstance(base, ast.Name):
                    found = self._project_base_attribute(base.id, attribute)
                else:
                    continue
                if found is not None:
                    return found
            return None

        return self._memo((id(class_node), "self." + attribute), decide)

    def _project_base_attribute(self, name: str, attribute: str) -> str | None:
        """``self.x`` set by a base class that another module of the project defines
        (``class ReportService(BaseService)`` after ``from app.base import BaseService``)."""
        if not self.context.settings.project_inference or (
                self.context.defining_scope(name, [self.context.tree])
                is not self.context.scope(self.context.tree)):
            return None
        symbol = imported_from_project(self.context.module_info, name, CLASSES)
        if not isinstance(symbol, Local) or not isinstance(symbol.node, ast.ClassDef):
            return None
        return _foreign_class_attribute(self.context, symbol.module, symbol.node, attribute)

    def own_instance_types(self, class_node: ast.ClassDef) -> dict[str, str | None]:
        """The type of each attribute a module-level class sets in its own body or on
        ``self`` in its methods (what :meth:`_class_attribute` answers for it)."""
        chain = [self.context.tree, class_node]
        return {attribute: self._class_attribute(chain, attribute)
                for attribute in self._instance_evidence(class_node, chain)}

    def _instance_evidence(self, class_node: ast.ClassDef, class_chain: Chain) -> dict[str, _Evidence]:
        cache_key = -id(class_node)  # Kept apart from the class body's own names.
        found = self._evidence.get(cache_key)
        if found is not None:
            return found
        found = self._evidence[cache_key] = {}
        for statement in materialize(class_node).body:
            _statement_evidence(statement, class_chain, found)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self_name = first_parameter(statement)
                if self_name is not None and not _is_static(statement):
                    _self_assignments(statement, self_name, [*class_chain, statement], found)
        return found

    def _module_class(self, base: ast.expr) -> ast.ClassDef | None:
        if not isinstance(base, ast.Name):
            return None
        for statement in self.context.tree.body:
            if isinstance(statement, ast.ClassDef) and statement.name == base.id:
                return statement
        return None

    # -- calls --------------------------------------------------------------------------

    def _call_type(self, call: ast.Call, chain: Chain) -> str | None:
        qualified = self.context.qualified_name(call.func, chain)
        if qualified is not None:
            class_type = None
            for keyword in call.keywords:
                if keyword.arg == "class_":
                    class_type = self.context.qualified_name(keyword.value, chain)
            if self.context.in_project(qualified):
                made = self._project_call_type(qualified)
                if made is not _NOT_PROJECT:
                    return made
            return catalogue.call_result(qualified, call, class_type)
        if isinstance(call.func, ast.Attribute):
            receiver = self.type_of(call.func.value, chain)
            return catalogue.method_result(receiver, call.func.attr) if receiver else None
        if isinstance(call.func, ast.Name):
            instance = self.type_of(call.func, chain)
            if instance is not None:
                return catalogue.method_result(instance, "__call__")
            function = self._module_function(call.func.id, chain)
            if function is not None and function.returns is not None:
                return self.annotation_type(function.returns, [self.context.tree])
        return None

    def _project_call_type(self, qualified: str) -> str | None:
        """What calling a variable or function of another project module makes: the
        session of ``SessionLocal()`` after ``from app.db import SessionLocal``, the
        client ``get_redis()`` returns. ``_NOT_PROJECT`` for anything else (a class)."""
        symbol = _project_symbol(self.context, qualified, _CALLABLE_KINDS)
        if not isinstance(symbol, Local):
            return _NOT_PROJECT
        node = symbol.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _function_result(self.context, symbol, provider=False)
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            return _NOT_PROJECT
        instance = _project_variable_type(self.context, symbol)
        return catalogue.method_result(instance, "__call__") if instance else None

    def _module_function(self, name: str, chain: Chain
                         ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The module-level ``def`` a name refers to, if the module defines exactly one."""
        if self.context.defining_scope(name, chain) is not self.context.scope(self.context.tree):
            return None
        found = [s for s in self.context.tree.body
                 if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name]
        return materialize(found[0]) if len(found) == 1 else None

    # -- annotations and dependencies ----------------------------------------------------

    def annotation_type(self, annotation: ast.expr, chain: Chain, depth: int = 0) -> str | None:
        """The class an annotation declares, unwrapping Optional, ``| None``, Annotated,
        string annotations and module-level aliases of those."""
        if depth > 8:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return None
            return self.annotation_type(parsed, chain, depth + 1)
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self._one_of([annotation.left, annotation.right], chain, depth)
        if isinstance(annotation, ast.Subscript):
            return self._subscript_annotation(annotation, chain, depth)
        if isinstance(annotation, ast.Name):  # `from app.db import DbSession`
            imported = self._imported_alias(annotation.id, chain, depth)
            if imported is not None:
                return imported
        qualified = self.context.qualified_name(annotation, chain)
        if qualified is not None:
            return catalogue.normalize(qualified)
        if isinstance(annotation, ast.Name):  # DbSession = Annotated[Session, Depends(...)]
            alias = self._module_alias(annotation.id, chain)
            if alias is not None:
                return self.annotation_type(alias, [self.context.tree], depth + 1)
        return None

    def _subscript_annotation(self, annotation: ast.Subscript, chain: Chain,
                              depth: int) -> str | None:
        base = self.context.qualified_name(annotation.value, chain)
        items = (annotation.slice.elts if isinstance(annotation.slice, ast.Tuple)
                 else [annotation.slice])
        if base is None:
            return None
        if base in _UNWRAP_FIRST:
            return self.annotation_type(items[0], chain, depth + 1)
        if base in _UNIONS:
            return self._one_of(items, chain, depth)
        return catalogue.normalize(base)  # A generic class: redis.Redis[bytes].

    def _one_of(self, options: list[ast.expr], chain: Chain, depth: int) -> str | None:
        real = [o for o in options if not (isinstance(o, ast.Constant) and o.value is None)]
        return self.annotation_type(real[0], chain, depth + 1) if len(real) == 1 else None

    def _imported_alias(self, name: str, chain: Chain, depth: int) -> str | None:
        """The class an alias imported from another module of the project stands for
        (``DbSession = Annotated[Session, Depends(get_db)]`` in ``app/db.py``)."""
        found = self._imported_alias_value(name, chain)
        if found is None:
            return None
        foreign, value = found
        return TypeResolver(foreign).annotation_type(value, [foreign.tree], depth + 1)

    def imported_alias_depends(self, name: str, chain: Chain) -> bool:
        """Whether an alias imported from another module of the project declares a
        FastAPI dependency (``DbSession = Annotated[Session, Depends(get_db)]``)."""
        found = self._imported_alias_value(name, chain)
        if found is None:
            return False
        foreign, value = found
        if not isinstance(value, ast.Subscript) or not isinstance(value.slice, ast.Tuple):
            return False
        if foreign.qualified_name(value.value) not in _ANNOTATED:
            return False
        return any(isinstance(item, ast.Call) and foreign.qualified_name(item.func) in _DEPENDS
                   for item in value.slice.elts[1:])

    def _imported_alias_value(self, name: str, chain: Chain) -> tuple[FileFacts, ast.expr] | None:
        """The module and value of an alias imported from another module of the project."""
        if not self.context.settings.project_inference:
            return None
        if self.context.defining_scope(name, chain) is not self.context.scope(self.context.tree):
            return None
        symbol = imported_from_project(self.context.module_info, name, ASSIGNMENTS)
        if not isinstance(symbol, Local) or not isinstance(symbol.node, ast.Assign):
            return None
        value = symbol.node.value
        if len(symbol.node.targets) != 1 or not isinstance(value, (ast.Subscript, ast.BinOp)):
            return None
        foreign = self.context.for_module(symbol.module)
        return (foreign, value) if foreign is not None else None

    def _module_alias(self, name: str, chain: Chain) -> ast.expr | None:
        if self.context.defining_scope(name, chain) is not self.context.scope(self.context.tree):
            return None
        values = [s.value for s in self.context.tree.body
                  if isinstance(s, ast.Assign) and len(s.targets) == 1
                  and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name]
        if len(values) == 1 and isinstance(values[0], (ast.Subscript, ast.BinOp)):
            return values[0]
        return None

    def _is_depends(self, default: ast.expr, chain: Chain) -> bool:
        return (isinstance(default, ast.Call)
                and self.context.qualified_name(default.func, chain) in _DEPENDS)

    def dependency_type(self, default: ast.expr, chain: Chain) -> str | None:
        """What ``Depends(provider)`` hands the route, from the provider's return
        annotation or from what it yields or returns (same module only)."""
        if not isinstance(default, ast.Call) or not default.args:
            return None
        provider = default.args[0]
        if not isinstance(provider, ast.Name):
            return None
        function = self._module_function(provider.id, chain)
        if function is None:
            # A provider imported from another module of the project.
            qualified = self.context.qualified_name(provider, chain)
            if qualified is None or not self.context.in_project(qualified):
                return None
            symbol = _project_symbol(self.context, qualified, FUNCTIONS)
            if not isinstance(symbol, Local):
                return None
            return _function_result(self.context, symbol, provider=True)
        if function.returns is not None:
            return self.annotation_type(function.returns, [self.context.tree])
        produced = {self.type_of(value, [self.context.tree, function])
                    for value in _produced_values(function)}
        return produced.pop() if len(produced) == 1 else None


_NONE = "builtins.None"


# -- evidence gathering (pure functions over statements) -----------------------------------


def _statement_evidence(statement: ast.stmt, chain: Chain, found: dict[str, _Evidence]) -> None:
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                _evidence_for(found, target.id).values.append((statement.value, chain))
            else:
                _mark_unknown(target, found)
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        evidence = _evidence_for(found, statement.target.id)
        evidence.annotations.append((statement.annotation, chain))
        if statement.value is not None:
            evidence.values.append((statement.value, chain))
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            if isinstance(item.optional_vars, ast.Name):
                evidence = _evidence_for(found, item.optional_vars.id)
                if isinstance(statement, ast.AsyncWith):
                    evidence.unknown = True  # __aenter__ results are not tracked.
                else:
                    evidence.values.append((item.context_expr, chain))
            elif item.optional_vars is not None:
                _mark_unknown(item.optional_vars, found)
    elif isinstance(statement, (ast.For, ast.AsyncFor, ast.AugAssign)):
        _mark_unknown(statement.target, found)
    elif isinstance(statement, ast.Delete):
        for target in statement.targets:
            _mark_unknown(target, found)
    if isinstance(statement, ast.Try):
        for handler in statement.handlers:
            if handler.name:
                _evidence_for(found, handler.name).unknown = True


def _evidence_for(found: dict[str, _Evidence], name: str) -> _Evidence:
    """``found.setdefault(name, _Evidence())``, without making one for a name that has
    one already (most assignments are to a name seen before)."""
    evidence = found.get(name)
    if evidence is None:
        evidence = found[name] = _Evidence()
    return evidence


def _mark_unknown(target: ast.expr, found: dict[str, _Evidence]) -> None:
    if target.__class__ is ast.Name:  # The common case, without a walk.
        _evidence_for(found, target.id).unknown = True
        return
    for node in walk(target):
        if isinstance(node, ast.Name):
            _evidence_for(found, node.id).unknown = True


def _foreign_class_attribute(context: FileFacts, module: ModuleInfo, class_node: ast.ClassDef,
                             attribute: str) -> str | None:
    """``self.<attribute>`` of a top-level class of another module of the project (what
    :meth:`TypeResolver._class_attribute` answers in that module), kept with the module.
    The class's own attributes are typed together, from one parse of its body; one it
    does not set comes from its bases, each answered the same way."""
    answers = module.answers
    key = ("instance attribute", id(class_node), attribute, context.settings)
    if key in answers:
        found: str | None = answers[key]
        return found
    answers[key] = None  # A class that is its own base, through others, sets nothing.
    own_key = ("own instance attributes", id(class_node), context.settings)
    own: dict[str, str | None] | None = answers.get(own_key)
    if own is not None and attribute in own:
        found = answers[key] = own[attribute]
        return found
    foreign = context.for_module(module)  # Only for what is not known yet.
    if foreign is None:
        return None
    resolver = TypeResolver(foreign)
    if own is None and _may_name(class_node, attribute):
        answers[own_key] = {}  # Asked again while typed: through bases that lead back.
        own = answers[own_key] = resolver.own_instance_types(class_node)
    if own is not None and attribute in own:
        found = own[attribute]
    else:
        found = None
        for base in class_node.bases:
            base_node = resolver._module_class(base)
            if base_node is not None:
                found = _foreign_class_attribute(context, module, base_node, attribute)
            elif isinstance(base, ast.Name):
                found = resolver._project_base_attribute(base.id, attribute)
            if found is not None:
                break
    answers[key] = found
    return found


def _may_name(class_node: ast.ClassDef, attribute: str) -> bool:
    """Whether the class's text may set ``attribute``: it holds the name. A class whose
    text does not (a mixin of a base class's other methods, often the largest) is not
    parsed again to find that out."""
    text = stub_text(class_node)
    return text is None or attribute in text


def _self_assignments(method: ast.AST, self_name: str, chain: Chain,
                      found: dict[str, _Evidence]) -> None:
    """Evidence for ``self.x`` from one method's assignments to it."""
    for node in _statements_breadth_first(method):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        annotation: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value, annotation = [node.target], node.value, node.annotation
        elif isinstance(node, (ast.AugAssign, ast.Delete)):
            targets = [node.target] if isinstance(node, ast.AugAssign) else node.targets
        for target in targets:
            if target.__class__ is ast.Name:
                continue  # A local name: nothing of ``self``.
            for part in walk(target):
                if not (isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name)
                        and part.value.id == self_name):
                    continue
                evidence = _evidence_for(found, part.attr)
                if part is not target or (value is None and annotation is None):
                    evidence.unknown = True  # Unpacked or augmented: unknown.
                    continue
                if annotation is not None:
                    evidence.annotations.append((annotation, chain))
                if value is not None:
                    evidence.values.append((value, chain))


# The fields that hold statements (or the except clauses and match cases holding them).
_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_BLOCKS: dict[type, tuple[str, ...]] = {}


def _statements_breadth_first(root: ast.AST) -> Iterator[ast.AST]:
    """The statements under ``root`` (nested functions and classes included) in the
    order ``ast.walk`` meets them, without walking any expression: assignments are
    statements, and only statements hold statements."""
    todo = deque([root])
    while todo:
        node = todo.popleft()
        yield node
        kind = node.__class__
        fields = _BLOCKS.get(kind)
        if fields is None:
            fields = _BLOCKS[kind] = tuple(
                name for name in kind._fields if name in _BLOCK_FIELDS
            )
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                todo.extend(value)


def _project_instance_type(context: FileFacts, name: str) -> str | None:
    """The type of a variable that another module of the project creates at its top
    level and this module imports."""
    symbol = imported_from_project(context.module_info, name, ASSIGNMENTS)
    if not isinstance(symbol, Local) or not isinstance(symbol.node, (ast.Assign, ast.AnnAssign)):
        return None
    return _project_variable_type(context, symbol)


_NOT_PROJECT = "<not a project variable or function>"
_CALLABLE_KINDS = ASSIGNMENTS | FUNCTIONS
_KEEPS_RESULT = frozenset({"functools.lru_cache", "functools.cache"})
_LOGGER_TYPES = frozenset(catalogue.LOGGER_FACTORY_RESULTS.values())
# Return annotations that name what a generator or context manager hands out, not what
# calling the function returns.
_WRAPPER_RETURNS = re.compile(r"Iterator|Iterable|Generator|ContextManager")


def _project_symbol(context: FileFacts, qualified: str, kinds: Kinds) -> Symbol | None:
    """The definition a dotted name of the project stands for (``app.db.SessionLocal``,
    from an import at any level of the file)."""
    project = context.module_info.project
    module, _, attribute = qualified.rpartition(".")
    if project is None or not module:
        return None
    return resolve_dotted(project, module, attribute, kinds=kinds)


def _project_variable_type(context: FileFacts, symbol: Local) -> str | None:
    """The type of a top-level variable of another project module, from that module's
    own evidence (kept with it). A module that rebinds the variable in a function
    (``global``) says nothing."""
    node = symbol.node
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return None
    variable = targets[0].id
    answers = symbol.module.answers
    key = ("instance type", variable, context.settings)
    if key not in answers:
        answers[key] = None
        text = symbol.module.source or ""
        foreign = context.for_module(symbol.module)
        if foreign is not None and not declares_global(text, variable):
            answers[key] = TypeResolver(foreign).type_of(ast.Name(id=variable, ctx=ast.Load()),
                                                         [foreign.tree])
    found: str | None = answers[key]
    return found


def _function_result(context: FileFacts, symbol: Local, *, provider: bool) -> str | None:
    """What a function of another project module gives: called directly, what a plain
    ``def`` returns; as a ``Depends()`` provider, also what it yields or what an
    ``async def`` returns. From its return annotation, else from its ``return`` (or
    ``yield``) values when they all build one known type; an annotation that a returned
    value contradicts says nothing."""
    answers = symbol.module.answers
    key = ("function result", id(symbol.node), provider, context.settings)
    if key not in answers:
        answers[key] = None
        foreign = context.for_module(symbol.module)
        if foreign is not None:
            answers[key] = _not_a_logger(_decide_function_result(
                foreign, materialize(symbol.node), provider))  # type: ignore[arg-type]
    found: str | None = answers[key]
    return found


def _decide_function_result(foreign: FileFacts, function: ast.FunctionDef | ast.AsyncFunctionDef,
                            provider: bool) -> str | None:
    if is_stub(function) or any(
            foreign.qualified_name(d.func if isinstance(d, ast.Call) else d) not in _KEEPS_RESULT
            for d in function.decorator_list):
        return None  # A decorator may change what a call gives.
    nodes = list(own_nodes(function))
    yields = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes)
    if not provider and (yields or isinstance(function, ast.AsyncFunctionDef)):
        return None  # A generator or a coroutine, not the object itself.
    if not yields and any(isinstance(n, ast.Return) and (
            n.value is None or (isinstance(n.value, ast.Constant) and n.value.value is None))
            for n in nodes):
        return None  # It may give None.
    resolver = TypeResolver(foreign)
    inner = [foreign.tree, function]
    values = list(_produced_values(function))
    made = {resolver._value_type(v, inner) for v in values} - {_NONE}
    if function.returns is not None:
        if not provider and _WRAPPER_RETURNS.search(ast.unparse(function.returns)):
            return None
        declared = resolver.annotation_type(function.returns, [foreign.tree])
        if declared is None or made - {declared, None}:
            return None  # A returned value contradicts the annotation.
        return declared
    if len(made) != 1 or None in made:
        return None
    return made.pop()


def _not_a_logger(found: str | None) -> str | None:
    """Loggers that project helpers make are decided by the logging rules, which follow
    such helpers themselves (and stay silent on some that typing would follow)."""
    return None if found in _LOGGER_TYPES else found


_SHAPED = "shaped"
_SHAPE_FETCHES = frozenset({"first", "one", "one_or_none", "all", "scalar", "count"})


def _session_shape(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    arguments = function.args
    parameter = next((p for p in all_parameters(arguments) if p.arg == name), None)
    if (parameter is None or parameter.annotation is not None
            or parameter_default(arguments, parameter) is not None):
        return False
    used: set[str] = set()
    for node in own_nodes(function):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return False  # Rebound in the body.
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method in _SHAPE_FETCHES and _queried_from(node.func.value, name):
            used.add("query")
        elif _is_name(node.func.value, name) and method in ("add", "add_all", "commit"):
            used.add("commit" if method == "commit" else "add")
    return used == {"query", "add", "commit"}


def _queried_from(node: ast.expr, name: str) -> bool:
    """``node`` is ``name.query(...)``, or a query method chained on it."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "query":
            return _is_name(node.func.value, name)
        if catalogue.method_result(catalogue.QUERY, node.func.attr) != catalogue.QUERY:
            return False
        node = node.func.value
    return False


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _produced_values(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.expr]:
    """Values a dependency provider yields (or, without yield, returns)."""
    yielded: list[ast.expr] = []
    returned: list[ast.expr] = []
    for node in own_nodes(materialize(function)):
        if isinstance(node, ast.Yield) and node.value is not None:
            yielded.append(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            returned.append(node.value)
    yield from (yielded or returned)


def enclosing_method(chain: Chain) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, int] | None:
    """The innermost method around the chain's end, and its class's index in the chain;
    None outside methods and in static methods (which have no ``self``)."""
    for index in range(len(chain) - 1, 0, -1):
        node = chain[index]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(
            chain[index - 1], ast.ClassDef
        ):
            return None if _is_static(node) else (node, index - 1)
    return None


def first_parameter(function: ast.AST) -> str | None:
    arguments: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [*arguments.posonlyargs, *arguments.args]
    return positional[0].arg if positional else None


def _is_static(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
