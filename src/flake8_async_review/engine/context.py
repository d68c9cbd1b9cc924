"""What a rule may ask about the node it is looking at, answered from the single walk."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..analysis.facts import FileFacts, ScopeChain
from ..analysis.local_functions import is_generator
from ..analysis.project import FUNCTIONS, MODULES, Local, imported_from_project
from ..analysis.receivers import TypeResolver
from ..analysis.scopes import FUNCTION_TYPES
from ..analysis.settings_classes import symbol_of
from .violation import Fix, Violation

if TYPE_CHECKING:
    from ..analysis.project import Kinds, ModuleInfo
    from ..settings import Settings
    from .rule import Rule

_TRY_TYPES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_FUNCTION_OR_CLASS = (*FUNCTION_TYPES, ast.ClassDef)
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
T = TypeVar("T")


class Callee:
    """The target of a call: ``qualified`` for a name the imports resolve
    (``requests.get``), or, for a method call on an object, the ``method`` name and the
    ``receiver``'s type (``redis.Redis``). Unknown parts are None.

    The receiver's type is worked out only when a rule asks, after checking the cheaper
    ``method`` name: most calls never need it.
    """

    __slots__ = ("_chain", "_context", "_receiver", "_resolved", "_value", "method", "qualified")

    def __init__(self, context: Context, call: ast.Call, chain: ScopeChain | None) -> None:
        # None: the walk's position, where the call is being visited (handlers run
        # before the walk moves on, so the receiver is resolved there too).
        self._context, self._chain = context, chain
        self.qualified = context.qualified_name(call.func, chain)
        func = call.func
        if (self.qualified is not None and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name) and context.in_project(self.qualified)
                and context.imports_project_variable(func.value.id)):
            # `cache.get()` after `from app.clients import cache`: a method of an object
            # another module creates, whose type receiver typing works out.
            self.qualified = None
        self.method: str | None = None
        self._value: ast.expr | None = None
        if self.qualified is None and isinstance(call.func, ast.Attribute):
            self.method, self._value = call.func.attr, call.func.value
        self._receiver: str | None = None
        self._resolved = False

    @property
    def receiver(self) -> str | None:
        if not self._resolved:
            self._resolved = True
            if self._value is not None:
                chain = self._context.scope_nodes if self._chain is None else self._chain
                self._receiver = self._context.types.type_of(self._value, chain)
        return self._receiver

    @property
    def name(self) -> str | None:
        """One dotted name for either form: ``requests.get`` or ``redis.Redis.set``."""
        if self.qualified is not None:
            return self.qualified
        receiver = self.receiver
        return f"{receiver}.{self.method}" if receiver is not None else None


def context_for(info: ModuleInfo, settings: Settings) -> Context | None:
    """A context for another module of the project that the tier has read, to ask the
    same questions about its code. It is made for each question and not kept (what it
    computes would keep trees alive); answers worth keeping go to ``info.answers``."""
    if info.path is None or info.source is None:
        return None
    context = Context(info.tree, info.source_lines(), str(info.path), settings)
    context.adopt_module(info)
    return context


class Context(FileFacts):
    """Read-only view of where the walk is, for rule handlers: the file's facts (see
    :class:`~flake8_async_review.analysis.facts.FileFacts`), receiver types, callees,
    per-file memos, and the report."""

    def __init__(
        self, tree: ast.Module, lines: Sequence[str], filename: str, settings: Settings
    ) -> None:
        super().__init__(tree, lines, filename, settings)
        self._callees: dict[int, Callee] = {}
        self._rule_states: dict[int, Any] = {}
        self.types = TypeResolver(self)
        self.violations: list[Violation] = []
        # The call handlers by the last name of the callee, and those given every other
        # call: set by the engine before the walk when a rule says which names it
        # wants (see ``Rule.callee_names``).
        self.call_routes: dict[str, tuple[Callable[[ast.AST, Context], None], ...]] = {}
        self.call_rest: tuple[Callable[[ast.AST, Context], None], ...] = ()
        # Whether the front end uses fixes: under flake8, which shows none, rules do not
        # work them out (reports are the same either way).
        self.fixes_wanted = True

    # -- where am I -----------------------------------------------------------------

    @property
    def parent(self) -> ast.AST | None:
        """The parent of the node being visited."""
        return self.ancestors[-1] if self.ancestors else None

    @property
    def in_async_function(self) -> bool:
        """Lexically inside an ``async def`` body, with no nested def, lambda or class
        between: only there does a blocking call stall the event loop."""
        return self.scope_nodes[-1].__class__ is ast.AsyncFunctionDef

    @property
    def enclosing_function(self) -> FunctionNode | None:
        """The innermost function or lambda whose body holds the node, if no class body
        comes between."""
        node = self.scope_nodes[-1]
        return node if isinstance(node, FUNCTION_TYPES) else None

    def is_awaited(self, node: ast.AST) -> bool:
        """``node`` (the node being visited) is the operand of an ``await``."""
        parent = self.parent
        return isinstance(parent, ast.Await) and parent.value is node

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        """The innermost statement holding ``node`` (the node being visited)."""
        if isinstance(node, ast.stmt):
            return node
        for ancestor in reversed(self.ancestors):
            if isinstance(ancestor, ast.stmt):
                return ancestor
        return None

    def enclosing_handlers(self, node: ast.AST) -> list[ast.ExceptHandler]:
        """``except`` clauses whose body holds ``node`` (the node being visited),
        innermost last, up to the enclosing function or class."""
        handlers: list[ast.ExceptHandler] = []
        for ancestor in reversed(self.ancestors):  # No copy: most calls are in none.
            if isinstance(ancestor, _FUNCTION_OR_CLASS):
                break
            if isinstance(ancestor, ast.ExceptHandler):
                handlers.append(ancestor)
        handlers.reverse()
        return handlers

    def enclosing_try_bodies(self, node: ast.AST) -> list[ast.Try]:
        """``try`` statements whose ``try:`` block holds ``node`` (the node being
        visited), innermost last, up to the enclosing function or class: the handlers of
        these catch what the node raises."""
        chain = self._ancestors_in_function(node)
        found: list[ast.Try] = []
        for index, ancestor in enumerate(chain):
            on_path = chain[index + 1] if index + 1 < len(chain) else None
            if isinstance(ancestor, _TRY_TYPES) and any(c is on_path for c in ancestor.body):
                found.append(ancestor)
        return found

    def _ancestors_in_function(self, node: ast.AST) -> list[ast.AST]:
        start = 0
        for index in range(len(self.ancestors) - 1, -1, -1):
            if isinstance(self.ancestors[index], _FUNCTION_OR_CLASS):
                start = index + 1
                break
        # The visited node closes the chain so that "the child on the path" is known
        # for the innermost ancestor too.
        return [*self.ancestors[start:], node]

    # -- what does a name stand for ----------------------------------------------------

    def type_of(self, node: ast.AST, chain: ScopeChain | None = None) -> str | None:
        """The qualified class name of the value ``node`` evaluates to, when the source
        says so for sure (see :mod:`receivers`); None when unsure."""
        return self.types.type_of(node, self.scope_nodes if chain is None else chain)

    def callee(self, call: ast.Call, chain: ScopeChain | None = None) -> Callee:
        """What a call calls: its qualified name, or the receiver's type and the method.

        Cached, since several rules ask about each call: for calls at the walk's
        position, and for calls elsewhere by the scope chain given (the same list object:
        it is kept, with the call, while the file is checked, so neither is mistaken for
        another).
        """
        if chain is None or chain is self.scope_nodes:
            cached = self._callees.get(id(call))
            if cached is None:
                cached = self._callees[id(call)] = Callee(self, call, None)
            return cached
        elsewhere: dict[tuple[int, int], tuple[ast.Call, ScopeChain, Callee]] = (
            self.shared_state("callees", dict))
        key = (id(call), id(chain))
        found = elsewhere.get(key)
        if found is None:
            found = elsewhere[key] = (call, chain, Callee(self, call, chain))
        return found[2]

    def rule_state(self, rule: Rule, factory: Callable[[], T]) -> T:
        """A rule's own memo for this file (rules keep no per-file state on ``self``)."""
        state = self._rule_states.get(id(rule))
        if state is None:
            state = self._rule_states[id(rule)] = factory()
        return state

    # -- cross-module knowledge, lazily ----------------------------------------------

    def project_definition(self, node: ast.AST, chain: ScopeChain | None = None,
                           kinds: Kinds | None = None) -> Local | None:
        """The top-level definition, in another module of the project, that a name or
        ``module.attribute`` expression imported from the project refers to
        (``get_user`` after ``from ..crud import get_user``, ``crud.get_user`` after
        ``from app import crud``). None, without reading any other file, for names that
        do not come from the project; None when unsure. ``kinds`` (default: any function)
        narrows what the caller can use, so that fewer modules are parsed."""
        head = node
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name) or not self.settings.project_inference:
            return None
        # Only a function can be the answer: modules whose text defines no such function
        # (or, for `module.function`, imports no such module) are not parsed.
        kinds = FUNCTIONS if kinds is None else kinds
        head_kinds = kinds if head is node else MODULES
        if imported_from_project(self.module_info, head.id, head_kinds) is None:
            return None
        scope = self.defining_scope(head.id, chain)
        if scope is None or scope.node is not self.tree:
            return None
        symbol = symbol_of(self.module_info, node, kinds)  # type: ignore[arg-type]
        return symbol if isinstance(symbol, Local) else None

    def project_function_is_async(self, node: ast.AST, chain: ScopeChain | None = None,
                                  kinds: Kinds | None = None) -> bool | None:
        """Whether a function imported from the project is an ``async def`` (True) or a
        plain ``def`` (False); None when it is not a project function, is decorated
        (a decorator may change what calling it returns), or the tier is unsure. A
        caller that only acts on one answer passes its ``kinds`` (``project.
        COROUTINE_FUNCTIONS``): other functions are then None, found without parsing."""
        found = self.project_definition(node, chain, kinds)
        if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        if found.node.decorator_list:
            return None
        if isinstance(found.node, ast.AsyncFunctionDef) and is_generator(found.node):
            return None  # An async generator function: calling it creates no coroutine.
        return isinstance(found.node, ast.AsyncFunctionDef)

    # -- reporting -----------------------------------------------------------------------

    def report(self, rule: Rule, node: ast.AST, *args: object, fix: Fix | None = None) -> None:
        line: int = node.lineno  # type: ignore[attr-defined]
        end_line: int = getattr(node, "end_lineno", None) or line
        end_byte = getattr(node, "end_col_offset", None)
        self.violations.append(
            Violation(
                line=line,
                col=self.char_col(line, node.col_offset),  # type: ignore[attr-defined]
                code=rule.code,
                message=rule.format_message(*args),
                end_line=end_line,
                end_col=self.char_col(end_line, end_byte if end_byte is not None else 0),
                fix=fix,
            )
        )
