"""The ``flake8-async-review`` command, run through its console script.

``check`` must report exactly what ``flake8 --select ASR`` reports with the same
options and configuration: the fixtures and ``examples/`` are checked both ways.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path
from typing import Any

import pytest
from harness import all_fixtures

from flake8_async_review.engine.context import Context
from flake8_async_review.engine.linter import Linter
from flake8_async_review.engine.rule import Rule, Severity
from flake8_async_review.engine.violation import Edit, Fix

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SCRIPT = Path(sys.executable).with_name("flake8-async-review")
FORMAT = "--format=%(path)s|%(row)d|%(col)d|%(code)s|%(text)s"

SAMPLE = textwrap.dedent(
    """\
    import time


    async def handler():
        time.sleep(1)
    """
)
MESSAGE = "ASR101 `time.sleep()` blocks the event loop: use `await asyncio.sleep()`"


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, check=False)


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "ASR", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def same_report(cwd: Path, *args: str) -> str:
    """Run both commands with the same arguments; assert the same lines and status (and,
    on stderr, only the summary line when something was reported)."""
    ours, theirs = cli(cwd, "check", FORMAT, *args), flake8(cwd, FORMAT, *args)
    assert theirs.returncode in (0, 1), theirs.stderr
    assert sorted(ours.stdout.splitlines()) == sorted(theirs.stdout.splitlines())
    assert ours.returncode == theirs.returncode
    count = len(ours.stdout.splitlines())
    if count:
        assert re.fullmatch(rf"Found {count} problems? in \d+ files?( \(.*\))?\n", ours.stderr)
    else:
        assert ours.stderr == ""
    return ours.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "service.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.exists(), "pip install -e . installs the console script"


# -- parity with flake8 ------------------------------------------------------------------


def _fixture_groups() -> dict[tuple[str, ...], list[Path]]:
    groups: dict[tuple[str, ...], list[Path]] = {}
    for fixture in all_fixtures():
        groups.setdefault(fixture.args, []).append(fixture.path)
    return groups


@pytest.mark.parametrize("args", list(_fixture_groups()), ids=lambda a: " ".join(a) or "default")
def test_parity_with_flake8_on_the_fixtures(args: tuple[str, ...]) -> None:
    # From the fixtures' directory, where each is a module of the application (from the
    # repository's top, files under tests/ are tests, which most rules do not check).
    paths = [p.name for p in _fixture_groups()[args]]
    out = same_report(FIXTURES, "--isolated", *args, *paths)
    assert out  # Every fixture has positives.


def _with_noqa(text: str, code: str) -> str:
    """The fixture with each annotation comment turned into ``# noqa: <code>`` (only
    comments: a docstring that shows the annotation syntax stays as it is)."""
    lines = text.splitlines(keepends=True)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT and re.match(r"#\s*ASR\d{3}:", token.string):
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col] + f"# noqa: {code}" + lines[row - 1][token.end[1]:]
    return "".join(lines)


def test_parity_on_the_fixtures_with_noqa(tmp_path: Path) -> None:
    fixtures = all_fixtures()
    for fixture in fixtures:
        (tmp_path / fixture.path.name).write_text(_with_noqa(fixture.text, fixture.code),
                                                  encoding="utf-8")
    report = same_report(tmp_path, "--isolated", ".")
    # A fixture is annotated for its own code only; other rules may still speak there.
    for fixture in fixtures:
        prefix = f"./{fixture.path.name}|"
        own = [line for line in report.splitlines()
               if line.startswith(prefix) and f"|{fixture.code}|" in line]
        assert own == [], fixture.path.name


SHARED_CONFIG = textwrap.dedent(
    """\
    [flake8]
    extend-select = ASR9
    per-file-ignores =
        app/worker.py: ASR101
        */notifications.py: ASR1
    asr-blocking-calls = redis.Redis.get->redis.asyncio.Redis.get
    """
)

NOQA_CASES = textwrap.dedent(
    '''\
    import time


    async def multi_line_string():
        time.sleep(1); x = """
        text
        """  # noqa: ASR101


    async def prefix():
        time.sleep(1)  # noqa:ASR


    async def other_code():
        time.sleep(1)  # noqa: E501


    async def bare():
        time.sleep(1)  # noqa


    async def reported():
        time.sleep(1)
    '''
)


def test_parity_on_examples_with_a_shared_config(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "examples" / "noqa_cases.py").write_text(NOQA_CASES, encoding="utf-8")
    (tmp_path / "examples" / "file_noqa.py").write_text("# flake8: noqa\n" + SAMPLE, encoding="utf-8")
    (tmp_path / "examples" / "upper_noqa.py").write_text("# FLAKE8=NoQA\n" + SAMPLE, encoding="utf-8")
    # On a line with code, flake8 ignores it (with a warning): the file is checked.
    (tmp_path / "examples" / "code_noqa.py").write_text("x = 1  # flake8: noqa\n" + SAMPLE,
                                                        encoding="utf-8")
    (tmp_path / "examples" / "setup.cfg").write_text(SHARED_CONFIG, encoding="utf-8")
    out = same_report(tmp_path / "examples", ".")
    # Reported: the line whose noqa names another code, and the line with none.
    assert "noqa_cases.py|15|" in out and "noqa_cases.py|23|" in out
    assert sum("noqa_cases.py" in line and "|ASR101|" in line for line in out.splitlines()) == 2
    assert "worker.py|30|17|ASR101|" not in out and "worker.py|28|24|ASR102|" in out
    assert not re.search(r"notifications\.py\|\d+\|\d+\|ASR1", out) and "file_noqa" not in out
    assert "upper_noqa" not in out and "code_noqa.py|" in out
    assert "cache.py" in out
    # The same configuration given with --config from elsewhere, and from the command line.
    same_report(tmp_path, "--config", "examples/setup.cfg", "examples")
    same_report(tmp_path, "--isolated", "--per-file-ignores=examples/app/cache.py:ASR101",
                "--extend-ignore=ASR110", "examples")


def test_flake8_selection_options_mean_what_they_mean_for_flake8(project: Path) -> None:
    for args in (["--extend-ignore=ASR101"], ["--ignore=ASR1"], ["--select=ASR108"],
                 ["--select=ASR1", "--extend-select=ASR9"], ["--disable-noqa"],
                 ["--exclude=service.py"], ["--extend-exclude=*.py"], ["--isolated"]):
        same_report(project, *args, ".")


def test_a_project_select_without_asr_still_checks_asr(project: Path) -> None:
    """``flake8 --select ASR`` overrides a configured ``select = E,F,W``; so does check."""
    (project / "setup.cfg").write_text("[flake8]\nselect = E,F,W\n", encoding="utf-8")
    assert "|ASR101|" in same_report(project, ".")


def test_a_configured_asr_selection_is_kept(project: Path) -> None:
    """A configuration that selects some ASR codes is obeyed, as plain flake8 obeys it."""
    (project / "setup.cfg").write_text("[flake8]\nselect = E,ASR108\n", encoding="utf-8")
    result = cli(project, "check")
    assert (result.returncode, result.stdout) == (0, "")
    plain = subprocess.run([sys.executable, "-m", "flake8", "service.py"], cwd=project,
                           capture_output=True, text=True, check=False)
    assert "ASR" not in plain.stdout


def test_parallel_jobs_give_the_same_report() -> None:
    serial = cli(ROOT, "check", "--isolated", "-j1", "examples", "tests/fixtures")
    parallel = cli(ROOT, "check", "--isolated", "-j4", "examples", "tests/fixtures")
    assert serial.stdout and serial.stdout == parallel.stdout
    assert serial.returncode == parallel.returncode == 1


def test_text_output_is_flake8s(project: Path) -> None:
    result = cli(project, "check", "service.py")
    assert (result.returncode, result.stdout) == (1, f"service.py:5:5: {MESSAGE}\n")
    shown = cli(project, "check", "--show-source", "--count", "service.py").stdout
    assert shown == f"service.py:5:5: {MESSAGE}\n    time.sleep(1)\n    ^\n1\n"
    assert cli(project, "check", "--exit-zero", "service.py").returncode == 0
    # The code frame also comes back from parallel workers.
    (project / "other.py").write_text(SAMPLE, encoding="utf-8")
    parallel = cli(project, "check", "--show-source", "-j2", "service.py", "other.py").stdout
    assert parallel.count("    time.sleep(1)\n    ^\n") == 2


def test_show_source_of_a_finding_on_a_string_of_several_lines(tmp_path: Path) -> None:
    """Without --show-source nothing shows a finding's physical line, and a text without
    "noqa" is not tokenized to find it; with it, the lines shown are flake8's (those of
    the string the finding's line starts), also after a run without it filled the
    cache."""
    (tmp_path / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    (tmp_path / "calls.py").write_text(
        'import time\n\n\nasync def handler():\n    time.sleep(len("""\n    one\n    """))\n',
        encoding="utf-8")
    cache = str(tmp_path / "cache")
    plain = cli(tmp_path, "check", "--cache-dir", cache, "calls.py")
    assert plain.stdout.startswith("calls.py:5:5: ASR101 "), plain.stderr
    shown = cli(tmp_path, "check", "--cache-dir", cache, "--show-source", "calls.py")
    assert shown.stdout == flake8(tmp_path, "--show-source", "calls.py").stdout
    assert '    one\n    """))\n    ^\n' in shown.stdout
    assert cli(tmp_path, "check", "--cache-dir", cache, "calls.py").stdout == plain.stdout
    assert cli(tmp_path, "check", "--cache-dir", cache, "--show-source", "calls.py").stdout == (
        shown.stdout)


def test_a_summary_line_follows_the_text_output_on_stderr(project: Path) -> None:
    (project / "unsafe.py").write_text("import time\nasync def f():\n    x = time.sleep(1)\n",
                                       encoding="utf-8")
    (project / "more.py").write_text(SAMPLE + "\n\nasync def g():\n    time.sleep(2)\n",
                                     encoding="utf-8")
    result = cli(project, "check", ".")
    assert result.stdout.count("ASR101") == 4  # stdout: flake8's lines only
    assert result.stderr == "Found 4 problems in 3 files (3 fixable; 1 more with --unsafe-fixes)\n"
    only_unsafe = cli(project, "check", "unsafe.py").stderr
    assert only_unsafe == "Found 1 problem in 1 file (1 fixable with --unsafe-fixes)\n"
    (project / "plain.py").write_text(
        "async def f():\n    try:\n        await g()\n    except Exception: pass\n",
        encoding="utf-8")
    assert cli(project, "check", "plain.py").stderr == "Found 1 problem in 1 file\n"
    # Not after other formats, nor with flake8's --quiet, nor when nothing is found.
    for args in (["--format=json"], ["--format=github"], ["-q"]):
        assert cli(project, "check", *args, ".").stderr == "", args
    (project / "clean.py").write_text("async def f():\n    pass\n", encoding="utf-8")
    assert cli(project, "check", "clean.py").stderr == ""


def test_help_shows_the_path_arguments(tmp_path: Path) -> None:
    for command in ("check", "fix", "roles"):
        text = cli(tmp_path, command, "--help").stdout
        assert text.startswith(f"usage: flake8-async-review {command} ")
        assert "[PATH ...]" in text.split("\n\n")[0]
        assert re.search(r"PATH \.\.\.\s+files and directories to", text)


def test_gitignored_paths_are_skipped_when_walking(project: Path) -> None:
    _git(project, "init", "-q")
    (project / ".gitignore").write_text("build/\ngenerated_*.py\n", encoding="utf-8")
    (project / "build").mkdir()
    (project / "build" / "copy.py").write_text(SAMPLE, encoding="utf-8")
    (project / "generated_client.py").write_text(SAMPLE, encoding="utf-8")
    assert cli(project, "check").stdout == f"./service.py:5:5: {MESSAGE}\n"
    # A file or directory named on the command line is checked even when ignored.
    assert "generated_client.py" in cli(project, "check", "generated_client.py").stdout
    assert cli(project, "check", "build").stdout == f"build/copy.py:5:5: {MESSAGE}\n"


def test_outside_git_nothing_extra_is_skipped(project: Path) -> None:
    (project / ".gitignore").write_text("*.py\n", encoding="utf-8")
    if subprocess.run(["git", "rev-parse"], cwd=project, capture_output=True).returncode == 0:
        pytest.skip("the temporary directory is inside a git work tree")
    assert "service.py" in cli(project, "check").stdout


# -- --diff REV -------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True).stdout


def test_diff_reports_only_changed_lines_and_untracked_files(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    old = SAMPLE + "\n\nasync def old():\n    time.sleep(2)\n"
    (tmp_path / "service.py").write_text(old, encoding="utf-8")
    (tmp_path / "untouched.py").write_text(SAMPLE, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    _git(tmp_path, "checkout", "-qb", "feature")
    changed = old + "\n\nasync def new():\n    time.sleep(3)\n"
    (tmp_path / "service.py").write_text(changed.replace("time.sleep(1)", "time.sleep(10)"),
                                         encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "change")
    (tmp_path / "brand_new.py").write_text(SAMPLE, encoding="utf-8")  # untracked
    result = cli(tmp_path, "check", "--diff", "main")
    assert result.returncode == 1, result.stderr
    lines = sorted(line.split(":")[0:2] for line in result.stdout.splitlines())
    assert lines == [["./brand_new.py", "5"], ["./service.py", "13"], ["./service.py", "5"]]
    # Nothing changed since HEAD: nothing to report.
    (tmp_path / "brand_new.py").unlink()
    assert cli(tmp_path, "check", "--diff", "HEAD").stdout == ""


def test_diff_needs_a_git_repository_and_a_known_revision(project: Path) -> None:
    if subprocess.run(["git", "rev-parse"], cwd=project, capture_output=True).returncode == 0:
        pytest.skip("the temporary directory is inside a git work tree")
    result = cli(project, "check", "--diff", "main")
    assert result.returncode == 2
    assert result.stderr == ("flake8-async-review: error: --diff needs a git repository, "
                             "and this is not one\n")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "base")
    result = cli(project, "check", "--diff", "no-such-branch")
    assert result.returncode == 2
    assert result.stderr.startswith("flake8-async-review: error: --diff no-such-branch:")
    assert result.stderr.count("\n") == 1


# -- report formats -----------------------------------------------------------------------------


def test_json_report_has_a_stable_schema(project: Path) -> None:
    result = cli(project, "check", "--format", "json", "service.py")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["tool"]["name"] == "flake8-async-review"
    assert document["summary"] == {
        "files_checked": 1, "files_not_checked": 0, "diagnostics": 1, "fixable": 1,
        "by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 0},
        "by_code": {"ASR101": 1},
    }
    [diagnostic] = document["diagnostics"]
    fix = diagnostic.pop("fix")
    assert diagnostic == {
        "path": "service.py", "line": 5, "column": 5, "end_line": 5, "end_column": 18,
        "code": "ASR101", "name": "blocking-sleep-in-async-function", "severity": "high",
        "message": MESSAGE.removeprefix("ASR101 "),
    }
    assert set(fix) == {"safe", "description", "edits"} and fix["safe"] is True
    assert set(fix["edits"][0]) == {"start_line", "start_column", "end_line", "end_column",
                                    "new_text"}


def test_sarif_report_is_valid_sarif_2_1_0(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    (project / "unicode.py").write_text("import time\nasync def f():\n    é = 1; time.sleep(1)\n",
                                        encoding="utf-8")
    result = cli(project, "check", "--format=sarif", "--output", "out/report.sarif", ".")
    assert (result.returncode, result.stdout) == (1, "")
    document = json.loads((project / "out" / "report.sarif").read_text(encoding="utf-8"))
    schema = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"ASR101", "ASR108", "ASR109", "ASR110"}
    assert all(r["help"]["markdown"].startswith(f"# {r['id']}") for r in rules)
    assert run["columnKind"] == "unicodeCodePoints"
    by_file = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
               for r in run["results"]}
    assert set(by_file) == {"service.py", "unicode.py"}
    region = by_file["unicode.py"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 12, "endLine": 3, "endColumn": 25}
    assert by_file["service.py"]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert rules[by_file["service.py"]["ruleIndex"]]["id"] == "ASR101"


def test_sarif_rules_link_to_the_documentation_site(project: Path) -> None:
    from flake8_async_review.frontends.reports import documentation_url

    def rules(*args: str) -> dict[str, Any]:
        document = json.loads(cli(project, "check", "--format=sarif", *args, ".").stdout)
        driver = document["runs"][0]["tool"]["driver"]
        return {"informationUri": driver.get("informationUri"),
                **{rule["id"]: rule for rule in driver["rules"]}}

    site = rules("--docs-url", "https://docs.example/asr/")
    assert site["ASR101"]["helpUri"] == "https://docs.example/asr/rules/ASR101/"
    assert site["informationUri"] == "https://docs.example/asr"
    page = cli(project, "explain", "ASR101").stdout
    assert site["ASR101"]["help"]["text"].strip() == page.strip()  # the whole page
    template = rules("--docs-url=https://docs.example/{code}.html")
    assert template["ASR404"]["helpUri"] == "https://docs.example/ASR404.html"
    # The default: the documentation site the installed package declares, if any.
    default = rules()
    declared = documentation_url()
    assert default["ASR101"].get("helpUri") == (f"{declared}/rules/ASR101/" if declared else None)


def test_github_annotations(project: Path) -> None:
    result = cli(project, "check", "--format", "github", ".")
    assert result.stdout == (
        "::error file=service.py,line=5,endLine=5,col=5,endColumn=18,"
        "title=ASR101 blocking-sleep-in-async-function::" + MESSAGE + "\n"
    )


def test_markdown_review_report(project: Path) -> None:
    (project / "loop.py").write_text(
        "import asyncio\n\n\nasync def f():\n    asyncio.run(g())\n", encoding="utf-8")
    result = cli(project, "check", "--format", "markdown", ".")
    assert result.returncode == 1
    text = result.stdout
    assert "| critical | ASR108 | event-loop-run-in-async-function | 1 | 1 |" in text
    assert "| high | ASR101 | blocking-sleep-in-async-function | 1 | 1 |" in text
    assert text.index("## Critical") < text.index("## High")
    assert "### `service.py`" in text and "    time.sleep(1)" in text
    assert "+    await asyncio.sleep(1)" in text  # the exact patch
    assert "Fix (unsafe: applied only with `--unsafe-fixes`)" in text  # ASR108's fix
    # Each rule's "Use instead" example once, after the findings, however many there are.
    (project / "more.py").write_text(SAMPLE + "\n\nasync def g():\n    time.sleep(2)\n",
                                     encoding="utf-8")
    text = cli(project, "check", "--format", "markdown", ".").stdout
    assert "| high | ASR101 | blocking-sleep-in-async-function | 3 | 3 |" in text
    use_instead = text.split("\n## Use instead\n", 1)[1]
    assert text.count("async def poll_status(client, job_id):") == 1  # ASR101's example
    assert use_instead.index("### ASR108 event-loop-run-in-async-function") < \
        use_instead.index("### ASR101 blocking-sleep-in-async-function")


def test_clean_run_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("async def f():\n    pass\n", encoding="utf-8")
    for name in ("text", "json", "sarif", "github", "markdown"):
        result = cli(tmp_path, "check", "--format", name, ".")
        assert result.returncode == 0, (name, result.stderr)
    assert json.loads(cli(tmp_path, "check", "--format=json").stdout)["diagnostics"] == []


# -- files that cannot be checked -------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A clean file, one with a finding, and four that cannot be checked."""
    (tmp_path / "ok.py").write_text("async def f():\n    pass\n", encoding="utf-8")
    (tmp_path / "service.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "syntax.py").write_text("import time\n\nx = (\n", encoding="utf-8")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "garbage.py").write_bytes(bytes([0x87, 0xFF, 0x13, 0xC3, 0x28, 0x0A]))
    os.symlink("missing.py", tmp_path / "dangling.py")  # A file that cannot be read.
    return tmp_path


UNCHECKED = {"dangling.py": "E902", "nul.py": "E999", "garbage.py": "E999", "syntax.py": "E999"}


def test_files_that_do_not_parse_are_reported_in_text(broken: Path) -> None:
    result = cli(broken, "check", ".")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "./syntax.py:3:6: E999 SyntaxError: '(' was never closed" in lines
    assert "./nul.py:1:1: E999 SyntaxError: source code string cannot contain null bytes" in lines
    assert any(line.startswith("./garbage.py:1:") and " E999 SyntaxError: " in line for line in lines)
    assert any(line.startswith("./dangling.py:0:1: E902 FileNotFoundError") for line in lines)
    assert f"./service.py:5:5: {MESSAGE}" in lines and len(lines) == 5
    assert result.stderr == "Found 5 problems in 5 files (1 fixable)\n"
    # The lines are flake8's own when it is asked for these codes.
    same_report(broken, "--select=ASR,E999,E902", ".")
    # Alone, a file that does not parse still fails the run.
    alone = cli(broken, "check", "syntax.py")
    assert alone.returncode == 1 and "E999" in alone.stdout


def test_a_parse_error_is_silenced_only_by_naming_it(broken: Path) -> None:
    for args in (["--extend-ignore=E999,E902"], ["--per-file-ignores=*.py:E999,E902"]):
        result = cli(broken, "check", *args, ".")
        assert result.stdout == f"./service.py:5:5: {MESSAGE}\n", args
    # Ignoring pycodestyle's codes in general does not hide that nothing was checked.
    assert cli(broken, "check", "--extend-ignore=E,W", ".").stdout.count("E999") == 3


def test_files_that_do_not_parse_in_json(broken: Path) -> None:
    document = json.loads(cli(broken, "check", "--format=json", ".").stdout)
    assert document["summary"]["files_checked"] == 2
    assert document["summary"]["files_not_checked"] == 4
    assert document["summary"]["by_severity"]["critical"] == 4
    found = {d["path"]: d for d in document["diagnostics"]}
    assert {path: found[path]["code"] for path in UNCHECKED} == UNCHECKED
    syntax = found["syntax.py"]
    assert (syntax["line"], syntax["column"], syntax["name"], syntax["severity"]) == \
        (3, 5, "syntax-error", "critical")
    assert syntax["message"] == "SyntaxError: '(' was never closed" and syntax["fix"] is None
    assert (found["dangling.py"]["line"], found["dangling.py"]["name"]) == (1, "unreadable-file")


def test_files_that_do_not_parse_in_sarif(broken: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(cli(broken, "check", "--format=sarif", ".").stdout)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    found = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
             for r in run["results"]}
    for path, code in UNCHECKED.items():
        assert found[path]["ruleId"] == code and found[path]["level"] == "error"
        assert rules[found[path]["ruleIndex"]]["id"] == code
    region = found["syntax.py"]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, 5)


def test_files_that_do_not_parse_in_github_and_markdown(broken: Path) -> None:
    github = cli(broken, "check", "--format=github", ".")
    assert github.returncode == 1
    assert ("::error file=syntax.py,line=3,endLine=3,col=5,endColumn=5,title=E999 syntax-error"
            "::E999 SyntaxError: '(' was never closed\n") in github.stdout
    assert "::error file=dangling.py,line=1," in github.stdout
    assert github.stdout.count("::error ") == 5
    markdown = cli(broken, "check", "--format=markdown", ".")
    assert markdown.returncode == 1
    text = markdown.stdout
    assert "5 issues in 5 files (2 checked, 4 could not be checked)" in text
    assert "| critical | E999 | syntax-error | 3 | 0 |" in text
    assert "| critical | E902 | unreadable-file | 1 | 0 |" in text
    for path in UNCHECKED:
        assert f"### `{path}`" in text
    assert "\x00" not in text and "- **line 3, column 5**: `E999` SyntaxError" in text


# -- fix -------------------------------------------------------------------------------------------


FIXABLE = [f for f in all_fixtures() if f.fixed_twin.exists()]


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.path.name)
def test_fix_gives_the_fixed_twin_and_is_idempotent(fixture: object, tmp_path: Path) -> None:
    path = fixture.path  # type: ignore[attr-defined]
    args = fixture.args  # type: ignore[attr-defined]
    target = tmp_path / path.name
    shutil.copyfile(path, target)
    patch = cli(tmp_path, "fix", "--isolated", "--diff", *args, target.name)
    assert patch.returncode == 1 and patch.stdout.startswith(f"--- a/{target.name}\n")
    assert target.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    cli(tmp_path, "fix", "--isolated", *args, target.name)
    fixed = path.with_name(path.name + ".fixed").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == fixed
    again = cli(tmp_path, "fix", "--isolated", "--diff", *args, target.name)
    assert (again.returncode, again.stdout) == (0, "")
    cli(tmp_path, "fix", "--isolated", *args, target.name)
    assert target.read_text(encoding="utf-8") == fixed


def test_fix_leaves_noqa_lines_alone(project: Path) -> None:
    source = SAMPLE + "\n\nasync def kept():\n    time.sleep(2)  # noqa: ASR101\n"
    (project / "service.py").write_text(source, encoding="utf-8")
    result = cli(project, "fix", "service.py")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (project / "service.py").read_text(encoding="utf-8")
    assert "await asyncio.sleep(1)" in text and "time.sleep(2)  # noqa: ASR101" in text


def test_fix_keeps_crlf_bom_and_encoding(tmp_path: Path) -> None:
    crlf = SAMPLE.replace("\n", "\r\n").encode("utf-8")
    (tmp_path / "crlf.py").write_bytes(crlf)
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"))
    latin = "# -*- coding: latin-1 -*-\n" + SAMPLE.replace("handler", "caf\xe9")
    (tmp_path / "latin.py").write_bytes(latin.encode("latin-1"))
    os.chmod(tmp_path / "crlf.py", 0o750)
    before = cli(tmp_path, "check", ".").stdout
    assert before.count("ASR101") == 3
    result = cli(tmp_path, "fix", ".")
    assert result.returncode == 0, result.stderr
    assert "fixed 3 issues in 3 files" in result.stderr
    out = (tmp_path / "crlf.py").read_bytes()
    assert out.count(b"\r\n") == out.count(b"\n") and b"await asyncio.sleep(1)\r\n" in out
    assert (tmp_path / "crlf.py").stat().st_mode & 0o777 == 0o750
    out = (tmp_path / "bom.py").read_bytes()
    assert out.startswith(b"\xef\xbb\xbfimport asyncio\n") and out.count(b"\xef\xbb\xbf") == 1
    out = (tmp_path / "latin.py").read_bytes()
    assert "caf\xe9".encode("latin-1") in out and b"await asyncio.sleep(1)" in out
    assert cli(tmp_path, "check", ".").stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bom.py", "crlf.py", "latin.py"]


def test_fix_only_applies_unsafe_fixes_on_request(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import time\nasync def f():\n    x = time.sleep(1)\n",
                                   encoding="utf-8")
    safe = cli(tmp_path, "fix", "a.py")
    assert safe.returncode == 1 and "ASR101" in safe.stdout  # left, reported
    assert "x = time.sleep(1)" in (tmp_path / "a.py").read_text(encoding="utf-8")
    unsafe = cli(tmp_path, "fix", "--unsafe-fixes", "a.py")
    assert unsafe.returncode == 0 and unsafe.stdout == ""
    assert "x = await asyncio.sleep(1)" in (tmp_path / "a.py").read_text(encoding="utf-8")


# -- rules, explain, usage errors ----------------------------------------------------------


def test_rules_and_explain(tmp_path: Path) -> None:
    table = cli(tmp_path, "rules")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == ["code", "name", "severity", "default", "fix"]
    assert "ASR101  blocking-sleep-in-async-function" in table.stdout
    page = cli(tmp_path, "explain", "asr101")
    assert page.returncode == 0
    assert page.stdout.startswith("# ASR101: blocking-sleep-in-async-function\n")
    assert "## Use instead" in page.stdout and "<!--" not in page.stdout
    by_name = cli(tmp_path, "explain", "blocking-sleep-in-async-function")
    assert (by_name.returncode, by_name.stdout) == (0, page.stdout)


def test_blocking_call_patterns_that_can_match_are_accepted(project: Path) -> None:
    for value in ("mylib.fetch->mylib.afetch", "*.fetch_all", "fetch_*", "mylib.Client.*"):
        result = cli(project, "check", f"--asr-blocking-calls={value}", "service.py")
        assert result.returncode == 1 and "ASR101" in result.stdout, (value, result.stderr)


def test_flake8_formats_and_format_strings_are_accepted(project: Path) -> None:
    for name in ("pylint", "default", "%(path)s"):
        result = cli(project, "check", "--format", name, "service.py")
        assert result.returncode == 1 and "service.py" in result.stdout, name


def test_selecting_codes_this_command_does_not_report_warns(project: Path) -> None:
    result = cli(project, "check", "--select", "E501,W", "--extend-select=ASR1,E999", ".")
    assert result.returncode == 1 and result.stdout == f"./service.py:5:5: {MESSAGE}\n"
    warning, summary = result.stderr.splitlines()
    assert warning == ("flake8-async-review: warning: --select E501,W: not ASR codes; this "
                       "command runs only the ASR rules (run flake8 for the others)")
    assert summary.startswith("Found 1 problem in 1 file")
    # ASR codes (and the codes of files that do not parse) draw no warning.
    assert "warning" not in cli(project, "check", "--select=ASR1,E9", ".").stderr
    assert "warning: --extend-select E501: not an ASR code;" in cli(
        project, "fix", "--diff", "--extend-select=E501", ".").stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "a command is required"),
        (["lint"], "argument COMMAND: invalid choice: 'lint'"),
        (["check", "--bogus"], "unrecognized arguments: --bogus"),
        (["check", "--asr-async-library", "curio"],
         "argument --asr-async-library: expected one of asyncio, anyio, trio, got 'curio'"),
        (["check", "--asr-blocking-calls=a->"], "argument --asr-blocking-calls:"),
        (["check", "--asr-blocking-calls=mylib.a->b->c"],
         "argument --asr-blocking-calls: 'mylib.a->b->c' has more than one '->'"),
        (["check", "--asr-blocking-calls=fetch_all"],
         "argument --asr-blocking-calls: 'fetch_all' names no module or type"),
        (["check", "--format", "sarf"], "--format 'sarf': unknown format (did you mean 'sarif'?)"),
        (["check", "--format=xml"], "--format 'xml': unknown format;"),
        (["check", "--config", "format.cfg"], "--format 'jsn': unknown format (did you mean 'json'?)"),
        (["explain", "blocking-sleep"], "(did you mean 'blocking-sleep-in-async-function'?"),
        (["check", "missing.py"], "missing.py: no such file or directory"),
        (["check", "--config", "missing.cfg"], "The specified config file does not exist"),
        (["check", "--jobs", "many"], "argument -j/--jobs:"),
        (["explain", "ASR999"], "unknown rule 'ASR999'"),
        (["rules", "extra"], "unrecognized arguments: extra"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(
    project: Path, args: list[str], message: str
) -> None:
    (project / "format.cfg").write_text("[flake8]\nformat = jsn\n", encoding="utf-8")
    result = cli(project, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("flake8-async-review: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_a_bad_option_in_the_configuration_is_a_usage_error(project: Path) -> None:
    (project / ".flake8").write_text("[flake8]\nasr-async-library = curio\n", encoding="utf-8")
    result = cli(project, "check")
    assert result.returncode == 2 and "asr-async-library" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_progress_line_when_stderr_is_not_a_terminal() -> None:
    result = cli(ROOT, "check", "--isolated", "src", "tests")
    assert result.stderr.startswith("Found ") and result.stderr.count("\n") == 1
    assert "checked" not in result.stderr and "\r" not in result.stderr


def test_progress_line_only_on_a_terminal_and_for_many_files() -> None:
    import io

    from flake8_async_review.frontends.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream, 40, enabled=True)
    for done in range(1, 41):
        progress(done, 40)
    progress.close()
    assert "checked 40/40 files" in stream.getvalue() and stream.getvalue().endswith("\033[K")
    for quiet in (Progress(Terminal(), 3, True), Progress(io.StringIO(), 40, True),
                  Progress(Terminal(), 40, False)):
        quiet(40, 40)
        assert quiet.stream.getvalue() == ""


# -- refusing to write ---------------------------------------------------------------------


class _BreaksTheCode(Rule):
    """Test rule whose fix leaves a syntax error."""

    code = "ASR998"
    name = "breaks-the-code"
    message = "x"
    severity = Severity.LOW

    def visit_Pass(self, node: ast.Pass, context: Context) -> None:
        edit = Edit(node.lineno, node.col_offset, node.lineno, node.col_offset + 4, "pass(")
        context.report(self, node, fix=Fix((edit,), True, "break it"))


class _FixDoesNotHelp(Rule):
    """Test rule whose fix changes the text but keeps the diagnostic."""

    code = "ASR997"
    name = "fix-does-not-help"
    message = "x"
    severity = Severity.LOW

    def visit_Pass(self, node: ast.Pass, context: Context) -> None:
        edit = Edit(node.lineno, node.col_offset, node.lineno, node.col_offset + 4, "pass;pass")
        context.report(self, node, fix=Fix((edit,), True, "double it"))


@pytest.mark.parametrize(
    ("rule", "reason"),
    [(_BreaksTheCode, "the fixed text does not parse"),
     (_FixDoesNotHelp, "fixes did not settle after 10 rounds")],
)
def test_fix_refuses_to_write_a_bad_result(
    rule: type[Rule], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flake8_async_review.frontends import cli as cli_module
    from flake8_async_review.frontends import core

    monkeypatch.setattr(core, "linter_for", lambda options: Linter(rules=[rule]))
    target = tmp_path / "a.py"
    target.write_bytes(b"def f():\r\n    pass\r\n")
    monkeypatch.chdir(tmp_path)
    assert cli_module.main(["fix", "--isolated", "--select=ASR99", "a.py"]) == 1
    assert target.read_bytes() == b"def f():\r\n    pass\r\n"
    error = capsys.readouterr().err
    assert error.startswith(f"a.py: not fixed: {reason}")
    assert cli_module.main(["fix", "--isolated", "--select=ASR99", "--diff", "a.py"]) == 1
    assert capsys.readouterr().out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_fix_refuses_when_the_fixed_diagnostic_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flake8_async_review.frontends import core

    class Unfixable(_FixDoesNotHelp):
        """Test rule: reports every ``pass``; the fix only adds a comment."""

        code = "ASR996"

        def visit_Pass(self, node: ast.Pass, context: Context) -> None:
            if "# fixed" in context.lines[node.lineno - 1]:
                context.report(self, node)
            else:
                edit = Edit(node.lineno, 8, node.lineno, 8, "  # fixed")
                context.report(self, node, fix=Fix((edit,), True, "comment"))

    monkeypatch.setattr(core, "linter_for", lambda options: Linter(rules=[Unfixable]))
    monkeypatch.chdir(tmp_path)
    session = core.Session(["--isolated", "--select=ASR99"])
    (tmp_path / "a.py").write_text("def f():\n    pass\n", encoding="utf-8")
    result = core.fix_source(session, core.SourceFile.read("a.py"))
    assert result.refused == "the fixed text still has the ASR996 diagnostic it fixed"
    assert not result.changed
