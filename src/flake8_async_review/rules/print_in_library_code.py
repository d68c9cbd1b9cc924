"""ASR301: ``print()`` in library code."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..engine.context import Context
from ..engine.fixes import insert_before, replace_node
from ..engine.rule import Rule, Severity
from ..engine.violation import Edit, Fix
from .common.loggers import LOGURU, STDLIB, ModuleLogger, module_logger

_PRINTS = {"builtins.print": "file"}
_PPRINTS = {"pprint.pprint": "stream", "pprint.pp": "stream"}
_CONSOLE = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})
# Directories whose files are never library code, wherever they are.
TEST_DIRECTORIES = frozenset({"tests", "test"})
# Directories of scripts: a file in one is not library code, unless it belongs to a
# package inside it (``examples/shop/`` with an ``__init__.py`` is an example application,
# whose modules are library code of that application).
SCRIPT_DIRECTORIES = frozenset({"scripts", "examples", "docs", "doc", "benchmarks"})
# ``cli.py`` is where packages keep their console script: its output is the product.
NON_LIBRARY_FILES = frozenset(
    {"conftest.py", "__main__.py", "cli.py", "setup.py", "manage.py", "noxfile.py"}
)
TEST_FILES = ("test_*.py", "*_test.py")
_CLI_DECORATORS = frozenset(
    f"{module}.{name}"
    for module in ("click", "asyncclick", "rich_click", "cloup")
    for name in ("command", "group")
)
_CLI_METHODS = frozenset({"command", "group"})


class PrintInLibraryCode(Rule):
    """
    ## What it does
    Finds `print()`, `pprint.pprint()` and `pprint.pp()` calls that write to the
    console (no `file=`/`stream=`, or `sys.stdout`/`sys.stderr`) in library modules.

    Not reported, because the console is where their output belongs:

    * files under a `tests` or `test` directory, `test_*.py`, `*_test.py`,
      `conftest.py`, `__main__.py`, `cli.py` (a package's console script),
      `setup.py`, `manage.py`, `noxfile.py`, and Django
      management commands (`management/commands/`);
    * files under a `scripts`, `examples`, `docs`, `doc` or `benchmarks` directory,
      unless they belong to a package inside it (a directory with `__init__.py`, such
      as an example application: its modules are library code);
    * code under `if __name__ == "__main__":`;
    * the body of a module-level function named `main` (the usual entry point of a
      console script) or called from the `__main__` block (`_main()`,
      `asyncio.run(serve())`, `typer.run(app)`), and of functions decorated as
      command-line commands: click,
      asyncclick, rich-click and cloup `command`/`group` decorators, and any
      `@<group>.command()` or `@<group>.group()` (click groups, typer apps);
    * files matched by `--asr-print-allowed`.

    Directory names are read from the path relative to the directory flake8 runs in,
    so a project checked out under `/home/ci/test/` is still checked. `print()` to a
    file (`print(row, file=out)`) writes data, not messages, and is not reported.

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
    required_text = ("print",)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        qualified = context.qualified_name(node.func)
        if qualified is None:
            return
        stream_keyword = _PRINTS.get(qualified) or _PPRINTS.get(qualified)
        if stream_keyword is None or not _writes_to_console(node, context, qualified, stream_keyword):
            return
        state = context.rule_state(self, lambda: _FileState(context, self.settings.print_allowed))
        if state.allowed or _in_main_block(context, node) or _in_command(context, state.entry_points):
            return
        fix = _fix(node, context, state) if qualified in _PRINTS else None
        context.report(self, node, context.source_segment(node.func), fix=fix)


class _FileState:
    """Per file: whether the path allows printing, and the module's logger (lazily)."""

    def __init__(self, context: Context, patterns: Sequence[str]) -> None:
        self.allowed = print_allowed_path(context.filename, patterns)
        self.entry_points = _main_block_calls(context.tree)
        self._context = context
        self._logger: ModuleLogger | None = None
        self._looked = False

    @property
    def logger(self) -> ModuleLogger | None:
        if not self._looked:
            self._logger, self._looked = module_logger(self._context), True
        return self._logger


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


@dataclass(frozen=True)
class _PathParts:
    directories: tuple[str, ...]
    package_depth: int  # How many of the innermost directories are packages.
    name: str


def print_allowed_path(filename: str, patterns: Sequence[str] = ()) -> bool:
    """Whether the file is not library code by its path (see the rule's docstring)."""
    path = Path(filename)
    relative = _relative_to_cwd(path)
    if any(
        fnmatch.fnmatch(form, pattern)
        for pattern in patterns
        for form in {filename, path.as_posix(), relative.as_posix()}
    ):
        return True
    parts = _PathParts(
        tuple(p for p in relative.parent.parts if p not in (".", "..", relative.anchor)),
        _package_depth(path),
        path.name,
    )
    if parts.name in NON_LIBRARY_FILES or any(fnmatch.fnmatchcase(parts.name, t) for t in TEST_FILES):
        return True
    if TEST_DIRECTORIES & set(parts.directories):
        return True
    directories = parts.directories
    if any(directories[i : i + 2] == ("management", "commands") for i in range(len(directories))):
        return True
    depth = min(parts.package_depth, len(parts.directories))
    looked_at = parts.directories[len(parts.directories) - depth :] if depth else parts.directories
    return bool(SCRIPT_DIRECTORIES & set(looked_at))


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


def _package_depth(path: Path) -> int:
    depth = 0
    directory = path.parent
    try:
        while (directory / "__init__.py").is_file() and depth < 64:
            depth += 1
            if directory.parent == directory:
                break
            directory = directory.parent
    except OSError:
        pass
    return depth


def _in_main_block(context: Context, node: ast.AST) -> bool:
    path = [*context.ancestors, node]
    for index, ancestor in enumerate(path[:-1]):
        if isinstance(ancestor, ast.If) and _is_main_test(ancestor.test):
            child = path[index + 1]
            if any(child is statement for statement in ancestor.body):
                return True
    return False


def _main_block_calls(tree: ast.Module) -> frozenset[str]:
    """Names the module's ``if __name__ == "__main__":`` blocks call: the script's entry
    points (``_main()``, ``sys.exit(cli())``)."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            for child in statement.body:
                for node in ast.walk(child):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                        names.add(node.func.id)
                        names.update(a.id for a in node.args if isinstance(a, ast.Name))
    return frozenset(names)


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _in_command(context: Context, entry_points: frozenset[str]) -> bool:
    """Inside a module-level ``main``, a module-level function the ``__main__`` block
    calls, or a function decorated as a CLI command."""
    scopes = context.scope_nodes
    for index, scope in enumerate(scopes):
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if index == 1 and (scope.name == "main" or scope.name in entry_points):
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
        if target.attr in _CLI_METHODS:
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
