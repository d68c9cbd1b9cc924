"""The plugin as users run it: the real flake8, its configuration files and options."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_async_review.engine.rule import Rule, Severity
from flake8_async_review.frontends import flake8_plugin as plugin
from flake8_async_review.frontends.flake8_plugin import Plugin

SAMPLE = textwrap.dedent(
    """\
    import time


    async def handler():
        time.sleep(1)
    """
)


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "service.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


def test_select_asr_reports(project: Path) -> None:
    result = flake8(project, "--select", "ASR", "service.py")
    assert result.returncode == 1
    assert result.stdout == (
        "service.py:5:5: ASR101 `time.sleep()` blocks the event loop: "
        "use `await asyncio.sleep()`\n"
    )


def test_project_select_hides_asr_and_extend_select_shows_it(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nselect = E,F,W\n", encoding="utf-8")
    assert "ASR101" not in flake8(project, "service.py").stdout
    (project / "setup.cfg").write_text(
        "[flake8]\nselect = E,F,W\nextend-select = ASR\n", encoding="utf-8"
    )
    assert "ASR101" in flake8(project, "service.py").stdout


def test_noqa_is_flake8s_job(project: Path) -> None:
    source = SAMPLE.replace("time.sleep(1)", "time.sleep(1)  # noqa: ASR101")
    (project / "service.py").write_text(source, encoding="utf-8")
    assert flake8(project, "--select", "ASR", "service.py").stdout == ""


def test_option_from_the_command_line_and_from_config(project: Path) -> None:
    result = flake8(project, "--select", "ASR", "--asr-async-library=anyio", "service.py")
    assert "use `await anyio.sleep()`" in result.stdout
    (project / "tox.ini").write_text("[flake8]\nasr-async-library = trio\n", encoding="utf-8")
    assert "use `await trio.sleep()`" in flake8(project, "--select", "ASR", "service.py").stdout


@pytest.mark.parametrize("where", ["command line", "config"])
def test_an_invalid_option_value_is_one_clear_error(project: Path, where: str) -> None:
    args = ["--select", "ASR", "service.py"]
    if where == "config":
        (project / ".flake8").write_text("[flake8]\nasr-async-library = gevent\n", encoding="utf-8")
    else:
        args.append("--asr-async-library=gevent")
    result = flake8(project, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if "error" in line]
    assert "--asr-async-library" in error and "gevent" in error


def _decision(project: Path, *args: str) -> dict[str, str]:
    """flake8's own decision for an opt-in code and a default code, as configured."""
    script = textwrap.dedent(
        """\
        import sys
        from flake8.main.application import Application
        from flake8.style_guide import DecisionEngine
        app = Application()
        app.initialize(sys.argv[1:])
        engine = DecisionEngine(app.options)
        print(engine.decision_for("ASR901").name, engine.decision_for("ASR101").name)
        """
    )
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=project,
                            capture_output=True, text=True, check=True)
    opt_in, default = result.stdout.split()
    return {"ASR901": opt_in, "ASR101": default}


def test_opt_in_codes_are_off_by_default_and_on_when_extended(project: Path) -> None:
    assert _decision(project) == {"ASR901": "Ignored", "ASR101": "Selected"}
    assert _decision(project, "--extend-select", "ASR9") == {
        "ASR901": "Selected", "ASR101": "Selected"
    }
    assert _decision(project, "--extend-select", "ASR901")["ASR901"] == "Selected"


def test_plugin_yields_flake8_tuples_from_the_given_tree() -> None:
    tree = ast.parse(SAMPLE)
    found = list(Plugin(tree, SAMPLE.splitlines(True), "s.py").run())
    # ASR907 (opt-in, all rules run here) also reports the `async def` that never awaits.
    [(line, col, text, kind)] = [f for f in found if not f[2].startswith("ASR907")]
    assert (line, col, text[:6], kind) == (5, 4, "ASR101", Plugin)


class _OptIn(Rule):
    """Test-only opt-in rule."""

    code = "ASR999"
    name = "test-opt-in"
    message = "x"
    severity = Severity.LOW


def _enabled(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> set[str]:
    from flake8.main.application import Application

    monkeypatch.chdir(project)
    monkeypatch.setattr(plugin, "ALL_RULES", (*plugin.ALL_RULES, _OptIn))
    monkeypatch.setattr(Plugin, "_linter", None)  # Restored after: parsing options sets it.
    app = Application()
    app.initialize([*args, "service.py"])
    return {rule.code for rule in plugin.enabled_rules(app.options)}


@pytest.mark.parametrize(
    ("args", "opt_in_runs"),
    [
        ((), False),
        (("--select", "ASR"), False),
        (("--ignore", "E501"), False),
        (("--extend-select", "ASR9"), True),
        (("--select", "ASR,ASR99"), True),
        (("--extend-select", "ASR999"), True),
        (("--extend-select", "ASR999", "--extend-ignore", "ASR999"), False),
    ],
)
def test_opt_in_rules_run_only_when_a_selection_names_them(
    project: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], opt_in_runs: bool
) -> None:
    enabled = _enabled(project, monkeypatch, *args)
    assert ("ASR999" in enabled) is opt_in_runs
    assert "ASR101" in enabled


def test_rules_flake8_would_not_report_do_not_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "ASR101" not in _enabled(project, monkeypatch, "--select", "E,F")


def test_asr903_is_reported_only_when_selected(project: Path) -> None:
    source = "import os\n\n\nasync def handler(path):\n    return os.path.exists(path)\n"
    (project / "service.py").write_text(source, encoding="utf-8")
    assert "ASR903" not in flake8(project, "service.py").stdout
    assert "ASR903" not in flake8(project, "--select", "ASR", "service.py").stdout
    result = flake8(project, "--extend-select", "ASR9", "service.py")
    # ASR907, also selected, reports that `handler` never awaits.
    assert "".join(line for line in result.stdout.splitlines(True) if "ASR907" not in line) == (
        "service.py:5:12: ASR903 `os.path.exists()` is a blocking file system call: "
        "use `asyncio.to_thread()` if the disk can be slow\n"
    )
