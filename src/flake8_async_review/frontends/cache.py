"""A persistent cache of each file's raw results, for the command line and the editor.

An entry holds what checking one file produced before flake8's style guide (the raw
results, with the engine's violations and their fixes): ``noqa``, ``select`` and
``per-file-ignores`` are applied again on every run, from the same options.

**The key** hashes the file's bytes, its name as given and as an absolute path, the
working directory, the effective options (every flake8 and ``--asr-*`` option that can
change a result), the Python and flake8 versions, and the package itself: its version
and the content of its source files (an edited rule is a new package).

**The inputs** a result depends on besides the file are checked before an entry is
used, and the entry is ignored when one changed:

- *the project*: every file under the file's project root (outside hidden directories,
  ``__pycache__`` and virtual environments), by content, and the names in each of its
  directories. The project tier, the dependency scan and the settings scan read
  modules, declarations and lock files of the project and keep what they learnt for
  the process, so a result may depend on any file of the project; the project is
  checked as a whole, once per run;
- *the location*: in the file's directory and each directory above it, whether each
  project marker (``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``.git``),
  ``__init__.py`` and ``src/`` exist: they decide the project root, the module's name
  and the file's role;
- *anything else the process read*: files opened and directories listed outside the
  checked part of the project (:mod:`..analysis.reads`), by content.

Entries are JSON files in sharded directories under ``v1/``, written atomically
(a temporary file, then a rename), so concurrent runs and parallel workers never see a
partial entry. An entry that does not parse, names another key or has an unexpected
shape is ignored and written again. Beside the shards, ``package-<stamp>-<name>.json``
files keep what the package alone decides (what reports show of each rule), so that a
run whose results all come from the cache need not import the rules. The cache lives
in the user's cache directory (``flake8-async-review check --help`` names it) and can
be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any

from .. import __version__
from ..analysis import reads
from ..engine.violation import Edit, Fix, Violation
from .inputs import SCHEMA, SETTLED_SECONDS, InputState, flags_by_directory, write_atomically
from .inputs import digest as _digest

# Options that change how findings are shown or which files are found, not a file's
# results: left out of the key so that `check a.py` and `check .` share entries.
_PRESENTATION = frozenset({
    "filenames", "jobs", "verbose", "output_file", "tee", "quiet", "count", "color",
    "show_source", "statistics", "benchmark", "exit_zero", "format", "bug_report",
})

Raw = tuple[str, list[Any], list[Violation]]
# What a long-lived process last saw of each project's inputs (ResultCache.changed_since_last_look).
_WORLD: dict[str | None, dict[str, Any]] = {}
_WORLD_LOCK = threading.Lock()


# -- the key --------------------------------------------------------------------------------


def package_stamp() -> str:
    """The package's version and source, flake8's version and the interpreter's."""
    import flake8

    state = hashlib.blake2b(digest_size=20)
    state.update(f"{SCHEMA}\0{__version__}\0{flake8.__version__}\0{sys.version}\0"
                 f"{sys.implementation.name}\n".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for directory, subdirectories, files in os.walk(package):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    state.update(f"{os.path.relpath(path, package)}\0".encode()
                                 + _digest(handle.read()).encode() + b"\n")
    return state.hexdigest()


def options_stamp(options: Any) -> str:
    """The options that can change a file's results, as text (sorted)."""
    values = {name: value for name, value in sorted(vars(options).items())
              if name not in _PRESENTATION}
    return repr(values)


# -- entries --------------------------------------------------------------------------------


def _violation_json(violation: Violation) -> dict[str, Any]:
    return asdict(violation)


def _violation(data: Any) -> Violation:
    fix = data["fix"]
    return Violation(
        line=_int(data["line"]), col=_int(data["col"]), code=_str(data["code"]),
        message=_str(data["message"]), end_line=_int(data["end_line"]),
        end_col=_int(data["end_col"]),
        fix=None if fix is None else Fix(
            edits=tuple(Edit(_int(e["start_line"]), _int(e["start_col"]), _int(e["end_line"]),
                             _int(e["end_col"]), _str(e["new_text"])) for e in fix["edits"]),
            safe=bool(_bool(fix["safe"])), description=_str(fix["description"]),
            group=None if fix["group"] is None else _str(fix["group"]),
        ),
    )


def _result(data: Any) -> tuple[str, int, int, str, str | None]:
    code, line, col, text, physical = data
    return (_str(code), _int(line), _int(col), _str(text),
            None if physical is None else _str(physical))


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError(value)
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise ValueError(value)
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueError(value)
    return value


class ResultCache(InputState):
    """The cache for one session: its directory and the part of the key that the
    options and the package decide.

    ``snapshot``: a run of the command line treats the tree as not changing while it
    runs (each project is fingerprinted once, and again at the end before entries are
    written); a long-lived process (the language server) passes False and checks the
    inputs at every lookup."""

    def __init__(self, directory: str, options: Any, snapshot: bool = True,
                 linter: Any = None) -> None:
        self.directory = os.path.abspath(directory)
        self.entries = os.path.join(self.directory, SCHEMA)
        super().__init__(snapshot)
        self.writable = True
        self.package = package_stamp()
        # Without ``linter``, results come from the linter the options ask for, whose
        # rules and settings the package and the options decide; a linter given here
        # may run other rules, or the same with other settings.
        linter_stamp = "" if linter is None else "\0" + repr((
            sorted(f"{type(r).__module__}.{type(r).__qualname__}" for r in linter.rules),
            linter.settings))
        self.stamp = _digest(f"{self.package}\0{options_stamp(options)}{linter_stamp}".encode())
        self._pending: list[tuple[str, str, str | None, Raw, dict[str, Any]]] = []
        # For each file whose results this session took from an entry or wrote to one:
        # its content's digest and the inputs of those results (see replay.py).
        self.used: dict[str, tuple[str, dict[str, Any]]] = {}
        self._started = time.time()
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        reads.start(ignore=(package, self.directory))

    # -- writability -------------------------------------------------------------------

    def check_writable(self) -> str | None:
        """None when entries can be written, else why not (the cache is then off)."""
        try:
            os.makedirs(self.entries, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=self.entries, prefix=".probe-")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            self.writable = False
            return error.strerror or str(error)
        return None

    # -- entries -----------------------------------------------------------------------

    def key(self, filename: str, digest: str, mode: str) -> str:
        """The key of a file's entry; ``digest`` is its content's (:meth:`content_digest`)."""
        parts = (self.stamp, mode, filename, os.path.abspath(filename), os.getcwd(), digest)
        return _digest("\0".join(parts).encode("utf-8", "surrogateescape"))

    def content_digest(self, data: bytes) -> str:
        return _digest(data)

    def _path(self, key: str) -> str:
        return os.path.join(self.entries, key[:2], key[2:] + ".json")

    def lookup(self, filename: str, key: str, digest: str | None = None) -> Raw | None:
        """The raw results stored under ``key``, if the entry is sound and its inputs
        are unchanged. ``digest``: the file's content's, when it was read from disk."""
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.loads(handle.read())
            if entry["schema"] != SCHEMA or entry["key"] != key:
                return None
            if not self.still_valid(filename, entry["inputs"]):
                return None
            results = [_result(r) for r in entry["results"]]
            violations = [_violation(v) for v in entry["violations"]]
            if digest is not None:
                self.used[filename] = (digest, entry["inputs"])
            return _str(entry["display"]), list(results), violations
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError,
                RecursionError):
            return None

    def inputs(self, filename: str) -> dict[str, Any] | None:
        """The state of a file's inputs now (None when they cannot be told)."""
        try:
            return self.inputs_now(filename)
        except (OSError, ValueError):
            return None

    def begin(self) -> None:
        """Mark the start of a run: an input outside the project first read during the
        run must be older than this for an entry to depend on it."""
        self._started = time.time()

    def store(self, filename: str, key: str, digest: str | None, raw: Raw,
              before: dict[str, Any] | None) -> None:
        """Write an entry for a file checked with the inputs ``before`` (taken before it
        was checked) and, for a file read from disk, content of hash ``digest``. A run
        of the command line writes its entries at :meth:`flush`; the language server
        at once. An entry is written only if nothing changed while the file was
        checked."""
        if not self.writable or before is None:
            return
        if self.snapshot:
            self._pending.append((filename, key, digest, raw, before))
        else:
            self.fresh()
            self._commit(filename, key, digest, raw, before)

    def flush(self) -> None:
        """Write the entries of this run whose inputs are the same now as before."""
        pending, self._pending = self._pending, []
        if not pending or not self.writable:
            return
        self.fresh()
        for item in pending:
            self._commit(*item)
            if not self.writable:
                break

    def _commit(self, filename: str, key: str, digest: str | None, raw: Raw,
                before: dict[str, Any]) -> None:
        after = self.inputs(filename)
        if after is None or any(after[k] != before[k] for k in ("location", "root", "project")):
            return
        for kind in ("files", "directories"):
            for path, state in after[kind].items():
                if path in before[kind]:
                    if before[kind][path] != state:
                        return
                elif not self._older_than_run(path):
                    return
        if digest is not None:
            try:
                with open(filename, "rb") as handle:
                    if _digest(handle.read()) != digest:
                        return
            except OSError:
                return
        display, results, violations = raw
        entry = {
            "schema": SCHEMA, "key": key, "display": display,
            "results": [list(r) for r in results],
            "violations": [_violation_json(v) for v in violations],
            "inputs": after,
        }
        self._write(key, json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if digest is not None and self.writable:
            self.used[filename] = (digest, after)

    def package_data(self, name: str, build: Callable[[], Any],
                     valid: Callable[[Any], bool]) -> Any:
        """A JSON value that the package alone decides (such as what reports show of
        each rule), kept under the package's stamp: read from the cache when it holds a
        ``valid`` one, else made by ``build`` (and written for the next run)."""
        path = os.path.join(self.entries, f"package-{self.package}-{name}.json")
        try:
            with open(path, "rb") as handle:
                value = json.loads(handle.read())
            if valid(value):
                return value
        except (OSError, ValueError, RecursionError):
            pass
        value = build()
        if self.writable:
            self._write_file(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))
        return value

    def changed_since_last_look(self, inputs: dict[str, Any] | None) -> bool:
        """For a long-lived process: whether the project or another input read so far
        changed since the last time any file was looked at (then what the analysis
        keeps for the process, parsed modules, declared dependencies, may be out of
        date and must be forgotten before the next check). Unknown inputs count as
        changed."""
        with _WORLD_LOCK:
            if inputs is None:
                _WORLD.clear()
                return True
            root = inputs["root"]
            known = _WORLD.get(root)
            flags = flags_by_directory(inputs["directory"], inputs["location"])
            if (known is None or known["project"] != inputs["project"]
                    or any(known["flags"].get(d, f) != f for d, f in flags.items())
                    or any(known[kind].get(path, state) != state
                           for kind in ("files", "directories")
                           for path, state in inputs[kind].items())):
                _WORLD.clear()
                _WORLD[root] = {"project": inputs["project"], "flags": flags,
                                "files": dict(inputs["files"]),
                                "directories": dict(inputs["directories"])}
                return True
            known["flags"].update(flags)
            known["files"].update(inputs["files"])
            known["directories"].update(inputs["directories"])
            return False

    def _write(self, key: str, data: bytes) -> None:
        self._write_file(self._path(key), data)

    def _write_file(self, path: str, data: bytes) -> None:
        if not write_atomically(path, data):
            self.writable = False

    def _older_than_run(self, path: str) -> bool:
        """Whether a path last changed before this run started (so that what a check
        read of it during the run is what is there now)."""
        try:
            info = os.stat(path)
        except OSError:  # Missing: then its directory must not have changed either.
            try:
                info = os.stat(os.path.dirname(path))
            except OSError:
                return False
        return max(info.st_mtime, info.st_ctime) < self._started - SETTLED_SECONDS / 2

def clean(directory: str) -> int:
    """Delete the cache's entries (every version's); the number of files removed."""
    import shutil

    removed = 0
    for name in _children(directory):
        path = os.path.join(directory, name)
        if name.startswith("v") and os.path.isdir(path) and not os.path.islink(path):
            removed += sum(len(files) for _, _, files in os.walk(path))
            shutil.rmtree(path, ignore_errors=True)
    return removed


def _children(directory: str) -> Sequence[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return ()


def reads_so_far() -> tuple[list[str], list[str]]:
    """The files and directories this process has read (for a parallel worker to hand
    to the process that writes the entries)."""
    return reads.files_read(), reads.directories_listed()


def note_reads(files: Iterable[str], directories: Iterable[str]) -> None:
    reads.note(list(files), list(directories))
