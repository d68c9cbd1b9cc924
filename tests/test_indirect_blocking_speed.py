"""ASR110 looks for a helper only behind calls whose names can name one: a plain
``def`` of the module, or a name imported from the project. Other calls (methods of
ordinary objects, builtins, library functions) are rejected before any scope is read,
and the findings stay those of the full resolution."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from flake8_async_review.analysis import project
from flake8_async_review.analysis.local_functions import sync_def_names
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import indirect_blocking
from flake8_async_review.rules.indirect_blocking import IndirectBlockingCall
from flake8_async_review.settings import Settings


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The calls ASR110 looked for a helper behind, as source text, in order."""
    calls: list[str] = []
    original = IndirectBlockingCall._blocking_target

    def counting(self: IndirectBlockingCall, call: ast.Call, *args: object
                 ) -> indirect_blocking.Blocking | None:
        calls.append(ast.unparse(call))
        return original(self, call, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(IndirectBlockingCall, "_blocking_target", counting)
    project.clear_cache()
    yield calls
    project.clear_cache()


def _lint(source: str, filename: str, settings: Settings | None = None) -> list[tuple[int, str]]:
    linter = Linter([IndirectBlockingCall], settings or Settings())
    return [(v.line, v.code) for v in lint_source(source, filename, linter)]


_SERVICE = '''\
import json
import time


def pause():
    time.sleep(1)


class Service:
    def load(self):
        time.sleep(1)

    async def run(self, request, db):
        await self.fetch()
        request.json()
        db.execute("select 1")
        json.dumps({})
        print(len([]))
        self.client.get()
        self.fetch()
        self.load()
        pause()

    async def fetch(self):
        return None
'''


def test_only_calls_named_like_a_sync_helper_are_resolved(resolved: list[str]) -> None:
    found = _lint(_SERVICE, "service.py")
    assert found == [(21, "ASR110"), (22, "ASR110")]
    # `self.fetch()` names an async def only; the reported calls are asked again for
    # their message.
    assert sorted(set(resolved)) == ["pause()", "self.load()"]


@pytest.mark.parametrize("block", [
    "    try:\n        def inner():\n            time.sleep(1)\n    except ValueError:\n        return\n",
    "    match flag:\n        case 1:\n            def inner():\n                time.sleep(1)\n",
    "    with lock:\n        def inner():\n            time.sleep(1)\n",
])
def test_a_def_nested_in_a_block_of_the_coroutine_is_a_helper(block: str) -> None:
    source = f"import time\n\n\nasync def handler(flag, lock):\n{block}    inner()\n"
    line = source.count("\n")
    assert _lint(source, "handler.py") == [(line, "ASR110")]


def test_a_def_of_an_enclosing_function_is_a_helper() -> None:
    source = ("import time\n\n\ndef make():\n    def inner():\n        time.sleep(1)\n\n"
              "    async def handler():\n        inner()\n\n    return handler\n")
    assert _lint(source, "make.py") == [(9, "ASR110")]


def test_a_method_called_on_self_of_an_enclosing_method_is_a_helper() -> None:
    source = ("import time\n\n\nclass Service:\n    def load(self):\n        time.sleep(1)\n\n"
              "    def handlers(self):\n        async def handler():\n            self.load()\n\n"
              "        return handler\n")
    assert _lint(source, "service.py") == [(10, "ASR110")]


def test_the_names_a_body_binds_with_one_plain_def() -> None:
    tree = ast.parse(
        "def top(): pass\n"
        "async def coroutine():\n    def nested(): pass\n"
        "class Box:\n    def method(self): pass\n"
        "if True:\n    def either(): pass\nelse:\n    def either(): pass\n"
        "try:\n    pass\nexcept ValueError:\n    def fallback(): pass\n"
        "finally:\n    def last(): pass\n"
        "match x:\n    case _:\n        def cased(): pass\n"
        "def rebound(): pass\nrebound = None\n")
    assert sync_def_names(tree) == {"top", "fallback", "last", "cased"}
    coroutine = tree.body[1]
    assert isinstance(coroutine, ast.AsyncFunctionDef)
    assert sync_def_names(coroutine) == {"nested"}


def _project(root: Path) -> Path:
    (root / "setup.cfg").write_text("[flake8]\n")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "crud.py").write_text("import time\n\n\ndef get_user():\n    time.sleep(1)\n")
    routes = root / "app" / "routes.py"
    routes.write_text(
        "import json\nfrom app import crud\nfrom app.crud import get_user as load\n\n\n"
        "async def handler(payload):\n    json.loads(payload)\n    crud.get_user()\n"
        "    load()\n    payload.get_user()\n")
    return routes


def test_names_imported_from_the_project_are_resolved(tmp_path: Path, resolved: list[str]) -> None:
    routes = _project(tmp_path)
    assert _lint(routes.read_text(), str(routes)) == [(8, "ASR110"), (9, "ASR110")]
    assert sorted(set(resolved)) == ["crud.get_user()", "load()"]


def test_with_the_tier_off_imported_names_are_not_resolved(tmp_path: Path, resolved: list[str]) -> None:
    routes = _project(tmp_path)
    assert _lint(routes.read_text(), str(routes), Settings(project_inference=False)) == []
    assert resolved == []


def test_a_helper_of_another_module_is_parsed_once_for_the_report_and_its_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether the helper blocks (the report) and whether it may run in a worker thread
    (the fix) come from one walk of its body, which the tier parses for it once."""
    routes = _project(tmp_path)
    parsed: list[int] = []
    original = project._parse_definition

    def counting(node: ast.AST, text: str, first: int) -> ast.AST | None:
        parsed.append(first)
        return original(node, text, first)

    monkeypatch.setattr(project, "_parse_definition", counting)
    project.clear_cache()
    linter = Linter([IndirectBlockingCall], Settings())
    violations = lint_source(routes.read_text(), str(routes), linter)
    project.clear_cache()
    assert [(v.line, v.fix is not None) for v in violations] == [(8, True), (9, True)]
    assert parsed == [4]  # `def get_user():`, for both calls and both questions.
