"""The dependencies a project declares: ``pyproject.toml`` (PEP 621 ``[project]``,
optional groups, ``[dependency-groups]``, Poetry), ``requirements*.txt`` and
``setup.cfg``, plus literal lists in ``setup.py``. Read once per project root and
process; None when the project declares nothing readable (rules then stay silent).

Also the versions it can use: the one a lock file (``uv.lock``, ``poetry.lock``,
``pdm.lock``) pins, else the range its declarations' version constraints allow."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .nodes import walk
from .project import register_cache

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

Declared = dict[str, set[str]]  # normalized distribution name -> extras asked for
Version = tuple[int, ...]
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")


@dataclass
class _Declarations:
    """What a project root declares: names with extras, and per name the version
    constraints as written (``>=0.100,<0.115``, Poetry's ``^0.110``) and the versions
    lock files pin."""

    names: Declared = field(default_factory=dict)
    constraints: dict[str, list[str]] = field(default_factory=dict)
    locked: dict[str, set[str]] = field(default_factory=dict)
    readable: bool = False  # Some declaration was read (a lock file alone is not one).


_CACHE: dict[Path, _Declarations | None] = {}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies(root: Path) -> Declared | None:
    found = _declarations(root)
    return found.names if found is not None and found.readable else None


def uses_versions_within(root: Path, name: str, low: Version, high: Version) -> bool:
    """Every version of ``name`` the project can use is at least ``low`` and below
    ``high``: the versions its lock files pin, or without one, the range its version
    constraints allow. False when that is not sure (no constraint, an open range, a
    version that does not parse)."""
    found = _declarations(root)
    if found is None:
        return False
    key = normalize(name)
    locked = found.locked.get(key)
    if locked:
        versions = [_version(v) for v in locked]
        return all(v is not None and _at_least(v, low) and not _at_least(v, high)
                   for v in versions)
    constraints = found.constraints.get(key)
    if not constraints:
        return False
    bounds = _bounds(constraints)
    if bounds is None:
        return False
    (lowest, _), (highest, inclusive) = bounds
    if lowest is None or highest is None or not _at_least(lowest, low):
        return False
    if not _at_least(highest, lowest):
        return False  # No version satisfies them all: something is misread.
    return not _at_least(highest, high) or (_same(highest, high) and not inclusive)


def _declarations(root: Path) -> _Declarations | None:
    if root not in _CACHE:
        try:
            _CACHE[root] = _read(root)
        # A declaration that cannot be read or parsed (TOML errors are ValueErrors): unsure.
        except (OSError, ValueError, configparser.Error, SyntaxError):
            _CACHE[root] = None
    return _CACHE[root]


def _read(root: Path) -> _Declarations | None:
    found = _Declarations()
    readable = False
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        project = data.get("project", {})
        if "dependencies" in project.get("dynamic", []):
            return None
        if "dependencies" in project or "optional-dependencies" in project:
            readable = True
            _add_all(found, project.get("dependencies", []))
            for group in project.get("optional-dependencies", {}).values():
                _add_all(found, group)
        for group in data.get("dependency-groups", {}).values():
            readable = True
            _add_all(found, [item for item in group if isinstance(item, str)])
        poetry = data.get("tool", {}).get("poetry", {})
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        tables += [g.get("dependencies") for g in poetry.get("group", {}).values()]
        for table in tables:
            if isinstance(table, dict):
                readable = True
                for name, spec in table.items():
                    extras = spec.get("extras", []) if isinstance(spec, dict) else []
                    found.names.setdefault(normalize(name), set()).update(map(str, extras))
                    version = spec.get("version") if isinstance(spec, dict) else spec
                    if isinstance(version, str):
                        found.constraints.setdefault(normalize(name), []).append(version)
    for requirements in sorted({*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")}):
        readable = True
        _add_requirements(found, requirements, root, set())
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(setup_cfg, encoding="utf-8")
        if parser.has_option("options", "install_requires"):
            readable = True
            _add_all(found, parser.get("options", "install_requires").splitlines())
        if parser.has_section("options.extras_require"):
            readable = True
            for _, value in parser.items("options.extras_require"):
                _add_all(found, value.splitlines())
    setup_py = root / "setup.py"
    if setup_py.is_file():
        literal = _setup_py(setup_py)
        if literal is None:
            return None
        if literal:
            readable = True
            _add_all(found, literal)
    found.locked = _locked(root)
    found.readable = readable
    return found


def _locked(root: Path) -> dict[str, set[str]]:
    """The versions the project's lock files pin, per name; none from a lock file that
    cannot be read (the declarations still count)."""
    locked: dict[str, set[str]] = {}
    for name in _LOCK_FILES:
        lock = root / name
        if not lock.is_file():
            continue
        try:
            packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
        except (OSError, ValueError):
            continue
        for package in packages if isinstance(packages, list) else []:
            if (isinstance(package, dict) and isinstance(package.get("name"), str)
                    and isinstance(package.get("version"), str)):
                locked.setdefault(normalize(package["name"]), set()).add(package["version"])
    return locked


def _add_all(found: _Declarations, requirements: Any) -> None:
    for requirement in requirements:
        if isinstance(requirement, str):
            _add(found, requirement)


def _add(found: _Declarations, requirement: str) -> None:
    text = requirement.split("#", 1)[0]
    match = _REQUIREMENT.match(text)
    if match:
        name = normalize(match.group(1))
        extras = {e.strip().lower() for e in (match.group(2) or "").split(",") if e.strip()}
        found.names.setdefault(name, set()).update(extras)
        constraint = text[match.end():].split(";", 1)[0].strip().strip("()").strip()
        if constraint:
            found.constraints.setdefault(name, []).append(constraint)


def _add_requirements(found: _Declarations, path: Path, root: Path, seen: set[Path]) -> None:
    if path in seen or not path.is_file():
        return
    seen.add(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith(("-r ", "--requirement ", "-c ", "--constraint ")):
            included = (path.parent / line.split(None, 1)[1].strip()).resolve()
            _add_requirements(found, included, root, seen)
        elif line and not line.startswith(("-", "#")):
            _add(found, line)


def _setup_py(path: Path) -> list[str] | None:
    """The literal requirement strings of ``setup(install_requires=..., extras_require=...)``;
    None when they are computed (unsure), [] when ``setup.py`` declares none."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg is None and node.keywords:
                return None
            if keyword.arg == "install_requires":
                requirements = _literal_strings(keyword.value)
            elif keyword.arg == "extras_require":
                requirements = _extras(_literal(keyword.value))
            else:
                continue
            if requirements is None:
                return None  # Computed, or not the shape setup() takes: unsure.
            found += requirements
    return found


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _extras(groups: object) -> list[str] | None:
    if not isinstance(groups, dict):
        return None
    found: list[str] = []
    for group in groups.values():
        strings = _strings(group)
        if strings is None:
            return None
        found += strings
    return found


def _literal_strings(node: ast.expr) -> list[str] | None:
    return _strings(_literal(node))


# -- versions ---------------------------------------------------------------------------------

Bound = tuple[Version | None, bool]  # a version (None: unbounded) and whether it is allowed
_CONSTRAINT = re.compile(r"^(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*(\*|\d+(?:\.\d+)*(?:\.\*)?)$")


def _version(text: str) -> Version | None:
    """A release version (``0.110.2``); None for anything else (``0.110rc1``)."""
    text = text.strip()
    if not re.fullmatch(r"\d+(?:\.\d+)*", text):
        return None
    return tuple(int(part) for part in text.split("."))


def _padded(a: Version, b: Version) -> tuple[Version, Version]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _at_least(version: Version, other: Version) -> bool:
    a, b = _padded(version, other)
    return a >= b


def _same(version: Version, other: Version) -> bool:
    a, b = _padded(version, other)
    return a == b


def _next(prefix: Version) -> Version:
    """The first version after every version starting with ``prefix``."""
    return (*prefix[:-1], prefix[-1] + 1)


def _bounds(constraints: list[str]) -> tuple[Bound, Bound] | None:
    """The lowest and highest versions all the constraints allow together (PEP 440
    ``==``, ``===``, ``~=``, ``>=``, ``>``, ``<=``, ``<``, wildcards; Poetry's ``^``, ``~``
    and bare versions); ``!=`` is left out. None when a constraint does not parse."""
    low: Bound = (None, True)
    high: Bound = (None, True)
    for clause in (c.strip() for text in constraints for c in text.split(",")):
        if not clause or clause == "*" or clause.startswith("!="):
            continue
        match = _CONSTRAINT.match(clause)
        if match is None or match.group(2) == "*":
            return None
        operator, text = match.group(1) or "==", match.group(2)
        wildcard = text.endswith(".*")
        version = _version(text[:-2] if wildcard else text)
        if version is None or (wildcard and operator not in ("==", "===")):
            return None
        clause_low: Bound
        clause_high: Bound
        if operator in ("==", "===") and wildcard:
            clause_low, clause_high = (version, True), (_next(version), False)
        elif operator in ("==", "==="):
            clause_low, clause_high = (version, True), (version, True)
        elif operator == "~=" and len(version) >= 2:
            clause_low, clause_high = (version, True), (_next(version[:-1]), False)
        elif operator == "^":  # Poetry: up to the next release of the first non-zero part.
            nonzero = next((i for i, part in enumerate(version) if part), len(version) - 1)
            clause_low, clause_high = (version, True), (_next(version[: nonzero + 1]), False)
        elif operator == "~":  # Poetry: up to the next minor (or major) release.
            clause_low, clause_high = (version, True), (_next(version[:2]), False)
        elif operator in (">=", ">"):
            clause_low, clause_high = (version, operator == ">="), (None, True)
        elif operator in ("<=", "<"):
            clause_low, clause_high = (None, True), (version, operator == "<=")
        else:
            return None
        low = _higher(low, clause_low)
        high = _lower(high, clause_high)
    return low, high


def _higher(a: Bound, b: Bound) -> Bound:
    return _tighter(a, b, higher=True)


def _lower(a: Bound, b: Bound) -> Bound:
    return _tighter(a, b, higher=False)


def _tighter(a: Bound, b: Bound, higher: bool) -> Bound:
    """The tighter of two lower bounds (``higher``) or of two upper bounds; at the same
    version, inclusive only if both are."""
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if _same(a[0], b[0]):
        return a[0], a[1] and b[1]
    return a if _at_least(a[0], b[0]) == higher else b


@register_cache
def clear_cache() -> None:
    _CACHE.clear()
