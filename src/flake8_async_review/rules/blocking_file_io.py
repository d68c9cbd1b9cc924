"""ASR104: opening, reading, writing or copying files synchronously inside ``async def``."""

from __future__ import annotations

from ..engine.rule import Severity
from .common.blocking import BlockingCallRule

_MODULE_CALLS = frozenset({
    "builtins.open",
    "io.open",
    "codecs.open",
    "os.fdopen",
    *(f"shutil.{name}" for name in (
        "copy", "copy2", "copyfile", "copyfileobj", "copytree", "rmtree", "move",
        "make_archive", "unpack_archive",
    )),
})
_PATH_METHODS = {
    "pathlib.Path": frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"}),
}

_SUGGESTIONS = {
    "asyncio": "`asyncio.to_thread()` or `aiofiles`",
    "anyio": "`anyio.Path` or `anyio.to_thread.run_sync()`",
    "trio": "`trio.Path` or `trio.to_thread.run_sync()`",
}


class BlockingFileIO(BlockingCallRule):
    """
    ## What it does
    Finds file I/O done synchronously in the body of an `async def`: the builtin
    `open()` (also as `io.open()` or `codecs.open()`) and `os.fdopen()`; `open()`,
    `read_text()`, `read_bytes()`, `write_text()` and `write_bytes()` on a
    `pathlib.Path` whose type is known from the source (`Path(...)`, `/` joins,
    `.parent`, `with_suffix()`, annotations, ...); and `shutil.copy()`, `copy2()`,
    `copyfile()`, `copyfileobj()`, `copytree()`, `rmtree()`, `move()`,
    `make_archive()` and `unpack_archive()`.

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
    `trio.Path` or `trio.to_thread.run_sync()` for `trio`.
    """

    code = "ASR104"
    name = "blocking-file-io-in-async-function"
    message = "`{}()` is blocking file I/O: use {}"
    severity = Severity.MEDIUM
    required_text = ("async", ("open", "read_", "write_", "shutil"))

    module_calls = _MODULE_CALLS
    typed_methods = _PATH_METHODS
    suggestions = _SUGGESTIONS
