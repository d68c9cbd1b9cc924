"""What an ``except`` clause catches and what its body does with the error.

One analysis serves ASR201, ASR202, ASR204 and ASR205, and decides which of them
reports a clause, so that a clause gets at most one of the four, by precedence
ASR204 > ASR201 > ASR205 > ASR202 (see :func:`handler_code`). Each of those rules
reports only when the analysis gives its own code. ASR203 uses :func:`raises` too.

The terms, as the rules' documentation uses them:

* **catches everything**: a bare ``except:``, ``except BaseException``; **broad**: those
  and ``except Exception``; **catches cancellation**: a bare ``except:``,
  ``BaseException``, ``asyncio.CancelledError``, ``trio.Cancelled`` or
  ``anyio.get_cancelled_exc_class()``. Names are resolved through the imports
  (``from asyncio import CancelledError as C``), a tuple counts when one of its
  entries does, and a shadowed or unknown name counts as nothing.
  ``concurrent.futures.CancelledError`` is an ``Exception`` since Python 3.8, not
  asyncio's cancellation.
* **raises**: the body contains a ``raise`` statement of any form (bare ``raise``,
  ``raise exc``, ``raise Other(...) from exc``, ``raise Other(...)``), or calls
  ``sys.exit()`` / ``os._exit()``, anywhere in it, including inside a nested ``if``
  or loop, but not inside a nested function, lambda or class (which runs later, if at
  all). A ``raise`` on one path is enough: when unsure, the rules stay silent.
* **silent**: every statement of the body is one of ``pass``, ``...`` (or another
  constant expression), ``continue``, ``break``, ``return`` / ``return <constant>``,
  or an assignment of a constant (``font = None``, ``self.ready = False``). Such a body
  cannot log, raise or use the error. A body that calls anything or computes a value
  is taken to handle the error.
* **hands the exception on**: the name bound by ``as`` (or ``sys.exc_info()``,
  ``sys.exception()``) is returned, yielded, stored, or passed to a call that is not
  logging or ``str()``/``repr()`` (``future.set_exception(exc)``,
  ``errors.append(exc)``, ``Result(error=exc)``): the exception reaches code that will
  deal with it, so it is not swallowed.
* **earlier clauses**: a clause after ``except KeyboardInterrupt`` or
  ``except SystemExit`` (alone or in a tuple) of the same ``try`` does not see those,
  and one after a clause that catches cancellation does not see cancellation.
* **guards an await**: the ``try`` block (not its ``else`` or ``finally``) contains an
  ``await``, ``async for``, ``async with`` or async comprehension outside nested
  functions: only there can the task be cancelled.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import ClassVar

from ...analysis.scopes import statement_nodes
from ...engine.context import Context
from ...engine.rule import Rule
from ...engine.violation import Fix
from .loggers import logger_call

BASE_EXCEPTION = "builtins.BaseException"
EXCEPTION = "builtins.Exception"
CANCELLATION = frozenset({
    "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError",
    "trio.Cancelled",
})
CANCELLATION_FACTORIES = frozenset({"anyio.get_cancelled_exc_class"})
STOP_REQUESTS = frozenset({"builtins.KeyboardInterrupt", "builtins.SystemExit"})
BARE = "<bare except>"
EVERYTHING = frozenset({BARE, BASE_EXCEPTION})
EXITS = frozenset({"sys.exit", "os._exit"})
CURRENT_EXCEPTION = frozenset({"sys.exc_info", "sys.exception"})
# Calls that only look at the exception: passing it to them is not handing it on.
_INSPECTING = frozenset({
    "builtins.str", "builtins.repr", "builtins.format", "builtins.print", "builtins.type",
    "builtins.isinstance", "builtins.id", "builtins.hash", "builtins.getattr",
    "builtins.hasattr", "builtins.vars", "builtins.dir", "builtins.len",
})
_TRY_STAR = getattr(ast, "TryStar", None)


@dataclass(frozen=True)
class Catches:
    """What an ``except`` clause's exception types cover."""

    bare: bool = False
    base_exception: bool = False
    exception: bool = False
    cancellation: bool = False  # Named explicitly: CancelledError, trio.Cancelled...
    # An earlier clause of the same `try` names KeyboardInterrupt or SystemExit (or
    # catches everything): this one is the deliberate catch-all for the rest.
    stop_handled_earlier: bool = False
    # An earlier clause of the same `try` catches cancellation: this one never sees it.
    cancellation_handled_earlier: bool = False

    @property
    def broad(self) -> bool:
        return self.bare or self.base_exception or self.exception

    @property
    def everything(self) -> bool:
        return self.bare or self.base_exception

    @property
    def catches_cancellation(self) -> bool:
        return self.bare or self.base_exception or self.cancellation


@dataclass(frozen=True)
class HandlerFacts:
    """The analysis of one ``except`` clause, and the one code it gets (if any)."""

    catches: Catches
    raises: bool
    silent: bool
    hands_on: bool
    guards_await: bool
    drains_a_task: bool
    in_async_function: bool
    code: str | None


def catches(handler: ast.ExceptHandler, context: Context, try_node: ast.AST | None = None) -> Catches:
    """What the clause catches, from its exception expression resolved at the walk's
    position (the clause being visited, or a node in its body), and what the clauses
    before it in ``try_node`` already caught."""
    earlier: set[str] = set()
    for other in getattr(try_node, "handlers", None) or []:
        if other is handler:
            break
        earlier |= caught_names(other, context)
    named = caught_names(handler, context)
    return Catches(
        bare=BARE in named,
        base_exception=BASE_EXCEPTION in named,
        exception=EXCEPTION in named,
        cancellation=bool(named & CANCELLATION),
        stop_handled_earlier=bool(earlier & (STOP_REQUESTS | EVERYTHING)),
        cancellation_handled_earlier=bool(earlier & (CANCELLATION | EVERYTHING)),
    )


def caught_names(handler: ast.ExceptHandler, context: Context) -> set[str]:
    """The qualified names of the classes a clause names (``BARE`` for a bare
    ``except:``); a cancellation factory call counts as ``asyncio.CancelledError``.
    Unknown names are left out."""
    if handler.type is None:
        return {BARE}
    entries = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names: set[str] = set()
    for entry in entries:
        if isinstance(entry, ast.Call):
            if not entry.args and context.qualified_name(entry.func) in CANCELLATION_FACTORIES:
                names.add("asyncio.CancelledError")
            continue
        qualified = context.qualified_name(entry)
        if qualified is not None:
            names.add(qualified)
    return names


def raises(handler: ast.ExceptHandler, context: Context) -> bool:
    """The body raises on at least one path (see the module docstring)."""
    for node in statement_nodes(handler.body):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call) and context.qualified_name(node.func) in EXITS:
            return True
    return False


def is_silent(handler: ast.ExceptHandler) -> bool:
    """Every statement of the body does nothing with the error."""
    return all(_does_nothing(statement) for statement in handler.body)


def _does_nothing(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Pass, ast.Continue, ast.Break)):
        return True
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    if isinstance(statement, ast.Return):
        return statement.value is None or _is_constant(statement.value)
    if isinstance(statement, ast.Assign):
        return _is_constant(statement.value) and all(
            isinstance(t, (ast.Name, ast.Attribute, ast.Subscript)) for t in statement.targets
        )
    if isinstance(statement, ast.AnnAssign):
        return statement.value is None or _is_constant(statement.value)
    return False


def _is_constant(value: ast.expr) -> bool:
    """A literal: ``None``, ``False``, ``-1``, ``""``, ``()``, ``[]``, ``{}``, a tuple of
    literals."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd, ast.Not)):
        return isinstance(value.operand, ast.Constant)
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return not value.keys
    return False


def hands_on(handler: ast.ExceptHandler, context: Context) -> bool:
    """The exception (the name bound by ``as``, or ``sys.exc_info()`` /
    ``sys.exception()``) is returned, stored or passed to a call other than logging and
    plain inspection (see the module docstring)."""
    name = handler.name
    parents: dict[int, ast.AST] = {}
    for node in statement_nodes(handler.body):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        is_bound = isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        is_current = isinstance(node, ast.Call) and context.qualified_name(node.func) in CURRENT_EXCEPTION
        if not (is_bound or is_current):
            continue
        holder: ast.AST | None = parents.get(id(node))
        inner: ast.AST = node
        while isinstance(holder, (ast.Tuple, ast.List, ast.Starred, ast.keyword)) or (
            isinstance(holder, ast.Subscript) and holder.value is inner
        ):
            inner, holder = holder, parents.get(id(holder))
        if isinstance(holder, (ast.Return, ast.Yield, ast.YieldFrom, ast.Assign, ast.AnnAssign,
                               ast.Dict, ast.Set)):
            return True
        if isinstance(holder, ast.Call) and holder.func is not inner and _hands_to(holder, context):
            return True
    return False


def _hands_to(call: ast.Call, context: Context) -> bool:
    if context.qualified_name(call.func) in _INSPECTING:
        return False
    return logger_call(call, context) is None


def guards_await(try_node: ast.AST) -> bool:
    """The ``try`` block can suspend: it awaits, or iterates or enters asynchronously."""
    for node in statement_nodes(getattr(try_node, "body", [])):
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, ast.comprehension) and node.is_async:
            return True
    return False


def drains_a_task(try_node: ast.AST) -> bool:
    """Every suspension point of the ``try`` block awaits an existing task or future by
    name (``await task`` after ``task.cancel()``): the ``CancelledError`` it raises is
    most likely that task's, the documented way to wait for a cancelled task to end."""
    awaited = False
    for node in statement_nodes(getattr(try_node, "body", [])):
        if isinstance(node, (ast.AsyncFor, ast.AsyncWith)):
            return False
        if isinstance(node, ast.comprehension) and node.is_async:
            return False
        if isinstance(node, ast.Await):
            if not _is_reference(node.value):
                return False
            awaited = True
    return awaited


def _is_reference(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def handler_code(facts: HandlerFacts) -> str | None:
    """The single code a clause gets, by precedence ASR204 > ASR201 > ASR205 > ASR202.

    A clause that raises or hands the exception on gets none. ASR204 needs a clause
    that catches cancellation (and no earlier clause of the ``try`` does) in an
    ``async def``, around a ``try`` block that can suspend; ASR201 a broad, silent
    clause; ASR205 an explicit ``BaseException`` and ASR202 a bare ``except:``, each
    unless an earlier clause of the ``try`` names ``KeyboardInterrupt`` or
    ``SystemExit``: the author has decided what happens to a request to stop.
    """
    c = facts.catches
    if facts.raises or facts.hands_on:
        return None
    if (facts.in_async_function and c.catches_cancellation and not c.cancellation_handled_earlier
            and facts.guards_await and not facts.drains_a_task):
        return "ASR204"
    if c.broad and facts.silent:
        return "ASR201"
    if c.stop_handled_earlier:
        return None
    if c.base_exception:
        return "ASR205"
    if c.bare:
        return "ASR202"
    return None


def analyse(handler: ast.ExceptHandler, context: Context) -> HandlerFacts:
    """The facts about ``handler`` (the clause being visited), once per clause and file
    whichever rules ask."""
    memo: dict[int, HandlerFacts] = context.shared_state("handler-facts", dict)
    facts = memo.get(id(handler))
    if facts is None:
        try_node = context.parent
        caught = catches(handler, context, try_node)
        facts = HandlerFacts(
            catches=caught,
            raises=raises(handler, context),
            silent=is_silent(handler),
            hands_on=hands_on(handler, context),
            guards_await=try_node is not None and guards_await(try_node),
            drains_a_task=try_node is not None and drains_a_task(try_node),
            in_async_function=context.in_async_function,
            code=None,
        )
        facts = memo[id(handler)] = replace(facts, code=handler_code(facts))
    return facts


def clause_text(handler: ast.ExceptHandler, context: Context) -> str:
    """The clause as written, without ``as name`` and the colon: ``except (A, B)``."""
    keyword = "except*" if _TRY_STAR is not None and isinstance(context.parent, _TRY_STAR) else "except"
    if handler.type is None:
        return keyword
    if handler.type.lineno == handler.type.end_lineno:
        return f"{keyword} {context.source_segment(handler.type)}"
    return f"{keyword} {ast.unparse(handler.type)}"  # Without the comments between lines.


class HandlerRule(Rule):
    """Base of the rules that report an ``except`` clause the shared analysis gives
    their code. Subclasses set the metadata and may override ``message_args``/``fix``."""

    required_text: ClassVar[tuple[str | tuple[str, ...], ...]] = ("except",)

    def visit_ExceptHandler(self, node: ast.ExceptHandler, context: Context) -> None:
        facts = analyse(node, context)
        if facts.code == self.code:
            context.report(self, node, *self.message_args(node, context, facts),
                           fix=self.fix(node, context, facts))

    def message_args(self, node: ast.ExceptHandler, context: Context,
                     facts: HandlerFacts) -> tuple[object, ...]:
        return (clause_text(node, context),)

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        return None
