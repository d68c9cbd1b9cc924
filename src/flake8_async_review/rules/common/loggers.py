"""Which calls are logging calls, for the rules that look at how errors are logged
(ASR909), at what should be logging (ASR301) and at logging scheduled as work (ASR503).

A call logs when the source says for sure what it is called on: the ``logging`` module
itself (``logging.error(...)``, ``from logging import error``), ``loguru``'s ``logger``
imported from ``loguru``, or an object whose type receiver typing knows to be a logger:
a name or ``self`` attribute bound from ``logging.getLogger(...)``,
``structlog.get_logger(...)`` or ``logger.bind(...)``, a parameter annotated
``logging.Logger``, a ``logging.LoggerAdapter``; and a name bound once to what a
function of the project returns when that function surely returns a standard-library
logger (``logger = get_logger(__name__)``, the helper annotated ``-> logging.Logger`` or
returning ``logging.getLogger(...)``). A name called ``logger`` that the source does
not bind from a logging factory is not a logger: it could be anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from ...analysis.facts import FileFacts, ScopeChain
from ...analysis.local_functions import is_generator
from ...analysis.nodes import walk
from ...analysis.project import (
    ASSIGNMENTS,
    SYNC_FUNCTIONS,
    Local,
    imported_from_project,
    materialize,
)
from ...analysis.scopes import (
    bound_names,
    declares_global,
    own_nodes,
    parameter_names,
    statement_nodes,
    statements_of,
)
from ...engine.context import Context
from ...engine.fixes import add_module_import, add_module_statement
from ...engine.violation import Edit

STDLIB = "stdlib"
STRUCTLOG = "structlog"
LOGURU = "loguru"

LOGGER_TYPES: dict[str, str] = {
    "logging.Logger": STDLIB,
    "logging.RootLogger": STDLIB,
    "logging.LoggerAdapter": STDLIB,
    "structlog.BoundLogger": STRUCTLOG,
    "structlog.stdlib.BoundLogger": STRUCTLOG,
    "structlog.typing.FilteringBoundLogger": STRUCTLOG,
    "structlog.types.FilteringBoundLogger": STRUCTLOG,
    "loguru.Logger": LOGURU,
}
# Objects (not types) that are loggers, by qualified name.
LOGGER_OBJECTS: dict[str, str] = {
    "logging": STDLIB,  # The module's own functions log to the root logger.
    "logging.root": STDLIB,
    "loguru.logger": LOGURU,
}
_COMMON = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
LOG_METHODS: dict[str, frozenset[str]] = {
    STDLIB: _COMMON | {"warn", "fatal"},
    STRUCTLOG: _COMMON | {"warn", "fatal", "msg"},
    LOGURU: _COMMON | {"trace", "success"},
}
# Conventional names first, when a module binds several loggers.
_PREFERRED_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")


@dataclass(frozen=True)
class LoggerCall:
    """A call to a logging method: which family of logger, the method, and the
    receiver as written (None for a function imported from ``logging``)."""

    family: str
    method: str
    receiver: ast.expr | None


def logger_call(call: ast.Call, context: Context, chain: ScopeChain | None = None) -> LoggerCall | None:
    """The logging call ``call`` is, or None when it is not one for sure."""
    return logging_function(call.func, context, chain)


def logging_function(func: ast.expr, context: Context, chain: ScopeChain | None = None
                     ) -> LoggerCall | None:
    """The logging method ``func`` refers to (``logger.info``, ``logging.error``), called
    or passed as a function object; None when it is not one for sure."""
    qualified = context.qualified_name(func, chain)
    if qualified is not None:
        owner, _, method = qualified.rpartition(".")
        family = LOGGER_OBJECTS.get(owner)
        if family is not None:
            if method not in LOG_METHODS[family]:
                return None
            receiver = func.value if isinstance(func, ast.Attribute) else None
            return LoggerCall(family, method, receiver)
        # Else an imported name: a logger another module of the project binds
        # (`from app.log import logger`) is typed like the names of this module.
    if not isinstance(func, ast.Attribute):
        return None
    family = logger_family(context.type_of(func.value, chain))
    if family is None and isinstance(func.value, ast.Name) and func.attr in LOG_METHODS[STDLIB]:
        family = _helper_logger(func.value, context, chain)
    if family is None or func.attr not in LOG_METHODS[family]:
        return None
    return LoggerCall(family, func.attr, func.value)



def clause_logger_calls(handler: ast.ExceptHandler, context: Context
                        ) -> Iterator[tuple[ast.Call, LoggerCall]]:
    """The logging calls an ``except`` clause makes itself (not in functions it
    defines), each with what :func:`logger_call` says of it."""
    for node in statement_nodes(handler.body):
        if isinstance(node, ast.Call):
            call = logger_call(node, context)
            if call is not None:
                yield node, call

def logger_family(type_name: str | None) -> str | None:
    return LOGGER_TYPES.get(type_name) if type_name is not None else None


@dataclass(frozen=True)
class ModuleLogger:
    """A logger the module binds at its top level, by name."""

    name: str
    family: str


def module_logger(context: Context) -> ModuleLogger | None:
    """The logger the module binds to a top-level name, if it binds one for sure:
    ``logger = logging.getLogger(__name__)``, ``log = structlog.get_logger()``,
    ``from loguru import logger``. Conventional names are preferred. Worked out once
    per file: every fix of a silent clause asks."""
    return context.shared_state("module logger", lambda: (_module_logger(context),))[0]


def _module_logger(context: Context) -> ModuleLogger | None:
    """The first logger in the order :func:`module_logger` prefers, looked for in that
    order: a name is typed only when no name before it is a logger (typing a module's
    names can take reading other modules)."""
    bindings = context.scope(context.tree).bindings
    others = sorted(name for name in bindings if name not in _PREFERRED_NAMES)
    for name in (*(n for n in _PREFERRED_NAMES if n in bindings), *others):
        qualified = bindings[name]
        if qualified is not None:
            family = LOGGER_OBJECTS.get(qualified) if qualified != "logging" else None
        else:
            family = logger_family(context.type_of(ast.Name(id=name, ctx=ast.Load()), [context.tree]))
        if family is not None:
            return ModuleLogger(name, family)
    return None


# -- loggers made by the project's own helpers ------------------------------------------------

_CACHING_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
_STDLIB_LOGGER, _GET_LOGGER = "logging.Logger", "logging.getLogger"


def _helper_logger(name: ast.Name, context: Context, chain: ScopeChain | None) -> str | None:
    """STDLIB when ``name`` is bound once, by a plain assignment in its module or
    function (or in the project module it is imported from), to a call of a function
    of the project that surely returns a standard-library logger:
    ``logger = get_logger(__name__)``. None otherwise."""
    chain = list(context.scope_nodes if chain is None else chain)
    scope = context.defining_scope(name.id, chain)
    if scope is None or scope.is_class or scope.star_import or name.id in scope.expression_bound:
        return None
    memo: dict[tuple[int, str], str | None] = context.shared_state("helper loggers", dict)
    key = (id(scope.node), name.id)
    if key not in memo:
        index = next((i for i, node in enumerate(chain) if node is scope.node), None)
        found = index is not None and _bound_to_helper_logger(name.id, chain[: index + 1], context)
        memo[key] = STDLIB if found else None
    return memo[key]


def _bound_to_helper_logger(name: str, chain: ScopeChain, context: Context) -> bool:
    """``name``, bound in the last scope of ``chain``, holds what a project helper that
    returns a standard-library logger returned."""
    module = context.module_info
    scope_node = chain[-1]
    if scope_node is not context.tree:
        value = _function_binding(name, scope_node)
        if value is None or not isinstance(value.func, ast.Name):
            return False
        # The helper must be the module's name, not a local one.
        if context.defining_scope(value.func.id, chain) is not context.scope(context.tree):
            return False
    else:
        statement = module.definitions.get(name)
        text = context.joined_text()
        if context.scope(context.tree).bindings.get(name) is not None:  # Imported.
            symbol = imported_from_project(module, name, ASSIGNMENTS)
            if not isinstance(symbol, Local):
                return False
            module, statement, text = symbol.module, symbol.node, symbol.module.source or ""
        value = _module_binding(statement, text)
        if value is None or not isinstance(value.func, ast.Name):
            return False
    helper = module.lookup(value.func.id, kinds=SYNC_FUNCTIONS)
    return isinstance(helper, Local) and _returns_stdlib_logger(helper, context)


def _module_binding(statement: ast.stmt | None, text: str) -> ast.Call | None:
    """The call a module-level name is bound to by ``statement``, the one top-level
    binding of the name (see ``ModuleInfo.definitions``), when it is a plain assignment
    and no function of the module's ``text`` rebinds the name (``global``)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign):
        target = statement.target
    else:
        return None
    if not isinstance(target, ast.Name) or not isinstance(statement.value, ast.Call):
        return None
    if declares_global(text, target.id):
        return None
    return statement.value


def _function_binding(name: str, function: ast.AST) -> ast.Call | None:
    """The call a function's local name is bound to, when one plain assignment of the
    body binds it and it is not a parameter, nor declared ``global`` or ``nonlocal``."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if name in parameter_names(function.args):
        return None
    binders = [s for s in statements_of(function.body)
               if name in _statement_binds(s)]
    if len(binders) != 1:
        return None
    statement = binders[0]
    if any(isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names
           for node in walk(function)):
        return None
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Call):
        return statement.value
    return None


def _statement_binds(statement: ast.stmt) -> set[str]:
    names = set(bound_names(statement))
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(statement.name)
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        names.update((alias.asname or alias.name).partition(".")[0] for alias in statement.names)
    elif isinstance(statement, ast.Try):
        names.update(handler.name for handler in statement.handlers if handler.name)
    return names


def _returns_stdlib_logger(helper: Local, context: Context) -> bool:
    """The function surely returns a ``logging.Logger``: a plain ``def`` (or one only
    cached with ``functools.lru_cache`` / ``cache``) annotated ``-> logging.Logger``,
    or unannotated with every ``return`` returning ``logging.getLogger(...)``. Kept
    with the helper's module."""
    key = ("returns a stdlib logger", id(helper.node))
    answers = helper.module.answers
    if key not in answers:
        facts: FileFacts | None = (context if helper.module is context.module_info
                                   else context.for_module(helper.module))
        answers[key] = facts is not None and _logger_helper(materialize(helper.node), facts)
    found: bool = answers[key]
    return found


def _logger_helper(function: ast.stmt, facts: FileFacts) -> bool:
    if not isinstance(function, ast.FunctionDef) or is_generator(function):
        return False
    module = [facts.tree]
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if facts.qualified_name(target, module) not in _CACHING_DECORATORS:
            return False
    if function.returns is not None:
        annotation = function.returns
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return False
        return facts.qualified_name(annotation, module) == _STDLIB_LOGGER
    returns = [node for node in own_nodes(function) if isinstance(node, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Call)
        and facts.qualified_name(r.value.func, [facts.tree, function]) == _GET_LOGGER
        for r in returns)


# The name a fix binds the module's logger to when the module has none.
NEW_LOGGER = "logger"


def logger_for_fix(context: Context) -> tuple[ModuleLogger, list[Edit]] | None:
    """The logger a fix can call where the walk is: the module's own (no edits), or a new
    ``logger = logging.getLogger(__name__)`` after the imports (with ``import logging``
    when needed), whose edits two fixes of one file make identically. None when the
    module's logger is shadowed there, or a new one's names are taken."""
    logger = module_logger(context)
    module_scope = context.scope(context.tree)
    if logger is not None:
        if context.defining_scope(logger.name) is not module_scope:
            return None
        return logger, []
    if NEW_LOGGER in module_scope.bindings or _name_used(context, NEW_LOGGER):
        return None
    logging = context.module_binding_for("logging")
    import_edit: Edit | None = None
    if logging is None:
        if "logging" in module_scope.bindings or _name_used(context, "logging"):
            return None
        logging, import_edit = "logging", add_module_import(context, "logging")
    edits = add_module_statement(context, f"{NEW_LOGGER} = {logging}.getLogger(__name__)", import_edit)
    return ModuleLogger(NEW_LOGGER, STDLIB), list(edits)


def _name_used(context: Context, name: str) -> bool:
    """Some node of the module binds or reads ``name`` (known without a walk when the
    module's text never has the name)."""
    if not context.text_has(name):
        return False
    used: set[str] = context.shared_state("names of the module", lambda: {
        node.id if isinstance(node, ast.Name) else node.arg
        for node in walk(context.tree) if isinstance(node, (ast.Name, ast.arg))
    })
    return name in used
