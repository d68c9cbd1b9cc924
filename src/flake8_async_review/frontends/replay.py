"""Replaying a ``check`` run over an unchanged tree: its output, without checking again.

A run of ``flake8-async-review check`` with the cache on leaves, besides an entry per
file (:mod:`.cache`), a record of the whole run: what it printed on standard output
and standard error, its exit status, and every input that decided them. The next run
with the same command line, in the same directory, from the same installation, first
looks for that record; when every input is as it was, it prints the same bytes and
exits with the same status, without importing flake8 or the rules (a warm run of a
pre-commit hook costs little more than starting Python).

**The key** of a record hashes the command line, the working directory, the
environment variables that can change a run (``FLAKE8*``, ``PYTHON*``, ``GIT_*``,
``LC_*``, ``LANG``, ``HOME``, ``TERM``, ``NO_COLOR`` ...), whether standard output and
standard error are terminals, the interpreter, which ``git`` runs, and the
installation: the names in
each directory of ``sys.path`` (an installed, removed or upgraded distribution, flake8
or a plugin, changes them) and the size and modification time of each file of this
package.

**The inputs** checked before a record is used:

- flake8's configuration: ``setup.cfg``, ``tox.ini`` and ``.flake8`` in the working
  directory and each directory above it (as flake8 looks for them), and whether each
  of those directories holds a ``.git`` (a new repository changes which files are
  found), by content;
- the files found: the names in every directory the run walked (each marked as a
  directory or not), and git's listing of the files it does not ignore, when the
  working directory is in a git work tree (git is asked again);
- each file reported on: its content, and the inputs of its results, as the cache
  checks them (the project, the location, whatever else the check read).

Runs in every report format are recorded, but not those with ``--diff``, ``--output``,
``--tee``, ``--config``/``--append-config``, ``--verbose`` or ``--benchmark``, on
standard input, or with ``--no-cache``. A record is written only when each of its
inputs is the same after the run as when the run read it, and not in a repository
that git did not list (no git, or git refused it). A record that does not parse,
names another key or has an unexpected shape is ignored: the run checks, and writes
it again. Records live in ``runs/`` of the cache's directory; the ``MAX_RECORDS`` last
written or replayed are kept.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, BinaryIO, cast

from .inputs import (
    SCHEMA,
    Hashes,
    InputState,
    default_directory,
    digest,
    git_files,
    kinds_listing,
    write_atomically,
)

_CONFIG_NAMES = ("setup.cfg", "tox.ini", ".flake8", ".git")
_ENVIRONMENT = frozenset({"HOME", "LANG", "LANGUAGE", "TERM", "COLUMNS", "NO_COLOR",
                          "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TZ"})
_ENVIRONMENT_PREFIXES = ("FLAKE8", "PYTHON", "GIT_", "LC_")
# Options whose runs are not recorded: they write elsewhere, print what changes from
# run to run, read standard input or more configuration, or turn the cache off. A
# flake8 option may be abbreviated, so a prefix of one of these counts too.
_NOT_RECORDED = ("--diff", "--output", "--output-file", "--tee", "--benchmark",
                 "--bug-report", "--help", "--version", "--no-cache", "--config",
                 "--append-config", "--stdin-display-name", "--verbose")


def recordable(argv: Sequence[str]) -> bool:
    """Whether a command line is a ``check`` whose run may be recorded and replayed."""
    if not argv or argv[0] != "check":
        return False
    for token in argv[1:]:
        if token in ("-", "--"):
            return False
        if token.startswith("--"):
            name = token.partition("=")[0]
            if any(option.startswith(name) for option in _NOT_RECORDED):
                return False
        # Short options: -j N / -jN and -q alone are recorded (-v, -h and -o are not).
        elif (token.startswith("-") and len(token) > 1
              and not (token.startswith("-j") or set(token[1:]) <= {"q"})):
            return False
    return True


def _cache_directory(argv: Sequence[str]) -> str:
    for index, token in enumerate(argv):
        if token == "--cache-dir" and index + 1 < len(argv):
            return argv[index + 1]
        if token.startswith("--cache-dir="):
            return token.partition("=")[2]
    return default_directory()


# Records kept (the most recently written or replayed): each holds the content hashes
# of a whole project, and a pre-commit hook runs a new command line for every commit.
MAX_RECORDS = 32


def _record_path(directory: str, key: str) -> str:
    return os.path.join(os.path.abspath(directory), SCHEMA, "runs", key + ".json")


def run_key(argv: Sequence[str]) -> str:
    environment = sorted((name, value) for name, value in os.environ.items()
                         if name in _ENVIRONMENT or name.startswith(_ENVIRONMENT_PREFIXES))
    parts = [SCHEMA, list(argv), os.getcwd(), environment, _isatty(sys.stdout),
             _isatty(sys.stderr), sys.executable, sys.version, shutil.which("git"),
             _installation()]
    return digest(json.dumps(parts).encode("utf-8", "surrogateescape"))


def _installation() -> list[Any]:
    """What the installation decides: the names in each ``sys.path`` directory, and the
    size and modification time of each file of this package."""
    listings = [[entry, kinds_listing(entry)] for entry in sys.path
                if entry and os.path.isdir(entry)]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = []
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(names):
            info = os.stat(os.path.join(directory, name))
            files.append([os.path.relpath(os.path.join(directory, name), package),
                          info.st_size, info.st_mtime_ns])
    return [package, listings, files]


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- replaying ---------------------------------------------------------------------------


def replay(argv: Sequence[str]) -> int | None:
    """Print what the recorded run of this command line printed and return its exit
    status, when the record exists and every input is unchanged; else None."""
    if not recordable(argv):
        return None
    try:
        key = run_key(argv)
        path = _record_path(_cache_directory(argv), key)
        with open(path, "rb") as handle:
            record = json.loads(handle.read())
        if record["schema"] != SCHEMA or record["key"] != key:
            return None
        state = InputState(snapshot=True, hashes=Hashes(record["hashes"]))
        if not holds(record, state):
            return None
        out = _bytes(record["stdout"])
        err = _bytes(record["stderr"])
        code = record["code"]
        if type(code) is not int:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # Used: the last to be pruned.
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError,
            RecursionError):
        return None
    try:
        for stream, data in ((sys.stdout, out), (sys.stderr, err)):
            if data:
                stream.flush()
                stream.buffer.write(data)
                stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def _bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise ValueError(value)
    return value.encode("utf-8", "surrogateescape")


def holds(record: dict[str, Any], state: InputState) -> bool:
    """Whether every input of a record is as it was. Raises on a record of an
    unexpected shape (the caller ignores it then)."""
    configuration = record["configuration"]
    if sorted(configuration) != sorted(_configuration_paths()):
        return False
    if any(state.hashes.of(path) != value for path, value in configuration.items()):
        return False
    if any(state.hashes.of(path) != value for path, value in record["paths"].items()):
        return False
    if any(kinds_listing(directory) != value for directory, value in record["walked"].items()):
        return False
    top, fingerprint = record["git"]
    if top is not None:
        try:
            if git_files(top)[1] != fingerprint:
                return False
        except OSError:
            return False
    for filename, content, inputs in record["files"]:
        if state.file_digest(filename) != content or not state.still_valid(filename, inputs):
            return False
    return True


def _configuration_paths() -> list[str]:
    """Where flake8 looks for its configuration, from the working directory up, and
    where a ``.git`` may start a repository."""
    paths = []
    directory = os.getcwd()
    while True:
        paths += [os.path.join(directory, name) for name in _CONFIG_NAMES]
        parent = os.path.dirname(directory)
        if parent == directory:
            return paths
        directory = parent


# -- recording ---------------------------------------------------------------------------


class _Tee(io.RawIOBase):
    """A binary stream that writes through to another and keeps what it wrote."""

    def __init__(self, target: BinaryIO) -> None:
        super().__init__()
        self.target = target
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        written = bytes(data)
        self.target.write(written)
        self.data += written
        return len(written)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()


class Recording:
    """What a ``check`` run read and printed, to be written as a record when the run
    ends normally (:meth:`save`). Made before the run reads its configuration."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.directory = _cache_directory(argv)
        self.key = run_key(argv)
        hashes = Hashes()
        self.configuration = {path: hashes.of(path) for path in _configuration_paths()}
        self.session: Any = None  # The run's session, and the files it checked.
        self.files: list[str] = []
        self.stdout: _Tee | None = None
        self.stderr: _Tee | None = None

    @contextlib.contextmanager
    def capture(self) -> Any:
        """Keep what the run writes to standard output and standard error (both still
        reach them)."""
        originals = sys.stdout, sys.stderr
        wrappers = []
        try:
            for name, stream in (("stdout", originals[0]), ("stderr", originals[1])):
                stream.flush()  # What was written before goes first.
                tee = _Tee(stream.buffer)
                wrapper = io.TextIOWrapper(cast(BinaryIO, tee), encoding=stream.encoding,
                                           errors=stream.errors,
                                           line_buffering=bool(stream.line_buffering),
                                           write_through=True)
                setattr(self, name, tee)
                wrappers.append(wrapper)
            sys.stdout, sys.stderr = wrappers
            yield self
        finally:
            for wrapper in wrappers:
                with contextlib.suppress(ValueError, OSError):
                    wrapper.flush()
                    wrapper.detach()
            sys.stdout, sys.stderr = originals

    def save(self, code: int) -> None:
        """Write the record of a run that ended with ``code``, if its inputs can be
        told and are the same now as when the run read them."""
        session = self.session
        cache = getattr(session, "cache", None)
        discovered = getattr(session, "discovered_from", None)
        if (cache is None or discovered is None or self.stdout is None or self.stderr is None
                or not cache.writable):
            return
        if discovered["git"][0] is None and any(
                path.endswith(os.sep + ".git") and state != "missing"
                for path, state in self.configuration.items()):
            return  # In a repository git did not list (no git, or it refused): unsure.
        files = []
        for filename in self.files:
            used = cache.used.get(filename)
            if used is None:
                return  # Not read from disk, or its results were not kept.
            files.append([filename, used[0], used[1]])
        hashes = Hashes()
        record: dict[str, Any] = {
            "schema": SCHEMA,
            "key": self.key,
            "configuration": self.configuration,
            "paths": {path: hashes.of(path) for path in session.paths},
            "walked": discovered["walked"],
            "git": discovered["git"],
            "files": files,
            "stdout": bytes(self.stdout.data).decode("utf-8", "surrogateescape"),
            "stderr": bytes(self.stderr.data).decode("utf-8", "surrogateescape"),
            "code": code,
        }
        state = InputState(snapshot=True, hashes=hashes)
        try:
            if not holds(record, state):
                return
        except (OSError, ValueError, TypeError, KeyError):
            return
        record["hashes"] = hashes.settled()
        path = _record_path(self.directory, self.key)
        write_atomically(path, json.dumps(record).encode("ascii"))
        prune(os.path.dirname(path), MAX_RECORDS)


def record(argv: Sequence[str], run: Callable[[Recording | None], int]) -> int:
    """Run ``check`` (``run``, given the recording to fill in, or None), recording it
    when its command line may be replayed."""
    if not recordable(argv) or not all(hasattr(s, "buffer") for s in (sys.stdout, sys.stderr)):
        return run(None)
    recording = Recording(argv)
    with recording.capture():
        code = run(recording)
    recording.save(code)
    return code


def prune(directory: str, keep: int) -> None:
    """Delete all but the ``keep`` records of ``directory`` last written or replayed."""
    try:
        with os.scandir(directory) as entries:
            found = [(entry.stat().st_mtime_ns, entry.path) for entry in entries
                     if entry.name.endswith(".json") and entry.is_file()]
    except OSError:
        return
    for _, path in sorted(found, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
