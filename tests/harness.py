"""Fixture harness: expected diagnostics are written as comments in the fixture itself.

A line that should be reported ends with ``# ASR101: <col>[, <message arg>, ...]``
(``col`` is 0-based, in characters; message arguments are string or integer literals;
several annotations may follow one another). A
fixture may start with ``# flake8-args: <options>`` to run with options. The fixture
``ASRnnn[_topic].py`` is checked for the code ``ASRnnn`` only.

flake8 runs in the directory that holds the files, as a user runs it at the top of a
project: rules that look at paths (ASR301 leaves files under ``tests/`` alone) see a
fixture as a top-level module, not as a file of this repository's ``tests/``.
"""

from __future__ import annotations

import ast
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = Path(__file__).parent / "projects"
# The codes checked in the projects under tests/projects/ (tests/test_projects.py): the
# rules whose findings depend on the project around a file (its other modules, its
# declared dependencies). A rule whose findings can only be shown in a project has its
# cases there rather than in tests/fixtures/.
PROJECT_CODES = ("ASR102", "ASR105", "ASR106", "ASR110", "ASR401", "ASR402", "ASR403",
                 "ASR404", "ASR405", "ASR406", "ASR501", "ASR502", "ASR604", "ASR905", "ASR906",
                 "ASR909")
_FIXTURE_NAME = re.compile(r"^(ASR\d{3})(?:_\w+)?\.py$")
_ANNOTATION = re.compile(r'(ASR\d{3}):\s*(\d+)((?:\s*,\s*(?:"(?:[^"\\]|\\.)*"|-?\d+))*)')
_ANNOTATION_COMMENT = re.compile(r"#\s*ASR\d{3}:.*$")
_ARGS_HEADER = re.compile(r"^# flake8-args:(.*)$", re.MULTILINE)
_FORMAT = "%(path)s|%(row)d|%(col)d|%(code)s|%(text)s"

Diagnostic = tuple[int, int, str, str]  # line, 0-based column, code, message


@dataclass(frozen=True)
class Fixture:
    path: Path

    @property
    def code(self) -> str:
        match = _FIXTURE_NAME.match(self.path.name)
        assert match, self.path
        return match.group(1)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def args(self) -> tuple[str, ...]:
        match = _ARGS_HEADER.search(self.text)
        return tuple(shlex.split(match.group(1))) if match else ()

    @property
    def settings(self) -> Settings:
        raw = dict(arg.split("=", 1) for arg in self.args if arg.startswith("--asr-"))
        return Settings.from_strings(raw)

    @property
    def fixed_twin(self) -> Path:
        return self.path.with_name(self.path.name + ".fixed")

    def expected(self) -> set[Diagnostic]:
        rule = RULES_BY_CODE[self.code](Settings())
        found: set[Diagnostic] = set()
        for number, line in enumerate(self.text.splitlines(), start=1):
            comment = line.partition("#")[2]
            for code, col, raw_args in _ANNOTATION.findall(comment):
                if code != self.code:
                    continue
                args = ast.literal_eval(f"({raw_args.lstrip(' ,')},)") if raw_args else ()
                found.add((number, int(col), code, rule.format_message(*args)))
        return found

    def with_noqa(self) -> str:
        """The fixture with each annotation comment turned into ``# noqa: <code>`` (real
        comments only: a docstring that shows the annotation syntax stays as it is)."""
        lines = self.text.splitlines()
        for row, col in _comments(self.text):
            lines[row - 1] = lines[row - 1][:col] + _ANNOTATION_COMMENT.sub(
                f"# noqa: {self.code}", lines[row - 1][col:])
        return "\n".join(lines) + "\n"


def _comments(text: str) -> list[tuple[int, int]]:
    """Where each comment of a module starts: (line, column)."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [token.start for token in tokens if token.type == tokenize.COMMENT]


def project_sources(root: Path) -> list[Path]:
    """The modules of a project under tests/projects/ that flake8 checks; ``*broken*``
    modules do not parse (flake8 would report E999): they are only read by the project
    tier, as imports of the others."""
    return sorted(p for p in root.rglob("*.py") if "broken" not in p.name)


def annotated(path: Path) -> set[Diagnostic]:
    """The diagnostics a project module's annotations expect, of every code."""
    found: set[Diagnostic] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for code, col, raw_args in _ANNOTATION.findall(line.partition("#")[2]):
            args = ast.literal_eval(f"({raw_args.lstrip(' ,')},)") if raw_args else ()
            found.add((number, int(col), code, RULES_BY_CODE[code](Settings()).format_message(*args)))
    return found


def with_noqa(text: str) -> str:
    """A module with each line's annotations turned into ``# noqa: <codes>``."""
    lines = []
    for line in text.splitlines():
        codes = list(dict.fromkeys(code for code, _, _ in _ANNOTATION.findall(line.partition("#")[2])))
        lines.append(_ANNOTATION_COMMENT.sub(f"# noqa: {','.join(codes)}", line) if codes else line)
    return "\n".join(lines) + "\n"


def all_fixtures() -> list[Fixture]:
    return [Fixture(p) for p in sorted(FIXTURES.glob("ASR*.py")) if _FIXTURE_NAME.match(p.name)]


def run_flake8(paths: Iterable[Path], args: Iterable[str] = ()) -> dict[Path, set[Diagnostic]]:
    """Run the real flake8 (plugin discovered through its entry point) over ``paths``,
    in the directory that holds them."""
    paths = [Path(p).resolve() for p in paths]
    cwd = os.path.commonpath([str(p.parent) for p in paths])
    command = [sys.executable, "-m", "flake8", "--isolated", "--select", "ASR",
               f"--format={_FORMAT}", *args, *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if result.returncode not in (0, 1) or result.stderr.strip():
        raise AssertionError(f"flake8 failed ({result.returncode}):\n{result.stderr}")
    found: dict[Path, set[Diagnostic]] = {Path(p).resolve(): set() for p in paths}
    for line in result.stdout.splitlines():
        path, row, col, code, text = line.split("|", 4)
        message = text[len(code) + 1 :] if text.startswith(code + " ") else text
        found.setdefault(Path(path).resolve(), set()).add((int(row), int(col) - 1, code, message))
    return found


def only(code: str, diagnostics: set[Diagnostic]) -> set[Diagnostic]:
    return {d for d in diagnostics if d[2] == code}


# A small project the cache and warm-start tests check: a helper another module calls
# from an ``async def`` (a finding across modules), a direct finding, a file that does
# not parse.
SLEEPER = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
HELPERS = "import time\n\n\ndef pause():\n    time.sleep(1)\n"
MAIN = "from app.helpers import pause\n\n\nasync def handler():\n    pause()\n"


def demo_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (root / "app" / "main.py").write_text(MAIN, encoding="utf-8")
    (root / "app" / "sleeper.py").write_text(SLEEPER, encoding="utf-8")
    (root / "app" / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    return root
