"""Multi-module projects: the rules that read other modules of the project (ASR401-ASR404,
ASR905), checked through the real flake8, and the project tier's cache and laziness."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from harness import PROJECT_CODES, PROJECTS, annotated, project_sources, run_flake8, with_noqa

from flake8_async_review.analysis import dependencies, project
from flake8_async_review.analysis.project import materialize, project_of
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.settings import Settings

NAMES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())
CODES = PROJECT_CODES


@pytest.mark.parametrize("name", NAMES)
def test_project_reports_exactly_the_annotated_diagnostics(name: str) -> None:
    sources = project_sources(PROJECTS / name)
    found = run_flake8(sources, ["--extend-select", "ASR905,ASR906,ASR909"])
    for path in sources:
        got = {d for d in found[path.resolve()] if d[2] in CODES}
        assert sorted(got) == sorted(annotated(path)), path.relative_to(PROJECTS)


def test_every_project_has_positive_cases() -> None:
    for name in NAMES:
        assert any(annotated(p) for p in project_sources(PROJECTS / name)), name


@pytest.mark.parametrize("name", NAMES)
def test_noqa_silences_every_annotated_diagnostic(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copytree(PROJECTS / name, copy)
    for path in project_sources(copy):
        path.write_text(with_noqa(path.read_text(encoding="utf-8")), encoding="utf-8")
    found = run_flake8(project_sources(copy), ["--extend-select", "ASR905,ASR906,ASR909"])
    assert not {(path, d) for path, diagnostics in found.items() for d in diagnostics
                if d[2] in CODES}


def test_tier_off_keeps_to_the_checked_file() -> None:
    sources = project_sources(PROJECTS / "basic")
    found = run_flake8(sources, ["--extend-select", "ASR905", "--asr-project-inference=off"])
    users = (PROJECTS / "basic" / "app" / "routes" / "users.py").resolve()
    mail = (PROJECTS / "basic" / "app" / "services" / "mail.py").resolve()
    items = (PROJECTS / "basic" / "app" / "routes" / "items.py").resolve()
    assert not {d for d in found[users] | found[mail] if d[2] in ("ASR403", "ASR905")}
    # Imported helpers and the imported session alias are not followed either.
    assert not {d for d in found[items] if d[2] in ("ASR106", "ASR110")}
    config = (PROJECTS / "basic" / "app" / "config.py").resolve()
    # The settings class derives from a project class: with the tier off it is unknown.
    assert not {d for d in found[config] if d[2] in ("ASR401", "ASR402")}
    # Clients created in another module are not typed.
    assert not found[(PROJECTS / "basic" / "app" / "routes" / "cached.py").resolve()]


def test_tier_off_keeps_asr604_to_the_module_s_own_coroutine_functions() -> None:
    alerts = (PROJECTS / "basic" / "app" / "routes" / "alerts.py").resolve()
    found = run_flake8([alerts], ["--asr-project-inference=off"])
    local = {d for d in annotated(alerts) if d[2] == "ASR604" and "`local_job()`" in d[3]}
    assert local  # The module's own coroutine function is reported either way.
    assert {d for d in found[alerts] if d[2] == "ASR604"} == local


def _lint(path: Path, settings: Settings | None = None) -> list[str]:
    linter = Linter([RULES_BY_CODE[c] for c in CODES], settings or Settings())
    return [v.code for v in lint_source(path.read_text(encoding="utf-8"), str(path), linter)]


@pytest.fixture
def fresh_cache() -> None:
    project.clear_cache()


@pytest.mark.usefixtures("fresh_cache")
def test_a_second_file_reuses_the_modules_the_first_read() -> None:
    app = PROJECTS / "basic" / "app"
    before = project.parse_count
    assert "ASR403" in _lint(app / "routes" / "users.py")
    after_first = project.parse_count
    assert after_first > before  # config.py, base.py, the broken module
    assert "ASR403" in _lint(app / "services" / "mail.py")
    assert project.parse_count == after_first  # app.config and app.base come from the cache


@pytest.mark.usefixtures("fresh_cache")
def test_a_file_importing_nothing_from_the_project_reads_no_other_module() -> None:
    before = project.parse_count
    assert _lint(PROJECTS / "basic" / "app" / "plain.py") == []
    assert project.parse_count == before


@pytest.mark.usefixtures("fresh_cache")
def test_a_module_that_does_not_parse_is_harmless() -> None:
    users = PROJECTS / "basic" / "app" / "routes" / "users.py"
    assert _lint(users).count("ASR403") == 4
    tier = project_of(str(users))
    assert tier is not None
    # Only the top level of another module is parsed when it is read: the definition
    # that does not parse is known by name, and its body, asked for, stays unknown.
    broken = tier.module("app.broken_helpers")
    assert broken is not None and "helper_settings" not in broken.definitions
    oops = broken.definitions["oops"]
    assert oops is not None and materialize(oops) is oops


@pytest.mark.usefixtures("fresh_cache")
def test_modules_whose_text_cannot_answer_are_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / "models.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Order(BaseModel):\n    total: int\n\n\n"
        "LIMIT = 5\nrepository = object()\n")
    (tmp_path / "jobs.py").write_text("import time\n\n\ndef wait():\n    time.sleep(1)\n")
    user = tmp_path / "routes.py"
    # Order() and LIMIT cannot be sync helpers (ASR110), nor repository a settings
    # instance (ASR403): models.py is ruled out from its text alone. wait() can block.
    user.write_text("from models import LIMIT, Order, repository\nfrom jobs import wait\n\n\n"
                    "async def handler():\n    Order(total=LIMIT)\n    repository.save()\n    wait()\n")
    before = project.parse_count
    assert _lint(user) == ["ASR110"]
    assert project.parse_count == before + 1  # jobs.py only


@pytest.mark.usefixtures("fresh_cache")
def test_kept_modules_drop_bodies_and_parse_one_again_when_asked(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / "helpers.py").write_text(
        "import time\n\n\n@staticmethod\ndef first():\n    return 1\n\x0c\n\n"
        "def second(x):\n    if x:\n        time.sleep(x)\n    return x\n")  # \f: not a line break
    kept = project.project_for(tmp_path.resolve()).module("helpers")
    assert kept is not None
    stub = kept.definitions["second"]
    assert isinstance(stub, ast.FunctionDef) and ast.unparse(stub.body) == "..."
    full = project.materialize(stub)
    assert full is not stub and project.is_stub(stub) and not project.is_stub(full)
    assert ast.unparse(full.body[0]).startswith("if x:") and ast.unparse(full.args) == "x"
    sleep = full.body[0].body[0]  # type: ignore[attr-defined]
    assert (sleep.lineno, sleep.col_offset, full.lineno, full.end_lineno) == (11, 8, 9, 12)
    decorated = kept.definitions["first"]
    assert len(decorated.decorator_list) == 1  # type: ignore[union-attr]  # Kept on the stub.
    assert project.materialize(decorated).lineno == 5  # type: ignore[union-attr]


@pytest.mark.usefixtures("fresh_cache")
def test_the_cache_notices_a_changed_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project, "RECHECK_SECONDS", 0.0)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = []\n")
    (tmp_path / "conf.py").write_text(
        "from pydantic_settings import BaseSettings\n\n\nclass S(BaseSettings):\n    a: int = 1\n\n\n"
        "settings = S()\n")
    user = tmp_path / "user.py"
    user.write_text("from conf import settings\n\nprint(settings.b)\n")
    assert _lint(user) == ["ASR403"]
    conf = tmp_path / "conf.py"
    conf.write_text(conf.read_text().replace("a: int = 1", "a: int = 1\n    b: int = 2"))
    import os

    stat = conf.stat()
    os.utime(conf, (stat.st_atime, stat.st_mtime + 5))
    assert _lint(user) == []


@pytest.mark.parametrize(("files", "declared"), [
    ({"pyproject.toml": "[project]\nname='x'\ndependencies=['pydantic[email]>=2', 'FastAPI']\n"},
     {"pydantic": {"email"}, "fastapi": set()}),
    ({"pyproject.toml": "[tool.poetry.dependencies]\nJinja2 = '^3'\n"
                        "[tool.poetry.group.web.dependencies]\nfastapi = {version='*', extras=['all']}\n"},
     {"jinja2": set(), "fastapi": {"all"}}),
    ({"setup.cfg": "[options]\ninstall_requires =\n    email_validator\n"
                   "[options.extras_require]\nweb =\n    python-multipart>=0.0.9\n"},
     {"email-validator": set(), "python-multipart": set()}),
    ({"setup.py": "from setuptools import setup\nsetup(install_requires=['orjson'])\n"},
     {"orjson": set()}),
    ({"setup.py": "from setuptools import setup\nsetup(install_requires=REQUIRES)\n",
      "requirements.txt": "orjson\n"}, None),
    ({"pyproject.toml": "[project]\nname='x'\ndynamic=['dependencies']\n"}, None),
    ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, None),
    ({"requirements-dev.txt": "-r requirements.txt\npytest\n", "requirements.txt": "UJSON==5\n"},
     {"ujson": set(), "pytest": set()}),
])
def test_declared_dependencies(tmp_path: Path, files: dict[str, str],
                               declared: dict[str, set[str]] | None) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    dependencies.clear_cache()
    assert dependencies.declared_dependencies(tmp_path) == declared


@pytest.mark.usefixtures("fresh_cache")
def test_the_engine_knows_whether_an_imported_function_is_async(tmp_path: Path) -> None:
    from flake8_async_review.analysis.source import source_lines
    from flake8_async_review.engine.context import Context

    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text(
        "import functools\n\n\nasync def fetch():\n    pass\n\n\ndef compute():\n    pass\n\n\n"
        "@functools.cache\ndef cached():\n    pass\n\n\nvalue = 1\n\n\n"
        "async def stream():\n    yield 1\n")
    (package / "wrapped.py").write_text(
        "from .jobs import fetch\nfrom .tracing import wrap\n\nfetch = wrap(fetch)\n")
    user = package / "main.py"
    source = ("import json\nfrom svc import jobs, wrapped\n"
              "from .jobs import compute, fetch, cached, value\n\n"
              "fetch, compute, cached, value, jobs.fetch, jobs.compute, json.dumps, unknown, "
              "jobs.stream, wrapped.fetch\n")
    user.write_text(source)
    tree = ast.parse(source)
    context = Context(tree, source_lines(source), str(user), Settings())
    names = tree.body[-1].value.elts  # type: ignore[attr-defined]
    answers = [context.project_function_is_async(name) for name in names]
    # An async generator creates no coroutine; a name bound again is no longer the import.
    assert answers == [True, False, None, None, True, False, None, None, None, None]
    off = Context(tree, source_lines(source), str(user), Settings(project_inference=False))
    assert [off.project_function_is_async(name) for name in names] == [None] * 10


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("rebinding", [
    "fetch = wrap(fetch)",
    "from .other import fetch",
    "def fetch():\n    pass",
    "for fetch in ():\n    pass",
    "with open('x') as fetch:\n    pass",
    "try:\n    pass\nexcept ValueError as fetch:\n    pass",
    "if (fetch := None):\n    pass",
    "match 1:\n    case 1:\n        fetch = None",
    "def setup():\n    global fetch\n    fetch = None",
])
def test_asr604_skips_an_imported_name_the_module_binds_again(tmp_path: Path, rebinding: str) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text("async def fetch():\n    pass\n")
    (package / "other.py").write_text("async def fetch():\n    pass\n")
    main = package / "main.py"
    linter = Linter([RULES_BY_CODE["ASR604"]], Settings())
    call = "\n\nasync def route():\n    fetch()\n"
    main.write_text(f"from .jobs import fetch\n{call}")
    assert [v.code for v in lint_source(main.read_text(), str(main), linter)] == ["ASR604"]
    main.write_text(f"from .jobs import fetch\n\n{rebinding}\n{call}")
    assert lint_source(main.read_text(), str(main), linter) == []


@pytest.mark.parametrize(
    "setup_call",
    ['setup(extras_require=["docs"])', "setup(install_requires=compute())",
     'setup(extras_require={"x": make()})', "setup(install_requires=[1, 2])"],
)
def test_a_setup_py_of_unexpected_shape_means_unsure(tmp_path: Path, setup_call: str) -> None:
    from flake8_async_review.analysis.dependencies import clear_cache, declared_dependencies

    clear_cache()
    (tmp_path / "setup.py").write_text(f"from setuptools import setup\n{setup_call}\n", encoding="utf-8")
    assert declared_dependencies(tmp_path) is None


@pytest.mark.usefixtures("fresh_cache")
def test_a_model_deriving_from_a_project_class_needs_the_tier() -> None:
    models = PROJECTS / "optional_undeclared" / "shop" / "models.py"
    linter = Linter([RULES_BY_CODE["ASR404"]], Settings())
    off = Linter([RULES_BY_CODE["ASR404"]], Settings(project_inference=False))
    text = models.read_text(encoding="utf-8")
    with_tier = {v.line for v in lint_source(text, str(models), linter)}
    without = {v.line for v in lint_source(text, str(models), off)}
    profile = next(n for n, line in enumerate(text.splitlines(), 1) if "contact: NameEmail" in line)
    # `class Profile(Base)`: Base is a pydantic model of shop/base.py.
    assert with_tier - without == {profile}


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_module_leaves_garbage_collection_as_it_was(tmp_path: Path, enabled: bool) -> None:
    import gc

    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / "helpers.py").write_text("def helper():\n    return 1\n")
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        kept = project.project_for(tmp_path.resolve()).module("helpers")
        assert kept is not None and project.materialize(kept.definitions["helper"]) is not None
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("fresh_cache")
def test_asr110_names_where_the_blocking_call_is_and_the_helpers_on_the_way() -> None:
    app = PROJECTS / "chain" / "app"
    linter = Linter([RULES_BY_CODE["ASR110"]], Settings())
    route = app / "routes" / "settings.py"
    expected = [
        (29, "`load_profile()` blocks the event loop: it calls `read_text()` -> `open()` "
             "(line 6 of app.utils.files)"),
        (30, "`profiles.refresh_profile()` blocks the event loop: it calls "
             "`app.services.profiles._touch()` -> `pause()` -> `time.sleep()` "
             "(line 11 of app.utils.files)"),
        (31, "`_render()` blocks the event loop: it calls `read_text()` -> `open()` "
             "(line 6 of app.utils.files)"),
        (32, "`read_text()` blocks the event loop: it calls `open()` (line 6 of app.utils.files)"),
        (33, "`_retry()` blocks the event loop: it calls `_wait()` -> `time.sleep()` (line 20)"),
    ]
    for _ in range(2):  # The second time, the other modules' answers come from the cache.
        found = lint_source(route.read_text(encoding="utf-8"), str(route), linter)
        assert [(v.line, v.message) for v in found] == expected
    # Checked itself, the services module names its own helper without its module.
    services = app / "services" / "profiles.py"
    found = lint_source(services.read_text(encoding="utf-8"), str(services), linter)
    assert [v.message for v in found] == [
        "`refresh_profile()` blocks the event loop: it calls `_touch()` -> `pause()` -> "
        "`time.sleep()` (line 11 of app.utils.files)"]
    off = Linter([RULES_BY_CODE["ASR110"]], Settings(project_inference=False))
    found = lint_source(route.read_text(encoding="utf-8"), str(route), off)
    assert [(v.line, v.message) for v in found] == expected[-1:]


_CLOSING_RANGE = ((0, 106), (0, 118))


@pytest.mark.parametrize(("files", "within"), [
    ({"requirements.txt": "fastapi==0.110.0\n"}, True),
    ({"requirements.txt": "fastapi[all] >=0.106.0, <0.118 ; python_version >= '3.9'\n"}, True),
    ({"requirements.txt": "fastapi~=0.112.1\n"}, True),
    ({"requirements.txt": "fastapi==0.117.*\n"}, True),
    ({"pyproject.toml": "[tool.poetry.dependencies]\nfastapi = '^0.109.2'\n"}, True),
    ({"pyproject.toml": "[tool.poetry.dependencies]\nfastapi = {version = '~0.116', extras = ['all']}\n"},
     True),
    # Two declarations: both apply.
    ({"pyproject.toml": "[project]\nname='x'\ndependencies=['fastapi>=0.100']\n",
      "requirements.txt": "fastapi<0.112\nfastapi>=0.108\n"}, True),
    # A lock file pins the version, whatever the constraints allow.
    ({"pyproject.toml": "[project]\nname='x'\ndependencies=['fastapi']\n",
      "uv.lock": "version = 1\n[[package]]\nname = 'FastAPI'\nversion = '0.115.12'\n"}, True),
    ({"pyproject.toml": "[project]\nname='x'\ndependencies=['fastapi>=0.110,<0.118']\n",
      "poetry.lock": "[[package]]\nname = 'fastapi'\nversion = '0.118.0'\n"}, False),
    # A lock file that does not parse is left out; the declarations still count.
    ({"requirements.txt": "fastapi==0.110.0\n", "uv.lock": "[[package\n"}, True),
    ({"requirements.txt": "fastapi==0.105.0\n"}, False),
    ({"requirements.txt": "fastapi>=0.118\n"}, False),
    ({"requirements.txt": "fastapi<=0.118.0,>=0.110\n"}, False),
    ({"requirements.txt": "fastapi>0.105,<0.110\n"}, False),
    ({"requirements.txt": "fastapi>=0.110\n"}, False),
    ({"requirements.txt": "fastapi\n"}, False),
    ({"requirements.txt": "fastapi==0.110.0rc1\n"}, False),
    ({"requirements.txt": "fastapi>=0.112,<0.110\n"}, False),
    ({"requirements.txt": "starlette==0.27.0\n"}, False),
    ({"pyproject.toml": "[project]\nname='x'\ndynamic=['dependencies']\n"}, False),
])
def test_which_fastapi_versions_a_project_uses(tmp_path: Path, files: dict[str, str], within: bool) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    dependencies.clear_cache()
    assert dependencies.uses_versions_within(tmp_path, "fastapi", *_CLOSING_RANGE) is within


def test_a_lock_file_alone_declares_nothing(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n[[package]]\nname = 'fastapi'\nversion = '0.110.0'\n")
    dependencies.clear_cache()
    assert dependencies.declared_dependencies(tmp_path) is None
    assert dependencies.uses_versions_within(tmp_path, "fastapi", *_CLOSING_RANGE)


@pytest.mark.usefixtures("fresh_cache")
def test_a_helper_logger_needs_the_tier_when_it_is_imported() -> None:
    payments = PROJECTS / "helper_loggers" / "svc" / "payments.py"
    text = payments.read_text(encoding="utf-8")
    with_tier = lint_source(text, str(payments), Linter([RULES_BY_CODE["ASR909"]], Settings()))
    off = Linter([RULES_BY_CODE["ASR909"]], Settings(project_inference=False))
    assert [v.line for v in with_tier] == [17, 21, 25, 26, 27, 35]
    assert lint_source(text, str(payments), off) == []


@pytest.mark.usefixtures("fresh_cache")
def test_a_name_bound_only_inside_a_function_under_a_top_level_if_is_not_ambiguous(
        tmp_path: Path) -> None:
    # A top-level `if`/`try` makes the module names it binds ambiguous; a local variable
    # of a function defined there is not a module name, and leaves `settings` known.
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / "config.py").write_text(
        "import os\n\nfrom pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n    api_url: str\n\n\n"
        "if os.environ.get('DEBUG'):\n    def debug_settings():\n        settings = None\n"
        "        return settings\n\n\nsettings = Settings()\n")
    (tmp_path / "other.py").write_text(
        "import os\n\nfrom pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n    api_url: str\n\n\n"
        "if os.environ.get('DEBUG'):\n    settings = None\nelse:\n    settings = Settings()\n")
    user = tmp_path / "client.py"
    user.write_text("from config import settings\n\n\ndef url():\n    return settings.api_ur1\n")
    assert _lint(user) == ["ASR403"]
    # Bound at the top level under the `if`: which object it is depends on the branch.
    user.write_text("from other import settings\n\n\ndef url():\n    return settings.api_ur1\n")
    assert _lint(user) == []
