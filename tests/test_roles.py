"""Code roles: what each file is for, and which rules check it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_async_review.analysis import project
from flake8_async_review.analysis import roles as roles_module
from flake8_async_review.analysis.roles import Role, classify, entry_point_functions
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import ALL_RULES, RULES_BY_CODE
from flake8_async_review.settings import ROLE_NAMES, Settings, SettingsError

PROJECT = [
    "src/shop/__init__.py", "src/shop/orders.py", "src/shop/__main__.py", "src/shop/cli.py",
    "src/shop/tests/__init__.py", "src/shop/tests/helpers.py",
    "tests/test_orders.py", "tests/helpers/__init__.py", "tests/helpers/factories.py",
    "tests/conftest.py", "shop_test.py", "setup.py", "manage.py",
    "scripts/migrate.py", "tools/__init__.py", "tools/scripts/__init__.py", "tools/scripts/seed.py",
    "examples/demo.py", "examples/store/__init__.py", "examples/store/views.py",
    "docs/conf.py", "benchmarks/bench.py",
    "site/polls/__init__.py", "site/polls/management/__init__.py",
    "site/polls/management/commands/__init__.py", "site/polls/management/commands/close.py",
    "app/__init__.py", "app/examples_of_use.py", "app/testing.py",
]
NOT_APPLICATION = {
    "src/shop/__main__.py", "src/shop/cli.py", "src/shop/tests/helpers.py",
    "tests/test_orders.py", "tests/helpers/factories.py", "tests/conftest.py", "shop_test.py",
    "setup.py", "manage.py",
    "scripts/migrate.py", "tools/scripts/seed.py", "examples/demo.py", "docs/conf.py",
    "benchmarks/bench.py", "site/polls/management/commands/close.py",
}


def make_project(root: Path, files: list[str], text: str = "") -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("" if name.endswith("__init__.py") else text, encoding="utf-8")


def role_of(filename: str, source: str = "") -> Role:
    return classify(filename, ast.parse(textwrap.dedent(source))).role


def test_roles_by_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    files = [name for name in PROJECT if not name.endswith("__init__.py")]
    for form in ("{}", "./{}", str(tmp_path) + "/{}"):
        assert {name for name in files if role_of(form.format(name)) != Role.APP} == NOT_APPLICATION
    assert role_of("tests/test_orders.py") == Role.TEST
    assert role_of("scripts/migrate.py") == Role.SCRIPT


def test_directories_above_the_working_directory_and_the_project_do_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "test" / "scripts" / "shop"
    make_project(checkout, ["src/shop/__init__.py", "src/shop/orders.py"])
    monkeypatch.chdir(checkout)
    assert role_of(str(checkout / "src/shop/orders.py")) == Role.APP
    assert role_of("src/shop/orders.py") == Role.APP
    # Run from above the project: its root (pyproject.toml) is nearer to the file.
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    project.clear_cache()
    monkeypatch.chdir(tmp_path)
    assert role_of(str(checkout / "src/shop/orders.py")) == Role.APP


def test_migrations() -> None:
    alembic = """
    revision = "1a2b"
    down_revision = None

    def upgrade():
        op.add_column("user", sa.Column("age", sa.Integer()))
    """
    assert role_of("alembic/versions/1a2b_add_age.py", alembic) == Role.MIGRATION
    django = "class Migration(migrations.Migration):\n    dependencies = []\n"
    assert role_of("polls/migrations/0001_initial.py", django) == Role.MIGRATION
    # A model module that happens to have a `revision` field is not a migration.
    assert role_of("app/models.py", "revision = 3\n") == Role.APP
    assert role_of("app/models.py", django) == Role.APP


def test_scripts_outside_any_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    main_block = 'import time\n\nif __name__ == "__main__":\n    time.sleep(1)\n'
    assert role_of("final_check.py", main_block) == Role.SCRIPT
    assert role_of("sync_users.py", "import sys\nuser = sys.argv[1]\n") == Role.SCRIPT
    assert role_of("prepare.py", "for row in rows:\n    handle(row)\n") == Role.SCRIPT
    assert role_of("worker.py", "import asyncio\nasyncio.run(main())\n") == Role.SCRIPT
    # Not an importable name: run, never imported.
    assert role_of("fix-dates.py") == Role.SCRIPT
    # A single-file service is the application, whatever it does at the bottom.
    service = """
    from fastapi import FastAPI
    import uvicorn

    app = FastAPI()

    if __name__ == "__main__":
        uvicorn.run(app)
    """
    assert role_of("main.py", service) == Role.APP
    routes = """
    @router.get("/items")
    async def items():
        return []

    if __name__ == "__main__":
        run()
    """
    assert role_of("main.py", routes) == Role.APP
    # Definitions only: a module of a flat project.
    assert role_of("helpers.py", "def helper():\n    return 1\n") == Role.APP
    # In a package, a __main__ block does not make a module a script.
    make_project(tmp_path, ["pkg/__init__.py", "pkg/jobs.py"])
    assert role_of("pkg/jobs.py", main_block) == Role.APP


def test_the_reason_says_why() -> None:
    found = classify("tests/test_orders.py", ast.parse(""))
    assert found.reason == "a test file name (test_orders.py)"
    found = classify("final_check.py", ast.parse('if __name__ == "__main__":\n    pass\n'))
    assert found.reason == 'a module outside any package that has an `if __name__ == "__main__":` block'


def test_entry_point_functions_are_followed_through_calls() -> None:
    tree = ast.parse(textwrap.dedent("""
    def report(rows):
        for row in rows:
            show(row)

    def show(row):
        print(row)

    def serve():
        pass

    def unrelated():
        print("library")

    def command():
        report([])

    if __name__ == "__main__":
        import asyncio
        asyncio.run(serve())
    """))
    assert entry_point_functions(tree, frozenset()) == {"serve"}
    assert entry_point_functions(tree, frozenset({"command"})) == {"serve", "command", "report", "show"}


def test_rules_check_the_roles_they_declare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
    linter = Linter(ALL_RULES)
    # ASR907 (opt-in, all rules run here): `handler` never awaits.
    assert [v.code for v in lint_source(source, "app/routes.py", linter)] == ["ASR907", "ASR101"]
    assert lint_source(source, "tests/test_routes.py", linter) == []
    widened = Linter(ALL_RULES, Settings.from_strings({"--asr-check-roles": "app,test"}))
    assert [v.code for v in lint_source(source, "tests/test_routes.py", widened)] == ["ASR907", "ASR101"]
    narrowed = Linter(ALL_RULES, Settings.from_strings({"--asr-check-roles": "test"}))
    assert lint_source(source, "app/routes.py", narrowed) == []


def test_an_unawaited_coroutine_is_reported_in_tests_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = "import asyncio\n\n\nasync def test_wait():\n    asyncio.sleep(1)\n"
    linter = Linter([RULES_BY_CODE["ASR604"]])
    assert [v.code for v in lint_source(source, "tests/test_wait.py", linter)] == ["ASR604"]


def test_check_roles_option() -> None:
    assert Settings.from_strings({"--asr-check-roles": " test, app,app"}).check_roles == ("app", "test")
    assert Settings.from_strings({"--asr-check-roles": ""}).check_roles is None
    with pytest.raises(SettingsError, match=r"--asr-check-roles: unknown role 'tests'"):
        Settings.from_strings({"--asr-check-roles": "app,tests"})
    assert {role.value for role in Role} == set(ROLE_NAMES)


def test_the_roles_command_shows_each_file(tmp_path: Path) -> None:
    make_project(tmp_path, ["app/__init__.py", "app/orders.py", "tests/test_orders.py",
                            "scripts/seed.py"])
    result = subprocess.run(
        [sys.executable, "-m", "flake8_async_review", "roles", "--isolated", "."],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert result.stdout.splitlines() == [
        "./app/__init__.py: app (application code)",
        "./app/orders.py: app (application code)",
        "./scripts/seed.py: script (under a scripts/ directory)",
        "./tests/test_orders.py: test (a test file name (test_orders.py))",
    ]


def test_a_file_reached_through_a_symbolic_link_is_judged_from_its_real_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The link's path has a scripts/ directory, the real one does not: relative to the
    # working directory (the real one), the file is application code.
    real = tmp_path / "real"
    (real / "app").mkdir(parents=True)
    (real / "app" / "service.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "link").symlink_to(real, target_is_directory=True)
    monkeypatch.chdir(real)
    project.clear_cache()
    found = classify(str(tmp_path / "scripts" / "link" / "app" / "service.py"), ast.parse("x = 1\n"))
    assert found.role is Role.APP, found.reason


def test_a_directory_is_placed_once_per_working_directory_as_each_file_would_be(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a directory's path says is worked out once per directory and working
    # directory; the answers equal those worked out for each file on its own, also
    # through a linked directory, where a file that is itself a link is judged from
    # where it points.
    checkout = tmp_path / "checkout"
    make_project(checkout, PROJECT)
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    (checkout / "app" / "linked.py").symlink_to(checkout / "scripts" / "migrate.py")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "link").symlink_to(checkout, target_is_directory=True)
    files = [name for name in [*PROJECT, "app/linked.py"] if not name.endswith("__init__.py")]
    places = ["checkout", "elsewhere", "checkout/scripts", "checkout/src/shop", "."]

    def roles() -> list[tuple[str, str, Role]]:
        found = []
        for place in places:
            monkeypatch.chdir(tmp_path / place)
            project.clear_cache()
            for name in files:
                for top in (checkout, tmp_path / "elsewhere" / "link"):
                    for form in (str(top / name), os.path.relpath(top / name)):
                        found.append((place, form, role_of(form)))
        return found

    once_per_directory = roles()
    monkeypatch.setattr(roles_module, "_place", roles_module._file_place)
    assert once_per_directory == roles()
    assert ("checkout/scripts", "migrate.py", Role.APP) in once_per_directory
    assert ("checkout", "scripts/migrate.py", Role.SCRIPT) in once_per_directory
    assert ("checkout", "app/linked.py", Role.APP) in once_per_directory
    assert ("checkout", "../elsewhere/link/app/linked.py", Role.SCRIPT) in once_per_directory


def test_real_directories_are_composed_from_their_parents_as_the_library_resolves_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One look at the file system per directory: a directory that is not a link is its
    # parent's real path and its name. Links in the middle, `..` after a link, a link
    # to a link, directories that do not exist and relative paths resolve as
    # os.path.realpath resolves them.
    (tmp_path / "real" / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "other" / "hop").symlink_to(tmp_path / "link", target_is_directory=True)
    (tmp_path / "real" / "up").symlink_to(tmp_path / "other", target_is_directory=True)
    deep = tmp_path.joinpath(*["d"] * 70)
    deep.mkdir(parents=True)
    names = ["real/pkg/sub", "link/pkg/sub", "other/hop/pkg", "link/pkg/..", "link/../other",
             "real/up/hop/pkg/sub", "link/missing/more", "real/./pkg", "link//pkg/sub", "real/up/.."]
    monkeypatch.chdir(tmp_path / "real")
    project.clear_cache()
    cases = [str(tmp_path / name) for name in names]
    cases += [str(tmp_path) + "/" + name for name in names]
    cases += ["pkg/sub", "../link/pkg", ".", "/", str(deep), str(deep / "e")]
    for case in cases:
        assert project.real_directory(case) == os.path.realpath(case), case
