"""What every fix promises, checked on every fixture and on generated programs.

Fixes are applied as ``flake8-async-review fix`` applies them (rounds of lint and
``apply_fixes``, ``engine.linter.fix_text``; the encoding through ``frontends.core``),
first the safe ones, then safe and unsafe ones, with every rule enabled. For each
result:

* it parses, and its line endings are the input's (LF, or CRLF throughout);
* the findings that had a fix are gone, and no finding of any ASR code appears that
  was not there before (findings are compared as (code, message) counts, since fixes
  shift lines), except the documented follow-ons in ``FOLLOW_ONS``;
* fixing it again changes nothing;
* a file in another encoding is written back in it (``# -*- coding: latin-1 -*-``, a
  non-ASCII byte).
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from harness import FIXTURES, Fixture, all_fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_review.engine.linter import Linter, fix_text, lint_source
from flake8_async_review.engine.rule import Rule, doc_sections
from flake8_async_review.engine.violation import Violation
from flake8_async_review.frontends.core import Session, SourceFile, fix_source, write_fixed
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import Settings

# A fix may bring out a finding that the fixed one hid, which is right and documented:
# code fixed -> codes that may appear, and why.
FOLLOW_ONS: dict[str, frozenset[str]] = {
    # ASR204 takes precedence over ASR201, ASR202 and ASR205 for one clause: once its
    # fix re-raises cancellation before a clause that catches everything, the clause
    # itself is reported by them (its page says so).
    "ASR204": frozenset({"ASR201", "ASR202", "ASR205"}),
}

FIXTURE_LIST = all_fixtures()
IDS = [f.path.name for f in FIXTURE_LIST]
_LINTERS: dict[tuple[str, ...], Linter] = {}


def _linter(fixture_args: tuple[str, ...], settings_: Settings) -> Linter:
    linter = _LINTERS.get(fixture_args)
    if linter is None:
        linter = _LINTERS[fixture_args] = Linter(ALL_RULES, settings_)
    return linter


@contextmanager
def _in_fixtures() -> Iterator[None]:
    """As flake8 runs in the fixture harness: from the fixtures' directory."""
    before = os.getcwd()
    os.chdir(FIXTURES)
    try:
        yield
    finally:
        os.chdir(before)


_LINE_NUMBER = re.compile(r"\bline \d+")


def _counts(violations: list[Violation]) -> Counter[tuple[str, str]]:
    """(code, message) counts; a line a message quotes (``it calls open() (line 20)``)
    moves with the lines a fix adds, and is left out."""
    return Counter((v.code, _LINE_NUMBER.sub("line N", v.message)) for v in violations)


def check_fix_properties(text: str, filename: str, linter: Linter, unsafe: bool,
                         before: list[Violation] | None = None) -> str:
    """Apply the fixes to ``text`` and assert every property; the fixed text."""
    if before is None:
        before = lint_source(text, filename, linter)
    fixed_before = [v for v in before if v.fix is not None and (unsafe or v.fix.safe)]
    outcome = fix_text(text, filename, linter, unsafe=unsafe)
    assert outcome.error is None, outcome.error
    result = outcome.text
    if not fixed_before:
        assert (result, outcome.applied) == (text, 0)
        return result
    ast.parse(result)
    if "\r\n" in text:
        assert "\n" not in result.replace("\r\n", ""), "a fix wrote LF into a CRLF file"
    else:
        assert "\r" not in result, "a fix wrote CR into an LF file"
    after = lint_source(result, filename, linter)
    # Every fix was applied: none is left that the same run would apply.
    assert [v for v in after if v.fix is not None and (unsafe or v.fix.safe)] == []
    # The fixed findings are gone, and nothing new appears but the documented follow-ons.
    remaining = _counts(after)
    expected = _counts(before) - _counts(fixed_before)
    allowed = {code for v in fixed_before for code in FOLLOW_ONS.get(v.code, ())}
    new = {key: number for key, number in (remaining - expected).items() if key[0] not in allowed}
    assert new == {}, f"fixing brought new findings: {new}"
    again = fix_text(result, filename, linter, unsafe=unsafe)
    assert (again.text, again.applied) == (result, 0), "fixing twice changed the text again"
    return result


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=IDS)
def test_fixes_of_every_fixture_keep_their_promises(fixture: Fixture) -> None:
    """Safe fixes, then safe and unsafe ones; and a CRLF copy of the fixture is fixed
    the same way, in CRLF."""
    text, name = fixture.text, fixture.path.name
    linter = _linter(fixture.args, fixture.settings)
    with _in_fixtures():
        before = lint_source(text, name, linter)
        check_fix_properties(text, name, linter, False, before)
        fixed = check_fix_properties(text, name, linter, True, before)
        if fixed != text:
            crlf = fix_text(text.replace("\n", "\r\n"), name, linter, unsafe=True)
            assert crlf.text == fixed.replace("\n", "\r\n"), "CRLF input is fixed differently"


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=IDS)
def test_without_fixes_the_same_violations_are_reported(fixture: Fixture) -> None:
    """A linter for a front end that shows no fixes (flake8) reports the same
    violations, each without its fix; and every fixture with a fix has one with fixes."""
    text, name = fixture.text, fixture.path.name
    without = Linter(ALL_RULES, fixture.settings, fixes=False)
    with _in_fixtures():
        full = lint_source(text, name, _linter(fixture.args, fixture.settings))
        bare = lint_source(text, name, without)
    assert bare == [dataclasses.replace(v, fix=None) for v in full]


def _first_fixable_per_code() -> list[Fixture]:
    """One fixture of each rule that fixes it (and whose text latin-1 can encode)."""
    chosen: dict[str, Fixture] = {}
    for fixture in FIXTURE_LIST:
        if fixture.code in chosen or any(ord(c) > 255 for c in fixture.text):
            continue
        with _in_fixtures():
            found = lint_source(fixture.text, fixture.path.name,
                                _linter(fixture.args, fixture.settings))
        if any(v.fix is not None and v.code == fixture.code for v in found):
            chosen[fixture.code] = fixture
    return list(chosen.values())


WITH_FIXES = _first_fixable_per_code()
_CODING = "# -*- coding: latin-1 -*-\n"
_CAFE = "# caf\u00e9\n"


@pytest.mark.parametrize("fixture", WITH_FIXES, ids=[f.path.name for f in WITH_FIXES])
def test_fixing_a_latin_1_file_keeps_its_encoding(fixture: Fixture, tmp_path: Path) -> None:
    """Through the command's own path: read, fix, write back."""
    path = tmp_path / "service" / fixture.path.name
    path.parent.mkdir()
    path.write_bytes((_CODING + fixture.text + _CAFE).encode("latin-1"))
    source = SourceFile.read(str(path))
    assert source.encoding == "iso-8859-1"
    session = Session(["--isolated", "--select", "ASR", "--extend-select", "ASR9", *fixture.args])
    result = fix_source(session, source, unsafe=True)
    assert result.refused is None, result.refused
    assert result.applied > 0
    write_fixed(result)
    data = path.read_bytes()
    assert data.startswith(_CODING.encode()) and data.endswith(b"# caf\xe9\n")
    assert b"\xc3\xa9" not in data  # Not written as UTF-8.
    assert data.decode("latin-1") == result.fixed


# -- documentation ------------------------------------------------------------------------

DEFAULT_ON = [rule for rule in ALL_RULES if not rule.opt_in()]


@pytest.mark.parametrize("rule", DEFAULT_ON, ids=[rule.code for rule in DEFAULT_ON])
def test_every_rule_says_what_its_fix_does_or_why_it_has_none(rule: type[Rule]) -> None:
    """A ``## Fix`` section: what the fix does (its page shows whether it is safe), or
    why the rule offers none."""
    assert doc_sections(rule).get("Fix"), (
        "a `## Fix` section: " + ("what the fix does" if rule.fixable() else "why there is no fix"))


# -- generated programs ----------------------------------------------------------------

# Snippets and the imports they need: a fix that adds `import asyncio` would otherwise
# bind a name the program used unbound (a NameError), and bring out findings in code
# that could not run before.
_HEADER = st.sampled_from(["", '"""A service module."""\n', "from __future__ import annotations\n"])
_EXTRA_IMPORTS = st.lists(st.sampled_from([
    "import asyncio", "import logging", "import time", "from fastapi import HTTPException",
]), unique=True, max_size=2)
_MODULE_PARTS = st.lists(st.sampled_from([
    ("logger = logging.getLogger(__name__)", ("import logging",)),
    ("background_tasks = set()", ()),
    ("_background_tasks = 1", ()),
    ("task = None", ()),
    ("class Settings(BaseSettings):\n    jwt_secret: str = 'abc'\n"
     "    api_key: str = Field('k', alias='K')\n    database_url: str = ''",
     ("from pydantic import Field", "from pydantic_settings import BaseSettings")),
    ("async def work():\n    return 1", ()),
]), unique=True, max_size=4)
_STATEMENTS = st.lists(st.sampled_from([
    ("time.sleep(1)", ("import time",)),
    ("asyncio.create_task(work())", ("import asyncio",)),
    ("aio.create_task(work())", ("import asyncio as aio",)),
    ("create_task(work())", ("from asyncio import create_task",)),
    ("x = 1; asyncio.create_task(work())", ("import asyncio",)),
    ("if x: time.sleep(1)", ("import time",)),
    ("print('x', y)", ()),
    ("requests.get(url)", ("import requests",)),
    ("subprocess.run(['ls'])", ("import subprocess",)),
    ("open('f').read()", ()),
    ("work()", ()),
    ("task = 2", ()),
    ("try:\n    work()\nexcept Exception as e:\n    raise HTTPException(status_code=500, detail=str(e))",
     ("from fastapi import HTTPException",)),
    ("try:\n    work()\nexcept OSError as e:\n    raise HTTPException(404, f'{e}') from e",
     ("from fastapi import HTTPException",)),
    ("try:\n    work()\nexcept Exception as e:\n    logger.error('failed %s', e)", ()),
    ("try:\n    await work()\nexcept Exception:\n    pass", ()),
    ("try:\n    work()\nexcept:\n    pass", ()),
    ("try:\n    await work()\nexcept BaseException:\n    work()", ()),
]), min_size=1, max_size=4)
_FUNCTION = st.sampled_from(["async def handler(x, y, url):", "def handler(x, y, url):",
                             "class Service:\n    async def handler(self, x, y, url):"])


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


@st.composite
def programs(draw: st.DrawFn) -> str:
    header = draw(_HEADER)
    parts = draw(_MODULE_PARTS)
    statements = draw(_STATEMENTS)
    needed = [i for _, imports in [*parts, *statements] for i in imports] + draw(_EXTRA_IMPORTS)
    imports = "\n".join(dict.fromkeys(needed))
    function = draw(_FUNCTION)
    body_indent = "        " if function.startswith("class") else "    "
    body = "\n".join(_indent(text, body_indent) for text, _ in statements)
    module = "\n\n\n".join(text for text, _ in parts)
    text = f"{header}{imports}\n\n{module}\n\n\n{function}\n{body}\n"
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


GENERATED = Linter(ALL_RULES, Settings())


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs(), st.booleans())
def test_fixes_of_generated_programs_keep_their_promises(source: str, unsafe: bool) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return
    check_fix_properties(source, "service.py", GENERATED, unsafe)
