"""The results cache of `flake8-async-review check` and the language server: a warm
run reports exactly what a cold one does, and an entry is used only while the file, the
project around it and the options are unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import HELPERS, MAIN, SLEEPER, demo_project

from flake8_async_review.frontends import cache as cache_module
from flake8_async_review.frontends import inputs as inputs_module
from flake8_async_review.frontends.core import Session

SCRIPT = Path(sys.executable).with_name("flake8-async-review")


def run(project: Path, cache: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    options = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    env = {k: v for k, v in os.environ.items() if k != inputs_module.ENV_VAR}
    return subprocess.run([str(SCRIPT), "check", *options, *args], cwd=project, env=env,
                          capture_output=True, text=True, check=False)


def entries(cache: Path) -> list[Path]:
    """The files' entries (not the records of whole runs, see test_replay.py)."""
    return sorted(p for p in cache.glob(f"{cache_module.SCHEMA}/*/*.json") if p.parent.name != "runs")


def forget_runs(cache: Path) -> None:
    """Delete the records of whole runs (see test_replay.py), so that the next run reads
    the entries of the files."""
    for record in cache.glob(f"{cache_module.SCHEMA}/runs/*.json"):
        record.unlink()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return demo_project(tmp_path)


def same(a: subprocess.CompletedProcess[str], b: subprocess.CompletedProcess[str]) -> None:
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


@pytest.mark.parametrize("args", [(), ("--format", "json", "--show-source")])
def test_warm_equals_cold(project: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    cache = tmp_path / "cache"
    cold = run(project, cache, *args)
    assert "ASR110" in cold.stdout and "ASR101" in cold.stdout and "E999" in cold.stdout
    assert len(entries(cache)) == 5
    warm = run(project, cache, *args)
    same(cold, warm)
    same(cold, run(project, None, *args))


def test_warm_equals_cold_with_diff(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *command], cwd=project, env=env, check=True, capture_output=True)
    (project / "app" / "sleeper.py").write_text(SLEEPER + "\n\nasync def more():\n    time.sleep(2)\n",
                                                encoding="utf-8")
    cache = tmp_path / "cache"
    cold = run(project, cache, "--diff", "HEAD")
    assert cold.stdout.count("ASR101") == 1 and "sleeper.py:9:" in cold.stdout
    same(cold, run(project, cache, "--diff", "HEAD"))
    same(cold, run(project, None, "--diff", "HEAD"))


def test_warm_run_uses_the_entries(project: Path, tmp_path: Path) -> None:
    """Proof that a warm run reads the entries: an entry altered on purpose (a valid
    one) is what the next run reports."""
    cache = tmp_path / "cache"
    cold = run(project, cache, "app/sleeper.py")
    (entry,) = entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["results"] = [[r[0], r[1], r[2], r[3].replace("blocks", "BLOCKS"), r[4]]
                       for r in data["results"]]
    entry.write_text(json.dumps(data), encoding="utf-8")
    forget_runs(cache)
    warm = run(project, cache, "app/sleeper.py")
    assert "BLOCKS" in warm.stdout and warm.stdout == cold.stdout.replace("blocks", "BLOCKS")


def test_parse_errors_are_reported_warm(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = run(project, cache, "app/broken.py")
    assert cold.returncode == 1 and "E999" in cold.stdout
    assert len(entries(cache)) == 1
    same(cold, run(project, cache, "app/broken.py"))


def test_editing_the_file_invalidates_its_entry(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert "ASR101" in run(project, cache).stdout
    (project / "app" / "sleeper.py").write_text(SLEEPER.replace("time.sleep(1)", "pass"),
                                                encoding="utf-8")
    warm = run(project, cache)
    assert "sleeper.py" not in warm.stdout
    same(warm, run(project, None))


def test_editing_an_imported_module_invalidates_the_importer(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert "ASR110" in run(project, cache, "app/main.py").stdout
    # main.py itself is unchanged: only the module it imports from is.
    (project / "app" / "helpers.py").write_text("def pause():\n    return None\n", encoding="utf-8")
    warm = run(project, cache, "app/main.py")
    assert "ASR110" not in warm.stdout
    same(warm, run(project, None, "app/main.py"))
    (project / "app" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    assert "ASR110" in run(project, cache, "app/main.py").stdout


def test_a_new_module_and_the_location_invalidate(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (project / "app" / "helpers.py").unlink()
    assert "ASR110" not in run(project, cache, "app/main.py").stdout
    (project / "app" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    assert "ASR110" in run(project, cache, "app/main.py").stdout
    # A project marker appearing in the package moves the project root.
    (project / "app" / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    same(run(project, cache, "app/main.py"), run(project, None, "app/main.py"))


def test_changing_an_option_invalidates(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    asyncio_run = run(project, cache, "app/sleeper.py")
    trio_run = run(project, cache, "--asr-async-library=trio", "app/sleeper.py")
    assert "trio.sleep" in trio_run.stdout and "trio.sleep" not in asyncio_run.stdout
    same(trio_run, run(project, None, "--asr-async-library=trio", "app/sleeper.py"))
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = ASR101\n", encoding="utf-8")
    configured = run(project, cache, "app/sleeper.py")
    assert "ASR101" not in configured.stdout
    same(configured, run(project, None, "app/sleeper.py"))


@pytest.mark.parametrize("content", [b"", b"{", b"\x00\xff garbage", b'{"schema": "v1"}'])
def test_a_corrupt_entry_is_recomputed(project: Path, tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / "cache"
    cold = run(project, cache, "app/sleeper.py")
    (entry,) = entries(cache)
    entry.write_bytes(content)
    forget_runs(cache)
    warm = run(project, cache, "app/sleeper.py")
    same(cold, warm)
    assert json.loads(entry.read_bytes())["schema"] == cache_module.SCHEMA  # Written again.


def test_an_entry_of_another_key_is_not_used(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache, "app/sleeper.py", "app/main.py")
    first, second = entries(cache)
    first_data, second_bytes = first.read_bytes(), second.read_bytes()
    first.write_bytes(second_bytes)
    second.write_bytes(first_data)
    same(run(project, cache, "app/sleeper.py", "app/main.py"),
         run(project, None, "app/sleeper.py", "app/main.py"))


def test_no_cache_writes_nothing(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, inputs_module.ENV_VAR: str(cache)}
    result = subprocess.run([str(SCRIPT), "check", "--no-cache"], cwd=project, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "ASR101" in result.stdout
    assert not cache.exists()


def test_the_environment_variable_names_the_directory(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "from-env"
    env = {**os.environ, inputs_module.ENV_VAR: str(cache)}
    subprocess.run([str(SCRIPT), "check"], cwd=project, env=env, capture_output=True,
                   text=True, check=False)
    assert len(entries(cache)) == 5


def test_an_unwritable_cache_degrades_to_no_cache(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = run(project, blocker / "cache")
    expected = run(project, None)
    assert result.stdout == expected.stdout and result.returncode == expected.returncode
    warnings = [line for line in result.stderr.splitlines() if line not in expected.stderr]
    assert len(warnings) == 1 and "warning: cannot write the cache" in warnings[0]
    assert "Traceback" not in result.stderr


def test_parallel_runs_share_the_cache(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for index in range(8):
        (project / "app" / f"copy{index}.py").write_text(SLEEPER, encoding="utf-8")
    cold = run(project, cache, "-j2")
    same(cold, run(project, None, "-j1"))
    assert len(entries(cache)) == 13
    same(cold, run(project, cache, "-j2"))
    same(cold, run(project, cache, "-j1"))


def test_fix_does_not_use_the_cache(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache, "app/sleeper.py")
    (entry,) = entries(cache)
    entry.write_bytes(b"{}")  # Whatever the cache holds, fix checks the file itself.
    env = {**os.environ, inputs_module.ENV_VAR: str(cache)}
    result = subprocess.run([str(SCRIPT), "fix", "--unsafe-fixes", "--diff", "app/sleeper.py"],
                            cwd=project, env=env, capture_output=True, text=True, check=False)
    assert "asyncio.sleep" in result.stdout
    assert entry.read_bytes() == b"{}"


def test_clean_removes_the_entries(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    assert cache_module.clean(str(cache)) == 6  # 5 entries, and the run's record.
    assert entries(cache) == []


# -- the language server's use: text in memory ------------------------------------------


def test_text_in_memory_is_cached_by_its_content(project: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_async_review.analysis import project as project_tier

    monkeypatch.chdir(project)
    session = Session(["--isolated"])
    assert session.use_cache(str(tmp_path / "cache"), snapshot=False) is None
    path = str(project / "app" / "main.py")
    unsaved = MAIN + "\n\nasync def other():\n    pause()\n"
    cold = session.check_text_cached(path, unsaved, physical_lines=False)
    assert [f.code for f in cold] == ["ASR110", "ASR110"]
    assert entries(tmp_path / "cache") == []  # Only the text of the file on disk is kept.
    (project / "app" / "main.py").write_text(unsaved, encoding="utf-8")
    assert session.check_text_cached(path, unsaved, physical_lines=False) == cold
    (entry,) = entries(tmp_path / "cache")
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["results"] = data["results"][:1]
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert len(session.check_text_cached(path, unsaved, physical_lines=False)) == 1  # A hit.
    # The module it imports changes on disk: the entry is not used, and the analysis
    # forgets what it kept of the old module.
    (project / "app" / "helpers.py").write_text("def pause():\n    return None\n", encoding="utf-8")
    assert session.check_text_cached(path, unsaved, physical_lines=False) == []
    project_tier.clear_cache()
