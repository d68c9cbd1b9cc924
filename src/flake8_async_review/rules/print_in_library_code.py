"""ASR301: ``print()`` in library code."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Sequence
from pathlib import Path

from ..analysis.facts import FileFacts
from ..analysis.roles import CLI_DECORATOR_MODULES, entry_point_functions, is_main_test
from ..engine.context import Context
from ..engine.fixes import insert_before, replace_node
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.loggers import LOGURU, STDLIB, ModuleLogger, module_logger

_PRINTS = {"builtins.print": "file"}
_PPRINTS = {"pprint.pprint": "stream", "pprint.pp": "stream"}
# The last names of what the rule reports: an attribute call with another name is none.
_LAST_NAMES = frozenset(qualified.rpartition(".")[2] for qualified in (*_PRINTS, *_PPRINTS))
_CONSOLE = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})
# How a file that names neither `pprint` nor `builtins` calls what the rule reports.
_CALLED_AS = frozenset({"print"})
# Words of a function name that make printing its purpose.
_PRINTING_WORDS = frozenset({"print", "pprint", "echo"})
_CLI_DECORATORS = frozenset(
    f"{module}.{name}" for module in CLI_DECORATOR_MODULES for name in ("command", "group")
)


class PrintInLibraryCode(Rule):
    """
    ## What it does
    Finds `print()`, `pprint.pprint()` and `pprint.pp()` calls that write to the
    console (no `file=`/`stream=`, or `sys.stdout`/`sys.stderr`) in library modules.

    Not reported in code whose output belongs on the console:

    * code under `if __name__ == "__main__":`;
    * a module-level function named `main`, those the `__main__` block calls or hands
      on (`_main()`, `asyncio.run(serve())`, `typer.run(app)`), functions decorated as
      command-line commands (click, asyncclick, rich-click and cloup
      `command`/`group`, any `@<group>.command()` or `@<group>.group()`, typer
      callbacks), and every function of the module these call, however deep;
    * import-time code (outside any function: a start-up banner or notice, printed
      once per process);
    * a function whose name says it prints (`_safe_print()`, `print_banner()`,
      `echo_status()`): console output is its purpose;
    * files matched by `--asr-print-allowed`.

    Tests, scripts (files outside any package that run as a program, `scripts/`,
    `tools/`, `examples/`, `__main__.py`, `cli.py`, `manage.py`, Django management
    commands …) and migrations are not library code: see "Where it applies".
    `print()` to a file (`print(row, file=out)`) writes data, not messages, and is not reported.

    ## Why is this bad?
    In a service, standard output is not a log: it has no level, no timestamp, no
    logger name and no request context, it cannot be filtered or routed, and under some
    process managers it is buffered or thrown away. A message printed from library code
    is missing exactly when it is needed.

    ## Example
    ```python
    async def send_confirmation(mailer, user):
        await mailer.send(user.email, "Your order is confirmed")
        print(f"confirmation sent to {user.email}")
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    async def send_confirmation(mailer, user):
        await mailer.send(user.email, "Your order is confirmed")
        logger.info("confirmation sent to %s", user.email)
    ```

    ## Options
    `--asr-print-allowed=glob,...` allows `print()` in more files: comma- or
    newline-separated fnmatch patterns, matched against the path as flake8 gives it, its
    POSIX form, and its form relative to the directory flake8 runs in
    (`src/mytool/cli.py`, `*/commands/*`).

    ## Fix
    When the module binds a logger at its top level (`logger = logging.getLogger(...)`,
    a structlog logger, loguru's `logger`) under a name not shadowed where the call is,
    `print(x)` becomes `logger.info(x)`, and `print(a, b)` becomes
    `logger.info("%s %s", a, b)` (`"{} {}"` for loguru; structlog gets the one-argument
    form only). Calls with keyword arguments or `*args`, and `pprint`, are left alone.
    The fix is unsafe: the text now goes where logging sends it, which may be nowhere
    at the default `WARNING` level.
    """

    code = "ASR301"
    name = "print-in-library-code"
    message = "`{}()` in library code: use a logger"
    severity = Severity.LOW
    fix_safety = "unsafe"
    required_text = ("print",)

    def expression_scopes(self, context: FileFacts) -> frozenset[str] | None:
        # A print is called by its name, unless the file may reach one under another
        # (`from builtins import print as echo`, `pprint.pp`).
        if context.text_has("pprint") or context.text_has("builtins"):
            return None
        return _CALLED_AS

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        # A print under another name is imported from `builtins` or `pprint`.
        if context.text_has("pprint") or context.text_has("builtins"):
            return _LAST_NAMES | context.renamings(_LAST_NAMES)
        return _LAST_NAMES

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        func = node.func
        # By its name alone, most calls cannot be a print: a plain name other than
        # `print` reaches one only through an import that names `pprint` or `builtins`.
        if isinstance(func, ast.Name):
            if func.id != "print" and not (context.text_has("pprint") or context.text_has("builtins")):
                return
        elif not isinstance(func, ast.Attribute) or func.attr not in _LAST_NAMES:
            return
        qualified = context.qualified_name(func)
        if qualified is None:
            return
        stream_keyword = _PRINTS.get(qualified) or _PPRINTS.get(qualified)
        if stream_keyword is None or not _writes_to_console(node, context, qualified, stream_keyword):
            return
        if _at_import_time(context) or _in_printing_function(context):
            return
        state = context.rule_state(self, lambda: _FileState(context, self.settings.print_allowed))
        if state.allowed or _in_main_block(context, node) or _in_command(context, state.entry_points):
            return
        fix = _fix(node, context, state) if qualified in _PRINTS and context.fixes_wanted else None
        context.report(self, node, context.source_segment(node.func), fix=fix)


class _FileState:
    """Per file: whether the path allows printing, the module's command-line functions,
    and its logger (lazily)."""

    def __init__(self, context: Context, patterns: Sequence[str]) -> None:
        self.allowed = print_allowed_path(context.filename, patterns)
        commands = frozenset(
            statement.name for statement in context.tree.body
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
            and any(_is_cli_decorator(d, context, [context.tree]) for d in statement.decorator_list)
        )
        self.entry_points = entry_point_functions(context.tree, commands)
        self._context = context

    @property
    def logger(self) -> ModuleLogger | None:
        return module_logger(self._context)  # Worked out once per file.


def _writes_to_console(node: ast.Call, context: Context, qualified: str, keyword: str) -> bool:
    stream: ast.expr | None = None
    if qualified in _PPRINTS and len(node.args) > 1:
        stream = node.args[1]
    for item in node.keywords:
        if item.arg == keyword:
            stream = item.value
        elif item.arg is None:
            return False  # **kwargs may name a stream.
    if stream is None or (isinstance(stream, ast.Constant) and stream.value is None):
        return True
    return context.qualified_name(stream) in _CONSOLE


# -- where printing belongs ---------------------------------------------------------------


def print_allowed_path(filename: str, patterns: Sequence[str] = ()) -> bool:
    """Whether ``--asr-print-allowed`` names the file: a pattern matches the path as
    given, its POSIX form, or its form relative to the working directory."""
    if not patterns:
        return False
    path = Path(filename)
    relative = _relative_to_cwd(path)
    return any(
        fnmatch.fnmatch(form, pattern)
        for pattern in patterns
        for form in {filename, path.as_posix(), relative.as_posix()}
    )


def _relative_to_cwd(path: Path) -> Path:
    if not path.is_absolute():
        return path
    try:
        cwd = Path.cwd()
    except OSError:
        return path
    for candidate, base in ((path, cwd), (path.resolve(), cwd.resolve())):
        try:
            return candidate.relative_to(base)
        except ValueError:
            continue
    return path


def _at_import_time(context: Context) -> bool:
    """Outside any function: the call runs once, when the module is imported."""
    return not any(isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                   for scope in context.scope_nodes)


def _in_printing_function(context: Context) -> bool:
    """Inside a function whose name says it prints (``_safe_print``, ``print_banner``,
    ``echo_status``): console output is what it is for."""
    return any(
        isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef))
        and _PRINTING_WORDS.intersection(scope.name.lower().split("_"))
        for scope in context.scope_nodes
    )


def _in_main_block(context: Context, node: ast.AST) -> bool:
    path = [*context.ancestors, node]
    for index, ancestor in enumerate(path[:-1]):
        if isinstance(ancestor, ast.If) and is_main_test(ancestor.test):
            child = path[index + 1]
            if any(child is statement for statement in ancestor.body):
                return True
    return False


def _in_command(context: Context, entry_points: frozenset[str]) -> bool:
    """Inside a module-level function that runs as the module's command line (see
    :func:`~flake8_async_review.analysis.roles.entry_point_functions`), or a function
    decorated as a command."""
    scopes = context.scope_nodes
    for index, scope in enumerate(scopes):
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if index == 1 and scope.name in entry_points:
            return True
        chain = scopes[:index]
        if any(_is_cli_decorator(d, context, chain) for d in scope.decorator_list):
            return True
    return False


def _is_cli_decorator(decorator: ast.expr, context: Context, chain: Sequence[ast.AST]) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if context.qualified_name(target, chain) in _CLI_DECORATORS:
        return True
    if isinstance(target, ast.Attribute):
        if target.attr in {"command", "group"}:
            return True
        return target.attr == "callback" and context.type_of(target.value, chain) == "typer.Typer"
    return False


# -- the fix --------------------------------------------------------------------------------


def _fix(node: ast.Call, context: Context, state: _FileState) -> Fix | None:
    if node.keywords or not node.args or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    logger = state.logger
    if logger is None or context.defining_scope(logger.name) is not context.scope(context.tree):
        return None
    if context.enclosing_function is None and not _bound_before(context, logger.name, node):
        return None  # Module-level code runs in order: the logger must exist by then.
    edits: list[Edit] = [replace_node(context, node.func, f"{logger.name}.info")]
    if len(node.args) > 1:
        if logger.family == STDLIB:
            placeholder = "%s"
        elif logger.family == LOGURU:
            placeholder = "{}"
        else:
            return None
        template = " ".join([placeholder] * len(node.args))
        edits.append(insert_before(context, node.args[0], f'"{template}", '))
    return Fix(edits=tuple(edits), safe=False, description=f"Replace with `{logger.name}.info()`")


def _bound_before(context: Context, name: str, node: ast.AST) -> bool:
    """A top-level statement before ``node`` binds ``name``."""
    line: int = node.lineno  # type: ignore[attr-defined]
    for statement in context.tree.body:
        if statement.lineno >= line:
            break
        if _binds(statement, name):
            return True
    return False


def _binds(statement: ast.stmt, name: str) -> bool:
    if isinstance(statement, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in statement.targets)
    if isinstance(statement, ast.AnnAssign):
        return statement.value is not None and isinstance(statement.target, ast.Name) \
            and statement.target.id == name
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return any((alias.asname or alias.name) == name for alias in statement.names)
    return False
