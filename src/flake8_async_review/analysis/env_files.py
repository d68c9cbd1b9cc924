"""Environment example files of a project (``.env.example`` and its kin): where they
are and which variables they document.

A file is read once per process and path (again only when its modification time
changes), never executed: ``KEY=value``, ``export KEY=value``, quoted values, ``#``
comments, blank lines, ``KEY=`` (empty), inline comments after unquoted values, CRLF
line endings and a UTF-8 BOM. A line that is not an assignment is skipped; a file that
cannot be read documents nothing."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from . import project as _project
from .project import register_cache

# The names of files that document a project's environment rather than hold it.
EXAMPLE_NAMES = frozenset({
    ".env.example", ".env.sample", ".env.template", ".env.dist", "example.env", "sample.env",
    "template.env", "env.example", "env.sample",
})
EXAMPLE_SUFFIXES = (".env.example", ".env.sample", ".env.template")
_STAGE_SUFFIXES = (".example", ".sample", ".template", ".dist")
_MAX_BYTES = 1 << 20  # An "example" file larger than this is not one.
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=(.*)$")


@dataclass(frozen=True)
class EnvVariable:
    name: str
    value: str
    line: int  # 1-based


@dataclass(frozen=True)
class EnvFile:
    path: Path
    variables: tuple[EnvVariable, ...]

    def display(self, root: Path | None) -> str:
        """The file's path relative to ``root`` (the project root) when under it."""
        if root is not None:
            return Path(os.path.relpath(self.path, root)).as_posix()
        return self.path.name


def is_example_name(name: str) -> bool:
    """``.env.example`` and its kin, ``backend.env.example``, and a stage's example
    (``.env.local.example``, ``.env.prod.template``)."""
    if name in EXAMPLE_NAMES:
        return True
    if name.startswith(".env.") and name.endswith(_STAGE_SUFFIXES) and name.count(".") == 3:
        return True
    return name.endswith(EXAMPLE_SUFFIXES) and not name.startswith(".")


def parse_env_text(text: str) -> tuple[EnvVariable, ...]:
    """The assignments of an env file's text, in order (a later one of a name wins when
    read into a dict, as in python-dotenv)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    found: list[EnvVariable] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        match = _ASSIGNMENT.match(line)
        if match is None:
            continue
        found.append(EnvVariable(match.group(1), _value(match.group(2)), number))
    return tuple(found)


def _value(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        while quote == '"' and end > 0 and raw[end - 1] == "\\":
            end = raw.find(quote, end + 1)
        return raw[1:end] if end > 0 else raw[1:]
    # Unquoted: a `#` after whitespace starts a comment (`KEY=value  # note`).
    comment = re.search(r"(?:^|\s)#", raw)
    return (raw[:comment.start()] if comment else raw).strip()


_FILES: dict[str, tuple[float, EnvFile | None]] = {}
_DIRECTORIES: dict[str, tuple[float, tuple[Path, ...]]] = {}
register_cache(_FILES.clear)
register_cache(_DIRECTORIES.clear)


def read_env_file(path: Path) -> EnvFile | None:
    """The parsed file (cached by path and modification time), None when unreadable."""
    key = str(path)
    try:
        stat = path.stat()
    except OSError:
        return None
    cached = _FILES.get(key)
    if cached is not None and cached[0] == stat.st_mtime:
        return cached[1]
    found: EnvFile | None = None
    if stat.st_size <= _MAX_BYTES:
        try:
            data = path.read_bytes()
            found = EnvFile(path, parse_env_text(data.decode("utf-8", errors="replace")))
        except OSError:
            found = None
    _FILES[key] = (stat.st_mtime, found)
    return found


def examples_in(directory: Path) -> tuple[Path, ...]:
    """The example files directly in ``directory`` (listed once per process, again after
    the project tier's ``RECHECK_SECONDS`` in a long-lived process)."""
    key = str(directory)
    now = time.monotonic()
    cached = _DIRECTORIES.get(key)
    if cached is not None and now - cached[0] < _project.RECHECK_SECONDS:
        return cached[1]
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries
                           if is_example_name(entry.name) and entry.is_file())
    except OSError:
        names = []
    found = tuple(directory / name for name in names)
    _DIRECTORIES[key] = (now, found)
    return found


def search_directories(module_dir: Path, root: Path, env_files: tuple[str, ...] = (),
                       outer: Path | None = None) -> list[Path]:
    """Where a settings module's example files may be: its directory and each parent up
    to ``outer`` (the repository root, when the project root is in a subdirectory of
    one; the project root by default), and the directories of the settings'
    ``env_file`` (relative to the project root or to the module's directory, where the
    service is usually started) when they are under ``outer``."""
    module_dir, root = module_dir.resolve(), root.resolve()
    outer = outer.resolve() if outer is not None else root
    if not (module_dir == root or root in module_dir.parents):
        return []  # The module is not under the root.
    found: list[Path] = []
    for candidate in (module_dir, *module_dir.parents):
        found.append(candidate)
        if candidate == outer or (candidate == root and outer not in candidate.parents):
            break
    for env_file in env_files:
        for base in (root, module_dir):
            directory = (base / env_file).parent.resolve()
            if ((directory == outer or outer in directory.parents) and directory not in found
                    and directory.is_dir()):
                found.append(directory)
    return found


def example_files(directories: list[Path]) -> list[EnvFile]:
    """The readable example files in ``directories``."""
    found: list[EnvFile] = []
    for directory in directories:
        for path in examples_in(directory):
            parsed = read_env_file(path)
            if parsed is not None:
                found.append(parsed)
    return found


# Markers of a repository checkout of a service, rather than an installed distribution
# (which ships no example files even when its repository has them).
_CHECKOUT_MARKERS = (".git", ".gitignore", "Dockerfile", "docker-compose.yml", "docker-compose.yaml",
                     "compose.yml", "compose.yaml", ".dockerignore")


def looks_like_checkout(root: Path) -> bool:
    return any((root / marker).exists() for marker in _CHECKOUT_MARKERS)
