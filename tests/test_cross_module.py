"""Types across modules: a factory, an alias, a function's result and a base class
defined in another module of the project type the receivers of the module that uses
them (tests/projects/cross_module; its annotated codes are checked with every project)."""

from __future__ import annotations

from harness import PROJECTS, project_sources, run_flake8

ROOT = PROJECTS / "cross_module"


def test_a_session_from_an_imported_factory_is_checked_for_races() -> None:
    users = (ROOT / "app" / "routes" / "users.py").resolve()
    found = run_flake8(project_sources(ROOT), ["--select", "ASR602"])
    assert {(line, code) for line, _, code, _ in found[users]} == {(8, "ASR602")}


def test_the_tier_off_types_nothing_across_modules() -> None:
    found = run_flake8(project_sources(ROOT), ["--asr-project-inference=off"])
    codes = {"ASR105", "ASR106", "ASR501", "ASR602"}
    assert not {(path, d) for path, diagnostics in found.items() for d in diagnostics
                if d[2] in codes}


def test_a_session_from_an_imported_dependency_alias_needs_no_rollback() -> None:
    items = (ROOT / "app" / "routes" / "items.py").resolve()
    found = run_flake8(project_sources(ROOT), ["--select", "ASR902"])
    lines = {line for line, _, code, _ in found[items] if code == "ASR902"}
    text = items.read_text(encoding="utf-8").splitlines()
    alias_commit = next(n for n, line in enumerate(text, 1) if "db_session.commit()" in line
                        and n > text.index("def plain_route(db_session: DbSession):"))
    assert alias_commit not in lines
    # The session the route makes itself from the factory has no rollback: reported.
    assert any("db = SessionLocal()" in text[n - 2] for n in lines)
