"""Which calls are logging calls, for the rules that look at how errors are logged
(ASR203), at what should be logging (ASR301) and at logging scheduled as work (ASR503).

A call logs when the source says for sure what it is called on: the ``logging`` module
itself (``logging.error(...)``, ``from logging import error``), ``loguru``'s ``logger``
imported from ``loguru``, or an object whose type receiver typing knows to be a logger:
a name or ``self`` attribute bound from ``logging.getLogger(...)``,
``structlog.get_logger(...)`` or ``logger.bind(...)``, a parameter annotated
``logging.Logger``, a ``logging.LoggerAdapter``. A name called ``logger`` that the
source does not bind from a logging factory is not a logger: it could be anything.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ...analysis.facts import ScopeChain
from ...engine.context import Context

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
        if family is None or method not in LOG_METHODS[family]:
            return None
        receiver = func.value if isinstance(func, ast.Attribute) else None
        return LoggerCall(family, method, receiver)
    if not isinstance(func, ast.Attribute):
        return None
    family = logger_family(context.type_of(func.value, chain))
    if family is None or func.attr not in LOG_METHODS[family]:
        return None
    return LoggerCall(family, func.attr, func.value)


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
    ``from loguru import logger``. Conventional names are preferred."""
    bindings = context.scope(context.tree).bindings
    found: dict[str, str] = {}
    for name, qualified in bindings.items():
        if qualified is not None:
            family = LOGGER_OBJECTS.get(qualified)
            if family is not None and qualified != "logging":
                found[name] = family
            continue
        family = logger_family(context.type_of(ast.Name(id=name, ctx=ast.Load()), [context.tree]))
        if family is not None:
            found[name] = family
    if not found:
        return None
    ordered = [n for n in _PREFERRED_NAMES if n in found]
    ordered += sorted(n for n in found if n not in _PREFERRED_NAMES)
    return ModuleLogger(ordered[0], found[ordered[0]])
