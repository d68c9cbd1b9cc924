"""Neovim's built-in LSP client against the server (skipped when ``nvim`` is absent)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

ROOT = Path(__file__).parent.parent
NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed")
def test_neovim_shows_and_fixes_a_diagnostic(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "app", app)
    target = app / "routes" / "orders.py"
    env = {
        **os.environ,
        "ASR_LSP_CMD": json.dumps([sys.executable, "-m", "flake8_async_review", "lsp"]),
        "ASR_FILE": str(target),
        "ASR_ROOT": str(tmp_path),
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
