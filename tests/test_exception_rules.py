"""ASR2xx and ASR301 beyond the fixtures: one code per except clause, ``except*``, the
paths where print() is allowed, and ``--asr-print-allowed`` through the real flake8."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from harness import FIXTURES
from test_roles import PROJECT

from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.rules.print_in_library_code import print_allowed_path
from flake8_async_review.settings import Settings, SettingsError

HANDLER_CODES = ("ASR201", "ASR202", "ASR204", "ASR205")


def codes(source: str, *selected: str) -> list[tuple[int, str]]:
    linter = Linter(rules=[RULES_BY_CODE[c] for c in selected or RULES_BY_CODE])
    return [(v.line, v.code) for v in lint_source(textwrap.dedent(source), "module.py", linter)]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("ASR20*.py")), ids=lambda p: p.name)
def test_an_except_clause_gets_at_most_one_of_the_handler_codes(fixture: Path) -> None:
    found = codes(fixture.read_text(encoding="utf-8"), *HANDLER_CODES)
    lines = [line for line, _ in found]
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("except:\n        pass", "ASR204"),
        ("except BaseException:\n        pass", "ASR204"),
        ("except BaseException:\n        log()", "ASR204"),
        ("except:\n        log()", "ASR204"),
        ("except Exception:\n        pass", "ASR201"),
        ("except Exception:\n        log()", None),
        ("except:\n        raise", None),
    ],
)
def test_precedence_around_an_await(handler: str, expected: str | None) -> None:
    source = f"async def f(x):\n    try:\n        await x()\n    {handler}\n"
    assert [code for _, code in codes(source, *HANDLER_CODES)] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("except:\n        pass", "ASR201"),
        ("except BaseException:\n        pass", "ASR201"),
        ("except BaseException:\n        log()", "ASR205"),
        ("except:\n        log()", "ASR202"),
        ("except asyncio.CancelledError:\n        pass", None),
    ],
)
def test_precedence_without_an_await(handler: str, expected: str | None) -> None:
    source = f"import asyncio\nasync def f(x):\n    try:\n        x()\n    {handler}\n"
    assert [code for _, code in codes(source, *HANDLER_CODES)] == ([expected] if expected else [])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11+")
def test_except_star_clauses() -> None:
    source = """
    import asyncio
    async def f(x):
        try:
            await x()
        except* asyncio.CancelledError:
            pass
        try:
            x()
        except* Exception:
            pass
    """
    linter = Linter(rules=[RULES_BY_CODE[c] for c in HANDLER_CODES])
    found = lint_source(textwrap.dedent(source), "m.py", linter)
    assert [(v.code, v.message.split("`")[1]) for v in found] == [
        ("ASR204", "except* asyncio.CancelledError"),
        ("ASR201", "except* Exception"),
    ]


# -- where print() is allowed -------------------------------------------------------------


def _project(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def test_allowed_patterns_match_the_given_posix_and_relative_forms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, ["src/shop/__init__.py", "src/shop/cli.py", "src/shop/orders.py"])
    monkeypatch.chdir(tmp_path)
    patterns = ("src/shop/cli.py",)
    for form in ("src/shop/cli.py", "./src/shop/cli.py", str(tmp_path / "src/shop/cli.py")):
        assert print_allowed_path(form, patterns)
    assert not print_allowed_path("src/shop/orders.py", patterns)
    assert print_allowed_path("./src/shop/orders.py", ("*/shop/*",))


def test_print_allowed_option_parsing() -> None:
    raw = {"--asr-print-allowed": " src/cli.py, */commands/*\n\ntools/*,"}
    assert Settings.from_strings(raw).print_allowed == ("src/cli.py", "*/commands/*", "tools/*")
    with pytest.raises(SettingsError, match=r"--asr-print-allowed.*unclosed"):
        Settings.from_strings({"--asr-print-allowed": "src/[ab.py"})


PRINTING = "def sync():\n    print('syncing')\n"


def test_flake8_reports_print_only_in_library_code(tmp_path: Path) -> None:
    _project(tmp_path, PROJECT)
    for name in PROJECT:
        if not name.endswith("__init__.py"):
            (tmp_path / name).write_text(PRINTING, encoding="utf-8")
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nasr-print-allowed =\n    app/testing.py,\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASR301", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    reported = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert reported == {"./src/shop/orders.py", "./examples/store/views.py", "./app/examples_of_use.py"}


# -- the example service ------------------------------------------------------------------

ROOT = Path(__file__).parent.parent
OWN_CODES = ("ASR201", "ASR202", "ASR204", "ASR205", "ASR301", "ASR909")


def test_examples_report_the_exception_bugs_and_the_clean_tree_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ASR", "--extend-select", "ASR9",
         "examples/"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.stderr == ""
    found = [line.split(":", 3) for line in result.stdout.splitlines()]
    assert [f for f in found if f[0].startswith("examples/clean/")] == []
    own = [(path, int(row), text.split()[0]) for path, row, _, text in found
           if text.split()[0] in OWN_CODES]
    assert {code for _, _, code in own} == set(OWN_CODES)
    for path, row, code in own:
        # The mark is on the reported line, or on the first line of the clause's body.
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()[row - 1 : row + 1]
        assert any("# bug:" in line for line in lines), f"{path}:{row}: {code} is not marked as a bug"
