"""ASR104: opening, reading, writing or copying files synchronously inside ``async def``."""

from __future__ import annotations

import ast

from ..analysis.facts import ScopeChain
from ..engine.context import Context
from ..engine.rule import Severity
from .common.blocking import BlockingCallRule

_MODULE_CALLS = frozenset({
    "builtins.open",
    "io.open",
    "io.open_code",
    "codecs.open",
    "os.fdopen",
    *(f"shutil.{name}" for name in (
        "copy", "copy2", "copyfile", "copyfileobj", "copytree", "rmtree", "move",
        "make_archive", "unpack_archive",
    )),
})
# Methods of a sync file object that read, write, move or flush through the OS.
_FILE_OBJECT_METHODS = frozenset({
    "read", "read1", "readall", "readinto", "readinto1", "readline", "readlines", "peek",
    "write", "writelines", "flush", "seek", "truncate", "close",
})
# File object types, as annotated: the concrete classes of files on disk. Abstract ones
# (`typing.IO`, `BinaryIO`, `io.IOBase`...) also describe in-memory buffers
# (`io.BytesIO`, an upload's spooled file), which do no I/O: they are not reported.
_FILE_OBJECTS = (
    "io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom",
    "io.BufferedRWPair", "io.FileIO",
)
_TYPED_METHODS = {
    "pathlib.Path": frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"}),
    **{file_type: _FILE_OBJECT_METHODS for file_type in _FILE_OBJECTS},
}

# Calls that return an open file: its reads and writes block again.
_RETURNS_A_FILE = frozenset({"builtins.open", "io.open", "io.open_code", "codecs.open",
                             "os.fdopen", "pathlib.Path.open"})

_SUGGESTIONS = {
    "asyncio": "`asyncio.to_thread()` or `aiofiles`",
    "anyio": "`anyio.Path` or `anyio.to_thread.run_sync()`",
    "trio": "`trio.Path` or `trio.to_thread.run_sync()`",
}


class BlockingFileIO(BlockingCallRule):
    """
    ## What it does
    Finds file I/O done synchronously in the body of an `async def`: the builtin
    `open()` (also as `io.open()`, `io.open_code()` or `codecs.open()`) and
    `os.fdopen()`; `open()`,
    `read_text()`, `read_bytes()`, `write_text()` and `write_bytes()` on a
    `pathlib.Path` whose type is known from the source (`Path(...)`, `/` joins,
    `.parent`, `with_suffix()`, annotations, ...); and `shutil.copy()`, `copy2()`,
    `copyfile()`, `copyfileobj()`, `copytree()`, `rmtree()`, `move()`,
    `make_archive()` and `unpack_archive()`.

    It also finds `read()`, `readline()`, `readlines()`, `write()`, `writelines()`,
    `flush()`, `seek()`, `truncate()`, `close()` and the other reading methods of a
    file object whose type the source states: a parameter, variable or class attribute
    annotated `io.TextIOWrapper`, `io.BufferedReader`, `io.BufferedWriter`,
    `io.BufferedRandom` or `io.FileIO` (`Optional` and `X | None` included). A file
    that `open()` returns in the same function is reported once, at the `open()` call.
    In-memory buffers (`io.StringIO`, `io.BytesIO`) are not reported, nor are objects
    annotated with an abstract type (`typing.IO`, `typing.BinaryIO`, `io.IOBase`...),
    which in-memory buffers and an upload's spooled file satisfy too.

    Async file APIs are not reported: `aiofiles.open()` (also imported as `open`),
    `anyio.Path` and `trio.Path`, whose methods are awaited. Neither is a name `open`
    that a parameter, an assignment or an import rebinds. Cheap metadata calls such as
    `os.path.exists()` are ASR903's, which is opt-in.

    ## Why is this bad?
    Disk reads and writes block the thread, and with it the event loop, for as long as
    the disk takes: usually little, but a large upload written to a network volume, a
    `copytree()` or an `rmtree()` can take seconds, during which no other request is
    served. Opening a file on a busy or remote file system can stall as long.

    ## Example
    ```python
    async def save_upload(upload, destination):
        with open(destination, "wb") as target:
            target.write(await upload.read())
    ```

    ## Use instead
    ```python
    import aiofiles


    async def save_upload(upload, destination):
        async with aiofiles.open(destination, "wb") as target:
            await target.write(await upload.read())
    ```

    ## Options
    `--asr-async-library` chooses the suggestion: `asyncio.to_thread()` or `aiofiles`
    for `asyncio` (default), `anyio.Path` or `anyio.to_thread.run_sync()` for `anyio`,
    `trio.Path` or `trio.to_thread.run_sync()` for `trio`, and the worker thread of the
    fix.

    ## Fix
    Runs a call that does all its I/O before it returns in a worker thread:
    `path.read_text()` becomes `await asyncio.to_thread(path.read_text)`, and
    `shutil.copy(src, dst)` becomes `await asyncio.to_thread(shutil.copy, src, dst)`
    (with `anyio` or `trio`: `await anyio.to_thread.run_sync(...)`, keyword arguments
    through `functools.partial`), adding the imports it needs. Unsafe: the call then
    runs in another thread, with a copy of the task's
    context variables (what it sets there is lost).

    Not offered for `open()` and the calls like it that return a file object
    (`with open(path) as f:` included): running only `open()` in a thread would leave
    every `f.read()` blocking. Use `anyio.open_file()` or `aiofiles.open()` there, or
    move the whole block into a sync function run with `asyncio.to_thread()`.
    """

    code = "ASR104"
    name = "blocking-file-io-in-async-function"
    message = "`{}()` is blocking file I/O: use {}"
    severity = Severity.MEDIUM
    required_text = ("async", ("open", "read_", "write_", "shutil", "Buffered", "IOWrapper", "FileIO"))

    module_calls = _MODULE_CALLS
    typed_methods = _TYPED_METHODS
    suggestions = _SUGGESTIONS
    fix_safety = "unsafe"

    def thread_safe(self, call: ast.Call, context: Context, matched: str,
                    chain: ScopeChain | None = None) -> bool:
        return True

    def done_on_return(self, call: ast.Call, matched: str) -> bool:
        return matched not in _RETURNS_A_FILE
