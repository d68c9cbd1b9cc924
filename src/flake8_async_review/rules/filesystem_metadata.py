"""ASR903 (opt-in): file system metadata and directory calls inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import Severity
from .common.blocking import BlockingCallRule

_MODULE_CALLS = frozenset({
    *(f"os.path.{name}" for name in (
        "exists", "isfile", "isdir", "islink", "getsize", "getmtime", "getatime",
        "getctime", "lexists", "samefile", "sameopenfile", "ismount", "realpath",
    )),
    *(f"os.{name}" for name in (
        "stat", "lstat", "listdir", "scandir", "walk", "makedirs", "mkdir", "remove",
        "unlink", "rename", "replace", "rmdir",
    )),
})
_PATH_METHODS = {
    "pathlib.Path": frozenset({
        "exists", "is_file", "is_dir", "stat", "mkdir", "unlink", "iterdir", "glob", "rglob",
        "rmdir", "rename", "replace", "touch",
    }),
}

# Calls that return an iterator over a directory: iterating it blocks again (`os.walk()`
# and the `Path` globs do all their work while iterated).
_RETURNS_AN_ITERATOR = frozenset({"os.scandir", "os.walk", "pathlib.Path.iterdir",
                                  "pathlib.Path.glob", "pathlib.Path.rglob"})

_SUGGESTIONS = {
    "asyncio": "asyncio.to_thread",
    "anyio": "anyio.to_thread.run_sync",
    "trio": "trio.to_thread.run_sync",
}


class FilesystemMetadataCall(BlockingCallRule):
    """
    ## What it does
    Finds file system metadata and directory calls in the body of an `async def`:
    `os.path.exists()`, `isfile()`, `isdir()`, `islink()`, `lexists()`, `samefile()`,
    `sameopenfile()`, `ismount()`, `realpath()`, `getsize()`, `getmtime()`,
    `getatime()` and `getctime()` (also imported as `from os.path import isfile`); `os.stat()`, `lstat()`,
    `listdir()`, `scandir()`, `walk()`, `makedirs()`, `mkdir()`, `remove()`,
    `unlink()`, `rename()`, `replace()` and `rmdir()`; and `exists()`, `is_file()`,
    `is_dir()`, `stat()`, `mkdir()`, `unlink()`, `iterdir()`, `glob()`, `rglob()`,
    `rmdir()`, `rename()`, `replace()` and `touch()` on a `pathlib.Path` whose type is
    known from the source.

    The rule is opt-in (off unless selected, as every `ASR9xx` code): each of these
    calls is a system call that usually returns in microseconds from the page cache,
    and reporting them by default buries the findings that matter. Users of linters
    that report them by default tend to switch the whole check off. Select it for
    services that work on network file systems, slow disks or large directory trees,
    where `os.walk()` or `glob("**/*")` can take seconds: `--extend-select ASR903`.

    ## Why is this bad?
    Each call blocks the event loop until the file system answers. On a local disk
    with warm caches that is negligible; on NFS, a network-mounted volume, an
    overloaded disk, or when walking a large tree, it is not, and every other task of
    the process waits.

    ## Example
    ```python
    import os


    async def list_reports(directory):
        names = os.listdir(directory)
        return sorted(name for name in names if name.endswith(".pdf"))
    ```

    ## Use instead
    ```python
    import asyncio
    import os


    async def list_reports(directory):
        names = await asyncio.to_thread(os.listdir, directory)
        return sorted(name for name in names if name.endswith(".pdf"))
    ```

    ## Options
    `--asr-async-library` chooses the suggestion: `asyncio.to_thread()` (default),
    `anyio.to_thread.run_sync()` or `trio.to_thread.run_sync()`, and the fix.

    ## Fix
    Runs the call in a worker thread, as above: `os.listdir(directory)` becomes
    `await asyncio.to_thread(os.listdir, directory)` (with `anyio` or `trio`:
    `await anyio.to_thread.run_sync(os.listdir, directory)`, keyword arguments through
    `functools.partial`), adding the imports it needs. Unsafe: the call then runs in
    another thread, with a copy of the task's
    context variables (what it sets there is lost). Not offered for
    `os.scandir()`, `os.walk()`, `iterdir()`, `glob()` and `rglob()`, which return
    iterators that do their I/O while iterated (wrap the iteration in a sync function,
    such as `list(path.glob("*.pdf"))`, and run that), nor in a `with` statement.
    """

    code = "ASR903"
    name = "filesystem-metadata-call-in-async-function"
    message = "`{}()` is a blocking file system call: use `{}()` if the disk can be slow"
    severity = Severity.LOW
    required_text = ("async", ("os", "Path"))

    module_calls = _MODULE_CALLS
    typed_methods = _PATH_METHODS
    suggestions = _SUGGESTIONS
    fix_safety = "unsafe"

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return True

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        return matched not in _RETURNS_AN_ITERATOR
