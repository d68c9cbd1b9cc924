"""Env example files: parsing, discovery, caching, and the settings classes' view of the
environment (ASR405, ASR406, ASR906 beyond the projects under tests/projects/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_async_review.analysis import env_files, project
from flake8_async_review.analysis.env_files import (
    is_example_name,
    parse_env_text,
    read_env_file,
    search_directories,
)
from flake8_async_review.analysis.project import current_module, project_of
from flake8_async_review.analysis.settings_classes import env_model
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import RULES_BY_CODE
from flake8_async_review.rules.common.secrets import real_looking
from flake8_async_review.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    project.clear_cache()


def test_parses_the_forms_an_env_file_takes() -> None:
    text = ("\ufeffA=1\r\nexport B = two \r\n# C=3\r\n\r\nD=\r\nE=\"quoted # not a comment\"  # note\n"
            "F='single'\nG=value # comment\nH=value#not-a-comment\nnot an assignment\n=x\n"
            "I=\"unterminated\nJ=\"esc \\\" quote\"\n  K=indented\n")
    found = {v.name: (v.value, v.line) for v in parse_env_text(text)}
    assert found == {
        "A": ("1", 1), "B": ("two", 2), "D": ("", 5), "E": ("quoted # not a comment", 6),
        "F": ("single", 7), "G": ("value", 8), "H": ("value#not-a-comment", 9),
        "I": ("unterminated", 12), "J": ('esc \\" quote', 13), "K": ("indented", 14),
    }


@pytest.mark.parametrize("garbage", ["\x00\x01\x02", "=" * 50, "é" * 10, "[section]\nkey: value\n", ""])
def test_garbage_is_skipped_without_an_error(garbage: str) -> None:
    assert parse_env_text(garbage) == ()


def test_example_names() -> None:
    assert all(map(is_example_name, [".env.example", ".env.sample", ".env.template", "example.env",
                                     "backend.env.example", "env.example", ".env.local.example"]))
    assert not any(map(is_example_name, [".env", ".env.local", "settings.py", ".prod.env.example",
                                         ".env.a.b.example"]))


def test_a_file_is_read_once_until_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".env.example"
    path.write_bytes(b"A=1\n")
    calls: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        calls.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    first = read_env_file(path)
    assert read_env_file(path) is first and len(calls) == 1
    assert read_env_file(tmp_path / "missing.env.example") is None
    path.write_bytes(b"A=1\nB=2\n")
    import os

    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    again = read_env_file(path)
    assert again is not None and [v.name for v in again.variables] == ["A", "B"]


def test_search_directories_stop_at_the_root_and_add_the_env_file_s(tmp_path: Path) -> None:
    module_dir = tmp_path / "src" / "app"
    module_dir.mkdir(parents=True)
    (tmp_path / "deploy").mkdir()
    found = search_directories(module_dir, tmp_path, ("deploy/.env", "../../outside/.env"))
    root = tmp_path.resolve()
    assert found == [module_dir.resolve(), (tmp_path / "src").resolve(), root, root / "deploy"]
    assert search_directories(tmp_path, module_dir, ()) == []  # Not under the root.


@pytest.mark.parametrize(("value", "real"), [
    ("tk_8f3a9c2e71d04b6a", True), ("Kx7!pq2Lm9", True), ("ghp_a1B2c3D4e5F6g7H8i9J0", True),
    ("", False), ("changeme", False), ("your-token-here", False), ("<token>", False),
    ("${TOKEN}", False), ("xxx", False), ("...", False), ("postgres", False), ("short1!", False),
    ("supersecret123", False), ("test-key-123", False), ("dummy_2024_value", False),
    ("https://user:pw@example.com", False), ("two words 123", False),
])
def test_real_looking_values(value: str, real: bool) -> None:
    assert real_looking(value) is real


def _model(source: str, tmp_path: Path) -> object:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    tree = ast.parse(source)
    filename = str(tmp_path / "config.py")
    module = current_module(tree, filename, project_of(filename))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    return env_model(module, node)


_HEAD = ("from pydantic import Field\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n"
         "from somewhere import make, Mixin\n\n")


@pytest.mark.parametrize("body", [
    "class Settings(BaseSettings):\n    model_config = make()\n    a: str\n",
    "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(**make())\n    a: str\n",
    "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=make())\n    a: str\n",
    "class Settings(BaseSettings, Mixin):\n    a: str\n",
    "class Settings(Mixin):\n    a: str\n",
    "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(secrets_dir='/run')\n    a: str\n",
    "class Settings(BaseSettings):\n    a: str\n\n"
    "    def __init__(self, **kw):\n        super().__init__(**kw)\n",
    "class Settings(BaseSettings):\n    class Config:\n        fields = {'a': {'env': 'X'}}\n    a: str\n",
])
def test_a_settings_class_that_is_not_understood_is_unsure(body: str, tmp_path: Path) -> None:
    assert _model(_HEAD + body, tmp_path) is None


def test_the_variables_of_a_settings_class(tmp_path: Path) -> None:
    model = _model(_HEAD + (
        "class Settings(BaseSettings, env_prefix='SVC_'):\n"
        "    model_config = SettingsConfigDict(env_nested_delimiter='__', env_file=make())\n"
        "    a: str\n    b: str = Field(alias='BEE')\n    c: str = Field(validation_alias=make())\n"
        "    d: int = Field(default_factory=int)\n"), tmp_path)
    assert model is not None
    assert model.config.prefix == "SVC_" and model.config.env_files == ()  # type: ignore[attr-defined]
    assert [f.required for f in model.fields] == [True, True, True, False]  # type: ignore[attr-defined]
    assert model.reads("svc_a") is True  # type: ignore[attr-defined]
    assert model.reads("SVC_A__X") is True  # type: ignore[attr-defined]
    assert model.reads("bee") is True  # type: ignore[attr-defined]
    assert model.reads("SVC_B") is None  # type: ignore[attr-defined]  # c's alias is unknown


def _lint(code: str, path: Path) -> list[str]:
    linter = Linter([RULES_BY_CODE[code]], Settings())
    return [v.message for v in lint_source(path.read_text(encoding="utf-8"), str(path), linter)]


def test_an_installed_distribution_gets_no_class_level_report(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    config = tmp_path / "config.py"
    config.write_text("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                      "    database_url: str\n")
    assert _lint("ASR405", config) == []
    (tmp_path / ".gitignore").write_text(".env\n")
    project.clear_cache()
    assert len(_lint("ASR405", config)) == 1
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "service.env.example").write_text("DATABASE_URL=\n")
    project.clear_cache()
    # An example file the rule does not look in: unsure which variables it documents.
    assert _lint("ASR405", config) == []


def test_the_tier_off_turns_the_rules_off(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / ".env.example").write_text("API_TOKEN=tk_8f3a9c2e71d04b6a\nOLD=1\n")
    config = tmp_path / "config.py"
    config.write_text("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                      "    api_token: str\n    database_url: str\n")
    off = Settings(project_inference=False)
    for code in ("ASR405", "ASR406", "ASR906"):
        assert _lint(code, config)
        linter = Linter([RULES_BY_CODE[code]], off)
        assert lint_source(config.read_text(), str(config), linter) == []


def test_stale_needs_every_reader_understood(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    (tmp_path / ".env.example").write_text("DATABASE_URL=x\nOLD_FLAG=1\n")
    config = tmp_path / "config.py"
    config.write_text("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                      "    database_url: str\n")
    assert _lint("ASR906", config) == ["`OLD_FLAG` in .env.example:2 is read by no settings field "
                                       "of the project: remove it or add the field"]
    (tmp_path / "other.py").write_text(
        "from pydantic_settings import BaseSettings\n\n\nclass Other(BaseSettings, extra='allow'):\n"
        "    name: str = 'x'\n")
    project.clear_cache()
    assert _lint("ASR906", config) == []


def test_env_files_module_caches_are_cleared_with_the_tier(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("A=1\n")
    assert env_files.examples_in(tmp_path) == (tmp_path / ".env.example",)
    (tmp_path / ".env.sample").write_text("A=1\n")
    assert len(env_files.examples_in(tmp_path)) == 1  # Listed once per process...
    project.clear_cache()
    assert len(env_files.examples_in(tmp_path)) == 2  # ...until the tier forgets.
