"""A `check` run whose results all come from the cache loads no rule and builds no
linter: it reports what the first run reported, from the cache alone. A changed file
brings the rules back, and is reported as a run without the cache reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SLEEPER, demo_project

from flake8_async_review.frontends import cache as cache_module
from flake8_async_review.frontends import inputs as inputs_module

# Runs the command line, then writes the package's modules it loaded to the file named
# by the first argument.
RUN_AND_LIST_MODULES = """
import json, sys
from flake8_async_review.frontends.cli import main
status = main(sys.argv[2:])
sys.stdout.flush()
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(sorted(m for m in sys.modules if m.startswith("flake8_async_review.")), out)
sys.exit(status)
"""


class Run:
    def __init__(self, result: subprocess.CompletedProcess[str], modules: list[str]) -> None:
        self.output = (result.returncode, result.stdout, result.stderr)
        self.modules = modules

    @property
    def loaded_rules(self) -> bool:
        return any(m == "flake8_async_review.rules" or m.startswith("flake8_async_review.rules.")
                   for m in self.modules)

    @property
    def built_a_linter(self) -> bool:
        return "flake8_async_review.engine.linter" in self.modules


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return demo_project(tmp_path)


def check(project: Path, cache: Path | None, *args: str) -> Run:
    listing = project.parent / "modules.json"
    options = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    env = {k: v for k, v in os.environ.items() if k != inputs_module.ENV_VAR}
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(listing), "check", *options, *args],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )
    modules = json.loads(listing.read_text(encoding="utf-8"))
    listing.unlink()
    return Run(result, modules)


@pytest.mark.parametrize("args", [(), ("--format", "json"), ("--format", "github")])
def test_a_warm_run_loads_no_rule(project: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    cache = tmp_path / "cache"
    cold = check(project, cache, *args)
    assert cold.output[0] == 1 and "ASR101" in cold.output[1] and "ASR110" in cold.output[1]
    assert cold.loaded_rules and cold.built_a_linter
    warm = check(project, cache, *args)
    assert warm.output == cold.output
    assert not warm.loaded_rules and not warm.built_a_linter

    (project / "app" / "sleeper.py").write_text(SLEEPER + "\n\nasync def more():\n    time.sleep(2)\n",
                                                encoding="utf-8")
    changed = check(project, cache, *args)
    assert changed.loaded_rules and changed.built_a_linter
    assert changed.output == check(project, None, *args).output
    assert changed.output[1].count("ASR101") > cold.output[1].count("ASR101")
    assert not check(project, cache, *args).loaded_rules


def test_rule_facts_missing_from_the_cache(project: Path, tmp_path: Path) -> None:
    """Without the rules' names and severities in the cache, a run whose results all come
    from it loads the rules for them, reports the same and keeps them for the next run."""
    cache = tmp_path / "cache"
    cold = check(project, cache, "--format", "json")
    [facts] = (cache / cache_module.SCHEMA).glob("package-*-rules.json")
    facts.write_text("{not json", encoding="utf-8")
    again = check(project, cache, "--format", "json")
    assert again.output == cold.output
    assert again.loaded_rules and not again.built_a_linter
    warm = check(project, cache, "--format", "json")
    assert warm.output == cold.output and not warm.loaded_rules


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--asr-async-library", "curio"], 2, "error: argument --asr-async-library: expected one of"),
    (["--asr-blocking-calls", "fetch"], 2, "error: argument --asr-blocking-calls: 'fetch' names"),
    (["--extend-select", "E501"], 1, "warning: --extend-select E501: not an ASR code;"),
])
def test_a_warm_run_reports_options_as_a_cold_one(
    project: Path, tmp_path: Path, args: list[str], status: int, message: str,
) -> None:
    cache = tmp_path / "cache"
    check(project, cache, *(args if status != 2 else []))
    warm = check(project, cache, *args)
    assert warm.output[0] == status and f"flake8-async-review: {message}" in warm.output[2]
    assert warm.output == check(project, None, *args).output
    assert not warm.loaded_rules


def test_a_linter_given_to_the_session_has_entries_of_its_own(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The options' own linter is known from the options; a linter given instead may
    run other rules, so its results are kept apart."""
    from flake8_async_review.engine.linter import Linter
    from flake8_async_review.frontends.core import Session

    cache = tmp_path / "cache"
    monkeypatch.chdir(project)

    def codes(linter: Linter | None) -> list[str]:
        session = Session(["--isolated"], linter=linter)
        assert session.use_cache(str(cache)) is None
        [report] = session.check_files(["app/sleeper.py"])
        return [finding.code for finding in report.findings]

    assert codes(None) == ["ASR101"]
    assert len([p for p in cache.glob(f"{cache_module.SCHEMA}/*/*.json")
                if p.parent.name != "runs"]) == 1
    assert codes(Linter(())) == []
    assert codes(None) == ["ASR101"]
