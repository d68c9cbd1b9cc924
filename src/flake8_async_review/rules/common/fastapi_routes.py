"""What the FastAPI rules (ASR5xx, ASR904) share: routes, background tasks, sessions.

Not a rule: helpers that recognise

* route handlers: functions decorated with ``@app.get(...)``, ``@router.post(...)``,
  ``api_route``, ``websocket`` and the other methods, where ``app``/``router`` is known
  to be a ``fastapi.FastAPI`` or ``fastapi.APIRouter`` (constructed, annotated or a
  dependency of that type). A router imported from another module has no known type
  and its routes are not recognised;
* background tasks: ``<BackgroundTasks>.add_task(fn, *args, **kwargs)`` on a receiver
  typed ``fastapi.BackgroundTasks`` / ``starlette.background.BackgroundTasks`` (any
  parameter name), and ``BackgroundTask(fn, *args, **kwargs)``;
* the request's database session: a route parameter declared with ``Depends(...)``
  (as its default or in ``Annotated`` metadata, also through a module-level alias)
  whose type is a SQLAlchemy/SQLModel session, and the names bound from it;
* ORM instances a route loads or adds through a session;
* whether the FastAPI the project uses closes the request's session before its
  background tasks run.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ...analysis.dependencies import uses_versions_within
from ...analysis.facts import FileFacts
from ...analysis.nodes import walk
from ...analysis.project import project_root
from ...analysis.scopes import all_parameters, own_nodes, parameter_default
from ...engine.context import Context

ScopeChain = Sequence[ast.AST]
RouteNode = ast.FunctionDef | ast.AsyncFunctionDef

APP_TYPES = frozenset({"fastapi.FastAPI", "fastapi.APIRouter"})
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head",
                           "trace", "api_route", "websocket"})
BACKGROUND_TASKS_TYPES = frozenset({"fastapi.BackgroundTasks",
                                    "starlette.background.BackgroundTasks"})
BACKGROUND_TASK_CLASSES = frozenset({"starlette.background.BackgroundTask",
                                     "fastapi.background.BackgroundTask"})
_TASK_CLASS_NAMES = frozenset(name.rpartition(".")[2] for name in BACKGROUND_TASK_CLASSES)
SESSION_TYPES = frozenset({
    "sqlalchemy.orm.Session", "sqlmodel.Session", "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.async_scoped_session",
})
# Sessions of other kinds whose class name also ends in "Session".
_NOT_DATABASE_PREFIXES = ("requests.", "aiohttp.", "httpx.", "boto3.", "aioboto3.", "botocore.",
                          "aiobotocore.", "niquests.", "curl_cffi.", "tls_client.")
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_OPTIONAL = frozenset({"typing.Optional", "typing.Union"})
REQUEST_TYPES = frozenset({"starlette.requests.Request"})


# -- routes ---------------------------------------------------------------------------------


def route_decorators(function: ast.AST, context: Context,
                     chain: ScopeChain | None = None) -> list[ast.Call]:
    """The route decorators of a function (``@router.get("/x", ...)``), empty when it is
    not a known route. ``chain`` is the scope the function is defined in."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    found: list[ast.Call] = []
    for decorator in function.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in ROUTE_METHODS
                and context.type_of(decorator.func.value, chain) in APP_TYPES):
            found.append(decorator)
    return found


def enclosing_route(context: Context, chain: ScopeChain | None = None) -> RouteNode | None:
    """The route handler whose own body the walk (or ``chain``) is in, if any."""
    nodes = context.scope_nodes if chain is None else chain
    if len(nodes) < 2:
        return None
    function = nodes[-1]
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return function if route_decorators(function, context, nodes[:-1]) else None


# -- background tasks -------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskCall:
    """A background task being scheduled: the function and the arguments it gets."""

    function: ast.expr | None
    arguments: tuple[ast.expr, ...]


def task_callee_names(context: FileFacts) -> frozenset[str]:
    """The names by which the file may call what :func:`task_call` finds: ``add_task``,
    the task classes, and the names it imports them as (worked out once per file, for
    the rules that all ask)."""
    return context.shared_state("background task names", lambda: (
        _TASK_CALLEES | context.renamings(_TASK_CLASS_NAMES)))


_TASK_CALLEES = _TASK_CLASS_NAMES | {"add_task"}


def task_call(call: ast.Call, context: Context, chain: ScopeChain | None = None) -> TaskCall | None:
    """``add_task(fn, *args, **kwargs)`` on a typed ``BackgroundTasks``, or
    ``BackgroundTask(fn, ...)``; None for any other call. Starred arguments and
    ``**kwargs`` are left out (their contents are unknown)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "add_task":
        if context.type_of(func.value, chain) not in BACKGROUND_TASKS_TYPES:
            return None
    elif isinstance(func, ast.Attribute) and func.attr not in _TASK_CLASS_NAMES:
        return None  # A dotted name ends with the attribute: known without resolving it.
    elif context.qualified_name(func, chain) not in BACKGROUND_TASK_CLASSES:
        return None
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    function: ast.expr | None = None
    if call.args and not isinstance(call.args[0], ast.Starred):
        function = positional.pop(0)
    keywords: list[ast.expr] = []
    for keyword in call.keywords:
        if keyword.arg == "func" and function is None:
            function = keyword.value
        elif keyword.arg is not None:
            keywords.append(keyword.value)
    return TaskCall(function, (*positional, *keywords))


# -- the request's database session ------------------------------------------------------------

# FastAPI 0.106.0 ran the exit code of dependencies with `yield` (closing the request's
# session) before the background tasks; 0.118.0 moved it back after the response has
# been sent, which is after the tasks have run, as it was before 0.106.0.
_EXIT_BEFORE_TASKS = ((0, 106), (0, 118))


def sessions_close_before_tasks(context: Context) -> bool:
    """Whether the FastAPI the project uses closes a dependency's session before the
    background tasks run (0.106 to 0.117), as its lock file or its version constraints
    say for sure; False for the other versions and when unsure."""
    def read() -> bool:
        filename = context.filename
        if not filename or filename in ("-", "stdin"):
            return False
        root = project_root(os.path.dirname(os.path.abspath(filename)))
        return root is not None and uses_versions_within(root, "fastapi", *_EXIT_BEFORE_TASKS)

    return context.shared_state("fastapi closes sessions before tasks", read)


def request_sessions(route: RouteNode, context: Context, chain: ScopeChain) -> frozenset[str]:
    """Names in the route's body that hold the request's database session: parameters
    declared with ``Depends(...)`` whose type is a session, never rebound in the body,
    and plain names bound only from those (``s = db``). ``chain`` ends with the route."""
    outer = chain[:-1]
    stores = _stored_names(route)
    found: set[str] = set()
    arguments = route.args
    for parameter in all_parameters(arguments):
        name = parameter.arg
        if name in stores:
            continue
        default = parameter_default(arguments, parameter)
        depends = _is_depends(default, context, outer)
        annotation = parameter.annotation
        metadata_depends, declared = _annotation_parts(annotation, context, outer)
        if not (depends or metadata_depends):
            continue
        if _is_session_type(declared, context, outer) or (
                annotation is None and context.type_of(ast.Name(id=name), chain) in SESSION_TYPES):
            found.add(name)
    return frozenset(_aliases(route, found, stores))


def _is_depends(node: ast.expr | None, context: Context, chain: ScopeChain) -> bool:
    return (isinstance(node, ast.Call)
            and context.qualified_name(node.func, chain) in DEPENDS)


def _annotation_parts(annotation: ast.expr | None, context: Context, chain: ScopeChain,
                      depth: int = 0) -> tuple[bool, ast.expr | None]:
    """(the annotation carries ``Depends(...)`` metadata, the declared class expression),
    through ``Annotated``, ``Optional``/``| None``, strings and module-level aliases."""
    if annotation is None or depth > 8:
        return False, None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = ast.parse(annotation.value.strip(), mode="eval").body
        except SyntaxError:
            return False, None
        return _annotation_parts(parsed, context, chain, depth + 1)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        options = [o for o in (annotation.left, annotation.right)
                   if not (isinstance(o, ast.Constant) and o.value is None)]
        return _annotation_parts(options[0], context, chain, depth + 1) if len(options) == 1 \
            else (False, None)
    if isinstance(annotation, ast.Subscript):
        base = context.qualified_name(annotation.value, chain)
        items = (annotation.slice.elts if isinstance(annotation.slice, ast.Tuple)
                 else [annotation.slice])
        if base in _ANNOTATED:
            depends, declared = _annotation_parts(items[0], context, chain, depth + 1)
            depends = depends or any(_is_depends(item, context, chain) for item in items[1:])
            return depends, declared
        if base in _OPTIONAL:
            options = [o for o in items if not (isinstance(o, ast.Constant) and o.value is None)]
            return _annotation_parts(options[0], context, chain, depth + 1) if len(options) == 1 \
                else (False, None)
        return False, annotation
    if isinstance(annotation, ast.Name) and context.qualified_name(annotation, chain) is None:
        alias = _module_alias(annotation.id, context, chain)
        if alias is not None:
            return _annotation_parts(alias, context, [context.tree], depth + 1)
    if isinstance(annotation, ast.Name):  # An alias imported from another module.
        return context.types.imported_alias_depends(annotation.id, chain), annotation
    return False, annotation


def _module_alias(name: str, context: Context, chain: ScopeChain) -> ast.expr | None:
    """``DbSession = Annotated[Session, Depends(get_db)]`` at module level, bound once."""
    if context.defining_scope(name, chain) is not context.scope(context.tree):
        return None
    values = [s.value for s in context.tree.body
              if isinstance(s, ast.Assign) and len(s.targets) == 1
              and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name]
    values += [s.value for s in context.tree.body
               if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
               and s.target.id == name and s.value is not None]
    if len(values) == 1 and isinstance(values[0], (ast.Subscript, ast.BinOp)):
        return values[0]
    return None


def _is_session_type(declared: ast.expr | None, context: Context, chain: ScopeChain,
                     depth: int = 0) -> bool:
    """A known session class, or (for a class the imports do not resolve to a known
    type) a class whose name ends in ``Session``."""
    if declared is None or depth > 8:
        return False
    if isinstance(declared, ast.Subscript):
        declared = declared.value
    resolved = context.types.annotation_type(declared, chain)
    if resolved in SESSION_TYPES:
        return True
    if (resolved or ast.unparse(declared)).startswith(_NOT_DATABASE_PREFIXES):
        return False
    name = (declared.id if isinstance(declared, ast.Name)
            else declared.attr if isinstance(declared, ast.Attribute) else "")
    if not name.endswith("Session") or name == "ClientSession":
        return False
    if isinstance(declared, ast.Name):
        # A class of this module: a session only if it derives from one.
        classes = [s for s in context.tree.body
                   if isinstance(s, ast.ClassDef) and s.name == declared.id]
        if classes and context.defining_scope(declared.id, chain) is context.scope(context.tree):
            return any(_is_session_type(base, context, [context.tree], depth + 1)
                       for c in classes for base in c.bases)
    return True


def _stored_names(function: RouteNode) -> dict[str, list[ast.AST]]:
    """Names the function's own body binds, each with its bindings: the ``Assign``
    statement for a plain ``name = value``, else the binding node itself (a tuple
    target, ``for``, ``with``, ``:=``, an import, a nested definition)."""
    plain: dict[int, ast.Assign] = {}
    stores: dict[str, list[ast.AST]] = {}
    for node in own_nodes(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    plain[id(target)] = node
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            stores.setdefault(node.id, []).append(plain.get(id(node), node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = (alias.asname or alias.name).partition(".")[0]
                stores.setdefault(name, []).append(node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stores.setdefault(node.name, []).append(node)
    # Nested definitions are not in own_nodes; their names are bound in this body.
    for statement in walk(function):
        if statement is not function and isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores.setdefault(statement.name, []).append(statement)
    return stores


def _only_assigned_from(name: str, stores: dict[str, list[ast.AST]],
                        sources: set[str]) -> bool:
    """Every binding of ``name`` is a plain ``name = <one of sources>``."""
    bindings = stores.get(name, [])
    if not bindings:
        return False
    for binding in bindings:
        if not (isinstance(binding, ast.Assign) and len(binding.targets) == 1
                and isinstance(binding.value, ast.Name) and binding.value.id in sources):
            return False
    return True


def _aliases(route: RouteNode, found: set[str], stores: dict[str, list[ast.AST]]) -> set[str]:
    changed = True
    while changed:
        changed = False
        for name in stores:
            if name not in found and _only_assigned_from(name, stores, found):
                found.add(name)
                changed = True
    return found


def session_names(route: RouteNode, context: Context, chain: ScopeChain) -> frozenset[str]:
    """Names in the route's body that hold a database session of any origin: the
    request's own and locally typed ones."""
    names = set(request_sessions(route, context, chain))
    stores = _stored_names(route)
    candidates = set(stores) | {p.arg for p in all_parameters(route.args)}
    for name in candidates - names:
        if context.type_of(ast.Name(id=name), chain) in SESSION_TYPES:
            names.add(name)
    return frozenset(names)


# -- ORM instances -------------------------------------------------------------------------------

_QUERY_LOADERS = frozenset({"first", "one", "one_or_none", "scalar", "get", "all"})
_ROW_LOADERS = frozenset({"first", "one", "one_or_none", "all"})
_SCALAR_LOADERS = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
_SESSION_GETTERS = frozenset({"get", "get_one"})
_STATEMENT_RUNNERS = frozenset({"execute", "scalars"})
_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlmodel.select",
                      "sqlalchemy.sql.select", "sqlalchemy.sql.expression.select"})


def orm_instances(route: RouteNode, context: Context, chain: ScopeChain) -> frozenset[str]:
    """Names in the route's body bound only to ORM instances loaded through a session
    (``db.get(User, id)``, ``db.query(User)....first()``,
    ``(await db.execute(select(User)...)).scalar_one()``, ``await db.scalar(select(User))``,
    and the lists ``all()`` returns there)
    and names handed to ``<session>.add(name)``."""
    sessions = session_names(route, context, chain)
    if not sessions:
        return frozenset()
    stores = _stored_names(route)
    found: set[str] = set()
    for node in own_nodes(route):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add" and _is_session(node.func.value, sessions)
                and len(node.args) == 1 and isinstance(node.args[0], ast.Name)):
            found.add(node.args[0].id)
    for name, bindings in stores.items():
        if name in found or not bindings:
            continue
        if all(isinstance(b, ast.Assign) and len(b.targets) == 1
               and _loads_instance(b.value, sessions, context, chain, stores)
               for b in bindings):
            found.add(name)
    return frozenset(found - sessions)


def _is_session(node: ast.expr, sessions: frozenset[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in sessions


def _strip_await(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Await) else node


def _loads_instance(value: ast.expr, sessions: frozenset[str], context: Context,
                    chain: ScopeChain, stores: dict[str, list[ast.AST]]) -> bool:
    value = _strip_await(value)
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    method, receiver = value.func.attr, _strip_await(value.func.value)
    if _is_session(receiver, sessions):
        if method in _SESSION_GETTERS:  # db.get(User, user_id)
            return bool(value.args) and _is_entity(value.args[0])
        if method == "scalar":  # await db.scalar(select(User).where(...))
            return bool(value.args) and _selects_entity(value.args[0], context, chain)
        return False
    root = _query_root(receiver)
    if root is not None:  # db.query(User).filter(...).first()
        query, owner = root
        return (method in _QUERY_LOADERS and _is_session(owner, sessions) and bool(query.args)
                and all(_is_entity(a) for a in query.args))
    scalars = False
    if (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
            and receiver.func.attr == "scalars" and not receiver.args and not receiver.keywords):
        receiver, scalars = _strip_await(receiver.func.value), True  # result.scalars().first()
    if isinstance(receiver, ast.Name):  # result = await db.execute(...); result.scalar_one()
        bindings = stores.get(receiver.id, [])
        if not (len(bindings) == 1 and isinstance(bindings[0], ast.Assign)):
            return False
        receiver = _strip_await(bindings[0].value)
    if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
            and receiver.func.attr in _STATEMENT_RUNNERS and receiver.args
            and _is_session(_strip_await(receiver.func.value), sessions)):
        return False
    # A ScalarResult's first() is an instance; a Result's first() is a Row, while its
    # scalar_one() is an instance.
    wanted = _ROW_LOADERS if receiver.func.attr == "scalars" or scalars else _SCALAR_LOADERS
    return method in wanted and _selects_entity(receiver.args[0], context, chain)


def _query_root(node: ast.expr) -> tuple[ast.Call, ast.expr] | None:
    """For ``db.query(User).filter(...)...``: the ``query(...)`` call and ``db``."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "query":
            return node, node.func.value
        node = node.func.value
    return None


def _selects_entity(statement: ast.expr, context: Context, chain: ScopeChain) -> bool:
    """``select(User)`` (with any chained ``.where(...)``) selecting whole entities."""
    node = statement
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return (isinstance(node, ast.Call) and context.qualified_name(node.func, chain) in _SELECTS
            and bool(node.args) and all(_is_entity(a) for a in node.args))


def _is_entity(node: ast.expr) -> bool:
    """A class named as a mapped entity: ``User`` or ``models.User``."""
    name = (node.id if isinstance(node, ast.Name)
            else node.attr if isinstance(node, ast.Attribute) else "")
    return name[:1].isupper() and not name.isupper()


# -- requests --------------------------------------------------------------------------------------


def request_parameters(route: RouteNode, context: Context, chain: ScopeChain) -> frozenset[str]:
    """Parameters annotated ``fastapi.Request`` / ``starlette.requests.Request`` and never
    rebound in the body. ``chain`` ends with the route."""
    stores = _stored_names(route)
    outer = chain[:-1]
    return frozenset(
        p.arg for p in all_parameters(route.args)
        if p.annotation is not None and p.arg not in stores
        and context.types.annotation_type(p.annotation, outer) in REQUEST_TYPES
    )


def names_in(node: ast.AST) -> Iterator[ast.Name]:
    for child in walk(node):
        if isinstance(child, ast.Name):
            yield child
