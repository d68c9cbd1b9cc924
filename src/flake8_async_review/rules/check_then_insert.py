"""ASR602: look a row up, insert it when missing: two workers both pass the check."""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from ..analysis.catalogue import ASYNC_SESSIONS, SESSIONS, SYNC_SESSIONS
from ..analysis.nodes import walk
from ..analysis.scopes import bound_names, own_nodes, statements_of
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_QUERY = "sqlalchemy.orm.Query"
# Query methods that fetch at most one row (or count them) without raising when none.
_QUERY_LOOKUPS = frozenset({"first", "one_or_none", "scalar", "count"})
# Result methods that read the row an awaited execute() returned.
_RESULT_LOOKUPS = frozenset({"first", "one_or_none", "scalar", "scalar_one_or_none"})
_ASYNC_SESSION_LOOKUPS = frozenset({"get", "scalar"})
_STATEMENT_RUNNERS = frozenset({"execute", "scalars", "scalar"})
_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlmodel.select",
                      "sqlalchemy.sql.select", "sqlalchemy.sql.expression.select"})
_UNIQUE_VIOLATIONS = frozenset({
    "sqlalchemy.exc.IntegrityError", "psycopg2.IntegrityError",
    "psycopg2.errors.UniqueViolation", "psycopg.errors.UniqueViolation",
    "asyncpg.exceptions.UniqueViolationError", "asyncpg.UniqueViolationError",
})


class CheckThenInsertRace(Rule):
    """
    ## What it does
    Finds an `if` that checks that a row is missing with a SQLAlchemy session (a typed
    `Session` or `AsyncSession`) and inserts it in its body:
    `if not db.query(User).filter_by(email=email).first():`, or the row bound to a name
    first and tested with `if user is None:` / `if not user:`, followed by
    `db.add(...)` in the body and a `commit()` in the function. The lookups are a
    query's `first()`, `one_or_none()`, `scalar()` and `count()`, a session's `get()`,
    and with `AsyncSession` an awaited `get()`, `scalar()` or the row of an awaited
    `execute()` (`scalar_one_or_none()`, `first()`, ...).

    Only a get-or-create of the row looked up is reported: the body inserts an object
    of the model the lookup selects, built with the looked-up value (a keyword named
    like a compared column, `User(email=...)` after `filter(User.email == email)`, or
    the compared value itself, `User(id=user_id)` after `get(User, user_id)`). A lookup
    without criteria (is there any row?) only needs the same model.

    ## Why is this bad?
    Between the check and the commit another request or worker can run the same check,
    find nothing too, and insert the same row. With a unique constraint one of them
    fails with an `IntegrityError` that nothing handles (a 500 for an ordinary double
    click); without one the table silently gets duplicates. Tests never show it: it
    takes two concurrent requests.

    ## Example
    ```python
    from sqlalchemy.orm import Session


    def get_or_create_user(db: Session, email: str):
        if not db.query(User).filter_by(email=email).first():
            db.add(User(email=email))
            db.commit()
        return db.query(User).filter_by(email=email).one()
    ```

    ## Use instead
    ```python
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session


    def get_or_create_user(db: Session, email: str):
        db.add(User(email=email))
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # Another request created it first.
        return db.query(User).filter_by(email=email).one()
    ```

    Or let the database decide in one statement:
    `insert(User).values(email=email).on_conflict_do_nothing()` (PostgreSQL, SQLite).
    Not reported: a lookup that uses `with_for_update()` (in the expression or in the
    statement or result it names), a function that catches
    `IntegrityError` (or a driver's unique-violation error) around the insert or after
    the check, and an insert of another model or of a new row that does not carry the
    looked-up value (`get(Cart, cart_id)`, then `Cart(owner=user)` with a generated id).
    A lookup whose criteria are not plain equalities (`ilike()`, `in_()`) and an
    object built from a mapping (`User(**data)`) are not followed.

    ## Fix
    No fix is offered: the remedy is a unique constraint in the database (a migration)
    and an insert that handles `IntegrityError` (or an `ON CONFLICT` statement), which
    depend on the schema and on what the code should do with a duplicate.
    """

    code = "ASR602"
    name = "check-then-insert-race"
    message = ("`{}` is checked before inserting: concurrent requests both pass; "
               "catch `IntegrityError` or use an upsert")
    severity = Severity.MEDIUM
    required_text = ("add", "commit")

    def visit_If(self, node: ast.If, context: Context) -> None:
        # An insert is a call of `.add()` or `.add_all()` in the body: by its lines,
        # most tests have none, and are dismissed before anything is typed.
        inserts_at = context.shared_state("check-then-insert insert lines",
                                          lambda: context.lines_with(_INSERT_ATTRIBUTES))
        if inserts_at is not None:
            first = bisect_left(inserts_at, node.body[0].lineno)
            if first == len(inserts_at) or inserts_at[first] > (node.body[-1].end_lineno or 0):
                return
        lookup = _tested_lookup(node.test, node, context)
        if lookup is None or _locks(lookup, node, context):
            return
        looked_up = _looked_up(lookup, node, context)
        if looked_up is None:
            return
        inserts = [n for n in _nodes(node.body)
                   if isinstance(n, ast.Call) and _session_call(n, context, {"add", "add_all"})]
        if not any(looked_up.created_by(built)
                   for insert in inserts for built in _inserted(insert, context)):
            return
        body = _scope_body(context)
        later = [n for n in _nodes(body) if getattr(n, "lineno", 0) >= node.lineno]
        if not any(_session_call(n, context, {"commit"}) for n in later):
            return
        if _handles_unique_violation(node, context, later):
            return
        context.report(self, node, context.source_segment(lookup))


def _nodes(statements: list[ast.stmt]) -> list[ast.AST]:
    """Every node of these statements, not inside nested functions or classes."""
    holder = ast.Module(body=[s for s in statements], type_ignores=[])
    return list(own_nodes(holder))


def _scope_body(context: Context) -> list[ast.stmt]:
    return list(getattr(context.scope_nodes[-1], "body", []) or [])


def _tested_lookup(test: ast.expr, node: ast.If, context: Context) -> ast.expr | None:
    """The lookup expression an ``if`` test finds missing: ``not X``, ``X is None``,
    ``X == 0`` for counts, X a lookup or a name last assigned one."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        subject = test.operand
    elif (isinstance(test, ast.Compare) and len(test.ops) == 1
          and isinstance(test.comparators[0], ast.Constant)
          and ((isinstance(test.ops[0], ast.Is) and test.comparators[0].value is None)
               or (isinstance(test.ops[0], ast.Eq) and test.comparators[0].value == 0
                   and not isinstance(test.comparators[0].value, bool)))):
        subject = test.left
    else:
        return None
    if isinstance(subject, ast.Name):
        assigned = _last_assignment(subject.id, node, context)
        if assigned is None:
            return None
        subject = assigned
    return subject if _is_lookup(subject, node, context) else None


def _last_assignment(name: str, node: ast.If | ast.Call, context: Context) -> ast.expr | None:
    """The value last assigned to ``name`` by a plain assignment before ``node`` (the
    ``if``, or the insert in its body), in the same function; None when the last binding
    before it is anything else."""
    assignments = _assignments(context)
    before = assignments.before(node.lineno)
    positions = assignments.binders.get(name)
    if not positions:
        return None
    last = bisect_left(positions, before) - 1
    if last < 0:
        return None
    statement = assignments.statements[positions[last]]
    single = (isinstance(statement, ast.Assign) and len(statement.targets) == 1
              and isinstance(statement.targets[0], ast.Name))
    return statement.value if single else None  # type: ignore[attr-defined]


class _Assignments:
    """The statements of one scope's body in the order statements_of lists them, the
    highest line number reached at each, and the positions of those binding each name,
    read as far as a question needs: the last binding of a name before a line is two
    bisections away, however many tests ask in a long function, and a test near the
    top reads no further."""

    __slots__ = ("_rest", "binders", "reached", "statements")

    def __init__(self, body: list[ast.stmt]) -> None:
        self._rest: Iterator[ast.stmt] | None = statements_of(body)
        self.statements: list[ast.stmt] = []
        self.reached: list[int] = []
        self.binders: dict[str, list[int]] = {}

    def before(self, line: int) -> int:
        """How many statements come before the first one at or after ``line``, in the
        order they are listed (a `finally` block is listed before the `except` clauses
        that precede it): up to where the highest line reached gets there."""
        reached = self.reached
        if reached and reached[-1] >= line:
            return bisect_left(reached, line)
        rest = self._rest
        while rest is not None:
            statement = next(rest, None)
            if statement is None:
                self._rest = None
                break
            self.statements.append(statement)
            reached.append(max(statement.lineno, reached[-1]) if reached else statement.lineno)
            for bound in bound_names(statement):
                self.binders.setdefault(bound, []).append(len(reached) - 1)
            if statement.lineno >= line:
                return len(reached) - 1
        return len(reached)


def _assignments(context: Context) -> _Assignments:
    """The :class:`_Assignments` of the scope being walked, made once per scope."""
    memo: dict[int, _Assignments] = context.shared_state("check-then-insert assignments", dict)
    scope = context.scope_nodes[-1]
    found = memo.get(id(scope))
    if found is None:
        found = memo[id(scope)] = _Assignments(_scope_body(context))
    return found


def _is_lookup(expr: ast.expr, node: ast.If, context: Context) -> bool:
    if isinstance(expr, ast.Await):
        call = expr.value
        return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in _ASYNC_SESSION_LOOKUPS
                and context.type_of(call.func.value) in ASYNC_SESSIONS)
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return False
    method, receiver = expr.func.attr, expr.func.value
    if method in _QUERY_LOOKUPS and _shaped_type(receiver, context) == _QUERY:
        return True
    if method == "get" and _shaped_type(receiver, context) in SYNC_SESSIONS:
        return True
    if method in _RESULT_LOOKUPS:
        receiver_value: ast.expr | None = receiver
        # (await session.execute(...)).scalar_one_or_none(), or via .scalars().first().
        if (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr == "scalars" and not receiver.args):
            receiver_value = receiver.func.value
        if isinstance(receiver_value, ast.Name):  # result = await session.execute(...)
            receiver_value = _last_assignment(receiver_value.id, node, context)
        if isinstance(receiver_value, ast.Await) and isinstance(receiver_value.value, ast.Call):
            executed = receiver_value.value.func
            return (isinstance(executed, ast.Attribute)
                    and executed.attr in {"execute", "scalars"}
                    and context.type_of(executed.value) in ASYNC_SESSIONS)
    return False


def _locks(lookup: ast.expr, node: ast.If, context: Context) -> bool:
    """The lookup, or a value it names (``stmt = select(User).with_for_update()``,
    ``result = await session.execute(stmt)``), locks with ``with_for_update()``."""
    pending: list[ast.expr] = [lookup]
    seen: set[str] = set()
    while pending:
        expr = pending.pop()
        for part in walk(expr):
            if isinstance(part, ast.Attribute) and part.attr == "with_for_update":
                return True
            if isinstance(part, ast.Name) and part.id not in seen and len(seen) < 8:
                seen.add(part.id)
                assigned = _last_assignment(part.id, node, context)
                if assigned is not None:
                    pending.append(assigned)
    return False


@dataclass(frozen=True)
class _LookedUp:
    """What a lookup looks for: the model class (as written), and the attributes and
    values its criteria compare (``filter(User.email == email)``,
    ``filter_by(email=email)``, the key of ``get(User, user_id)``)."""

    model: str
    attributes: frozenset[str]
    values: frozenset[str]  # ast.dump of each compared value
    filtered: bool

    def created_by(self, built: ast.Call) -> bool:
        """``built`` makes a row of the same model with the looked-up value: a keyword
        named like a compared attribute, or an argument that is a compared value. A
        lookup without criteria (any row at all) only needs the same model."""
        if ast.unparse(built.func) != self.model:
            return False
        if not self.filtered:
            return True
        arguments = [*built.args, *(k.value for k in built.keywords)]
        return (any(k.arg in self.attributes for k in built.keywords)
                or any(ast.dump(a) in self.values for a in arguments))


def _looked_up(lookup: ast.expr, node: ast.If, context: Context) -> _LookedUp | None:
    """The model and criteria of a lookup, through the names its chain is built from
    (``result = await session.execute(statement)``); None when it selects no single
    model or filters in a way not read here (``ilike()``, ``in_()``)."""
    models: set[str] = set()
    attributes: set[str] = set()
    values: set[str] = set()
    filtered = criteria = False
    for call in _chain_calls(lookup, node, context, set()):
        method = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if method == "query" or context.qualified_name(call.func) in _SELECTS:
            models.update(_model(argument) for argument in call.args)
        elif method == "get" and len(call.args) >= 2:  # session.get(User, user_id)
            models.add(_model(call.args[0]))
            values.add(ast.dump(call.args[1]))
            filtered = criteria = True
        elif method == "filter_by":
            filtered = True
            for keyword in call.keywords:
                if keyword.arg is not None:
                    attributes.add(keyword.arg)
                    values.add(ast.dump(keyword.value))
                    criteria = True
        elif method in ("filter", "where"):
            filtered = True
            for compare in (n for a in call.args for n in walk(a) if isinstance(n, ast.Compare)):
                if len(compare.ops) == 1 and isinstance(compare.ops[0], ast.Eq):
                    for column, value in ((compare.left, compare.comparators[0]),
                                          (compare.comparators[0], compare.left)):
                        if isinstance(column, ast.Attribute) and _model(column.value):
                            attributes.add(column.attr)
                            values.add(ast.dump(value))
                            criteria = True
    if len(models) != 1 or "" in models or (filtered and not criteria):
        return None
    return _LookedUp(models.pop(), frozenset(attributes), frozenset(values), filtered)


def _chain_calls(expr: ast.expr, node: ast.If, context: Context, seen: set[str]
                 ) -> Iterator[ast.Call]:
    """The calls a lookup chain is made of: the methods chained on it, the statement an
    ``execute()`` / ``scalars()`` / ``scalar()`` runs, and the values of the names these
    are bound to before the ``if``."""
    while True:
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.Name):
            if expr.id in seen or len(seen) >= 8:
                return
            seen.add(expr.id)
            assigned = _last_assignment(expr.id, node, context)
            if assigned is None:
                return
            expr = assigned
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            yield expr
            if expr.func.attr in _STATEMENT_RUNNERS and expr.args:
                yield from _chain_calls(expr.args[0], node, context, seen)
            expr = expr.func.value
        elif isinstance(expr, ast.Call):
            yield expr  # select(User)
            return
        else:
            return


def _model(expr: ast.expr) -> str:
    """The model class an entity (``User``, ``models.User``) or a column of one
    (``User.id``) names, as written; empty for anything else."""
    if isinstance(expr, ast.Attribute) and not _is_class_name(expr.attr):
        expr = expr.value
    if isinstance(expr, ast.Name) and _is_class_name(expr.id):
        return expr.id
    if isinstance(expr, ast.Attribute) and _is_class_name(expr.attr):
        return ast.unparse(expr)
    return ""


def _is_class_name(name: str) -> bool:
    return name[:1].isupper() and not name.isupper()


def _inserted(call: ast.Call, context: Context) -> Iterator[ast.Call]:
    """The constructor calls of the objects ``add(obj)`` / ``add_all([a, b])`` inserts:
    written in the call, or bound to a name by the last plain assignment before it."""
    arguments: list[ast.expr] = list(call.args[:1])
    if isinstance(call.func, ast.Attribute) and call.func.attr == "add_all":
        arguments = [e for a in arguments if isinstance(a, (ast.List, ast.Tuple)) for e in a.elts]
    for argument in arguments:
        if isinstance(argument, ast.Name):
            found = _last_assignment(argument.id, call, context)
            argument = found if found is not None else argument
        if isinstance(argument, ast.Call):
            yield argument


# The methods that insert, as attributes (see FileFacts.lines_with).
_INSERT_ATTRIBUTES = (".add", ".add_all")


def _session_call(node: ast.AST, context: Context, methods: set[str]) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in methods and _shaped_type(node.func.value, context) in SESSIONS)


def _shaped_type(node: ast.expr, context: Context) -> str | None:
    """The type of ``node``, an untyped parameter used as a session counting as one."""
    return context.types.shaped_type_of(node, context.scope_nodes)


def _handles_unique_violation(node: ast.If, context: Context, later: list[ast.AST]) -> bool:
    """The check sits in a ``try`` that catches the unique violation, or such a ``try``
    follows it in the function (around the insert or the commit)."""
    tries = [*context.enclosing_try_bodies(node),
             *(n for n in later if isinstance(n, ast.Try))]
    return any(_catches_unique_violation(handler, context)
               for statement in tries for handler in statement.handlers)


def _catches_unique_violation(handler: ast.ExceptHandler, context: Context) -> bool:
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(context.qualified_name(t) in _UNIQUE_VIOLATIONS for t in types)
