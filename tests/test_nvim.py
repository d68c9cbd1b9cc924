"""Neovim's built-in LSP client against the server, set up with the very snippets that
docs/editors.md documents (each run when the installed ``nvim`` is recent enough for it;
skipped when ``nvim`` is absent)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

ROOT = Path(__file__).parent.parent
EDITORS = ROOT / "docs" / "editors.md"
NVIM = shutil.which("nvim")
# Each documented setup, by the Neovim version it needs.
SNIPPETS = {"0.7": (0, 7), "0.8": (0, 8), "0.11": (0, 11)}


def documented_snippets() -> dict[str, str]:
    """The Lua blocks of docs/editors.md between ``<!-- nvim-X -->`` markers, by X."""
    text = EDITORS.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- nvim-([\d.]+) -->\n```lua\n(.*?)```\n<!-- /nvim-\1 -->",
                           text, flags=re.DOTALL))


def nvim_version() -> tuple[int, int]:
    assert NVIM is not None
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True,
                           check=True).stdout.splitlines()[0]
    match = re.search(r"v(\d+)\.(\d+)", first)
    assert match, first
    return int(match[1]), int(match[2])


def test_every_neovim_setup_is_marked_for_the_smoke_test() -> None:
    assert set(documented_snippets()) == set(SNIPPETS)
    section = EDITORS.read_text(encoding="utf-8").split("## Neovim\n")[1].split("\n## ")[0]
    setups = [block for block in re.findall(r"```lua\n(.*?)```", section, flags=re.DOTALL)
              if "cmd = {" in block]
    assert sorted(setups) == sorted(documented_snippets().values())


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed")
@pytest.mark.parametrize("version", list(SNIPPETS))
def test_neovim_shows_and_fixes_a_diagnostic(version: str, tmp_path: Path) -> None:
    if nvim_version() < SNIPPETS[version]:
        pytest.skip(f"the setup for Neovim {version} needs a newer nvim")
    app = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "app", app)
    snippet = tmp_path / "init.lua"
    snippet.write_text(documented_snippets()[version], encoding="utf-8")
    # The snippets run `flake8-async-review lsp` from PATH, as after `pip install`.
    scripts = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": scripts + os.pathsep + os.environ.get("PATH", ""),
        "ASR_SNIPPET": str(snippet),
        "ASR_FILE": str(app / "routes" / "orders.py"),
        "ASR_OTHER": str(app / "cache.py"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # No user configuration or plugins.
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    assert NVIM is not None
    result = subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-S", str(ROOT / "tests" / "nvim" / "smoke.lua")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "await asyncio.sleep(" in result.stdout + result.stderr
    assert "servers: 1" in result.stdout + result.stderr
