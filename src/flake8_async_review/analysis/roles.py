"""What a file is for: service code, a test, a script or a migration.

A finding means something else in each: ``time.sleep()`` in an ``async def`` stalls a
service, and only slows down a test. Rules declare the roles they apply to (most: the
application's own code); the engine classifies each file once, from its path and its
top-level statements, and runs only the rules that apply to it.

Paths are read relative to the directory the linter runs in or the file's project root,
whichever is nearer to the file, so a checkout under ``/home/ci/test/`` is not a test.
"""

from __future__ import annotations

import ast
import enum
import fnmatch
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .nodes import walk
from .project import project_root, real_directory, real_path, register_cache


class Role(str, enum.Enum):
    """The part a file plays in its project."""

    APP = "app"  # the application's or library's own code
    TEST = "test"
    SCRIPT = "script"  # run by hand or from a command line, not imported by the service
    MIGRATION = "migration"


ALL_ROLES = frozenset(Role)

TEST_DIRECTORIES = frozenset({"tests", "test"})
TEST_FILES = ("test_*.py", "*_test.py", "conftest.py")
# Directories of scripts, unless the file belongs to a package inside one
# (``examples/shop/`` with an ``__init__.py`` is an example application).
SCRIPT_DIRECTORIES = frozenset({"scripts", "script", "tools", "bin", "examples", "example",
                                "docs", "doc", "benchmarks"})
# Files that are run, never imported: a package's console script module is among them,
# since its output is the product.
SCRIPT_FILES = frozenset({"__main__.py", "manage.py", "setup.py", "noxfile.py", "fabfile.py",
                          "cli.py"})
# Calls that make a module a web application or a worker of one, whatever else it does
# at its top level: such a module is the service, not a script.
APPLICATION_FACTORIES = frozenset({
    "FastAPI", "APIRouter", "Starlette", "Router", "Flask", "Blueprint", "Quart", "Litestar",
    "Sanic", "Application", "Celery", "Dramatiq", "Arq", "Dispatcher", "Bot",
})
_RUNNERS = frozenset({"run", "main", "exit", "run_until_complete", "run_forever", "cli", "app"})


@dataclass(frozen=True)
class Classification:
    """A file's role, and why: the reason is shown to users who ask."""

    role: Role
    reason: str


def classify(filename: str, tree: ast.Module) -> Classification:
    """The role of one file (see the module docstring)."""
    directories, depth = _place(filename)
    name = os.path.basename(filename)
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in TEST_FILES):
        return Classification(Role.TEST, f"a test file name ({name})")
    test_directory = next((d for d in directories if d in TEST_DIRECTORIES), None)
    if test_directory is not None:
        return Classification(Role.TEST, f"under a {test_directory}/ directory")
    migration = _migration(tree, directories)
    if migration is not None:
        return Classification(Role.MIGRATION, migration)
    if name in SCRIPT_FILES:
        return Classification(Role.SCRIPT, f"a file that is run, not imported ({name})")
    if _contains(directories, ("management", "commands")):
        return Classification(Role.SCRIPT, "a Django management command")
    depth = min(depth, len(directories))
    # In a package, only the package's own directories count: `examples/shop/` with an
    # `__init__.py` is an example application, `tools/scripts/` a package of scripts.
    looked_at = directories[len(directories) - depth:] if depth else directories
    script_directory = next((d for d in looked_at if d in SCRIPT_DIRECTORIES), None)
    if script_directory is not None:
        return Classification(Role.SCRIPT, f"under a {script_directory}/ directory")
    stem, suffix = os.path.splitext(name)
    if suffix == ".py" and not stem.isidentifier():
        return Classification(Role.SCRIPT, f"not an importable module name ({name})")
    if depth == 0 and not _defines_application(tree):
        work = _top_level_work(tree)
        if work is not None:
            return Classification(Role.SCRIPT, f"a module outside any package that {work}")
    return Classification(Role.APP, "application code")


def _place(filename: str) -> tuple[tuple[str, ...], int]:
    """The directories of a file's path relative to the nearer of the working directory
    and its project root (see :func:`_relative_path`), and how many directories, from
    its own upwards, are packages. Worked out once per directory (a project's files
    share a few dozen), except for a file that is a symbolic link where its path alone
    does not place it."""
    directory = os.path.dirname(filename)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    if cwd is not None:
        directories, depth, real_paths_decide = _directory_place(directory, cwd)
        if not (real_paths_decide and os.path.islink(os.path.abspath(filename))):
            return directories, depth
    return _file_place(filename)


def _file_place(filename: str) -> tuple[tuple[str, ...], int]:
    """:func:`_place` worked out for one file from its own path."""
    path = Path(filename)
    relative = _relative_path(path)
    return _directories(relative.parent, relative.anchor), _package_depth(str(path.parent))


@lru_cache(maxsize=4096)
def _directory_place(directory: str, cwd: str) -> tuple[tuple[str, ...], int, bool]:
    """:func:`_place` for the files of ``directory`` (as a file name gives it), with the
    working directory ``cwd``, as :func:`_relative_path` works it out for a file that
    is not a symbolic link; and whether real paths decided it (a base does not contain
    the directory's path), so that a file that is a link must be placed on its own."""
    path = Path(directory)
    absolute = Path(os.path.abspath(path))
    best, real_paths_decide = _nearer(path, absolute, project_root(str(absolute)), cwd,
                                      lambda name: Path(real_directory(name)))
    return _directories(best, best.anchor), _package_depth(str(path)), real_paths_decide


register_cache(_directory_place.cache_clear)


def _directories(directory: Path, anchor: str) -> tuple[str, ...]:
    return tuple(part for part in directory.parts if part not in (".", "..", anchor))


def _relative_path(path: Path) -> Path:
    """``path`` relative to the nearer of the working directory and its project root."""
    try:
        absolute = Path(os.path.abspath(path))
        cwd = os.getcwd()
    except OSError:
        return path
    return _nearer(path, absolute, project_root(str(absolute.parent)), cwd, _real_file)[0]


def _nearer(path: Path, absolute: Path, root: Path | None, cwd: str,
            real: Callable[[str], Path]) -> tuple[Path, bool]:
    """``path`` (``absolute`` in full) relative to the nearer of ``cwd`` and ``root``, or
    as it is when neither contains it; and whether real paths decided (``real`` gives
    the real path of ``absolute``), which they do where a base does not contain its
    path: through a symbolic link, perhaps."""
    best = path
    real_paths_decide = False
    for base in (Path(cwd), *([root] if root is not None else [])):
        relative = _relative_to(absolute, base)
        if relative is None:
            real_paths_decide = True
            relative = _relative_to(real(str(absolute)), Path(real_directory(str(base))))
        if relative is not None and (best.is_absolute() or len(relative.parts) < len(best.parts)):
            best = relative
    return best, real_paths_decide


def _real_file(path: str) -> Path:
    return Path(real_path(path))


def _relative_to(path: Path, base: Path) -> Path | None:
    try:
        return path.relative_to(base)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _package_depth(directory: str) -> int:
    """How many directories, from the file's own upwards, are packages."""
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        return 0
    parent = os.path.dirname(directory)
    return 1 if parent == directory else 1 + _package_depth(parent)


register_cache(_package_depth.cache_clear)


def _contains(parts: tuple[str, ...], run: tuple[str, ...]) -> bool:
    return any(parts[i:i + len(run)] == run for i in range(len(parts)))


def _migration(tree: ast.Module, directories: tuple[str, ...]) -> str | None:
    assigned = set(_top_level_targets(tree))
    if {"revision", "down_revision"} <= assigned:
        return "an Alembic revision (revision and down_revision)"
    if "migrations" in directories and any(
        isinstance(statement, ast.ClassDef) and statement.name == "Migration"
        for statement in tree.body
    ):
        return "a Django migration (class Migration)"
    return None


def _top_level_targets(tree: ast.Module) -> Iterator[str]:
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id


def _callee_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _defines_application(tree: ast.Module) -> bool:
    """The module creates a web application, router or worker at its top level, or
    declares routes: it is the service itself."""
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call) and _callee_name(value.func) in APPLICATION_FACTORIES:
            return True
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
            and d.func.attr in {"get", "post", "put", "patch", "delete", "route",
                                "websocket", "on_event", "task"}
            for d in statement.decorator_list
        ):
            return True
    return False


def is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _top_level_work(tree: ast.Module) -> str | None:
    """What, at its top level, makes a module a script: a ``__main__`` block, a loop,
    a call that runs a program (``main()``, ``asyncio.run(...)``), or ``sys.argv``."""
    for statement in tree.body:
        if isinstance(statement, ast.If) and is_main_test(statement.test):
            return 'has an `if __name__ == "__main__":` block'
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            return "runs a loop at its top level"
        if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                and _callee_name(statement.value.func) in _RUNNERS):
            return f"calls `{_callee_name(statement.value.func)}()` at its top level"
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for node in walk(statement):
                if (isinstance(node, ast.Attribute) and node.attr == "argv"
                        and isinstance(node.value, ast.Name) and node.value.id == "sys"):
                    return "reads `sys.argv` at its top level"
    return None


# -- entry-point code inside a module ---------------------------------------------------


CLI_DECORATOR_MODULES = ("click", "asyncclick", "rich_click", "cloup")


def entry_point_functions(tree: ast.Module, cli_decorated: frozenset[str]) -> frozenset[str]:
    """Names of the module-level functions that run as the module's command line: a
    function named ``main``, those the ``__main__`` block calls or passes on
    (``asyncio.run(serve())``, ``typer.run(app)``), those in ``cli_decorated`` (click or
    typer commands), and every module-level function these call, transitively."""
    functions = {
        statement.name: statement for statement in tree.body
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    pending = [name for name in ("main", *cli_decorated) if name in functions]
    for statement in tree.body:
        if isinstance(statement, ast.If) and is_main_test(statement.test):
            pending.extend(name for name in _names_called(statement.body) if name in functions)
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending.extend(n for n in _names_called(functions[name].body) if n in functions)
    return frozenset(reached)


def _names_called(body: list[ast.stmt]) -> Iterator[str]:
    """Plain names called, or passed as arguments to a call, anywhere in ``body``."""
    for statement in body:
        for node in walk(statement):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    yield node.func.id
                for argument in node.args:
                    if isinstance(argument, ast.Name):
                        yield argument.id
