"""A checked file's tree, and what the rules and flake8 built for it, are freed by
reference counting as soon as the file is done: nothing is left for the cyclic garbage
collector, which would otherwise traverse every tree again (on an application, a
quarter of a run's time)."""

from __future__ import annotations

import ast
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Fixture, all_fixtures, demo_project

from flake8_async_review.analysis import project as project_tier
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.linter import Linter
from flake8_async_review.frontends.core import Session
from flake8_async_review.rules import ALL_RULES

_FIXTURES = all_fixtures()


@pytest.fixture
def no_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("fixture", _FIXTURES, ids=[f"{f.code}-{f.path.name}" for f in _FIXTURES])
def test_a_linted_tree_is_freed_without_the_collector(
        fixture: Fixture, no_collection: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture.path.parent)
    linter = Linter(ALL_RULES, fixture.settings)
    tree = ast.parse(fixture.text)
    freed = weakref.ref(tree)
    linter.lint(tree, source_lines(fixture.text), str(fixture.path))
    del tree
    assert freed() is None, "something the rules built refers to the tree in a cycle"


def test_a_checked_file_leaves_nothing_for_the_collector(
        tmp_path: Path, no_collection: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through flake8's file pipeline too (the command line and the language server):
    its processor, with the file's lines and tokens, and the tree. The file imports a
    helper of another module, so the project tier takes part."""
    root = demo_project(tmp_path)
    monkeypatch.chdir(root)
    project_tier.clear_cache()
    session = Session(["--isolated"])
    main = str(root / "app" / "main.py")
    session.run_file(main)  # Loads what a first file loads once (modules, the tier's).
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        violations = session.run_file(main)[2]
        assert [v.code for v in violations] == ["ASR110"]
        gc.collect()
        kinds = {type(thing).__name__ for thing in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert not kinds & {"FileProcessor", "Module", "TokenInfo", "Context", "ModuleInfo"}, kinds
