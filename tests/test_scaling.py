"""The work of the rules grows linearly with the code: four times the code, about four
times the work.

Work is counted, never timed: the Python function calls made while a file is linted
(generators resumed included), on generated files of size n and 4n. A rule that walks a
whole function once per statement, or compares each ``except`` clause with every
earlier one, does about sixteen times the work on the larger file.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.linter import Linter
from flake8_async_review.rules import ALL_RULES

LINTER = Linter(ALL_RULES)
GROWTH = 4
ALLOWED = 4.5  # The larger file may cost 4.5 times the smaller, not 16 times.


def work(source: str, unit: str = "call") -> tuple[int, list[str]]:
    """The Python calls made linting ``source`` (parsed beforehand), or with ``unit``
    "line" the Python lines run (which count a loop too), and the codes reported."""
    tree = ast.parse(source)
    lines = source_lines(source)
    counted = 0

    def count(frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        nonlocal counted
        if event == unit:
            counted += 1
        return count

    lines_too = unit == "line"  # Lines are traced, calls profiled (cheaper).
    previous = sys.gettrace() if lines_too else sys.getprofile()
    (sys.settrace if lines_too else sys.setprofile)(count)
    try:
        violations = LINTER.lint(tree, lines, "app/service.py")
    finally:
        (sys.settrace if lines_too else sys.setprofile)(previous)
    return counted, [violation.code for violation in violations]


def unread_coroutines(n: int) -> str:
    """One ``async def`` of 2n statements: n coroutines assigned to names, each awaited
    later but the last."""
    body = "".join(f"    pending{i} = asyncio.sleep({i})\n    await pending{i}\n"
                   for i in range(n))
    return f"import asyncio\n\n\nasync def main():\n{body}    forgotten = asyncio.sleep(0)\n"


def nested_unread_coroutines(n: int) -> str:
    """One ``async def`` assigning n coroutines, each awaited by a function nested in
    it that assigns and awaits its own, and one last coroutine that nothing reads."""
    body = "".join(
        f"    pending{i} = asyncio.sleep({i})\n\n    async def wait{i}():\n"
        f"        step = asyncio.sleep({i})\n        await step\n        await pending{i}\n\n"
        for i in range(n)
    )
    return f"import asyncio\n\n\nasync def main():\n{body}    forgotten = asyncio.sleep(0)\n"


def except_clauses(n: int) -> str:
    """One ``try`` with n + 2 ``except`` clauses: cancellation swallowed first, a broad
    silent clause last."""
    clauses = "".join(f"    except Error{i}:\n        handle({i})\n" for i in range(n))
    return (
        "import asyncio\n\n\nasync def main():\n    try:\n        await asyncio.sleep(1)\n"
        f"    except asyncio.CancelledError:\n        pass\n{clauses}"
        "    except Exception:\n        pass\n"
    )


def chains(n: int) -> str:
    """Receivers n links long (attributes, calls, subscripts), called and awaited: each
    link asks for the type of the one before it, which must neither recurse past the
    interpreter's limit nor start over from the first link."""
    return (
        "import os\n\n\nasync def handler(client):\n"
        f"    os.path{'.x' * n}.y()\n    await client{'.b' * n}.fetch()\n"
        f"    client{'.c' * n}.commit()\n    client{'.c()' * n}.commit()\n"
        f"    client{'[0]' * n}.commit()\n"
    )


def settings_chains(n: int) -> str:
    """Attribute chains n links long on a settings instance, a parameter annotated with
    the settings class, another parameter and a call: each link asks ASR403 whether the
    chain before it is a settings instance, which must not walk back to its head."""
    return (
        "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        "    url: str\n\n\nsettings = Settings()\n\n\ndef handler(config: Settings, other):\n"
        f"    print(settings{'.a' * n})\n    print(config{'.b' * n})\n    print(other{'.c' * n})\n"
        f"    print(get(){'.d' * n})\n"
    )


def expression_bindings(n: int) -> str:
    """n handlers, each binding names with ``:=`` and a ``match`` statement, in a file
    where every scope may have such bindings: each scope's expressions are walked at
    most once, whoever asks what its names stand for."""
    return "import os\n" + "".join(
        f"\n\nasync def handler{i}(items):\n"
        f"    if (found{i} := await fetch(items)):\n"
        f"        match found{i}:\n"
        f"            case [first, *rest]:\n"
        f"                return os.fspath(first), [y for x in rest if (y := x)]\n"
        f"    return os.getcwd()\n"
        for i in range(n)
    )


def assigned_then_tested(n: int) -> str:
    """One function of n assignments, each tested for None right after (as a lookup's
    result is before an insert): the last binding of each tested name must be found
    without reading the function again for each test."""
    body = "".join(f"    value{i} = compute({i})\n    if value{i} is None:\n        pass\n"
                   for i in range(n))
    return f"def handler(db, item):\n{body}    db.add(item)\n    db.commit()\n"


CASES: dict[str, tuple[Callable[[int], str], int, list[str]]] = {
    "ASR604 in one long function": (unread_coroutines, 50, ["ASR604"]),
    "ASR604 in nested functions": (nested_unread_coroutines, 20, ["ASR907", "ASR604"]),
    "except clauses of one try": (except_clauses, 50, ["ASR204", "ASR201"]),
    "long chains": (chains, 200, []),
    "long chains on settings": (settings_chains, 200,
                                ["ASR301", "ASR403", "ASR301", "ASR403", "ASR301", "ASR301"]),
    "expression bindings in many scopes": (expression_bindings, 30, []),
    "tests of assigned names in one function": (assigned_then_tested, 100, []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_work_grows_linearly(name: str) -> None:
    generate, n, reported = CASES[name]
    work(generate(n))  # Caches of the first file (compiled patterns, dispatch tables).
    small, small_codes = work(generate(n))
    large, large_codes = work(generate(GROWTH * n))
    assert small_codes == large_codes == reported
    assert large <= ALLOWED * small, f"{large / small:.1f} times the work for {GROWTH} times the code"


def sleeping_handlers(n: int) -> str:
    """n handlers, each with a blocking sleep whose fix needs a name for the module
    ``asyncio``, which the file does not import: each fix looks for one among the
    module's names, and must not read all of them to do so."""
    return "import time\n" + "".join(
        f"\n\nasync def handler{i}():\n    time.sleep({i})\n    await fetch()\n"
        for i in range(n))


def test_a_fix_per_finding_costs_the_same_in_a_larger_file() -> None:
    n = 150
    work(sleeping_handlers(n), "line")
    small, small_codes = work(sleeping_handlers(n), "line")
    large, large_codes = work(sleeping_handlers(GROWTH * n), "line")
    assert small_codes == ["ASR101"] * n and large_codes == ["ASR101"] * (GROWTH * n)
    assert large <= ALLOWED * small, f"{large / small:.1f} times the work for {GROWTH} times the code"


def test_finding_the_project_root_looks_at_each_directory_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every directory of a deep tree asks for its project root (files are checked in
    each): the markers of each directory are looked for once, not once per directory
    below it."""
    import os

    from flake8_async_review.analysis import project

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    directories = [tmp_path]
    for depth in range(24):
        directories.append(directories[-1] / f"level{depth}")
    directories[-1].mkdir(parents=True)
    project.clear_cache()
    stats = 0
    real_stat = os.stat

    def counting_stat(*args: Any, **kwargs: Any) -> os.stat_result:
        nonlocal stats
        stats += 1
        return real_stat(*args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    roots = [project.project_root(str(directory)) for directory in directories]
    monkeypatch.undo()
    assert roots == [tmp_path.resolve()] * len(directories)
    markers = 4  # pyproject.toml, setup.cfg, setup.py, .git
    assert stats <= markers * len(directories)


def test_the_module_names_of_files_reached_through_a_link_resolve_each_directory_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file named through a symbolic link gets its module name from its real path:
    the directory's real path is looked up once, not once per file in it."""
    import os

    from flake8_async_review.analysis import project

    real = tmp_path / "real"
    (real / "shop").mkdir(parents=True)
    (real / "pyproject.toml").write_text("", encoding="utf-8")
    names = [f"module{n}" for n in range(20)]
    for name in names:
        (real / "shop" / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / "link").symlink_to(real)
    project.clear_cache()
    calls = 0
    real_realpath = os.path.realpath

    def counting_realpath(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        return real_realpath(*args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counting_realpath)
    found = []
    for name in names:
        path = str(tmp_path / "link" / "shop" / f"{name}.py")
        owner = project.project_of(path)
        assert owner is not None
        found.append(owner.module_name(path))
    monkeypatch.undo()
    project.clear_cache()
    assert found == [f"shop.{name}" for name in names]
    assert calls <= 5


def test_the_settings_rules_read_no_base_class_in_a_project_without_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A settings class derives, through its bases, from a class imported under or as
    `BaseSettings`: in a project where no module spells that name, the classes of a
    file are not followed into the modules that define their bases. Where one does,
    even behind an alias, they are."""
    from flake8_async_review.analysis import project
    from flake8_async_review.engine.linter import lint_source
    from flake8_async_review.rules.hardcoded_secret_default import HardcodedSecretDefault

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for n in range(5):
        (package / f"base{n}.py").write_text(f"class Base{n}:\n    pass\n", encoding="utf-8")
    checked = package / "models.py"
    source = "".join(f"from shop.base{n} import Base{n}\n" for n in range(5)) + "".join(
        f"\n\nclass Model{n}(Base{n}):\n    api_key: str = 'sk-live-0123456789abcdef'\n"
        for n in range(5))
    monkeypatch.chdir(tmp_path)
    linter = Linter([HardcodedSecretDefault])

    outlined: list[str] = []
    outline = project.Project.outline

    def counting(self: project.Project, dotted: str) -> project.Outline:
        outlined.append(dotted)
        return outline(self, dotted)

    monkeypatch.setattr(project.Project, "outline", counting)

    def loaded() -> tuple[int, list[str]]:
        project.clear_cache()
        outlined.clear()
        found = [v.code for v in lint_source(source, str(checked), linter)]
        return len(outlined), found

    assert loaded() == (0, [])
    # The first base becomes a settings class, through an alias.
    (package / "base0.py").write_text(
        "from pydantic_settings import BaseSettings as Settings\n\n\nclass Base0(Settings):\n"
        "    pass\n", encoding="utf-8")
    count, found = loaded()
    assert count >= 1 and found == ["ASR401"]
    project.clear_cache()


def test_the_settings_scans_read_each_module_of_the_project_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether the project spells `BaseSettings` (ASR401 and its family) and which
    values calls of a settings class pass (ASR405) are both answered from one read of
    each module (before, each question read every module): the second question reads
    again only the modules that hold a word of the class's name."""
    from flake8_async_review.analysis import env_documentation, project
    from flake8_async_review.engine.linter import lint_source
    from flake8_async_review.rules.hardcoded_secret_default import HardcodedSecretDefault
    from flake8_async_review.rules.required_setting_undocumented import RequiredSettingUndocumented

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for n in range(12):
        (package / f"orders{n}.py").write_text(f"def total{n}(order):\n    return 1\n",
                                                encoding="utf-8")
    (package / "main.py").write_text(
        "from shop.config import AppSettings\n\nsettings = AppSettings(api_token='t')\n",
        encoding="utf-8")
    checked = package / "config.py"
    source = ("from pydantic_settings import BaseSettings\n\n\n"
              "class AppSettings(BaseSettings):\n    api_token: str\n    debug: bool = False\n")
    checked.write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    linter = Linter([HardcodedSecretDefault, RequiredSettingUndocumented])

    reads: list[str] = []
    read_bytes, data = Path.read_bytes, env_documentation._data

    def counting_read(self: Path) -> bytes:
        reads.append(self.name)
        return read_bytes(self)

    def counting_data(path: Path) -> bytes:
        reads.append(path.name)
        return data(path)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    monkeypatch.setattr(env_documentation, "_data", counting_data)
    project.clear_cache()
    # A class elsewhere has the project scanned for `BaseSettings`; the settings class's
    # one required field is passed by the only call: nothing to report.
    models = package / "models.py"
    models.write_text("class Order:\n    total = 0\n", encoding="utf-8")
    assert lint_source(models.read_text(encoding="utf-8"), str(models), linter) == []
    assert [v.code for v in lint_source(source, str(checked), linter)] == []
    project.clear_cache()
    assert all(reads.count(f"orders{n}.py") == 1 for n in range(12)), reads
    assert reads.count("main.py") == 2  # It holds `Settings`: read for the call too.
