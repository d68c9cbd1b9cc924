"""The bundled example service: findings on the buggy app, none on its clean twin, and
the listing in examples/README.md is exactly what flake8 prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_examples_output_matches_the_documented_listing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASR", "examples/"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "examples/clean/" not in result.stdout
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- expected-output -->\n```console\n\$ [^\n]*\n(.*?)```", readme, re.S)
    assert block, "examples/README.md lost its expected-output block"
    assert result.stdout == block.group(1)
