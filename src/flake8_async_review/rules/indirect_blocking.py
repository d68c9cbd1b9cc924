"""ASR110: an ``async def`` calls a sync function of the module or the project that blocks."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeVar

from ..analysis.facts import ScopeChain
from ..analysis.local_functions import local_target, only_def, sync_def_names
from ..analysis.nodes import walk
from ..analysis.project import SYNC_FUNCTIONS, materialize
from ..analysis.receivers import enclosing_method, first_parameter
from ..analysis.scopes import own_nodes, statements_of
from ..engine.context import Context, context_for
from ..engine.rule import Severity
from ..settings import Settings
from .common.blocking import THREAD_BOUND_TYPES, BlockingCallRule

SyncFunction = ast.FunctionDef
T = TypeVar("T")
_OTHER_BLOCKING_CODES = {f"ASR{number}" for number in range(101, 110)}
# The rules whose calls hold nothing of the event loop's (a `time.sleep()`, a loop of
# its own started with `asyncio.run()`): a worker thread is a fine place for them.
_FINE_IN_A_THREAD = {"ASR101", "ASR108"}
# The helpers a message names between the reported call and the blocking call; a longer
# chain shows its first and last helper with an ellipsis between.
_MAX_HOPS = 2
_FUNCTION_CLASSES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})


@dataclass(frozen=True)
class Blocking:
    """Where a sync function blocks: the first blocking call it makes (``call``, the
    name a rule of ASR101 to ASR109 matched) at ``line`` of ``module`` (None: the
    checked file, whose module name is unknown), made in its own body or, through
    ``helper`` (the helper's module and name), in the helper's, whose Blocking is
    ``rest``."""

    call: str
    line: int
    module: str | None
    helper: tuple[str | None, str] | None = None
    rest: Blocking | None = None

    def through(self, module: str | None, name: str) -> Blocking:
        """This blocking call as reached from a function that calls the helper
        ``name`` of ``module``, whose Blocking this is."""
        return Blocking(self.call, self.line, self.module, (module, name), self)

    def helpers(self) -> list[tuple[str | None, str]]:
        found: list[tuple[str | None, str]] = []
        node: Blocking | None = self
        while node is not None and node.helper is not None:
            found.append(node.helper)
            node = node.rest
        return found

    def describe(self, current: str | None) -> str:
        """The chain from the reported call's function to the blocking call, one line:
        `` `app.services.x.load()` -> `read_yaml()` -> `open()` (line 12 of app.utils)``.
        A helper is named with its module when that is neither ``current`` (the checked
        file's) nor, for the helpers at the end of the chain, the module given with the
        blocking call's line."""
        helpers = self.helpers()
        tail = len(helpers)
        while tail and helpers[tail - 1][0] == self.module:
            tail -= 1
        hops = [f"`{name}()`" if index >= tail or module in (None, current)
                else f"`{module}.{name}()`"
                for index, (module, name) in enumerate(helpers)]
        if len(hops) > _MAX_HOPS:
            hops = [hops[0], "...", hops[-1]]
        place = (f"line {self.line}" if self.module is None or self.module == current
                 else f"line {self.line} of {self.module}")
        call = self.call.removeprefix("builtins.")
        return " -> ".join([*hops, f"`{call}()` ({place})"])


@dataclass(frozen=True)
class Helper:
    """What calling a sync function does: the first blocking call it makes (None: it
    makes none), and whether it may run in a worker thread."""

    blocking: Blocking | None
    threadable: bool


# A function met again while its own answer is being worked out (helpers that call each
# other): it adds nothing; the outer call decides.
_UNDECIDED = Helper(None, True)


class IndirectBlockingCall(BlockingCallRule):
    """
    ## What it does
    Finds an `async def` that calls a synchronous function or method of the same module
    (`helper()`, `self.helper()`, `cls.helper()`, or a `def` nested in the coroutine),
    or a synchronous function imported from another module of the project, whose body,
    directly or through further helpers, makes a blocking call that ASR101 to ASR109
    report. The diagnostic is at the call in the `async def`; it names the blocking
    call with its line (and its module, when that is another one), and the helpers the
    chain goes through: `` `load_config()` blocks the event loop: it calls
    `read_yaml()` -> `open()` (line 12 of app.utils.files)``. A chain of more than two
    helpers shows the first and the last.

    ## Why is this bad?
    Moving the blocking call into a helper does not make it asynchronous: the helper
    still runs on the event loop thread. Reviews miss these because the `async def`
    itself looks clean.

    ## Example
    ```python
    import time


    def wait_for_replica(db):
        while not db.replica_ready():
            time.sleep(0.5)


    async def create_order(db, order):
        wait_for_replica(db)
        return await db.insert(order)
    ```

    ## Use instead
    ```python
    import asyncio


    async def wait_for_replica(db):
        while not await db.replica_ready():
            await asyncio.sleep(0.5)


    async def create_order(db, order):
        await wait_for_replica(db)
        return await db.insert(order)
    ```

    Or run the helper in a worker thread: `await asyncio.to_thread(wait_for_replica, db)`.

    Helpers imported from other modules of the project (`crud.get_user(db, user_id)`
    after `from app import crud`, or `from ..crud import get_user`) are followed too:
    the module is read, never imported, and the message gives the module of the
    blocking call with its line (`line 12 of app.crud`), and of each helper on the way
    that is in another module (`app.services.users.load()`).
    `--asr-project-inference=off` keeps the rule to the same module.

    A blocking call under `if <value> is None:` in a helper is not followed: it is a
    lazy initialisation (`if self._config is None: self._config = load_config()`), which
    runs once, or a fallback for a value the caller did not give, which runs only on
    data the source does not show.

    Decorated helpers (other than `staticmethod` and `classmethod`) are skipped, since a
    decorator may move the call off the loop, and so are generator functions: calling
    one runs none of its body (`StreamingResponse(iter_file())` iterates it in a worker
    thread).

    ## Fix
    Runs the helper in a worker thread, and with it the whole chain:
    `load_config(path)` becomes `await asyncio.to_thread(load_config, path)` (with
    `--asr-async-library=anyio` or `trio`: `await anyio.to_thread.run_sync(...)`,
    keyword arguments through `functools.partial`), adding the imports it needs. Unsafe:
    the helper then runs in another thread, with a copy of the task's
    context variables (what it sets there is lost), and
    whatever it shares with the event loop's code must be thread-safe.

    Not offered when a blocking call anywhere in the chain is one its rule would not
    run in a thread (a database session or connection, a DB-API cursor, a Redis
    pipeline or lock, a socket ...), when the helper returns an object whose use blocks
    again (`return open(path)`), when an argument of the call is a session or
    connection, nor in a `with` statement.
    """

    code = "ASR110"
    name = "indirect-blocking-call-in-async-function"
    message = "`{}()` blocks the event loop: it calls {}"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = ("async",)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.direct_rules = tuple(
            rule(settings)
            for rule in BlockingCallRule.family()
            if rule.code in _OTHER_BLOCKING_CODES and rule.applies(settings)
        )

    def match(self, call: ast.Call, context: Context, chain: ScopeChain | None = None) -> str | None:
        if chain is None and not _may_run_a_helper(call, context):
            return None
        found = self._blocking_target(call, context, chain)
        return found.call if found else None

    def message_args(self, node: ast.Call, context: Context, matched: str) -> tuple[object, ...]:
        found = self._blocking_target(node, context, None)
        assert found is not None  # What ``match`` found, from the cache.
        return (context.source_segment(node.func), found.describe(context.module_info.name))

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        """The helper may run in a worker thread: no argument of the call is a session
        or connection, and every blocking call of the chain may run in one too."""
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        if any(context.type_of(argument, chain) in THREAD_BOUND_TYPES for argument in arguments):
            return False
        nodes = list(context.scope_nodes if chain is None else chain)
        target = _sync_target(call, context, nodes)
        return target is not None and _done(target, context, self._helper(*target, set()).threadable)

    def _blocking_target(self, call: ast.Call, context: Context, chain: ScopeChain | None
                         ) -> Blocking | None:
        nodes = list(context.scope_nodes if chain is None else chain)
        target = _sync_target(call, context, nodes)
        if target is None:
            return None
        return _done(target, context, self._helper(*target, set()).blocking)

    def _helper(self, function: SyncFunction, chain: list[ast.AST], context: Context,
                visiting: set[int]) -> Helper:
        """What calling ``function`` does, directly or through sync helpers of its
        module or imported from the project: the first blocking call it makes, with
        where it is and the helpers it goes through, and whether it may run in a worker
        thread (every blocking call it makes may, and it returns no object whose use
        blocks again). One walk of its body answers both. Cached per module (for a
        module read by the project tier, per process, by its stub)."""
        cache: dict[int, Helper] = (
            context.module_info.answers.setdefault((self.code, context.settings), {})
            if context.is_foreign else context.rule_state(self, dict))
        key = id(function)
        if key in cache:
            return cache[key]
        if key in visiting:  # Recursion between helpers: decided by the outer call.
            return _UNDECIDED
        visiting.add(key)
        body = materialize(function)  # A tier module's stub: its body, for this once.
        chain = [*chain[:-1], body]
        guarded = _under_none_tests(body)
        returned: set[int] = set()
        blocking: Blocking | None = None
        threadable = True
        for node in own_nodes(body):
            if isinstance(node, ast.Return) and node.value is not None:
                returned.add(id(node.value))
            if not isinstance(node, ast.Call):
                continue
            counts = id(node) not in guarded  # A guarded call decides only the thread.
            if not threadable:
                if blocking is not None:
                    break  # Both answers are known.
                if not counts:
                    continue  # It could only tell about the thread, which is known.
            direct = self._direct(node, context, chain)
            if direct is not None:
                rule, matched = direct
                if counts and blocking is None:
                    blocking = Blocking(matched, node.lineno, context.module_info.name)
                if threadable and rule.code not in _FINE_IN_A_THREAD:
                    threadable = rule.thread_safe(node, context, matched, chain) and not (
                        id(node) in returned and not rule.done_on_return(node, matched))
                continue
            target = _sync_target(node, context, chain)
            if target is None:
                continue
            found = self._helper(*target, visiting)
            if counts and blocking is None and found.blocking is not None:
                called, target_chain, target_context = target
                blocking = found.blocking.through(target_context.module_info.name,
                                                  _display_name(called, target_chain))
            threadable = threadable and found.threadable
            _done(target, context, None)
        visiting.discard(key)
        result = cache[key] = Helper(blocking, threadable)
        return result

    def _direct(self, call: ast.Call, context: Context, chain: list[ast.AST]
                ) -> tuple[BlockingCallRule, str] | None:
        """The first rule of ASR101 to ASR109 that reports ``call``, and what it matched."""
        for rule in self.rules_for(call, context, chain, self.direct_rules):
            matched = rule.match(call, context, chain)
            if matched is not None:
                return rule, matched
        return None


def _done(target: tuple[SyncFunction, list[ast.AST], Context], context: Context, answer: T) -> T:
    """``answer``, once the question about ``target`` (asked from ``context``) is
    answered: a context made for the helper of another module, for this question only,
    is released (see :meth:`FileFacts.release`); the asking one, which a helper of its
    own module shares, is not."""
    if target[2] is not context:
        target[2].release()
    return answer


def _under_none_tests(function: SyncFunction) -> set[int]:
    """The nodes in the body of an ``if <value> is None:`` of the function (not of its
    nested functions): a lazy initialisation (``if self._config is None: self._config =
    load()``) or a fallback for a value the caller did not give, which runs once, or
    only on data the source does not show."""
    guarded: set[int] = set()
    for node in statements_of(function.body):  # An `if` is a statement: no expression is walked.
        if isinstance(node, ast.If) and _is_none_test(node.test):
            for statement in node.body:
                guarded.update(id(inner) for inner in walk(statement))
    return guarded


def _is_none_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is)
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None)


def _display_name(function: SyncFunction, chain: list[ast.AST]) -> str:
    """A helper as a message names it: ``name``, or ``Class.name`` for a method."""
    owner = chain[-2] if len(chain) > 1 else None
    return f"{owner.name}.{function.name}" if isinstance(owner, ast.ClassDef) else function.name


def _may_run_a_helper(call: ast.Call, context: Context) -> bool:
    """Whether a call at the walk's position may run a sync function
    :func:`_sync_target` finds, from the names it is made of (most calls cannot:
    ``request.json()``, ``logger.info()``, builtins): ``name()`` where ``name`` is
    imported from the project, or a plain ``def`` of the module, or bound in a function
    around the call; ``value.name()`` where ``value`` is imported from the project, or
    is the ``self`` or ``cls`` of the enclosing method and its class may bind ``name``
    with a plain ``def``."""
    func = call.func
    if isinstance(func, ast.Name):
        name = value = func.id
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        name, value = func.attr, func.value.id
    else:
        return False
    if value in context.project_imports():
        return True
    chain = context.scope_nodes
    if func.__class__ is ast.Name:
        if name in sync_def_names(context.tree):
            return True
        # Or bound in a function around the call (a class body around it hides its
        # names: see FileFacts.defining_scope).
        for node in chain:
            if node.__class__ in _FUNCTION_CLASSES and name in context.scope(node).bindings:
                return True
        return False
    method = enclosing_method(chain)
    if method is None or value != first_parameter(method[0]):
        return False
    class_node = chain[method[1]]
    return isinstance(class_node, ast.ClassDef) and name in sync_def_names(class_node)


def _sync_target(call: ast.Call, context: Context, chain: list[ast.AST]
                 ) -> tuple[SyncFunction, list[ast.AST], Context] | None:
    """The sync ``def`` a call runs, with the scope chain of its body and the context of
    its module: a function of this module, or one imported from the project."""
    found = _local_target(call, context, chain)
    if found is not None:
        return (*found, context)
    return _imported_target(call, context, chain)


def _imported_target(call: ast.Call, context: Context, chain: list[ast.AST]
                     ) -> tuple[SyncFunction, list[ast.AST], Context] | None:
    """``helper()`` after ``from app.crud import helper`` (or a relative import), or
    ``crud.helper()`` after ``from app import crud``: the helper's ``def`` in the other
    module, read by the project tier (never for names from outside the project)."""
    func = call.func
    if isinstance(func, ast.Attribute) and not isinstance(func.value, ast.Name):
        return None
    symbol = context.project_definition(func, chain, SYNC_FUNCTIONS)
    if symbol is None or not isinstance(symbol.node, ast.FunctionDef):
        return None
    function = only_def(symbol.module.tree, symbol.node.name)
    if function is not symbol.node or not isinstance(function, ast.FunctionDef):
        return None
    foreign = context_for(symbol.module, context.settings)
    return (function, [symbol.module.tree, function], foreign) if foreign is not None else None


def _local_target(call: ast.Call, context: Context, chain: list[ast.AST]
                  ) -> tuple[SyncFunction, list[ast.AST]] | None:
    """The sync ``def`` of this module a call runs, with the scope chain of its body."""
    target = local_target(call, context, chain)
    if target is None or not isinstance(target[0], ast.FunctionDef):
        return None
    return target[0], target[1]
