"""Every message is one line: source text a message quotes is put on one line and
shortened, whatever the code looks like (flake8 prints one line per finding)."""

from __future__ import annotations

import warnings
from pathlib import Path

import hypothesmith
import pytest
from harness import FIXTURES, all_fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.engine.rule import MAX_SOURCE_ARG, one_line, shorten
from flake8_async_review.rules import ALL_RULES, RULES_BY_CODE
from flake8_async_review.settings import Settings

BOUNDS = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
# Every rule walks every file: text triggers would otherwise skip most generated code.
LINTER = Linter(ALL_RULES, text_triggers=False)
_LINE_BREAKS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _messages(source: str, filename: str, linter: Linter = LINTER) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            return [v.message for v in lint_source(source, filename, linter)]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []


def _one_line(message: str) -> bool:
    return not any(character in message for character in _LINE_BREAKS)


# -- the shortening -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("db.query(User).first", "db.query(User).first"),
    ("db.query(User).filter(\n    User.id == 1\n).first", "db.query(User).filter(User.id == 1).first"),
    ("(\n    db.query(User)\n    .filter(User.id == 1)\n    .first\n)",
     "(db.query(User).filter(User.id == 1).first)"),
    ("client.get(\r\n    url,\r\n    timeout=5)", "client.get(url, timeout=5)"),
    ("time \\\n    .sleep", "time.sleep"),
    ("f(a,\tb,   c)", "f(a, b, c)"),
])
def test_source_text_is_put_on_one_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


def test_long_source_text_keeps_its_head_and_tail() -> None:
    text = ("db.query(User).filter(\n    User.email == email,\n    User.active.is_(True),\n"
            "    User.deleted_at.is_(None),\n).first")
    assert shorten(text) == "db.query(User).filter(User.email == em...t.is_(None),).first"


def test_text_within_the_limit_is_kept() -> None:
    text = "x" * MAX_SOURCE_ARG
    assert shorten(text) == text
    assert shorten(text + "y") == "x" * 38 + "..." + "x" * 18 + "y"


@given(st.text())
def test_shortened_text_is_one_short_line_and_shortening_it_again_changes_nothing(text: str) -> None:
    short = shorten(text)
    assert _one_line(short)
    assert len(short) <= MAX_SOURCE_ARG
    assert shorten(short) == short
    assert one_line(one_line(text)) == one_line(text)


def test_format_message_shortens_source_text_and_keeps_what_the_rule_wrote() -> None:
    rule = RULES_BY_CODE["ASR110"](Settings())
    receiver = "registry.workers[0]\n    .jobs['nightly']\n    .handlers.default.pause_all_workers_now"
    chain = "`first()` -> ... -> `last()` -> `time.sleep()` (line 120 of app.services.scheduling)"
    assert rule.format_message(receiver, chain) == (
        "`registry.workers[0].jobs['nightly'].ha...use_all_workers_now()` blocks the event "
        f"loop: it calls {chain}"
    )


# -- messages of real rules -----------------------------------------------------------


def test_a_receiver_spread_over_lines_is_quoted_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    routes = tmp_path / "routes.py"
    routes.write_text(
        "from sqlalchemy.orm import Session\n\n\n"
        "async def read(db: Session, email):\n"
        "    return db.query(User).filter(\n"
        "        User.email == email,\n"
        "        User.active.is_(True),\n"
        "    ).first()\n\n\n"
        "def create(db: Session, email):\n"
        "    user = (\n"
        "        db.query(User)\n"
        "        .filter(User.email == email)\n"
        "        .one_or_none()\n"
        "    )\n"
        "    if user is None:\n"
        "        db.add(User(email=email))\n"
        "    db.commit()\n"
    )
    linter = Linter([RULES_BY_CODE["ASR106"], RULES_BY_CODE["ASR602"]], Settings())
    assert sorted(_messages(routes.read_text(), str(routes), linter)) == [
        "`db.query(User).filter(User.email == em...e.is_(True),).first()` blocks the event "
        "loop on database I/O: use `AsyncSession` or a plain `def` route",
        "`db.query(User).filter(User.email == email).one_or_none()` is checked before "
        "inserting: concurrent requests both pass; catch `IntegrityError` or use an upsert",
    ]


@pytest.mark.parametrize("fixture", all_fixtures(), ids=lambda fixture: fixture.path.name)
def test_no_message_of_a_fixture_spans_lines(fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    linter = Linter(ALL_RULES, fixture.settings)
    messages = _messages(fixture.text, fixture.path.name, linter)
    assert messages  # Every fixture has findings (of its own code at least).
    assert [message for message in messages if not _one_line(message)] == []


@BOUNDS
@given(hypothesmith.from_grammar())
def test_no_message_of_a_generated_program_spans_lines(source: str) -> None:
    assert all(_one_line(message) for message in _messages(source, "generated.py"))


# Reported calls with a line break (or other whitespace) possible at each `{b}`: the
# whole expression is in parentheses, so any of them is valid there.
_TEMPLATES = (
    "db{b}.query({b}User{b}){b}.filter({b}User.id == 1,{b}User.name == 'x'{b}){b}.first({b})",
    "requests{b}.get({b}url,{b}timeout=5{b})",
    "time{b}.sleep({b}1{b})",
    "subprocess{b}.run({b}['ls',{b}'-l']{b})",
    "open({b}path,{b}'rb'{b}){b}.read({b})",
)
_BREAKS = st.sampled_from(
    ["", " ", "\n", "\n        ", "\r\n    ", "\r", "  # why\n    ", "\\\n", "\t", "\f\n"]
)


@st.composite
def _spread_calls(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(_TEMPLATES))
    breaks = iter(draw(st.lists(_BREAKS, min_size=template.count("{b}"),
                                max_size=template.count("{b}"))))
    expression = template.replace("{b}", "{}").format(*breaks)
    return ("import subprocess\nimport time\n\nimport requests\n"
            "from sqlalchemy.orm import Session\n\n\n"
            f"async def handler(db: Session, url, path):\n    return ({expression})\n")


@BOUNDS
@given(_spread_calls())
def test_calls_spread_over_lines_get_one_line_messages(source: str) -> None:
    messages = _messages(source, "generated.py")
    assert messages  # The call is reported, whatever its layout.
    assert all(_one_line(message) for message in messages)
