"""The worker-thread fix of the blocking-call rules: where it goes, what it keeps, and
where it is not offered (the fixtures ASR10x_fix*.py show the common cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_async_review.engine.linter import Linter, fix_text, lint_source
from flake8_async_review.rules import ALL_RULES, RULES_BY_CODE
from flake8_async_review.settings import Settings

BLOCKING_CODES = ("ASR102", "ASR103", "ASR104", "ASR105", "ASR106", "ASR107", "ASR109",
                  "ASR110", "ASR903")


def _fixed(source: str, **options: str) -> str:
    settings = Settings.from_strings({f"--asr-{k.replace('_', '-')}": v for k, v in options.items()})
    linter = Linter(ALL_RULES, settings)
    assert fix_text(source, "app.py", linter).text == source, "the thread fix is unsafe only"
    outcome = fix_text(source, "app.py", linter, unsafe=True)
    assert outcome.error is None
    again = fix_text(outcome.text, "app.py", linter, unsafe=True)
    assert (again.text, again.applied) == (outcome.text, 0)
    return outcome.text


def test_the_rules_of_the_family_offer_it_as_unsafe() -> None:
    for code in BLOCKING_CODES:
        assert RULES_BY_CODE[code].fix_safety == "unsafe", code


def test_the_description_names_the_callee() -> None:
    source = "import requests\nasync def f(u):\n    requests.get(u)\n"
    [violation] = lint_source(source, "app.py", Linter([RULES_BY_CODE["ASR102"]]))
    assert violation.fix is not None and not violation.fix.safe
    assert violation.fix.description == "Run `requests.get` in a worker thread"


def test_line_endings_and_non_ascii_text_are_kept() -> None:
    source = 'import requests\r\nasync def f(u):\r\n    x = "é"; requests.get(u, data="ü")\r\n'
    assert _fixed(source) == (
        'import asyncio\r\nimport requests\r\nasync def f(u):\r\n'
        '    x = "é"; await asyncio.to_thread(requests.get, u, data="ü")\r\n'
    )


def test_a_shadowed_module_name_means_no_fix() -> None:
    source = "import requests\nasync def f(u, asyncio):\n    requests.get(u)\n"
    assert _fixed(source) == source
    anyio = "import requests\nasync def f(u, functools):\n    requests.get(u, timeout=1)\n"
    assert _fixed(anyio, async_library="anyio") == anyio


def test_an_existing_functools_import_is_reused() -> None:
    source = ("import functools\nimport anyio\nimport requests\n"
              "async def f(u):\n    requests.get(u, timeout=1)\n")
    assert _fixed(source, async_library="anyio").splitlines()[-1] == (
        "    await anyio.to_thread.run_sync(functools.partial(requests.get, u, timeout=1))")


def test_a_continued_callee_and_a_comment_before_the_arguments() -> None:
    source = ("import requests\nasync def f(u):\n    return (requests\n        .get)(  # why\n"
              "        u)\n")
    assert _fixed(source) == ("import asyncio\nimport requests\nasync def f(u):\n"
                              "    return await asyncio.to_thread((requests\n        .get),  # why\n"
                              "        u)\n")


def test_a_lone_generator_argument_is_left_alone() -> None:
    source = "import shutil\nasync def f(names):\n    shutil.rmtree(n for n in names)\n"
    assert _fixed(source) == source


def test_a_configured_call_with_a_suggestion_has_no_fix() -> None:
    source = "import legacy\nasync def f():\n    legacy.fetch()\n    legacy.load()\n"
    fixed = _fixed(source, blocking_calls="legacy.fetch->legacy.fetch_async,legacy.load")
    assert fixed.splitlines()[-2:] == ["    legacy.fetch()", "    await asyncio.to_thread(legacy.load)"]


def test_an_imported_project_helper_runs_in_a_thread_unless_it_holds_a_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_async_review.frontends import core

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "files.py").write_text(
        "from sqlalchemy.orm import Session\n\n\n"
        "def read(path):\n    with open(path) as handle:\n        return handle.read()\n\n\n"
        "def save(db: Session, row):\n    db.add(row)\n    db.commit()\n", encoding="utf-8")
    (package / "routes.py").write_text(
        "from app.files import read, save\n\n\nasync def route(path, db, row):\n"
        "    text = read(path)\n    save(db, row)\n    return text\n", encoding="utf-8")
    session = core.Session(["--isolated", "--select=ASR110"])
    result = core.fix_source(session, core.SourceFile.read("app/routes.py"), unsafe=True)
    assert result.refused is None
    assert result.fixed.splitlines()[4:7] == [
        "async def route(path, db, row):", "    text = await asyncio.to_thread(read, path)",
        "    save(db, row)"]
