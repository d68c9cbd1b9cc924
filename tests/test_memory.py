"""A checked file's tree, and what the rules and flake8 built for it, are freed by
reference counting as soon as the file is done: nothing is left for the cyclic garbage
collector, which would otherwise traverse every tree again (on an application, a
quarter of a run's time)."""

from __future__ import annotations

import ast
import gc
import types
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Fixture, all_fixtures, demo_project

from flake8_async_review.analysis import project as project_tier
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.linter import Linter
from flake8_async_review.engine.rule import CallIndex, CallNames, Rule
from flake8_async_review.frontends.core import Session
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.rules.common.blocking import BlockingCallRule
from flake8_async_review.settings import Settings

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


# What a long-lived object keeps for the collector: every full collection of the
# process (flake8's own, between and during its files) traverses each tracked object
# once more. Counted after a collection, which stops tracking tuples and dicts that hold
# only atoms; not through modules, classes and functions, nor past ``stop``.
def _tracked_from(root: object, stop: tuple[type, ...] = ()) -> int:
    gc.collect()
    seen: set[int] = set()
    pending = [root]
    while pending:
        thing = pending.pop()
        if id(thing) in seen or not gc.is_tracked(thing):
            continue
        if isinstance(thing, (type, types.ModuleType, types.FunctionType, *stop)) and thing is not root:
            continue
        seen.add(id(thing))
        pending.extend(gc.get_referents(thing))
    return len(seen)


def test_a_module_the_tier_keeps_costs_the_collector_a_few_objects_per_definition(
        tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    definitions = 60
    source = "".join(
        f"@decorate\ndef helper_{n}(a, b: int = 1, *rest, **options) -> str:\n"
        f"    return str(a)\n\n\nclass Model{n}(Base):\n    x: int = 1\n\n"
        for n in range(definitions // 2))
    (tmp_path / "helpers.py").write_text("import os\n" + source, encoding="utf-8")
    project_tier.clear_cache()
    root = project_tier.project_root(str(tmp_path))
    assert root is not None
    info = project_tier.project_for(root).module("helpers")
    assert info is not None and all(project_tier.is_stub(n) for n in info.tree.body[1:])
    kept = _tracked_from(info.tree, stop=(project_tier.ModuleInfo,))
    # Each definition's node, its attributes, its decorator or base, and where its
    # lines are; no body or parameters of its own (a stub's are shared, and a question
    # about them reads the definition again).
    assert kept <= 10 * definitions + 20, kept  # 15 a definition when each kept its own.


def test_an_outline_keeps_nothing_for_the_collector(tmp_path: Path) -> None:
    text = "".join(f"from app.m{n} import a{n}, b{n}\ndef f{n}(): pass\nasync def g{n}(): pass\n"
                   f"class C{n}: pass\nclass S{n}(BaseSettings): pass\nx{n} = 1\n"
                   for n in range(50))
    outline = project_tier.Outline(text)
    assert outline.may_bind("f3", project_tier.SYNC_FUNCTIONS)
    assert not outline.may_bind("f3", project_tier.COROUTINE_FUNCTIONS)
    assert outline.may_bind("g3", project_tier.COROUTINE_FUNCTIONS)
    assert outline.may_bind("a7", project_tier.MODULES)  # Imported: may be re-exported.
    assert outline.may_bind("x2", project_tier.ASSIGNMENTS)
    assert not outline.may_bind("x2", project_tier.CLASSES)
    assert outline.may_bind("S4", project_tier.SETTINGS_CLASSES)
    assert not outline.may_bind("C4", project_tier.SETTINGS_CLASSES)
    assert outline.may_bind("C4", project_tier.CLASSES)
    assert outline.imported_line.split() == sorted({"from", "import", "app", *(
        f"{word}{n}" for n in range(50) for word in ("m", "a", "b"))})
    assert _tracked_from(outline) == 1


def test_the_call_index_of_every_blocking_rule_keeps_few_objects_for_the_collector() -> None:
    linter = Linter(ALL_RULES, Settings(), fixes=False)
    rules = [rule for rule in linter.rules if isinstance(rule, BlockingCallRule)]
    index = CallIndex([(rule.call_names(), rule) for rule in rules])
    names = [name for rule in rules for name in (rule.call_names() or CallNames()).qualified]
    assert len(names) > 100
    for name in names:
        assert index.candidates(name, None)
    # Its tables and the candidates of every name asked about: shared tuples, not one
    # container per name.
    assert _tracked_from(index, stop=(Rule,)) < 60
