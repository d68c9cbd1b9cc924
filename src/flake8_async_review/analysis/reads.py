"""Which files and directories this process has read: the inputs a results cache must
check besides the file being linted.

A lint reads more than its own file: the project tier reads and parses other modules of
the project, the dependency scan reads ``pyproject.toml`` and lock files, rules read
environment example files. Those readers keep what they learnt for the rest of the
process, so the file that triggers a read is not the only one whose results depend on
it: a later file can use the memo without reading anything. Recording reads per lint
would miss those uses. Instead, :func:`start` installs an audit hook that notes every
file opened for reading and every directory listed, for the rest of the process; a
cache treats all of them as inputs of every result it stores (most are inside the
project, which a cache checks as a whole anyway).

Nothing is recorded until :func:`start` is called, and flake8 runs never call it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

_LOCK = threading.RLock()
_FILES: dict[str, None] = {}  # Ordered sets: a reader can ask what is new since an index.
_DIRECTORIES: dict[str, None] = {}
_IGNORED: list[str] = []
_started = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def start(ignore: tuple[str, ...] = ()) -> None:
    """Record reads from now on (once per process; later calls add ``ignore``d
    directories). Files under ``sys.prefix`` and the ``ignore`` directories (the
    package itself, the cache) are not recorded: they are the interpreter's and this
    package's own files, whose changes a cache notices by other means."""
    global _started
    with _LOCK:
        for directory in (*ignore, *((sys.prefix, sys.base_prefix, sys.exec_prefix)
                                     if not _started else ())):
            prefix = os.path.join(os.path.realpath(directory), "")
            if prefix not in _IGNORED:
                _IGNORED.append(prefix)
        if _started:
            return
        _started = True
    sys.addaudithook(_audit)


def started() -> bool:
    return _started


def files_read(since: int = 0) -> list[str]:
    """The real paths of the files read so far (from the ``since``-th on)."""
    with _LOCK:
        return list(_FILES)[since:]


def directories_listed(since: int = 0) -> list[str]:
    """The real paths of the directories listed so far (from the ``since``-th on)."""
    with _LOCK:
        return list(_DIRECTORIES)[since:]


def note(files: list[str], directories: list[str]) -> None:
    """Add reads another process made for this one (a parallel worker's)."""
    with _LOCK:
        _FILES.update(dict.fromkeys(files))
        _DIRECTORIES.update(dict.fromkeys(directories))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(mode, str):
            if any(c in mode for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & _WRITE_FLAGS:
            return
        _add(_FILES, path)
    elif event in ("os.listdir", "os.scandir"):
        _add(_DIRECTORIES, args[0] if args and args[0] is not None else ".")


def _add(into: dict[str, None], path: Any) -> None:
    if isinstance(path, int):  # A file descriptor: opened by path before.
        return
    try:
        name = os.fsdecode(path)
        if name.startswith("<") and name.endswith(">"):  # compile()'s "<unknown>" and kin.
            return
        real = os.path.realpath(name)
    except (TypeError, ValueError, OSError):
        return
    if real.endswith(".pyc") or any(real.startswith(prefix) for prefix in _IGNORED):
        return
    with _LOCK:
        into[real] = None
