"""ASR603: a task created and dropped: nothing keeps it alive."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from ..analysis.catalogue import EVENT_LOOPS
from ..analysis.nodes import last_name, walk
from ..engine.context import Context
from ..engine.fixes import (
    add_module_statement,
    after_leading_imports,
    alone_on_its_lines,
    insert_before,
)
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.blocking import method_call, module_call

_TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future",
                             "asyncio.tasks.create_task", "asyncio.tasks.ensure_future"})

# The names the task factories are called by, as a function or a method.
_FACTORY_NAMES = frozenset(name.rpartition(".")[2] for name in _TASK_FACTORIES)


class DanglingTask(Rule):
    """
    ## What it does
    Finds `asyncio.create_task()`, `asyncio.ensure_future()` and a typed event loop's
    `create_task()` called as a statement of its own, so that the task they return is
    dropped.

    ## Why is this bad?
    The event loop keeps only a weak reference to a running task. With no other
    reference, the garbage collector may destroy the task before it finishes, silently,
    in the middle of its work; an exception it raises is never seen either. The Python
    documentation warns about exactly this.

    ## Example
    ```python
    import asyncio


    async def on_startup():
        asyncio.create_task(poll_forever())


    async def poll_forever():
        ...
    ```

    ## Use instead
    ```python
    import asyncio

    background_tasks = set()


    async def on_startup():
        task = asyncio.create_task(poll_forever())
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)


    async def poll_forever():
        ...
    ```

    Or start it in an `asyncio.TaskGroup` (`tg.create_task(...)`) or an anyio/trio
    nursery, which hold their tasks: those are not reported.

    ## Fix
    The statement keeps the task in a module-level set until it is done:
    `asyncio.create_task(work())` becomes `task = asyncio.create_task(work())`,
    `_background_tasks.add(task)` and
    `task.add_done_callback(_background_tasks.discard)`. The set is the module's own
    when it already keeps tasks so (a top-level `name = set()` whose `discard` is
    passed to `add_done_callback()`); otherwise
    `_background_tasks: set[asyncio.Task[object]] = set()` is added after the imports
    (`set[object]` when the module does not `import asyncio`), and every dropped task
    of the module goes to that one set. The names are chosen not to clash with names
    the function or module already uses. A statement that shares its line with another
    one, or that stands in a class body, is left alone.

    The fix is unsafe: the task now lives until it finishes, where before the garbage
    collector could end it (which was the bug, but it changes what runs), and a
    structured alternative (a `TaskGroup` that waits for its tasks) may be what the
    code needs.
    """

    code = "ASR603"
    name = "dangling-task"
    message = "`{}()` result is dropped: the task can be garbage-collected mid-run; keep a reference"
    severity = Severity.HIGH
    fix_safety = "unsafe"
    required_text = (("create_task", "ensure_future"),)

    def visit_Expr(self, node: ast.Expr, context: Context) -> None:
        call = node.value
        if call.__class__ is not ast.Call:
            return
        # By the name it is called by, most statements call no task factory: they are
        # dismissed without resolving names.
        if last_name(call.func) not in context.shared_state("task factory names", lambda: (
                _FACTORY_NAMES | context.renamings(_FACTORY_NAMES))):
            return
        callee = context.callee(call)
        if module_call(callee, _TASK_FACTORIES) or method_call(callee, EVENT_LOOPS, {"create_task"}):
            fix = (context.rule_state(self, lambda: _Module(context)).fix(node, context)
                   if context.fixes_wanted else None)
            context.report(self, call, context.source_segment(call.func), fix=fix)


_SET_NAME = "_background_tasks"
_TASK_NAMES = ("task", "background_task", "task_")


class _Module:
    """Per file: the names it uses, and the set that keeps its tasks (an existing one,
    or the one the fixes add)."""

    def __init__(self, context: Context) -> None:
        tree = context.tree
        self.names = _identifiers(walk(tree))
        self.function_names: dict[int, frozenset[str]] = {}
        self.existing = _existing_task_set(context)
        self.set_name: str | None
        if self.existing is not None:
            self.set_name = self.existing[0]
        else:
            self.set_name = _free(self.names, (_SET_NAME, *(f"{_SET_NAME}_{n}" for n in range(1, 10))))

    def fix(self, statement: ast.Expr, context: Context) -> Fix | None:
        scope = context.scope_nodes[-1]
        set_name = self.set_name
        if set_name is None or isinstance(scope, (ast.ClassDef, ast.Lambda)):
            return None
        if not alone_on_its_lines(context, statement):
            return None
        if isinstance(scope, ast.Module):
            names = self.names
            if statement.lineno < after_leading_imports(context):
                return None
        elif id(scope) in self.function_names:
            names = self.function_names[id(scope)]
        else:
            names = self.function_names[id(scope)] = _identifiers(walk(scope))
        variable = _free(names, _TASK_NAMES)
        # The set's name must mean the module's set where the call is.
        if variable is None or context.defining_scope(set_name) not in (None, context.scope(context.tree)):
            return None
        edits: list[Edit] = []
        if self.existing is None:
            edits += add_module_statement(context, f"{set_name}: {_set_type(context)} = set()")
        elif isinstance(scope, ast.Module) and self.existing[1] >= statement.lineno:
            return None  # Module-level code runs in order: the set must exist by then.
        line = statement.end_lineno or statement.lineno
        text = context.lines[line - 1]
        end = len(text.rstrip("\r\n"))
        first = context.lines[statement.lineno - 1]
        indent = first[: context.char_col(statement.lineno, statement.col_offset)]
        edits.append(insert_before(context, statement, f"{variable} = "))
        edits.append(Edit(line, end, line, end,
                          f"\n{indent}{set_name}.add({variable})"
                          f"\n{indent}{variable}.add_done_callback({set_name}.discard)"))
        return Fix(edits=tuple(edits), safe=False,
                   description=f"Keep a reference to the task in `{set_name}`")


def _identifiers(nodes: Iterable[ast.AST]) -> frozenset[str]:
    """Every name the nodes bind or read (variables, parameters, functions, classes,
    imports, ``global`` declarations)."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).partition(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
    return frozenset(found)


def _free(names: frozenset[str], candidates: Iterable[str]) -> str | None:
    return next((name for name in candidates if name not in names), None)


def _existing_task_set(context: Context) -> tuple[str, int] | None:
    """A module-level set that already keeps tasks: bound once at the top level to
    ``set()``, and its ``discard`` passed to ``add_done_callback()`` somewhere in the
    module. (its name, the line of its binding)."""
    tree = context.tree
    bound: dict[str, list[int]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name):
            empty_set = (isinstance(value, ast.Call) and not value.args and not value.keywords
                         and context.qualified_name(value.func, [tree]) == "builtins.set")
            bound.setdefault(target.id, []).append(statement.lineno if empty_set else 0)
    candidates = {name: lines[0] for name, lines in bound.items() if lines[0] and len(lines) == 1}
    if not candidates:
        return None
    for node in walk(tree):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                candidates.pop(name, None)
    for node in walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_done_callback" and len(node.args) == 1):
            argument = node.args[0]
            if (isinstance(argument, ast.Attribute) and argument.attr == "discard"
                    and isinstance(argument.value, ast.Name) and argument.value.id in candidates):
                return argument.value.id, candidates[argument.value.id]
    return None


def _set_type(context: Context) -> str:
    """``set[asyncio.Task[object]]`` when a leading import binds ``asyncio`` (under any
    name), which the annotation then evaluates; else ``set[object]``."""
    end = after_leading_imports(context)
    for statement in context.tree.body:
        if statement.lineno >= end:
            break
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == "asyncio":
                    name = alias.asname or "asyncio"
                    if context.module_binding_for("asyncio") == name:
                        return f"set[{name}.Task[object]]"
    return "set[object]"

