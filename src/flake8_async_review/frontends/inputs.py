"""The state of what a file's results depend on besides the file: the content of files
and the names in directories, fingerprinted without trusting anything the process was
told. Shared by the results cache (:mod:`.cache`), which checks a file's inputs before
it uses an entry, and by the replay of a whole run (:mod:`.replay`), which checks the
inputs of every file the run reported on.

Content is hashed; a hash is trusted again, without reading the file, while the file's
size, times and inode stay the same and its content had already settled when it was
hashed (see :class:`Hashes`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..analysis import reads

ENV_VAR = "FLAKE8_ASYNC_REVIEW_CACHE_DIR"
SCHEMA = "v1"
# What decides a project root and a module's package (see analysis.project, roles).
MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
# Content older than this when it was hashed is trusted while its size, times and
# inode stay the same; newer content is hashed again (a write within the same clock
# tick as the hash would otherwise go unnoticed).
SETTLED_SECONDS = 2.0
# Larger files (data, media) are compared by size, times and inode, not read; one that
# changed within the last moments is taken as changed (its times may not show a write
# that follows).
_LARGE = 1 << 20
# How many directories above a project root a location lists the names of (their
# `.env` and example files count for the settings rules).
_LEVELS_ABOVE_ROOT = 3


def default_directory() -> str:
    """Where the cache lives: ``$FLAKE8_ASYNC_REVIEW_CACHE_DIR`` or the user's cache
    directory (``~/.cache/flake8-async-review`` on Linux)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    import platformdirs

    return platformdirs.user_cache_dir("flake8-async-review")


def write_atomically(path: str, data: bytes) -> bool:
    """Write a file through a temporary file renamed into place, so that a reader never
    sees part of it; False when it could not be written (nothing is left behind)."""
    temporary = None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    return True


# -- hashing files -----------------------------------------------------------------------


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class Hashes:
    """Content hashes of files, kept while a file's size, times and inode stay the same
    and its content was already settled when it was hashed."""

    def __init__(self, known: dict[str, Any] | None = None) -> None:
        """``known``: what :meth:`settled` gave another process (entries of another
        shape are left out)."""
        self._known: dict[str, tuple[tuple[int, ...], str, bool]] = {}
        for path, item in (known or {}).items():
            if (isinstance(path, str) and isinstance(item, list) and len(item) == 2
                    and isinstance(item[1], str) and isinstance(item[0], list)
                    and len(item[0]) == 5 and all(type(n) is int for n in item[0])):
                self._known[path] = (tuple(item[0]), item[1], True)

    def settled(self) -> dict[str, list[Any]]:
        """The hashes worth trusting again in another process while each file's size,
        times and inode stay the same: those of content that had settled when it was
        read."""
        return {path: [list(signature), value]
                for path, (signature, value, settled) in self._known.items() if settled}

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
            if time.time() - max(info.st_mtime, info.st_ctime) <= SETTLED_SECONDS:
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
        value = "file:" + digest(data)
        settled = now - max(info.st_mtime, info.st_ctime) > SETTLED_SECONDS
        self._known[path] = (signature, value, settled)
        return value


def listing(path: str) -> str:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return "missing"
    return "names:" + digest("\0".join(names).encode("utf-8", "surrogateescape"))


def git(args: Sequence[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "core.quotePath=false", *args], cwd=cwd, capture_output=True,
        text=True, encoding="utf-8", errors="surrogateescape", check=False,
    )


def git_files(top: str) -> tuple[subprocess.CompletedProcess[str], str | None]:
    """The files of a git work tree that git does not ignore (tracked, or untracked and
    not ignored), and a fingerprint of that listing (None when git failed). Raises
    OSError without git."""
    listed = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=top)
    if listed.returncode != 0:
        return listed, None
    return listed, digest(listed.stdout.encode("utf-8", "surrogateescape"))


def kinds_listing(path: str) -> str:
    """The names in a directory, each marked as a directory (as :func:`os.walk` tells
    them: a link to a directory counts as one) or not; ``missing`` when it cannot be
    listed."""
    try:
        with os.scandir(path) as entries:
            names = sorted(("d:" if _is_directory(entry) else "f:") + entry.name
                           for entry in entries)
    except OSError:
        return "missing"
    return walk_listing(names)


def walk_listing(names: Iterable[str]) -> str:
    """:func:`kinds_listing` of names already marked (``d:name``, ``f:name``)."""
    return "kinds:" + digest("\0".join(sorted(names)).encode("utf-8", "surrogateescape"))


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


# -- the project and the location ----------------------------------------------------------


class Project:
    """A project root's fingerprint and what it covers."""

    def __init__(self, root: str, hashes: Hashes) -> None:
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


def directory_flags(directory: str) -> str:
    """Which project markers a directory has, whether it has ``__init__.py``, ``src/``."""
    flags = "".join("1" if os.path.exists(os.path.join(directory, m)) else "0" for m in MARKERS)
    flags += "1" if os.path.isfile(os.path.join(directory, "__init__.py")) else "0"
    return flags + ("1" if os.path.isdir(os.path.join(directory, "src")) else "0")


def location_of(directory: str, flags_of: Callable[[str], str],
              listing_of: Callable[[str], str]) -> tuple[str, str | None]:
    """The markers around a directory and the project root they decide (the nearest
    directory with a marker, as ``analysis.project.project_root`` finds it), and the
    names in the directories just above the root (a project often sits in a
    repository whose root holds its ``.env`` and example files). ``flags_of`` is
    :func:`directory_flags` and ``listing_of`` :func:`listing`, or what they returned before."""
    parts = []
    root: str | None = None
    current = directory
    while True:
        flags = flags_of(current)
        parts.append(flags)
        if root is None and "1" in flags[:len(MARKERS)]:
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


def flags_by_directory(directory: str, location: str) -> dict[str, str]:
    """A location (see :func:`location_of`) by directory: the markers of the directory and
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


class InputState:
    """What a process learnt about the inputs of the files it looks at.

    ``snapshot``: the tree is taken as not changing while the process uses this state
    (each project is fingerprinted once; :meth:`fresh` looks again); otherwise every
    question looks at the disk again."""

    def __init__(self, snapshot: bool = True, hashes: Hashes | None = None) -> None:
        self.snapshot = snapshot
        self.hashes = hashes or Hashes()
        self._projects: dict[str, Project] = {}
        self._locations: dict[str, tuple[str, str | None]] = {}
        self._flags: dict[str, str] = {}
        self._directories: dict[str, str] = {}
        self._outside: dict[str, str] = {}
        self._outside_memo: dict[tuple[str | None, int, int],
                                 tuple[Project | None, tuple[list[str], list[str]]]] = {}

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
            found = self._locations[directory] = location_of(
                directory, self._flags_of, lambda path: self._outside_state(path, True))
        return found

    def _flags_of(self, directory: str) -> str:
        found = self._flags.get(directory) if self.snapshot else None
        if found is None:
            found = self._flags[directory] = directory_flags(directory)
        return found

    def _project(self, root: str) -> Project:
        found = self._projects.get(root) if self.snapshot else None
        if found is None:
            found = self._projects[root] = Project(root, self.hashes)
        return found

    def _outside_state(self, path: str, directory: bool) -> str:
        key = ("d:" if directory else "f:") + path
        found = self._outside.get(key) if self.snapshot else None
        if found is None:
            found = self._outside[key] = listing(path) if directory else self.hashes.of(path)
        return found

    def inputs_now(self, filename: str) -> dict[str, Any] | None:
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

    def _outside_paths(self, project: Project | None) -> tuple[list[str], list[str]]:
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

    def still_valid(self, filename: str, inputs: Any) -> bool:
        directory = self._directory_of(filename)
        location, root = self._location(directory)
        if inputs["location"] != location or inputs["root"] != root:
            return False
        if root is not None and self._project(root).fingerprint != inputs["project"]:
            return False
        files, directories = inputs["files"], inputs["directories"]
        if not isinstance(files, dict) or not isinstance(directories, dict):
            return False
        return (all(self._outside_state(_text(p), False) == v for p, v in files.items())
                and all(self._outside_state(_text(p), True) == v for p, v in directories.items()))

    def file_digest(self, filename: str) -> str | None:
        """The digest of a file's content, None when it cannot be read. A file of a
        project is read once per run, for this and for the project's fingerprint."""
        state = self.hashes.of(os.path.join(self._directory_of(filename),
                                            os.path.basename(filename)))
        if state.startswith("file:"):
            return state[len("file:"):]
        try:  # Large, not a regular file, or gone.
            with open(filename, "rb") as handle:
                return digest(handle.read())
        except OSError:
            return None


def _text(value: Any) -> str:
    if type(value) is not str:
        raise ValueError(value)
    return value
