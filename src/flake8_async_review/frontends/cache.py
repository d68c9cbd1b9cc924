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

import contextlib
import hashlib
import json
import os
import stat
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

ENV_VAR = "FLAKE8_ASYNC_REVIEW_CACHE_DIR"
SCHEMA = "v1"
# What decides a project root and a module's package (see analysis.project, roles).
_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
# Content older than this when it was hashed is trusted while its size, times and
# inode stay the same; newer content is hashed again (a write within the same clock
# tick as the hash would otherwise go unnoticed).
_SETTLED_SECONDS = 2.0
# Larger files (data, media) are compared by size, times and inode, not read; one that
# changed within the last moments is taken as changed (its times may not show a write
# that follows).
_LARGE = 1 << 20
_LEVELS_ABOVE_ROOT = 3  # Larger files are fingerprinted by size and times only.
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


def default_directory() -> str:
    """Where the cache lives: ``$FLAKE8_ASYNC_REVIEW_CACHE_DIR`` or the user's cache
    directory (``~/.cache/flake8-async-review`` on Linux)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    import platformdirs

    return platformdirs.user_cache_dir("flake8-async-review")


# -- hashing files -----------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class _Hashes:
    """Content hashes of files, kept while a file's size, times and inode stay the same
    and its content was already settled when it was hashed."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[tuple[int, ...], str, bool]] = {}

    def of(self, path: str, info: os.stat_result | None = None) -> str:
        """``file:<hash>``, ``dir``, ``missing`` or ``other``."""
        try:
            info = info or os.stat(path)
        except OSError:
            return "missing"
        if stat.S_ISDIR(info.st_mode):
            return "dir"
        if not stat.S_ISREG(info.st_mode):
            return "other"
        signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        if info.st_size > _LARGE:
            if time.time() - max(info.st_mtime, info.st_ctime) <= _SETTLED_SECONDS:
                return f"unsettled:{time.time_ns()}"
            return f"large:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
        known = self._known.get(path)
        if known is not None and known[0] == signature and known[2]:
            return known[1]
        now = time.time()
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return "missing"
        value = "file:" + _digest(data)
        settled = now - max(info.st_mtime, info.st_ctime) > _SETTLED_SECONDS
        self._known[path] = (signature, value, settled)
        return value


def _listing(path: str) -> str:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return "missing"
    return "names:" + _digest("\0".join(names).encode("utf-8", "surrogateescape"))


# -- the project and the location ----------------------------------------------------------


class _Project:
    """A project root's fingerprint and what it covers."""

    def __init__(self, root: str, hashes: _Hashes) -> None:
        self.root = root
        self.files: set[str] = set()
        self.directories: set[str] = set()
        state = hashlib.blake2b(digest_size=20)
        for directory, subdirectories, files in os.walk(root):
            self.directories.add(directory)
            names = sorted(subdirectories + files)
            state.update(b"D\0" + os.path.relpath(directory, root).encode("utf-8", "surrogateescape")
                         + b"\0" + "\0".join(names).encode("utf-8", "surrogateescape") + b"\n")
            subdirectories[:] = sorted(d for d in subdirectories if _walked(directory, d))
            for name in sorted(files):
                path = os.path.join(directory, name)
                self.files.add(path)
                state.update(f"F\0{name}\0{hashes.of(path)}\n".encode("utf-8", "surrogateescape"))
        self.fingerprint = state.hexdigest()

    def covers(self, path: str) -> bool:
        return path in self.files or path in self.directories


def _walked(parent: str, name: str) -> bool:
    """Whether the fingerprint looks inside a directory: not hidden, not bytecode, not
    a virtual environment or node_modules (their names still count)."""
    if name.startswith(".") or name in ("__pycache__", "node_modules"):
        return False
    path = os.path.join(parent, name)
    return not os.path.islink(path) and not os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _flags(directory: str) -> str:
    """Which project markers a directory has, whether it has ``__init__.py``, ``src/``."""
    flags = "".join("1" if os.path.exists(os.path.join(directory, m)) else "0" for m in _MARKERS)
    flags += "1" if os.path.isfile(os.path.join(directory, "__init__.py")) else "0"
    return flags + ("1" if os.path.isdir(os.path.join(directory, "src")) else "0")


def _location(directory: str, flags_of: Callable[[str], str],
              listing_of: Callable[[str], str]) -> tuple[str, str | None]:
    """The markers around a directory and the project root they decide (the nearest
    directory with a marker, as ``analysis.project.project_root`` finds it), and the
    names in the directories just above the root (a project often sits in a
    repository whose root holds its ``.env`` and example files). ``flags_of`` is
    :func:`_flags` and ``listing_of`` :func:`_listing`, or what they returned before."""
    parts = []
    root: str | None = None
    current = directory
    while True:
        flags = flags_of(current)
        parts.append(flags)
        if root is None and "1" in flags[:len(_MARKERS)]:
            root = current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if root is not None:
        above = root
        for _ in range(_LEVELS_ABOVE_ROOT):
            if os.path.dirname(above) == above:
                break
            above = os.path.dirname(above)
            parts.append(listing_of(above))
    return ",".join(parts), root


def _flags_by_directory(directory: str, location: str) -> dict[str, str]:
    """A location (see :func:`_location`) by directory: the markers of the directory and
    of each above it, then what the directories above the project root hold."""
    parts = location.split(",")
    found = {}
    for index, part in enumerate(parts):
        found[directory if directory != "" else "/"] = part
        parent = os.path.dirname(directory)
        if parent == directory:
            found.update({f"above-root:{n}": p for n, p in enumerate(parts[index + 1:])})
            break
        directory = parent
    return found


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


class ResultCache:
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
        self.snapshot = snapshot
        self.writable = True
        self.package = package_stamp()
        # Without ``linter``, results come from the linter the options ask for, whose
        # rules and settings the package and the options decide; a linter given here
        # may run other rules, or the same with other settings.
        linter_stamp = "" if linter is None else "\0" + repr((
            sorted(f"{type(r).__module__}.{type(r).__qualname__}" for r in linter.rules),
            linter.settings))
        self.stamp = _digest(f"{self.package}\0{options_stamp(options)}{linter_stamp}".encode())
        self.hashes = _Hashes()
        self._projects: dict[str, _Project] = {}
        self._locations: dict[str, tuple[str, str | None]] = {}
        self._flags: dict[str, str] = {}
        self._directories: dict[str, str] = {}
        self._outside: dict[str, str] = {}
        self._outside_memo: dict[tuple[str | None, int, int],
                                 tuple[_Project | None, tuple[list[str], list[str]]]] = {}
        self._pending: list[tuple[str, str, str | None, Raw, dict[str, Any]]] = []
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

    # -- inputs ------------------------------------------------------------------------

    def fresh(self) -> None:
        """Forget what was learnt about the inputs (the next lookup looks again)."""
        self._projects.clear()
        self._locations.clear()
        self._flags.clear()
        self._directories.clear()
        self._outside.clear()

    def _directory_of(self, filename: str) -> str:
        """A file's directory, as the project tier resolves it (the directory's real
        path: a file that is itself a symbolic link belongs to the project of the link)."""
        parent = os.path.dirname(os.path.abspath(filename))
        found = self._directories.get(parent) if self.snapshot else None
        if found is None:
            found = self._directories[parent] = os.path.realpath(parent)
        return found

    def _location(self, directory: str) -> tuple[str, str | None]:
        found = self._locations.get(directory) if self.snapshot else None
        if found is None:
            found = self._locations[directory] = _location(
                directory, self._flags_of, lambda path: self._outside_state(path, True))
        return found

    def _flags_of(self, directory: str) -> str:
        found = self._flags.get(directory) if self.snapshot else None
        if found is None:
            found = self._flags[directory] = _flags(directory)
        return found

    def _project(self, root: str) -> _Project:
        found = self._projects.get(root) if self.snapshot else None
        if found is None:
            found = self._projects[root] = _Project(root, self.hashes)
        return found

    def _outside_state(self, path: str, directory: bool) -> str:
        key = ("d:" if directory else "f:") + path
        found = self._outside.get(key) if self.snapshot else None
        if found is None:
            found = self._outside[key] = _listing(path) if directory else self.hashes.of(path)
        return found

    def _inputs(self, filename: str) -> dict[str, Any] | None:
        """The current state of a file's inputs (None: too many to track)."""
        directory = self._directory_of(filename)
        location, root = self._location(directory)
        project = self._project(root) if root is not None else None
        outside_files, outside_dirs = self._outside_paths(project)
        if len(outside_files) + len(outside_dirs) > 2000:
            return None
        return {
            "directory": directory,
            "location": location,
            "root": root,
            "project": project.fingerprint if project is not None else None,
            "files": {p: self._outside_state(p, False) for p in outside_files},
            "directories": {p: self._outside_state(p, True) for p in outside_dirs},
        }

    def _outside_paths(self, project: _Project | None) -> tuple[list[str], list[str]]:
        """The paths read so far that the project's fingerprint does not cover."""
        files, directories = reads.files_read(), reads.directories_listed()
        memo_key = (project.root if project is not None else None, len(files), len(directories))
        found = self._outside_memo.get(memo_key)
        if found is None or found[0] is not project:
            kept = ([p for p in files if project is None or not project.covers(p)],
                    [p for p in directories if project is None or not project.covers(p)])
            self._outside_memo = {memo_key: (project, kept)}
            return kept
        return found[1]

    def _still_valid(self, filename: str, inputs: Any) -> bool:
        directory = self._directory_of(filename)
        location, root = self._location(directory)
        if inputs["location"] != location or inputs["root"] != root:
            return False
        if root is not None and self._project(root).fingerprint != inputs["project"]:
            return False
        files, directories = inputs["files"], inputs["directories"]
        if not isinstance(files, dict) or not isinstance(directories, dict):
            return False
        return (all(self._outside_state(_str(p), False) == v for p, v in files.items())
                and all(self._outside_state(_str(p), True) == v for p, v in directories.items()))

    # -- entries -----------------------------------------------------------------------

    def key(self, filename: str, digest: str, mode: str) -> str:
        """The key of a file's entry; ``digest`` is its content's (:meth:`content_digest`)."""
        parts = (self.stamp, mode, filename, os.path.abspath(filename), os.getcwd(), digest)
        return _digest("\0".join(parts).encode("utf-8", "surrogateescape"))

    def content_digest(self, data: bytes) -> str:
        return _digest(data)

    def file_digest(self, filename: str) -> str | None:
        """The digest of a file's content, None when it cannot be read. A file of a
        project is read once per run, for this and for the project's fingerprint."""
        state = self.hashes.of(os.path.join(self._directory_of(filename),
                                            os.path.basename(filename)))
        if state.startswith("file:"):
            return state[len("file:"):]
        try:  # Large, not a regular file, or gone.
            with open(filename, "rb") as handle:
                return _digest(handle.read())
        except OSError:
            return None

    def _path(self, key: str) -> str:
        return os.path.join(self.entries, key[:2], key[2:] + ".json")

    def lookup(self, filename: str, key: str) -> Raw | None:
        """The raw results stored under ``key``, if the entry is sound and its inputs
        are unchanged."""
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.loads(handle.read())
            if entry["schema"] != SCHEMA or entry["key"] != key:
                return None
            if not self._still_valid(filename, entry["inputs"]):
                return None
            results = [_result(r) for r in entry["results"]]
            violations = [_violation(v) for v in entry["violations"]]
            return _str(entry["display"]), list(results), violations
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError,
                RecursionError):
            return None

    def inputs(self, filename: str) -> dict[str, Any] | None:
        """The state of a file's inputs now (None when they cannot be told)."""
        try:
            return self._inputs(filename)
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
            flags = _flags_by_directory(inputs["directory"], inputs["location"])
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
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        except OSError:
            self.writable = False
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError:
            self.writable = False
            with contextlib.suppress(OSError):
                os.unlink(temporary)

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
        return max(info.st_mtime, info.st_ctime) < self._started - _SETTLED_SECONDS / 2

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
