"""The rule engine: one walk per file, dispatching each node to every rule that handles
its type.

The walk is the hot path (every enabled rule runs on every file), so it is kept lean:
node types map to precomputed child fields and handler tuples, operator and
expression-context nodes are never visited, names and constants end at one dict lookup,
expressions are not entered at all when no handler of the file's table is for one,
nor outside async def bodies in scopes where no rule can report (see
``Rule.async_bodies_only`` and ``Rule.expression_scopes``), rules whose text triggers
are absent from a file are left out of that file's dispatch table (each trigger text
looked for once), and the blocking-call rules are called only for the calls they can
report (unawaited, in an ``async def`` body, to a callee whose name they declare).
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis.nodes import node_fields
from ..analysis.project import Project, imported_texts, project_of
from ..analysis.source import paused_collection, source_lines
from ..settings import Settings
from .context import Context
from .fixes import MAX_ROUNDS, apply_fixes, fixable
from .rule import CallIndex, CallNames, Rule
from .violation import Violation

Handler = Callable[[ast.AST, Context], None]
DispatchTable = dict[type[ast.AST], tuple[Handler, ...]]

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type that may hold nodes (names, constants, operators and
    the Load/Store contexts never do: skipping them is most of what makes the walk
    cheaper than a generic NodeVisitor), last first: the walk pushes them on a stack.
    Values that are not nodes (a ``None`` in ``Dict.keys``, a name in ``Global.names``)
    have no fields and pass through the walk harmlessly."""
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = _CHILD_FIELDS[node_type] = tuple(reversed(node_fields(node_type)))
    return fields


class Linter:
    """Runs a set of rules over files. Build one per settings; reuse it for every file."""

    def __init__(
        self,
        rules: Iterable[type[Rule]],
        settings: Settings | None = None,
        *,
        text_triggers: bool = True,
        fixes: bool = True,
    ) -> None:
        self.settings = settings or Settings()
        self.rules: tuple[Rule, ...] = tuple(
            rule(self.settings) for rule in rules if rule.applies(self.settings)
        )
        self._every_role = tuple(rule.checks_every_role(self.settings) for rule in self.rules)
        # Off only to measure the walk itself (benchmarks): results are the same.
        self.text_triggers = text_triggers
        # Off for a front end that shows no fixes (flake8): the same violations, without
        # their fixes, which rules then do not work out.
        self.fixes = fixes
        self._triggers = _Triggers(self.rules)
        self._search_imports = tuple(index for index, rule in enumerate(self.rules)
                                     if not rule.triggers_in_own_text)
        self._handled = tuple(rule.handled_node_types() for rule in self.rules)
        # The rules that rule some files out before the walk (``Rule.checks_file``).
        self._file_checks = frozenset(index for index, rule in enumerate(self.rules)
                                      if type(rule).checks_file is not Rule.checks_file)
        # Each rule's handlers, bound once. The tables of the many combinations of
        # active rules (a few hundred in a large application) share them, their tuples
        # and their plans: what a linter keeps for the whole process is then a few
        # thousand objects fewer for the cyclic garbage collector to traverse.
        self._bound = tuple({node_type: getattr(rule, attribute)
                             for node_type, attribute in handled.items()}
                            for rule, handled in zip(self.rules, self._handled, strict=True))
        self._shared: dict[Any, Any] = {}  # Handler tuples and plans, each kept once.
        self._tables: dict[tuple[int, ...], DispatchTable] = {}
        self._plans: dict[tuple[int, ...], _Plans] = {}
        # Of each combination of active rules, those that may rule a file out.
        self._checking: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._gates: dict[tuple[Handler, ...], Handler] = {}
        # The rules that say by which names their call handler's calls are made
        # (``Rule.callee_names``), and of each combination of active rules that holds
        # one, the call handlers with the index of their rule (None for the others).
        self._named_calls = frozenset(index for index, rule in enumerate(self.rules)
                                      if type(rule).callee_names is not Rule.callee_names)
        self._call_entries: dict[tuple[int, ...], tuple[tuple[Handler, int | None], ...]] = {}
        self._routes: dict[Any, tuple[dict[str, tuple[Handler, ...]], tuple[Handler, ...]]] = {}

    def lint(self, tree: ast.Module, lines: Sequence[str], filename: str) -> list[Violation]:
        """Violations of the enabled rules in one parsed file, in source order.

        No cyclic garbage collection runs meanwhile: what the rules build for the file
        is freed by reference counting when it is done (the facts break their own
        cycles), and collections in between would only traverse it, and the modules
        the project tier keeps, again and again (a sixth of the time on an application
        of large modules)."""
        with paused_collection():
            return self._lint(tree, lines, filename)

    def _lint(self, tree: ast.Module, lines: Sequence[str], filename: str) -> list[Violation]:
        source = "".join(lines)
        project = project_of(filename) if self.settings.project_inference else None
        if not self.text_triggers:
            active = tuple(range(len(self.rules)))
        else:
            known: dict[str, bool] = {}
            active = self._triggers.active(source, known=known)
            if project is not None:
                active = self._with_imported_text(active, source, known, tree, filename, project)
        if not active:
            return []
        context = Context(tree, lines, filename, self.settings)
        context.know_project(project)
        context.fixes_wanted = self.fixes
        try:
            if not all(self._every_role[index] for index in active):
                role = context.classification.role
                active = tuple(index for index in active
                               if self._every_role[index] or self.rules[index].checks(role, self.settings))
                if not active:
                    return []
            checking = self._checking.get(active)
            if checking is None:
                checking = self._checking[active] = tuple(
                    index for index in active if index in self._file_checks)
            if checking:
                ruled_out = [index for index in checking if not self.rules[index].checks_file(context)]
                if ruled_out:
                    active = tuple(index for index in active if index not in ruled_out)
                    if not active:
                        return []
            plans = self._plans.get(active)
            if plans is None:
                plans = self._plans[active] = self._new_plans(active)
            everywhere, statements, selective, wide = plans
            entries = self._call_entries.get(active)
            if entries is not None:
                context.call_routes, context.call_rest = self._call_routes(active, entries, context)
            _Walk(context, everywhere, statements, selective,
                  self._hot_lines(wide, context)).module(tree)
            return sorted(context.violations, key=lambda v: (v.line, v.col, v.code))
        finally:
            context.release()

    def _with_imported_text(self, active: tuple[int, ...], source: str, known: dict[str, bool],
                            tree: ast.Module, filename: str, project: Project) -> tuple[int, ...]:
        """``active`` and the rules whose triggers occur once the text of what the file
        imports from its project is added (only for rules that search it, and only when
        one of them is not active already). ``known``: what the search of ``source``
        found already."""
        inactive = [index for index in self._search_imports if index not in active]
        if not inactive:
            return active
        pieces = imported_texts(tree, filename, project)
        if not pieces:
            return active
        more = self._triggers.active(source, inactive, known, self._triggers.found_in(pieces))
        return tuple(sorted((*active, *more))) if more else active

    def _new_plans(self, active: tuple[int, ...]) -> _Plans:
        """The walk's plans for the rules ``active``: entering every node, entering
        statements only, and entering the expressions of the statements that hold a hot
        line; and which of the rules need expressions outside async def bodies
        (:meth:`Rule.expression_scopes` says where)."""
        table = self._table(active)
        statements = _PlanMap(table, self._shared, statements_only=True)
        if _statements_only(table):
            return statements, statements, statements, ()
        wide = tuple(index for index in active if not self.rules[index].async_bodies_only
                     and not all(issubclass(node_type, _STATEMENT_HOLDERS)
                                 for node_type in self._handled[index]))
        everywhere = _PlanMap(table, self._shared, statements_only=False)
        return everywhere, statements, _PlanMap(table, self._shared, statements_only=False), wide

    def _hot_lines(self, wide: tuple[int, ...], context: Context) -> list[int] | None:
        """The lines that make the walk enter expressions outside async def bodies: those
        of a statement that holds one (see :meth:`_Walk.plans`); None: every
        expression."""
        words: set[str] = set()
        for index in wide:
            found = self.rules[index].expression_scopes(context)
            if found is None:
                return None
            words |= found
        return context.lines_with(words) if words else []

    def _table(self, active: tuple[int, ...]) -> DispatchTable:
        table = self._tables.get(active)
        if table is None:
            collected: dict[type[ast.AST], list[Handler]] = {}
            for index in active:
                for node_type, handler in self._bound[index].items():
                    collected.setdefault(node_type, []).append(handler)
            calls = collected.get(ast.Call)
            if calls:
                calls = collected[ast.Call] = _gate_async_calls(calls, self._gates)
                owners = {id(self.rules[index]): index for index in active
                          if index in self._named_calls}
                if owners:
                    self._call_entries[active] = tuple(
                        (handler, owners.get(id(getattr(handler, "__self__", None))))
                        for handler in calls)
                    collected[ast.Call] = [_route_call]
            table = self._tables[active] = {}
            for node_type, handlers in collected.items():
                run = tuple(handlers)
                table[node_type] = self._shared.setdefault(run, run)
        return table

    def _call_routes(self, active: tuple[int, ...], entries: tuple[tuple[Handler, int | None], ...],
                     context: Context) -> tuple[dict[str, tuple[Handler, ...]], tuple[Handler, ...]]:
        """The call handlers of the file of ``context``, by the last name of the
        callee (see :func:`_route_call`), and those given every other call: the
        handlers of rules that declare no names, or none for this file. Each set of
        routes is made once for the names the rules declare, which most files share."""
        declared = tuple(self.rules[index].callee_names(context) if index is not None else None
                         for _, index in entries)
        key = (active, declared)
        found = self._routes.get(key)
        if found is not None:
            return found
        rest = tuple(handler for (handler, _), names in zip(entries, declared, strict=True)
                     if names is None)
        routes: dict[str, tuple[Handler, ...]] = {}
        for name in {name for names in declared if names is not None for name in names}:
            routes[name] = tuple(
                handler for (handler, _), names in zip(entries, declared, strict=True)
                if names is None or name in names)
        if len(self._routes) > _MAX_REMEMBERED_ROUTES:
            self._routes.clear()
        found = self._routes[key] = (routes, rest)
        return found


# How many sets of call routes a linter remembers (most files of a run share a few).
_MAX_REMEMBERED_ROUTES = 1024


def _route_call(node: ast.AST, context: Context) -> None:
    """The handler of every call, in a file where some rule says by which names its
    calls are made (:meth:`Rule.callee_names`): it passes the call, by the last name of
    its callee as written, to the handlers that may want it, in the order of the
    table."""
    func = node.func  # type: ignore[attr-defined]
    kind = func.__class__
    if kind is ast.Attribute:
        handlers = context.call_routes.get(func.attr, context.call_rest)
    elif kind is ast.Name:
        handlers = context.call_routes.get(func.id, context.call_rest)
    else:
        handlers = context.call_rest
    for handler in handlers:
        handler(node, context)


def _gate_async_calls(handlers: list[Handler], gates: dict[tuple[Handler, ...], Handler]
                      ) -> list[Handler]:
    """The call handlers, where each run of those of rules that look only at calls in
    an ``async def`` body that are not awaited (``Rule.async_calls_only``) is called
    through one handler that decides that once for the run: in a file's other code
    they are not called at all. The order of the handlers stays. ``gates`` keeps the
    handler of each run, for the other dispatch tables that have the same run."""
    gated: list[Handler] = []
    run: list[Handler] = []
    for handler in [*handlers, None]:
        owner = getattr(handler, "__self__", None)
        if handler is not None and getattr(owner, "async_calls_only", False):
            run.append(handler)
            continue
        if run:
            key = tuple(run)
            gate = gates.get(key)
            if gate is None:
                gate = gates[key] = _async_call_gate(key)
            gated.append(gate)
        run = []
        if handler is not None:
            gated.append(handler)
    return gated


def _async_call_gate(handlers: tuple[Handler, ...]) -> Handler:
    """One handler for the run: each call it passes goes only to the handlers whose
    rules declare a name of its callee (``Rule.call_names``), in their order."""
    index = CallIndex([(_call_names(handler), handler) for handler in handlers])

    def gate(node: ast.AST, context: Context) -> None:
        # Context.in_async_function and Context.is_awaited, inlined: this runs for
        # every call of the file.
        if context.scope_nodes[-1].__class__ is not ast.AsyncFunctionDef:
            return
        ancestors = context.ancestors
        if ancestors:
            parent = ancestors[-1]
            if parent.__class__ is ast.Await and parent.value is node:
                return
        if index.routes:
            callee = context.callee(node)  # type: ignore[arg-type]
            called = index.candidates(callee.qualified, callee.method)
        else:
            called = handlers
        for handler in called:
            handler(node, context)

    return gate


def _call_names(handler: Handler) -> CallNames | None:
    owner = getattr(handler, "__self__", None)
    return owner.call_names() if isinstance(owner, Rule) else None


class _Triggers:
    """The text triggers of a set of rules, tested together: each distinct text is
    looked for at most once per file, however many rules need it (``async`` is needed
    by a dozen), and only until a rule's answer is known.

    Each entry of a rule's ``required_text`` must occur: a string itself, or a tuple of
    alternatives one of which does.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        needs = [[(needed,) if isinstance(needed, str) else tuple(needed)
                  for needed in rule.required_text] for rule in rules]
        # The texts that more rules need first, in each rule's entries and alternatives
        # (neither order changes an answer): they are the likelier to be known already
        # from another rule, and a rule is often decided without a search of its own.
        users: dict[str, int] = {}
        for entries in needs:
            for text in {text for entry in entries for text in entry}:
                users[text] = users.get(text, 0) + 1
        self._needs = tuple(
            tuple(sorted((tuple(sorted(entry, key=lambda text: -users[text])) for entry in entries),
                         key=lambda entry: -users[entry[0]]))
            for entries in needs
        )
        self._texts = frozenset(text for needs in self._needs for entry in needs for text in entry)
        self._found: dict[str, frozenset[str]] = {}

    def active(self, source: str, among: Sequence[int] | None = None,
               known: dict[str, bool] | None = None, extra: frozenset[str] = frozenset()
               ) -> tuple[int, ...]:
        """The indexes of the rules (of ``among``, by default all) whose triggers all
        occur in ``source`` or are in ``extra``. ``known`` keeps what was looked for in
        ``source`` and what was found, for a later call on the same text."""
        if known is None:
            known = {}
        active: list[int] = []
        for index in range(len(self._needs)) if among is None else among:
            entries = self._needs[index]
            for alternatives in entries:
                for text in alternatives:
                    found = known.get(text)
                    if found is None:
                        found = known[text] = text in source
                    if found or text in extra:
                        break
                else:
                    break  # No alternative of this entry occurs: the rule cannot match.
            else:
                active.append(index)
        return tuple(active)

    def found_in(self, pieces: Iterable[str]) -> frozenset[str]:
        """The trigger texts that occur in any of ``pieces``. What each piece holds is
        remembered by the piece: the same few texts (the import lines of a project's
        common modules) come with most of its files."""
        memo = self._found
        if len(memo) > _MAX_REMEMBERED_PIECES:
            memo.clear()
        found: set[str] = set()
        for piece in pieces:
            texts = memo.get(piece)
            if texts is None:
                texts = memo[piece] = frozenset(text for text in self._texts if text in piece)
            found |= texts
        return frozenset(found)


# How many pieces of imported text :meth:`_Triggers.found_in` remembers (a long-lived
# language server sees modules change; a lint run's are a few per module).
_MAX_REMEMBERED_PIECES = 8192


def lint_source(source: str, filename: str, linter: Linter) -> list[Violation]:
    """Parse and lint a source text; a file that does not parse has no ASR diagnostics
    (flake8 reports it as E999)."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return linter.lint(tree, source_lines(source), filename)


class _Marker:
    """A stack entry that is not a node: leave an ancestor, enter or leave a scope."""

    __slots__ = ("scope",)

    def __init__(self, scope: ast.AST | None = None) -> None:
        self.scope = scope


# Per node type: the handlers to call, the (header, body) fields if it opens a scope, and
# the fields to walk.
_Plan = tuple[tuple[Handler, ...], tuple[tuple[str, ...], str] | None, tuple[str, ...]]
_LEAVE_NODE = _Marker()
_LEAVE_SCOPE = _Marker()


class _Sentinel:
    """A plan that is not a plan: a leaf to skip, or a marker to act on."""

    __slots__ = ()


_LEAF = _Sentinel()
_MARKER = _Sentinel()
# Defaults, decorators and annotations run in the enclosing scope; only the body runs in
# the new one. So `async def f(): def g(x=time.sleep(1)): ...` blocks f.
_SCOPE_FIELDS: dict[type[ast.AST], tuple[tuple[str, ...], str]] = {
    ast.FunctionDef: (("decorator_list", "args", "returns"), "body"),
    ast.AsyncFunctionDef: (("decorator_list", "args", "returns"), "body"),
    ast.Lambda: (("args",), "body"),
    ast.ClassDef: (("decorator_list", "bases", "keywords"), "body"),
}


# The node types that hold statements; no other node holds one (an expression holds
# expressions, a pattern patterns and expressions, and so on), and these hold them
# only in the fields below.
_STATEMENT_HOLDERS = (ast.mod, ast.stmt, ast.excepthandler, ast.match_case)
_STATEMENT_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _statements_only(table: DispatchTable) -> bool:
    """Whether every handler of ``table`` is for a node type that holds statements: the
    walk then need not enter an expression, which holds none of them."""
    return all(issubclass(node_type, _STATEMENT_HOLDERS) for node_type in table)


class _PlanMap(dict[type, "_Plan | _Sentinel"]):
    """The walk's plan of each node type, worked out on first meeting, for a dispatch
    table and a way of walking: every node, or statements only (bodies, handlers, match
    cases: then no expression is entered, and a scope's header is not walked)."""

    def __init__(self, table: DispatchTable, shared: dict[Any, Any], *, statements_only: bool) -> None:
        super().__init__({_Marker: _MARKER})
        self.table = table
        self.statements_only = statements_only
        self.shared = shared  # Equal plans of other maps, to use instead of a copy.

    def plan(self, node_type: type) -> _Plan | _Sentinel:
        if self.statements_only and not issubclass(node_type, _STATEMENT_HOLDERS):
            # Met only as the body of a lambda of an async def (walked there up to its
            # scope), which is not in the async def's body.
            found: _Plan | _Sentinel = _LEAF
            self[node_type] = found
            return found
        scoped = _SCOPE_FIELDS.get(node_type)
        fields = _child_fields(node_type)
        if self.statements_only:
            fields = tuple(field for field in fields if field in _STATEMENT_FIELDS)
            if scoped is not None:
                scoped = ((), scoped[1])
        plan = (self.table.get(node_type, ()), scoped, fields)
        found = self[node_type] = (
            _LEAF if plan == ((), None, ()) else self.shared.setdefault(plan, plan))
        return found


# The plans of a file's walk: entering every node (in an ``async def`` body, and in the
# other scopes that need it), entering statements only, and entering the expressions of
# the statements that hold a hot line (the plans of expressions only: each statement's
# is chosen as it is met); and the rules that need expressions outside async def bodies.
_Plans = tuple[_PlanMap, _PlanMap, _PlanMap, tuple[int, ...]]


def _statement_holder(node_type: type) -> bool:
    found = _HOLDS_STATEMENTS.get(node_type)
    if found is None:
        found = _HOLDS_STATEMENTS[node_type] = issubclass(node_type, _STATEMENT_HOLDERS)
    return found


_HOLDS_STATEMENTS: dict[type, bool] = {}


class _Walk:
    """One depth-first walk of one file, keeping the context's ancestors and scopes.

    The walk uses an explicit stack, not recursion: generated code nests expressions
    deeper than Python's recursion limit, and a linter must not crash on it.
    """

    __slots__ = ("ancestors", "context", "everywhere", "hot", "scope_nodes", "selective", "stack",
                 "statements")

    def __init__(self, context: Context, everywhere: _PlanMap, statements: _PlanMap,
                 selective: _PlanMap, hot: list[int] | None) -> None:
        self.everywhere = everywhere
        self.statements = statements
        self.selective = selective
        self.hot = hot
        self.context = context
        self.ancestors = context.ancestors
        self.scope_nodes = context.scope_nodes
        self.stack: list[ast.AST | _Marker] = []

    def module(self, tree: ast.Module) -> None:
        # The hot loop: everything it touches is a local, each node type costs one dict
        # lookup (its plan), and field pushing is inlined: this runs for every node.
        # Leaves nothing handles (names, constants) end at their plan, `_LEAF`.
        stack = self.stack
        stack.append(tree)
        context, ancestors, scope_nodes = self.context, self.ancestors, self.scope_nodes
        plans = self.plans(scope_nodes[-1])
        outer: list[_PlanMap] = []  # The plans of the scopes around the current one.
        pop, push = stack.pop, stack.append
        leaf, marker = _LEAF, _MARKER
        # No scope is walked selectively when only statements are ever entered.
        selective = self.selective if self.everywhere is not self.statements else None
        while stack:
            node = pop()
            plan = plans.get(node.__class__)
            if plan is leaf:
                continue
            if plan is marker:
                if node is _LEAVE_NODE:
                    ancestors.pop()
                    continue
                if node is _LEAVE_SCOPE:
                    scope_nodes.pop()
                    plans = outer.pop()
                else:
                    scope = node.scope  # type: ignore[union-attr]
                    scope_nodes.append(scope)  # type: ignore[arg-type]
                    outer.append(plans)
                    plans = self.plans(scope)  # type: ignore[arg-type]
                continue
            if plan is None:
                # A node type met for the first time; or, in a scope walked selectively,
                # a statement, whose plan depends on its lines (see `_choose`).
                plan = (self._choose(node) if plans is selective  # type: ignore[arg-type]
                        else plans.plan(node.__class__))
                if plan is leaf:
                    continue
            handlers, scoped, fields = plan  # type: ignore[misc]
            if handlers:
                for handler in handlers:
                    handler(node, context)  # type: ignore[arg-type]
            if scoped is not None:
                self._push_scoped(node, *scoped)  # type: ignore[arg-type]
                continue
            if not fields:
                continue
            ancestors.append(node)  # type: ignore[arg-type]
            push(_LEAVE_NODE)
            for field in fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    stack.extend(reversed(value))
                elif value is not None:
                    push(value)

    def plans(self, scope: ast.AST) -> _PlanMap:
        """The plans for the code directly in ``scope``: every node in an async def
        body, in a lambda whose lines hold a hot line, and in a def or class whose header
        does (a parameter may be what a rule looks for); in the module and in the other
        defs and classes whose lines hold one, the expressions of the statements that
        hold one (see :meth:`_choose`); statements only elsewhere."""
        everywhere = self.everywhere
        if everywhere is self.statements or scope.__class__ is ast.AsyncFunctionDef:
            return everywhere
        hot = self.hot
        if hot is None:
            return everywhere
        if not hot:
            return self.statements
        first = getattr(scope, "lineno", None)
        if first is None:
            return self.selective  # The module: some line of it is hot.
        index = bisect_left(hot, first)
        if index == len(hot) or hot[index] > scope.end_lineno:  # type: ignore[attr-defined]
            return self.statements
        body = getattr(scope, "body", None)
        if body.__class__ is not list:
            return everywhere  # A lambda: its body is an expression.
        # The header: up to the line before the body's first statement. A body on the
        # header's last line is all on that line, and is entered when its line is hot.
        if hot[index] <= max(first, body[0].lineno - 1):
            return everywhere
        return self.selective

    def _choose(self, node: ast.AST) -> _Plan | _Sentinel:
        """In a scope walked selectively, the plan of ``node``: an expression's, as
        everywhere (only the statements chosen below bring one); a statement's, entering
        its expressions only when its own lines hold a hot line (a compound statement's
        header, up to its body's first line; a def's decorators included)."""
        node_type = node.__class__
        if not _statement_holder(node_type):
            plan = self.everywhere.get(node_type)
            if plan is None:
                plan = self.everywhere.plan(node_type)
            self.selective[node_type] = plan
            return plan
        chosen = self.everywhere if self._holds_hot_line(node) else self.statements
        plan = chosen.get(node_type)
        return plan if plan is not None else chosen.plan(node_type)

    def _holds_hot_line(self, node: ast.AST) -> bool:
        first = getattr(node, "lineno", None)
        if first is None:
            return True  # The module, a match case: entered as everywhere.
        body = getattr(node, "body", None)
        if body.__class__ is list and body:
            last = body[0].lineno
            decorators = getattr(node, "decorator_list", None)
            if decorators:
                first = decorators[0].lineno
        else:
            last = node.end_lineno  # type: ignore[attr-defined]
        hot = self.hot
        assert hot is not None  # Only a scope with a hot line is walked selectively.
        index = bisect_left(hot, first)
        return index < len(hot) and hot[index] <= last

    def _push_fields(self, node: ast.AST, fields: Sequence[str]) -> None:
        """Schedule the children in these fields so that they come off in source order."""
        stack = self.stack
        for field in reversed(fields):
            value = getattr(node, field, None)
            if value.__class__ is list:
                stack.extend(reversed(value))
            elif value is not None:
                stack.append(value)

    def _push_scoped(self, node: ast.AST, header: tuple[str, ...], body: str) -> None:
        self.ancestors.append(node)
        stack = self.stack
        stack.append(_LEAVE_NODE)
        stack.append(_LEAVE_SCOPE)
        self._push_fields(node, (body,))
        stack.append(_Marker(node))
        self._push_fields(node, header)


@dataclass(frozen=True)
class FixOutcome:
    """The result of fixing one text: the new text, the number of fixes applied, and why
    fixing stopped early (None when it did not)."""

    text: str
    applied: int
    error: str | None = None


def fix_text(text: str, filename: str, linter: Linter, unsafe: bool = False) -> FixOutcome:
    """Apply fixes round after round until none is left (overlapping fixes wait for the
    next round). A round whose result does not parse is discarded, with the reason."""
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixes = fixable(lint_source(text, filename, linter), unsafe)
        if not fixes:
            break
        new_text, count = apply_fixes(text, fixes)
        try:
            ast.parse(new_text, filename)
        except (SyntaxError, ValueError) as error:
            return FixOutcome(text, applied, f"fixed text does not parse: {error}")
        if new_text == text:
            break
        text, applied = new_text, applied + count
    return FixOutcome(text, applied)
