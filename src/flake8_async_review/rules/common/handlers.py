"""What an ``except`` clause catches and what its body does with the error.

One analysis serves ASR201, ASR202, ASR204 and ASR205, and decides which of them
reports a clause, so that a clause gets at most one of the four, by precedence
ASR204 > ASR201 > ASR205 > ASR202 (see :func:`analyse`). Each of those rules
reports only when the analysis gives its own code. ASR909 uses :func:`raises` too.

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
  an assignment of a constant (``font = None``, ``self.ready = False``) or of a name
  to itself (``value = value``). Such a body cannot log, raise or use the error. A
  body that calls anything or computes a value is taken to handle the error.
* **answers a predicate**: the body is a single ``return True`` / ``return False`` in
  a function whose name starts with ``is_``, ``has_``, ``can_``, ``should_``,
  ``valid``, ``check_`` or ``verify_`` (leading underscores aside): the exception is
  the answer (``is_valid_url()`` returns ``False`` when parsing fails). A ``-> bool``
  annotation alone does not make a predicate: ``delete_file() -> bool`` returns
  ``False`` to say that it failed, and the failure's cause is what gets lost.
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
* **its own cancellation**: the ``CancelledError`` is most likely one the code asked
  for. Either every suspension point of the ``try`` block waits for tasks by name:
  ``await task``, or ``asyncio.wait_for()``, ``asyncio.shield()``,
  ``asyncio.gather()`` or ``asyncio.wait()`` of tasks the function cancelled before
  the ``try`` (``task.cancel()``, or ``t.cancel()`` in a loop over the collection),
  the documented way to wait for a cancelled task to end. Or the body starts by
  testing a flag that ends the handler (``if self._stopping: return``) and the code
  sets that flag to ``True`` just before a ``.cancel()`` call in the same block: in a
  method of the same class for an attribute of ``self``, in the function that defines
  the name for a closure variable.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ...analysis.nodes import child_nodes, walk
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
# asyncio functions that wait for the tasks they are given: for one task (its first
# argument), for each positional argument, or for a collection (the first argument).
_WAITS_FOR_ONE = frozenset({"asyncio.wait_for", "asyncio.shield",
                            "asyncio.tasks.wait_for", "asyncio.tasks.shield"})
_WAITS_FOR_EACH = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
_WAITS_FOR_COLLECTION = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
_PREDICATE_PREFIXES = ("is_", "has_", "can_", "should_", "valid", "check_", "verify_")
STOP_REQUESTS = frozenset({"builtins.KeyboardInterrupt", "builtins.SystemExit"})
BARE = "<bare except>"
EVERYTHING = frozenset({BARE, BASE_EXCEPTION})
EXITS = frozenset({"sys.exit", "os._exit"})
# The classes whose catching decides a clause's code: what a clause names besides these
# makes no difference to it or to the clauses after it.
_LOOKED_AT = EVERYTHING | {EXCEPTION} | CANCELLATION | STOP_REQUESTS
# The last part of their names and of the cancellation factory's: a name that ends
# otherwise is none of them, unless an import binds it to one under another name.
_LOOKED_AT_PARTS = frozenset(name.rpartition(".")[2]
                             for name in _LOOKED_AT | CANCELLATION_FACTORIES if name != BARE)
# The parts searched for, less those that end with another (what follows
# `BaseException` is what follows its `Exception`).
_SEARCHED_PARTS = sorted(part for part in _LOOKED_AT_PARTS
                         if not any(part != other and part.endswith(other)
                                    for other in _LOOKED_AT_PARTS))
CURRENT_EXCEPTION = frozenset({"sys.exc_info", "sys.exception"})
# Calls that only look at the exception: passing it to them is not handing it on.
_INSPECTING = frozenset({
    "builtins.str", "builtins.repr", "builtins.format", "builtins.print", "builtins.type",
    "builtins.isinstance", "builtins.id", "builtins.hash", "builtins.getattr",
    "builtins.hasattr", "builtins.vars", "builtins.dir", "builtins.len",
})
_TRY_STAR = getattr(ast, "TryStar", None)
# Functions that only parse or convert the value they are given: a `try` that does
# nothing else asks a question whose answer the exception is (see `only_parses`).
_PARSERS = frozenset({
    "builtins.int", "builtins.float", "builtins.complex", "builtins.bool", "builtins.str",
    "builtins.bytes", "builtins.len", "builtins.isinstance", "builtins.dict",
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset",
    "json.loads", "ujson.loads", "orjson.loads", "simplejson.loads", "ast.literal_eval",
    "base64.b64decode", "base64.urlsafe_b64decode", "base64.b32decode", "base64.b16decode",
    "base64.b85decode", "binascii.unhexlify", "binascii.a2b_hex", "bytes.fromhex",
    "uuid.UUID", "decimal.Decimal", "fractions.Fraction",
    "datetime.datetime.fromisoformat", "datetime.datetime.strptime",
    "datetime.date.fromisoformat", "datetime.time.fromisoformat",
    "datetime.datetime.fromtimestamp", "datetime.datetime.utcfromtimestamp",
    "ipaddress.ip_address", "ipaddress.ip_network", "ipaddress.ip_interface",
    "urllib.parse.urlparse", "urllib.parse.urlsplit", "urllib.parse.parse_qs",
    "urllib.parse.parse_qsl", "urllib.parse.unquote", "shlex.split",
    "email.utils.parseaddr", "email.utils.parsedate_to_datetime",
    "jwt.decode", "jwt.get_unverified_header", "datetime.datetime.now",
    "datetime.datetime.utcnow", "datetime.date.today", "time.time",
})
# Methods that parse or convert whatever their receiver is (`raw.decode()`,
# `JSONCodec.loads(text)`): none of them does I/O on the types that have them.
_PARSING_METHODS = frozenset({
    "decode", "encode", "loads", "fromhex", "fromisoformat", "strptime", "fromtimestamp",
    "strip", "lstrip", "rstrip", "split", "rsplit", "lower", "upper", "group",
    "groups", "index", "json",
})
# Awaited calls that only read a body already on its way to parse it: an HTTP response's
# `await response.json()` when the request failed, to find an error detail.
_AWAITED_PARSING_METHODS = frozenset({"json", "text"})
# Statements that a parse-only `try` may hold besides the parsing itself.
_PARSE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr,
                     ast.Assert, ast.Pass)


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
    """What an ``except`` clause catches, and the one code it gets (if any)."""

    catches: Catches
    code: str | None


class _TryFacts:
    """The facts of one ``try`` that its clauses share. What each clause names (of the
    classes the analysis looks at) and what the clauses before it name, by the clause's
    id, is resolved once for all clauses, whichever asks first; whether the block can
    suspend or only parses a value is worked out on the first request."""

    __slots__ = ("_guards_await", "_only_parses", "clauses", "node")

    def __init__(self, try_node: ast.AST, context: Context) -> None:
        self.node = try_node
        self.clauses: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        earlier: frozenset[str] = frozenset()
        for clause in getattr(try_node, "handlers", None) or []:
            named = _looked_at_names(clause, context)
            self.clauses[id(clause)] = (named, earlier)
            earlier |= named
        self._guards_await: bool | None = None
        self._only_parses: bool | None = None

    def catches(self, handler: ast.ExceptHandler) -> Catches:
        """What the clause catches, and what the clauses before it already caught."""
        named, earlier = self.clauses[id(handler)]
        return Catches(
            bare=BARE in named,
            base_exception=BASE_EXCEPTION in named,
            exception=EXCEPTION in named,
            cancellation=bool(named & CANCELLATION),
            stop_handled_earlier=bool(earlier & (STOP_REQUESTS | EVERYTHING)),
            cancellation_handled_earlier=bool(earlier & (CANCELLATION | EVERYTHING)),
        )

    def guards_await(self) -> bool:
        if self._guards_await is None:
            self._guards_await = guards_await(self.node)
        return self._guards_await

    def only_parses(self, context: Context) -> bool:
        if self._only_parses is None:
            self._only_parses = only_parses(self.node, context)
        return self._only_parses


def _try_facts(try_node: ast.AST, context: Context) -> _TryFacts:
    """The shared facts of a ``try``, made by whichever of its clauses asks first."""
    memo: dict[int, _TryFacts] = context.shared_state("try-facts", dict)
    facts = memo.get(id(try_node))
    if facts is None:
        facts = memo[id(try_node)] = _TryFacts(try_node, context)
    return facts


def _looked_at_names(handler: ast.ExceptHandler, context: Context) -> frozenset[str]:
    """The classes of ``_LOOKED_AT`` a clause names. Its entries are resolved only when
    one of them may name such a class: by the last part of its name, or by a name the
    file may import one of them as (``from asyncio import CancelledError as Stop``).
    The clause of ``except ValueError:`` needs no look at the scopes."""
    if handler.type is None:
        return frozenset({BARE})
    entries = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for entry in entries:
        named = entry.func if isinstance(entry, ast.Call) else entry
        if isinstance(named, ast.Attribute):
            maybe = named.attr in _LOOKED_AT_PARTS
        elif isinstance(named, ast.Name):
            maybe = named.id in _LOOKED_AT_PARTS or named.id in _renamed_in_file(context)
        else:
            maybe = False
        if maybe:
            return frozenset(caught_names(handler, context)) & _LOOKED_AT
    return frozenset()


def _renamed_in_file(context: Context) -> frozenset[str]:
    """The names the file's text may bind to one of the classes of ``_LOOKED_AT`` under
    another name (with some that it does not: ``e`` of ``except Exception as e``)."""
    return context.shared_state("names-renaming-looked-at-classes",
                                lambda: context.renamings(_SEARCHED_PARTS))


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
    """The body raises on at least one path (see the module docstring); walked once per
    clause and file, whichever rules ask."""
    memo: dict[int, bool] = context.shared_state("handler-raises", dict)
    found = memo.get(id(handler))
    if found is None:
        found = memo[id(handler)] = _raises(handler, context)
    return found


def _raises(handler: ast.ExceptHandler, context: Context) -> bool:
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
        if isinstance(statement.value, ast.Name):  # `value = value`
            return all(isinstance(t, ast.Name) and t.id == statement.value.id
                       for t in statement.targets)
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
        for child in child_nodes(node):
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


def answers_a_predicate(handler: ast.ExceptHandler, function: ast.AST | None) -> bool:
    """The body is a single ``return True``/``return False`` of a predicate function
    (see the module docstring)."""
    if not (len(handler.body) == 1 and isinstance(handler.body[0], ast.Return)):
        return False
    value = handler.body[0].value
    if not (isinstance(value, ast.Constant) and isinstance(value.value, bool)):
        return False
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return function.name.lstrip("_").lower().startswith(_PREDICATE_PREFIXES)


def only_parses(try_node: ast.AST, context: Context) -> bool:
    """The ``try`` block only parses or converts a value: each statement is an
    assignment, ``return``, expression, ``assert`` or ``if`` whose calls are all
    parsers or converters (``json.loads``, ``int``, ``bytes.fromhex``, ``uuid.UUID``,
    ``raw.decode()``...), and nothing awaits but a response's body read to be parsed
    (``await response.json()``). Such a ``try`` asks whether the value parses, and
    the exception is the answer."""
    body = getattr(try_node, "body", None) or []
    if not _parse_statements(body):
        return False
    for node in statement_nodes(body):
        if isinstance(node, ast.Await):
            value = node.value
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    and value.func.attr in _AWAITED_PARSING_METHODS):
                return False
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)):
            return False
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and function.attr in _PARSING_METHODS:
                continue
            if context.qualified_name(function) not in _PARSERS:
                return False
    return True


def _parse_statements(statements: list[ast.stmt]) -> bool:
    """Each statement is one a parse-only ``try`` may hold (an ``if`` when its branches
    are too)."""
    for statement in statements:
        if isinstance(statement, ast.If):
            if not (_parse_statements(statement.body) and _parse_statements(statement.orelse)):
                return False
        elif not isinstance(statement, _PARSE_STATEMENTS):
            return False
    return True


# Comments that mark rather than explain: a note for later, a linter's directive or a
# code of this linter (`# ASR201: ...`, as the test fixtures annotate).
_NOT_AN_EXPLANATION = re.compile(
    r"^#+\s*(?:todo|fixme|xxx|hack|bug\b|noqa|type:|pragma|nosec|pylint:|asr\d{3}\b)", re.IGNORECASE)


def explains_itself(handler: ast.ExceptHandler, context: Context) -> bool:
    """The clause holds a comment of a few words that says why the error is dropped
    (``# the photo is optional``), not a marker (``# TODO``, ``# noqa``, ``# ignore``)."""
    end = handler.end_lineno or handler.lineno
    segment = "".join(context.lines[handler.lineno - 1:end])
    try:
        comments = [token.string for token in tokenize.generate_tokens(io.StringIO(segment).readline)
                    if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return any(len(comment.split()) >= 3 and not _NOT_AN_EXPLANATION.match(comment)
               for comment in comments)


def own_cancellation(handler: ast.ExceptHandler, try_node: ast.AST, context: Context) -> bool:
    """The ``CancelledError`` the clause catches is most likely one the code asked for
    (see the module docstring)."""
    return (_waits_for_own_tasks(try_node, context) or _stops_on_own_flag(handler, context)
            or _outer_clause_raises_it(handler, context)
            or _raised_again_later(handler, context)
            or _ends_its_own_task(handler, try_node, context))


# Calls that run a coroutine as a task of its own: `asyncio.create_task(f())`,
# `loop.create_task(f())`, `group.create_task(f())`, `asyncio.ensure_future(f())`,
# `nursery.start_soon(f)`.
_TASK_SPAWNERS = frozenset({"create_task", "ensure_future", "start_soon"})


def _ends_its_own_task(handler: ast.ExceptHandler, try_node: ast.AST, context: Context) -> bool:
    """The clause is in a private coroutine that the module only ever runs as a task of
    its own (``asyncio.create_task(self._recv_loop())``), and the coroutine ends when
    the clause does: the task stops as it was asked to, and only ``task.cancelled()``
    tells the difference."""
    function = context.enclosing_function
    if not (isinstance(function, ast.AsyncFunctionDef) and function.name.startswith("_")):
        return False
    if not _only_run_as_tasks(context).get(function.name, False):
        return False
    return _clause_ends(handler, try_node, function)


def _only_run_as_tasks(context: Context) -> dict[str, bool]:
    """For each private name the module references (``_f``, ``self._f``): whether every
    reference is a coroutine call handed straight to a task spawner. Worked out once per
    file, in one walk, and without one when the file names no spawner."""
    def compute() -> dict[str, bool]:
        verdicts: dict[str, bool] = {}
        if not any(spawner in line for line in context.lines for spawner in _TASK_SPAWNERS):
            return verdicts  # Nothing is run as a task.
        spawned: set[int] = set()
        # Breadth first: a spawner call comes before the reference handed to it.
        for node in walk(context.tree):
            if isinstance(node, ast.Call):
                spawner = node.func
                name = spawner.attr if isinstance(spawner, ast.Attribute) else getattr(spawner, "id", None)
                if node.args and name in _TASK_SPAWNERS:
                    first = node.args[0]
                    spawned.add(id(first.func if isinstance(first, ast.Call) else first))
                continue
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                name = node.attr
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                name = node.id
            else:
                continue
            if name.startswith("_"):
                verdicts[name] = verdicts.get(name, True) and id(node) in spawned
        return verdicts

    return context.shared_state("only-run-as-tasks", compute)


def _clause_ends(handler: ast.ExceptHandler, try_node: ast.AST,
                 function: ast.AsyncFunctionDef) -> bool:
    """Nothing of the function runs after the clause but ``finally`` blocks: it returns,
    or it falls through (or breaks) out of a ``try`` that is the function's last
    statement, or the last statement of a loop that is."""
    last = handler.body[-1] if handler.body else None
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.Continue):
        return False
    if function.body and function.body[-1] is try_node:
        return not isinstance(last, ast.Break)
    loop = function.body[-1] if function.body else None
    if isinstance(loop, ast.While) and not loop.orelse and loop.body and loop.body[-1] is try_node:
        return isinstance(last, ast.Break)
    return False


def _outer_clause_raises_it(handler: ast.ExceptHandler, context: Context) -> bool:
    """The ``try`` is cleanup inside an outer clause that catches cancellation and ends
    with ``raise``: whatever the inner clause does, the cancellation goes on."""
    for outer in context.enclosing_handlers(handler):
        names = caught_names(outer, context)
        if (names & (CANCELLATION | EVERYTHING) and outer.body
                and isinstance(outer.body[-1], ast.Raise) and outer.body[-1].exc is None):
            return True
    return False


def _raised_again_later(handler: ast.ExceptHandler, context: Context) -> bool:
    """The clause only sets a local flag (``cancelled = True``), and the function raises
    ``CancelledError`` under a test of that flag: the cancellation is put off, not
    swallowed."""
    flags = {target.id for statement in handler.body if isinstance(statement, ast.Assign)
             and isinstance(statement.value, ast.Constant) and statement.value.value is True
             for target in statement.targets if isinstance(target, ast.Name)}
    function = context.enclosing_function
    if not flags or function is None:
        return False
    return not flags.isdisjoint(_names_tested_before_raising(function, context))


def _names_tested_before_raising(function: ast.AST, context: Context) -> frozenset[str]:
    """Names in the tests of the ``if`` statements of ``function`` whose body raises
    ``CancelledError`` (worked out once per function, however many clauses ask)."""
    memo: dict[int, frozenset[str]] = context.shared_state("names-tested-before-raising", dict)
    found = memo.get(id(function))
    if found is None:
        found = memo[id(function)] = frozenset(
            name.id
            for node in walk(function)
            if isinstance(node, ast.If) and any(_raises_cancellation(s, context) for s in node.body)
            for name in walk(node.test) if isinstance(name, ast.Name)
        )
    return found


def _raises_cancellation(statement: ast.stmt, context: Context) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return context.qualified_name(raised) in CANCELLATION


def _waits_for_own_tasks(try_node: ast.AST, context: Context) -> bool:
    """Every suspension point of the ``try`` block awaits a task by name, or waits for
    tasks the function cancelled before the ``try``."""
    awaited = False
    cancelled: tuple[set[str], set[str]] | None = None
    for node in statement_nodes(getattr(try_node, "body", [])):
        if isinstance(node, (ast.AsyncFor, ast.AsyncWith)):
            return False
        if isinstance(node, ast.comprehension) and node.is_async:
            return False
        if not isinstance(node, ast.Await):
            continue
        awaited = True
        if _is_reference(node.value):
            continue
        operands = _waited_operands(node.value, context)
        if operands is None:
            return False
        if cancelled is None:
            cancelled = _cancelled_before(context.enclosing_function, try_node)
        tasks, collections = cancelled
        if not all(ast.dump(expr) in (collections if many else tasks) for expr, many in operands):
            return False
    return awaited


def _waited_operands(value: ast.expr, context: Context) -> list[tuple[ast.expr, bool]] | None:
    """The tasks an asyncio waiting call waits for, each with whether it is a collection
    of tasks; None for any other expression, or for operands that are not names."""
    if not isinstance(value, ast.Call):
        return None
    called = context.qualified_name(value.func)
    operands: list[tuple[ast.expr, bool]] = []
    if called in _WAITS_FOR_EACH:
        for argument in value.args:
            if isinstance(argument, ast.Starred):
                operands.append((argument.value, True))
            else:
                operands.append((argument, False))
    elif called in _WAITS_FOR_ONE or called in _WAITS_FOR_COLLECTION:
        first = value.args[0] if value.args else None
        if first is None:
            return None
        if called in _WAITS_FOR_ONE:
            operands.append((first, False))
        elif isinstance(first, (ast.List, ast.Tuple, ast.Set)):
            operands.extend((element, False) for element in first.elts)
        else:
            operands.append((first, True))
    if not operands or not all(_is_reference(expr) for expr, _ in operands):
        return None
    return operands


def _cancelled_before(function: ast.AST | None, try_node: ast.AST) -> tuple[set[str], set[str]]:
    """The tasks (``task.cancel()``) and the collections of tasks (``for t in tasks:
    t.cancel()``) the function cancels before ``try_node``, as ``ast.dump`` texts."""
    tasks: set[str] = set()
    collections: set[str] = set()
    before = getattr(try_node, "lineno", 0)
    for node in statement_nodes(getattr(function, "body", [])):
        if getattr(node, "lineno", before) >= before:
            continue
        cancelled = _cancelled_task(node)
        if cancelled is not None:
            tasks.add(ast.dump(cancelled))
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            variable = node.target.id
            for inner in statement_nodes(node.body):
                task = _cancelled_task(inner)
                if isinstance(task, ast.Name) and task.id == variable:
                    collections.add(ast.dump(node.iter))
    return tasks, collections


def _cancelled_task(node: ast.AST) -> ast.expr | None:
    """``task`` for a ``task.cancel()`` call."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "cancel" and not node.args and not node.keywords):
        return node.func.value
    return None


def _is_reference(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _stops_on_own_flag(handler: ast.ExceptHandler, context: Context) -> bool:
    """The body starts with ``if <flag>: ... return`` (or ``break``), and the code sets
    the flag to ``True`` right before a ``.cancel()`` call (see the module docstring)."""
    first = handler.body[0]
    if not (isinstance(first, ast.If) and any(isinstance(s, (ast.Return, ast.Break))
                                             for s in first.body)):
        return False
    flag = first.test
    function = context.enclosing_function
    where: ast.AST
    if isinstance(flag, ast.Name):
        scope = context.defining_scope(flag.id)
        if scope is None or scope.node is function:
            return False  # A local of the handler's own function: no one else sets it.
        where = scope.node
    elif (isinstance(flag, ast.Attribute) and isinstance(flag.value, ast.Name)
          and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
          and function.args.args and flag.value.id == function.args.args[0].arg
          and len(context.scope_nodes) >= 2 and isinstance(context.scope_nodes[-2], ast.ClassDef)):
        where = context.scope_nodes[-2]  # The class: the flag is set by one of its methods.
    else:
        return False
    return any(_sets_before_cancel(block, flag) for block in _blocks(where))


def _blocks(root: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list under ``root``, nested functions and classes included."""
    for node in walk(root):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def _sets_before_cancel(block: list[ast.stmt], flag: ast.Name | ast.Attribute) -> bool:
    """``block`` sets ``flag`` (for an attribute: ``<first parameter>.<attr>``) to
    ``True`` in the statement just before a ``.cancel()`` call."""
    for statement, following in itertools.pairwise(block):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.value, ast.Constant) and statement.value.value is True):
            continue
        if not (isinstance(following, ast.Expr) and _cancelled_task(following.value) is not None):
            continue
        target = statement.targets[0]
        if isinstance(flag, ast.Name) and isinstance(target, ast.Name) and target.id == flag.id:
            return True
        if (isinstance(flag, ast.Attribute) and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name) and target.attr == flag.attr):
            return True
    return False


def analyse(handler: ast.ExceptHandler, context: Context) -> HandlerFacts:
    """What ``handler`` (the clause being visited) catches and the code it gets, once per
    clause and file whichever rules ask."""
    memo: dict[int, HandlerFacts] = context.shared_state("handler-facts", dict)
    facts = memo.get(id(handler))
    if facts is None:
        try_facts = _try_facts(context.ancestors[-1], context)  # The clause's `try`.
        caught = try_facts.catches(handler)
        facts = memo[id(handler)] = HandlerFacts(caught, _code(handler, caught, try_facts, context))
    return facts


def _code(handler: ast.ExceptHandler, caught: Catches, try_facts: _TryFacts,
          context: Context) -> str | None:
    """The single code a clause gets, by precedence ASR204 > ASR201 > ASR205 > ASR202.

    A clause that raises or hands the exception on gets none. ASR204 needs a clause
    that catches cancellation (and no earlier clause of the ``try`` does) in an
    ``async def``, around a ``try`` block that can suspend, unless the cancellation is
    the code's own; ASR201 a broad, silent clause that does not answer a predicate;
    ASR205 an explicit ``BaseException`` and ASR202 a bare ``except:``, each
    unless an earlier clause of the ``try`` names ``KeyboardInterrupt`` or
    ``SystemExit``: the author has decided what happens to a request to stop.

    What the clause catches is looked at first, then its statements, and its body and
    the ``try`` block are walked only for a clause that could still get a code.
    """
    may_be_asr204 = (caught.catches_cancellation and not caught.cancellation_handled_earlier
                     and context.in_async_function and try_facts.guards_await())
    silent = caught.broad and is_silent(handler)
    if not (may_be_asr204 or silent or (caught.everything and not caught.stop_handled_earlier)):
        return None
    if raises(handler, context) or hands_on(handler, context):
        return None
    if may_be_asr204 and not own_cancellation(handler, try_facts.node, context):
        return "ASR204"
    if silent and not (answers_a_predicate(handler, context.enclosing_function)
                       or try_facts.only_parses(context)
                       or explains_itself(handler, context)):
        return "ASR201"
    if caught.stop_handled_earlier:
        return None
    if caught.base_exception:
        return "ASR205"
    if caught.bare:
        return "ASR202"
    return None


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
    # The clause is in the file, and what it catches is written there (a class imported
    # under another name is found by its `as` in the file too).
    triggers_in_own_text: ClassVar[bool] = True

    def visit_ExceptHandler(self, node: ast.ExceptHandler, context: Context) -> None:
        facts = analyse(node, context)
        if facts.code == self.code:
            context.report(self, node, *self.message_args(node, context, facts),
                           fix=self.fix(node, context, facts) if context.fixes_wanted else None)

    def message_args(self, node: ast.ExceptHandler, context: Context,
                     facts: HandlerFacts) -> tuple[object, ...]:
        return (clause_text(node, context),)

    def fix(self, node: ast.ExceptHandler, context: Context, facts: HandlerFacts) -> Fix | None:
        return None
