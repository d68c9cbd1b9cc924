"""The fix model: applying edits, overlaps, line endings, refusing broken results."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from harness import all_fixtures

from flake8_async_review.engine.context import Context
from flake8_async_review.engine.fixes import apply_fixes
from flake8_async_review.engine.linter import Linter, fix_text, lint_source
from flake8_async_review.engine.rule import FIX_SAFETIES, Rule, Severity, doc_sections
from flake8_async_review.engine.violation import Edit, Fix
from flake8_async_review.rules import ALL_RULES, RULES_BY_CODE


def fix(*edits: Edit, safe: bool = True) -> Fix:
    return Fix(edits=edits, safe=safe, description="test")


def test_identical_edits_from_two_fixes_apply_once() -> None:
    add_import = Edit(1, 0, 1, 0, "import asyncio\n")
    text, applied = apply_fixes(
        "a\nb\n",
        [fix(add_import, Edit(1, 0, 1, 1, "A")), fix(add_import, Edit(2, 0, 2, 1, "B"))],
    )
    assert (text, applied) == ("import asyncio\nA\nB\n", 2)


def test_overlapping_fix_waits_for_the_next_round() -> None:
    text, applied = apply_fixes(
        "abcdef\n", [fix(Edit(1, 0, 1, 4, "X")), fix(Edit(1, 2, 1, 6, "Y"))]
    )
    assert (text, applied) == ("Xef\n", 1)


def test_insertion_and_replacement_at_one_point_keep_their_order() -> None:
    edits = (Edit(1, 0, 1, 0, "await "), Edit(1, 0, 1, 10, "asyncio.sleep"))
    text, _ = apply_fixes("time.sleep(1)\n", [fix(*edits)])
    assert text == "await asyncio.sleep(1)\n"


def test_inserted_lines_take_the_files_line_ending() -> None:
    text, _ = apply_fixes("a\r\nb\r\n", [fix(Edit(2, 0, 2, 0, "import asyncio\n"))])
    assert text == "a\r\nimport asyncio\r\nb\r\n"


def test_insertion_past_the_last_line() -> None:
    text, _ = apply_fixes('"""doc"""', [fix(Edit(2, 0, 2, 0, "\nimport asyncio\n"))])
    assert text == '"""doc"""\nimport asyncio\n'


class BreaksTheCode(Rule):
    """Test-only rule whose fix would leave a syntax error."""

    code = "ASR998"
    name = "breaks-the-code"
    message = "x"
    severity = Severity.LOW

    def visit_Pass(self, node: ast.Pass, context: Context) -> None:
        context.report(self, node, fix=fix(Edit(node.lineno, 0, node.lineno, 4, "pass(")))


def test_a_fix_that_does_not_parse_is_refused() -> None:
    outcome = fix_text("pass\n", "a.py", Linter(rules=[BreaksTheCode]))
    assert outcome.text == "pass\n"
    assert outcome.applied == 0
    assert outcome.error and "does not parse" in outcome.error


def test_unsafe_fixes_only_on_request() -> None:
    source = "import time\nasync def f():\n    x = time.sleep(1)\n"
    assert fix_text(source, "a.py", Linter(ALL_RULES)).applied == 0
    unsafe = fix_text(source, "a.py", Linter(ALL_RULES), unsafe=True)
    assert "x = await asyncio.sleep(1)" in unsafe.text


def test_event_loop_run_fix_awaits_the_coroutine_with_parentheses_where_needed() -> None:
    source = "import asyncio\nasync def f():\n    asyncio.run(g())\n    x = asyncio.run(g()).y\n"
    outcome = fix_text(source, "a.py", Linter(ALL_RULES), unsafe=True)
    assert outcome.text.splitlines()[2:] == ["    await g()", "    x = (await g()).y"]
    assert fix_text(source, "a.py", Linter(ALL_RULES)).applied == 0


def test_form_feeds_do_not_end_lines() -> None:
    """Python source treats a form feed as whitespace, ``str.splitlines`` as a line end."""
    source = "import time\n\x0c\nasync def f():\n    x = 1  # \x0c\n    time.sleep(1)\n"
    outcome = fix_text(source, "a.py", Linter(ALL_RULES))
    assert outcome.text.endswith("    x = 1  # \x0c\n    await asyncio.sleep(1)\n")
def _print_fix(source: str) -> str:
    from flake8_async_review.rules import RULES_BY_CODE

    linter = Linter(rules=[RULES_BY_CODE["ASR301"]])
    assert fix_text(source, "lib.py", linter).applied == 0, "the print fix is unsafe"
    return fix_text(source, "lib.py", linter, unsafe=True).text


def test_print_becomes_a_call_of_the_modules_logger() -> None:
    source = (
        "import logging\nlog = logging.getLogger(__name__)\n"
        "def f(a, b):\n    print(a)\n    print(a, b)\n    print(a, b, sep='-')\n    print(*a)\n"
    )
    assert _print_fix(source).splitlines()[3:] == [
        "    log.info(a)", '    log.info("%s %s", a, b)', "    print(a, b, sep='-')", "    print(*a)",
    ]


def test_print_fix_uses_the_logging_style_of_the_logger() -> None:
    loguru = "from loguru import logger\ndef f(a, b):\n    print(a, b)\n"
    assert 'logger.info("{} {}", a, b)' in _print_fix(loguru)
    structlog = (
        "import structlog\nlogger = structlog.get_logger()\ndef f(a, b):\n    print(a)\n    print(a, b)\n"
    )
    assert _print_fix(structlog).splitlines()[3:] == ["    logger.info(a)", "    print(a, b)"]


def test_print_fix_needs_a_module_logger_that_exists_where_the_call_is() -> None:
    no_logger = "import logging\ndef f(a):\n    print(a)\n"
    assert _print_fix(no_logger) == no_logger
    unknown = "from .logs import logger\ndef f(a):\n    print(a)\n"
    assert _print_fix(unknown) == unknown
    shadowed = "import logging\nlogger = logging.getLogger(__name__)\ndef f(logger):\n    print(1)\n"
    assert _print_fix(shadowed) == shadowed
    # A function runs once the module is imported: a logger bound below it is bound by then.
    below = "import logging\ndef f(a):\n    print(a)\nlogger = logging.getLogger(__name__)\n"
    assert _print_fix(below).startswith("import logging\ndef f(a):\n    logger.info(a)\n")


def test_print_fix_prefers_the_conventional_logger_name() -> None:
    source = (
        "import logging\naudit = logging.getLogger('audit')\nlogger = logging.getLogger(__name__)\n"
        "def f():\n    print(1)\n"
    )
    assert _print_fix(source).endswith("    logger.info(1)\n")


def test_one_fix_per_group_per_round() -> None:
    grouped = [fix(Edit(1, 0, 1, 1, "A")), fix(Edit(2, 0, 2, 1, "B"))]
    grouped = [Fix(f.edits, f.safe, f.description, group="clause") for f in grouped]
    assert apply_fixes("a\nb\n", grouped) == ("A\nb\n", 1)


def test_two_fixes_on_one_line_wait_for_each_other() -> None:
    text, applied = apply_fixes("ab\n", [fix(Edit(1, 0, 1, 1, "A")), fix(Edit(1, 1, 1, 2, "B"))])
    assert (text, applied) == ("Ab\n", 1)


def test_the_traceback_is_logged_once_per_except_clause() -> None:
    source = (
        "import logging\nlogger = logging.getLogger(__name__)\n"
        "def f(job):\n    try:\n        job()\n    except ValueError as e:\n"
        "        logger.error('failed: %s', e)\n        logger.error('job %s', job)\n"
        "    except OSError:\n        logger.error('other clause')\n"
    )
    outcome = fix_text(source, "a.py", Linter(ALL_RULES))
    assert outcome.text.splitlines()[6:] == [
        "        logger.exception('failed: %s', e)", "        logger.error('job %s', job)",
        "    except OSError:", "        logger.exception('other clause')",
    ]


def test_a_rule_with_a_fix_class_documents_its_fixes() -> None:
    """(A rule without one says why in its Fix section: tests/test_fix_properties.py.)"""
    for rule in ALL_RULES:
        assert rule.fix_safety in (None, *FIX_SAFETIES), rule.code
        assert "Fix" in doc_sections(rule) or not rule.fixable(), rule.code
        assert rule.fix_class() == (rule.fix_safety or "none")


def test_the_fix_class_matches_the_fixes_offered() -> None:
    """Each fixture's fixes are of the kinds its rule's fix class names."""
    kinds: dict[str, set[bool]] = {}
    for fixture in all_fixtures():
        linter = Linter([RULES_BY_CODE[fixture.code]], fixture.settings)
        for violation in lint_source(fixture.text, "app.py", linter):
            if violation.fix is not None:
                kinds.setdefault(violation.code, set()).add(violation.fix.safe)
    for code, safeties in kinds.items():
        expected = {"safe": {True}, "unsafe": {False}, "safe and unsafe": {True, False}}
        assert safeties == expected[str(RULES_BY_CODE[code].fix_safety)], code


def test_fix_command_fixes_what_an_earlier_fix_brings_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASR204's fix leaves the clause to ASR205, whose unsafe fix follows in a later round."""
    from flake8_async_review.frontends import core

    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(
        "async def f(job, log):\n    try:\n        await job()\n    except BaseException:\n"
        "        log.warning('failed')\n", encoding="utf-8")
    session = core.Session(["--isolated", "--select=ASR"])
    result = core.fix_source(session, core.SourceFile.read("app.py"), unsafe=True)
    assert result.refused is None
    assert result.fixed.splitlines()[:6] == [
        "import asyncio", "async def f(job, log):", "    try:", "        await job()",
        "    except asyncio.CancelledError:", "        raise",
    ]
    assert result.fixed.splitlines()[6] == "    except Exception:"
