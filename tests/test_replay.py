"""A `check` run over an unchanged tree prints what the last one printed, without
checking (or importing flake8); any change to what the run read makes it check again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SLEEPER, demo_project

from flake8_async_review.frontends import inputs, replay

SCRIPT = Path(sys.executable).with_name("flake8-async-review")
# The command as its entry point runs it, telling on standard error whether flake8 was
# imported (a replayed run does not import it).
_PROBE = ("import sys\n"
          "from flake8_async_review.frontends.entry import main\n"
          "code = main(sys.argv[1:])\n"
          "sys.stderr.write('flake8 imported: %s\\n' % ('flake8' in sys.modules))\n"
          "sys.exit(code)\n")


def run(project: Path, cache: Path, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in (env or os.environ).items() if k != inputs.ENV_VAR}
    return subprocess.run([sys.executable, "-c", _PROBE, "check", "--cache-dir", str(cache), *args],
                          cwd=project, env=environment, capture_output=True, text=True,
                          check=False)


def reference(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "check", "--no-cache", *args], cwd=project,
                          capture_output=True, text=True, check=False)


def records(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"{inputs.SCHEMA}/runs/*.json"))


def output(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    """Exit status, standard output and standard error, less the probe's line."""
    err = "".join(line for line in result.stderr.splitlines(keepends=True)
                  if not line.startswith("flake8 imported:"))
    return result.returncode, result.stdout, err


def replayed(result: subprocess.CompletedProcess[str]) -> bool:
    return "flake8 imported: False" in result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return demo_project(tmp_path)


@pytest.mark.parametrize("args", [(), ("--format", "json"), ("--show-source", "--statistics")])
def test_an_unchanged_tree_is_replayed(project: Path, tmp_path: Path, args: tuple[str, ...]
                                       ) -> None:
    cache = tmp_path / "cache"
    cold = run(project, cache, *args)
    assert not replayed(cold) and "ASR101" in cold.stdout and "ASR110" in cold.stdout
    assert len(records(cache)) == 1
    warm = run(project, cache, *args)
    assert replayed(warm)
    assert output(warm) == output(cold) == output(reference(project, *args))


def test_an_edited_file_is_checked_again(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    (project / "app" / "sleeper.py").write_text(SLEEPER.replace("time.sleep(1)", "pass"),
                                                encoding="utf-8")
    warm = run(project, cache)
    assert not replayed(warm) and "sleeper.py" not in warm.stdout
    assert output(warm) == output(reference(project))
    assert replayed(run(project, cache))


@pytest.mark.parametrize("where", ["app/extra.py", "app/sub/extra.py", "extra.py"])
def test_a_new_file_is_found(project: Path, tmp_path: Path, where: str) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    (project / where).parent.mkdir(exist_ok=True)
    (project / where).write_text(SLEEPER, encoding="utf-8")
    warm = run(project, cache)
    assert not replayed(warm) and "extra.py" in warm.stdout
    assert output(warm) == output(reference(project))


def test_a_removed_file_is_no_longer_reported(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    (project / "app" / "sleeper.py").unlink()
    warm = run(project, cache)
    assert not replayed(warm) and "sleeper.py" not in warm.stdout


def test_the_configuration_is_an_input(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    (project / "tox.ini").write_text("[flake8]\nextend-ignore = ASR101\n", encoding="utf-8")
    warm = run(project, cache)
    assert not replayed(warm) and "ASR101" not in warm.stdout and "ASR110" in warm.stdout
    (project / "tox.ini").write_text("[flake8]\nextend-ignore = ASR110\n", encoding="utf-8")
    again = run(project, cache)
    assert not replayed(again) and "ASR101" in again.stdout and "ASR110" not in again.stdout


def test_a_configuration_above_the_directory_is_an_input(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert "ASR101" in run(project / "app", cache).stdout
    assert replayed(run(project / "app", cache))
    (project.parent / ".flake8").write_text("[flake8]\nextend-ignore = ASR101\n",
                                            encoding="utf-8")
    warm = run(project / "app", cache)
    assert not replayed(warm) and "ASR101" not in warm.stdout and "ASR110" in warm.stdout


def test_the_content_of_a_configuration_above_the_project_is_an_input(
        project: Path, tmp_path: Path) -> None:
    """The configuration file exists before and after: only its content changes."""
    config = project.parent / ".flake8"
    config.write_text("[flake8]\nextend-ignore = ASR110\n", encoding="utf-8")
    cache = tmp_path / "cache"
    assert "ASR110" not in run(project, cache).stdout
    assert replayed(run(project, cache))
    config.write_text("[flake8]\nextend-ignore = ASR101\n", encoding="utf-8")
    warm = run(project, cache)
    assert not replayed(warm) and "ASR101" not in warm.stdout and "ASR110" in warm.stdout


def test_a_new_file_in_a_hidden_directory_is_found(project: Path, tmp_path: Path) -> None:
    """flake8 walks a hidden directory such as `.tools/`, whose content the project's
    fingerprint leaves out: the names the walk saw there are an input of their own."""
    (project / ".tools").mkdir()
    (project / ".tools" / "first.py").write_text("x = 1\n", encoding="utf-8")
    cache = tmp_path / "cache"
    run(project, cache)
    assert replayed(run(project, cache))
    (project / ".tools" / "second.py").write_text(SLEEPER, encoding="utf-8")
    warm = run(project, cache)
    assert not replayed(warm) and ".tools/second.py" in warm.stdout
    assert output(warm) == output(reference(project))


def test_a_first_file_in_a_tree_without_python_is_found(tmp_path: Path) -> None:
    """With no file checked, the run's only inputs are the configuration and the names
    in the directories walked."""
    tree = tmp_path / "tree"
    (tree / "docs").mkdir(parents=True)
    (tree / "docs" / "index.md").write_text("# Docs\n", encoding="utf-8")
    cache = tmp_path / "cache"
    assert run(tree, cache).stdout == ""
    assert replayed(run(tree, cache))
    (tree / "service.py").write_text(SLEEPER, encoding="utf-8")
    warm = run(tree, cache)
    assert not replayed(warm) and "service.py" in warm.stdout


def _git(project: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def test_what_git_ignores_is_an_input(project: Path, tmp_path: Path) -> None:
    """A tracked file that .gitignore names is checked; once git forgets it (only the
    repository's index changes, no name or file of the tree), it is not."""
    (project / ".gitignore").write_text("app/sleeper.py\n", encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-f", ".")
    _git(project, "commit", "-q", "-m", "start")
    cache = tmp_path / "cache"
    cold = run(project, cache)
    assert "sleeper.py" in cold.stdout
    assert replayed(run(project, cache))
    _git(project, "rm", "-q", "--cached", "app/sleeper.py")
    warm = run(project, cache)
    assert not replayed(warm) and "sleeper.py" not in warm.stdout
    assert output(warm) == output(reference(project))


def test_a_repository_git_cannot_list_is_not_recorded(project: Path, tmp_path: Path) -> None:
    """Which files git ignores cannot be told (an empty `.git` is no repository): the
    run is not recorded."""
    (project / ".git").mkdir()
    cache = tmp_path / "cache"
    assert "ASR101" in run(project, cache).stdout
    assert records(cache) == []


def test_the_environment_is_part_of_the_key(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    colourless = run(project, cache, env={**os.environ, "NO_COLOR": "1"})
    assert not replayed(colourless) and len(records(cache)) == 2
    assert replayed(run(project, cache, env={**os.environ, "NO_COLOR": "1"}))


@pytest.mark.parametrize("content", [b"", b"{", b"\x00\xff garbage", b'{"schema": "v1"}',
                                     b'{"schema": "v1", "key": 1, "hashes": []}'])
def test_a_corrupt_record_is_ignored_and_written_again(project: Path, tmp_path: Path,
                                                       content: bytes) -> None:
    cache = tmp_path / "cache"
    cold = run(project, cache)
    (record,) = records(cache)
    record.write_bytes(content)
    warm = run(project, cache)
    assert not replayed(warm) and output(warm) == output(cold)
    assert json.loads(record.read_bytes())["schema"] == inputs.SCHEMA


def test_a_record_with_another_output_is_what_is_replayed(project: Path, tmp_path: Path) -> None:
    """Proof that a warm run prints the record: an altered (valid) record is what the
    next run prints."""
    cache = tmp_path / "cache"
    cold = run(project, cache)
    (record,) = records(cache)
    data = json.loads(record.read_bytes())
    data["stdout"] = data["stdout"].replace("blocks", "BLOCKS")
    record.write_text(json.dumps(data), encoding="utf-8")
    warm = run(project, cache)
    assert replayed(warm) and warm.stdout == cold.stdout.replace("blocks", "BLOCKS")


@pytest.mark.parametrize("args", [
    ("--output", "report.txt"), ("--diff", "HEAD"), ("-v",),
    ("--no-cache",), ("--tee",), ("--out=report.txt",),
])
def test_other_runs_are_not_recorded(project: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    cache = tmp_path / "cache"
    run(project, cache, *args)
    assert records(cache) == []


@pytest.mark.parametrize(("argv", "expected"), [
    (["check"], True),
    (["check", "-j", "2", "--select", "ASR1", "app/"], True),
    (["check", "-q", "--no-progress", "--extend-ignore=ASR110"], True),
    (["check", "--format", "sarif", "--docs-url", "https://example.com"], True),
    (["check", "--out=x"], False),  # An abbreviation of --output.
    (["check", "-"], False),
    (["check", "--", "app"], False),
    (["check", "-vq"], False),
    (["check", "--output-file", "x"], False),
    (["fix"], False),
    ([], False),
])
def test_recordable(argv: list[str], expected: bool) -> None:
    assert replay.recordable(argv) is expected


def test_only_the_latest_records_are_kept(tmp_path: Path) -> None:
    """A pre-commit hook runs a new command line (the staged files) for every commit:
    the records last written or replayed are kept, the others deleted."""
    runs = tmp_path / "runs"
    runs.mkdir()
    for age in range(6):
        record = runs / f"{age}.json"
        record.write_text("{}", encoding="utf-8")
        os.utime(record, ns=(age * 10**9, (100 - age) * 10**9))  # 0.json is the newest.
    (runs / "notes.txt").write_text("", encoding="utf-8")
    replay.prune(str(runs), 4)
    assert sorted(p.name for p in runs.iterdir()) == ["0.json", "1.json", "2.json", "3.json",
                                                       "notes.txt"]


def test_a_replayed_record_counts_as_recent(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    (record,) = records(cache)
    os.utime(record, ns=(0, 0))
    assert replayed(run(project, cache))
    assert record.stat().st_mtime_ns > 0
