"""Precision of the exception and settings rules beyond the fixtures: when cancellation is
the code's own (ASR204), predicates (ASR201), what ASR202 claims, placeholders and labels
(ASR401), and how the project's uses of a setting decide ASR402."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from harness import PROJECTS

from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.rules.hardcoded_secret_default import placeholder
from flake8_async_review.settings import Settings

HANDLER_CODES = ("ASR201", "ASR202", "ASR204", "ASR205")


def lint(source: str, *selected: str, filename: str = "module.py",
         settings: Settings | None = None) -> list[tuple[int, str, str]]:
    source = textwrap.dedent(source)
    ast.parse(source)  # A case that does not parse would pass for nothing.
    linter = Linter([RULES_BY_CODE[c] for c in selected], settings or Settings())
    return [(v.line, v.code, v.message) for v in lint_source(source, filename, linter)]


def handler_codes(source: str) -> list[str]:
    return [code for _, code, _ in lint(source, *HANDLER_CODES)]


# -- ASR202 claims what the clause can catch ------------------------------------------------


@pytest.mark.parametrize("prefix", ["def", "async def"])
def test_asr202_does_not_claim_cancellation(prefix: str) -> None:
    source = f"""
    {prefix} load(path):
        try:
            return parse(path)
        except:
            return fallback(path)
    """
    [(_, code, message)] = lint(source, *HANDLER_CODES)
    assert code == "ASR202"
    assert "KeyboardInterrupt" in message
    assert "cancel" not in message


# -- ASR201: a predicate's answer -----------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "body", "expected"),
    [
        ("def is_valid(x):", "return False", []),
        ("def _has_access(x):", "return False", []),
        ("def can_connect(x):", "return True", []),
        ("def validate_url(x):", "return False", []),
        ("def check_health(x):", "return False", []),
        ("async def verify_signature(x) -> bool:", "return False", []),
        # Not the predicate's answer, or not a predicate.
        ("def is_valid(x):", "return None", ["ASR201"]),
        ("def is_valid(x):", "pass", ["ASR201"]),
        ("def ping(x):", "return False", ["ASR201"]),
        ("def delete_file(x) -> bool:", "return False", ["ASR201"]),
        ("def this_is_valid(x):", "return False", ["ASR201"]),
    ],
)
def test_a_predicate_s_answer_is_not_asr201(signature: str, body: str, expected: list[str]) -> None:
    source = f"""
    {signature}
        try:
            parse(x)
        except Exception:
            {body}
        return True
    """
    assert handler_codes(source) == expected


def test_a_bare_except_in_a_predicate_is_still_asr202() -> None:
    source = """
    def is_valid(x):
        try:
            parse(x)
        except:
            return False
        return True
    """
    assert handler_codes(source) == ["ASR202"]


# -- ASR204: the code's own cancellation -------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "awaited", "expected"),
    [
        ("task.cancel()", "asyncio.wait_for(task, 1)", []),
        ("self.task.cancel()", "asyncio.shield(self.task)", []),
        ("for t in tasks:\n    t.cancel()", "asyncio.gather(*tasks, return_exceptions=True)", []),
        ("for t in tasks:\n    t.cancel()", "asyncio.wait(tasks)", []),
        ("a.cancel()\nb.cancel()", "asyncio.wait({a, b})", []),
        ("a.cancel()\nb.cancel()", "asyncio.gather(a, b)", []),
        # Not cancelled, or not all of them, or not by this function, or not a wait.
        ("pass", "asyncio.wait_for(task, 1)", ["ASR204"]),
        ("a.cancel()", "asyncio.gather(a, b)", ["ASR204"]),
        ("for t in tasks:\n    t.cancel()", "asyncio.gather(*others)", ["ASR204"]),
        ("for t in tasks:\n    log(t)", "asyncio.wait(tasks)", ["ASR204"]),
        ("task.cancel()", "asyncio.wait_for(task.result(), 1)", ["ASR204"]),
        ("task.cancel()", "asyncio.sleep(1)", ["ASR204"]),
        ("task.cancel()", "client.wait_for(task, 1)", ["ASR204"]),
    ],
)
def test_waiting_for_tasks_the_function_cancelled(before: str, awaited: str,
                                                  expected: list[str]) -> None:
    source = "\n".join([
        "import asyncio",
        "async def stop(self, task, tasks, others, a, b, client):",
        textwrap.indent(before, "    "),
        "    try:",
        f"        await {awaited}",
        "    except asyncio.CancelledError:",
        "        pass",
    ])
    assert handler_codes(source) == expected


def test_a_cancel_after_the_try_does_not_count() -> None:
    source = """
    import asyncio
    async def stop(task):
        try:
            await asyncio.wait_for(task, 1)
        except asyncio.CancelledError:
            pass
        task.cancel()
    """
    assert handler_codes(source) == ["ASR204"]


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        ("self._stopping = True\nself._task.cancel()", []),
        # The flag is set, but not just before a cancel; or another flag is.
        ("self._stopping = True\nlog()\nself._task.cancel()", ["ASR204"]),
        ("self._task.cancel()\nself._stopping = True", ["ASR204"]),
        ("self._closing = True\nself._task.cancel()", ["ASR204"]),
        ("self._stopping = False\nself._task.cancel()", ["ASR204"]),
    ],
)
def test_a_flag_the_class_sets_before_it_cancels(stop: str, expected: list[str]) -> None:
    source = "\n".join([
        "import asyncio",
        "class Worker:",
        "    async def run(self):",
        "        try:",
        "            await self.step()",
        "        except asyncio.CancelledError:",
        "            if self._stopping:",
        "                return",
        "            log()",
        "    def stop(self):",
        textwrap.indent(stop, "        "),
    ])
    assert handler_codes(source) == expected


def test_a_local_flag_of_the_handler_s_own_function_does_not_count() -> None:
    source = """
    import asyncio
    async def run(step, task):
        stopping = False
        try:
            await step()
        except asyncio.CancelledError:
            if stopping:
                return
        stopping = True
        task.cancel()
    """
    assert handler_codes(source) == ["ASR204"]


# -- ASR401: placeholders ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "<Should be updated via env>", "${OPENAI_API_KEY}", "{{ api_key }}", "changeme", "Change-Me",
    "change_this_secret", "replaceme", "your-api-key", "YOUR_TOKEN_HERE", "xxx", "XXXX-XXXX",
    "...", "****", "TODO", "none", "not-set", b"<key>",
])
def test_placeholders(value: str | bytes) -> None:
    assert placeholder(value)


@pytest.mark.parametrize("value", [
    "sk-live-abc", "ghp_xxx", "hunter2", "admin", "postgres", "dev-secret-123", "enterprise-key",
    "yourself", "x1", b"\x00\x01",
])
def test_not_placeholders(value: str | bytes) -> None:
    assert not placeholder(value)


# -- ASR402: the project's uses of a setting ---------------------------------------------------


def test_asr402_with_the_tier_off_sees_only_the_module() -> None:
    config = PROJECTS / "settings_uses" / "billing" / "config.py"
    source = config.read_text(encoding="utf-8")
    tier_off = Settings.from_strings({"--asr-project-inference": "off"})
    assert lint(source, "ASR402", filename=str(config)) != []
    assert lint(source, "ASR402", filename=str(config), settings=tier_off) == []


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        ("create_engine(settings.database_url)", True),
        ("create_engine(str(settings.database_url))", True),
        ("Client(api_key=settings.database_url.get_secret_value())", True),
        ("Client(headers={'X-API-Key': settings.database_url})", True),
        ("Client(url=f'{settings.database_url}/v1')", True),
        # Not a use that needs a value, or a test.
        ("Client(proxy=settings.database_url)", False),
        ("log(settings.database_url)", False),
        ("Client(url=settings.database_url or None)", False),
        ("create_engine(settings.database_url if settings.database_url else 'sqlite://')", False),
        ("[create_engine(settings.database_url)] if ok else []", True),
    ],
)
def test_asr402_uses(tmp_path: Path, use: str, expected: bool) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'svc'\n", encoding="utf-8")
    module = tmp_path / "config.py"
    source = f"""
    from pydantic_settings import BaseSettings
    from sqlalchemy import create_engine

    class Settings(BaseSettings):
        database_url: str = ""

    settings = Settings()
    {use}
    """
    assert bool(lint(source, "ASR402", filename=str(module))) is expected


def test_asr402_a_test_in_any_module_of_the_project_makes_the_field_optional(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'svc'\n", encoding="utf-8")
    (tmp_path / "checks.py").write_text(
        "from config import settings\nok = [1 for _ in range(3) if settings.database_url]\n",
        encoding="utf-8")
    module = tmp_path / "config.py"
    source = """
    from pydantic_settings import BaseSettings
    from sqlalchemy import create_engine

    class Settings(BaseSettings):
        database_url: str = ""

    settings = Settings()
    engine = create_engine(settings.database_url)
    """
    assert lint(source, "ASR402", filename=str(module)) == []
