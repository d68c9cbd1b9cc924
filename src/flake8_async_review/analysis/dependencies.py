"""The dependencies a project declares: ``pyproject.toml`` (PEP 621 ``[project]``,
optional groups, ``[dependency-groups]``, Poetry), ``requirements*.txt`` and
``setup.cfg``, plus literal lists in ``setup.py``. Read once per project root and
process; None when the project declares nothing readable (rules then stay silent)."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from pathlib import Path
from typing import Any

from .project import register_cache

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

Declared = dict[str, set[str]]  # normalized distribution name -> extras asked for
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_CACHE: dict[Path, Declared | None] = {}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies(root: Path) -> Declared | None:
    if root not in _CACHE:
        try:
            _CACHE[root] = _read(root)
        # A declaration that cannot be read or parsed (TOML errors are ValueErrors): unsure.
        except (OSError, ValueError, configparser.Error, SyntaxError):
            _CACHE[root] = None
    return _CACHE[root]


def _read(root: Path) -> Declared | None:
    found: Declared = {}
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
                    found.setdefault(normalize(name), set()).update(map(str, extras))
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
    return found if readable else None


def _add_all(found: Declared, requirements: Any) -> None:
    for requirement in requirements:
        if isinstance(requirement, str):
            _add(found, requirement)


def _add(found: Declared, requirement: str) -> None:
    match = _REQUIREMENT.match(requirement.split("#", 1)[0])
    if match:
        extras = {e.strip().lower() for e in (match.group(2) or "").split(",") if e.strip()}
        found.setdefault(normalize(match.group(1)), set()).update(extras)


def _add_requirements(found: Declared, path: Path, root: Path, seen: set[Path]) -> None:
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
    for node in ast.walk(tree):
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


@register_cache
def clear_cache() -> None:
    _CACHE.clear()
