"""Recall on the blocking-call test files of peer linters (flake8-async, ruff).

The peers' own test files annotate every call they report (``# ASYNC210: 4, ...`` in
flake8-async's ``tests/eval_files/``, ``# ASYNC210`` in ruff's
``crates/ruff_linter/resources/test/fixtures/flake8_async/``). This script lints those
files with the blocking-call rules of this project (ASR101-ASR110 and ASR903) and counts
how many of the annotated calls of the blocking-call families (ASYNC210-ASYNC251) are
reported on the same line. The files are not part of this repository: fetch them first
(see benchmarks/README.md) and pass their paths.

    python benchmarks/peer_recall.py benchmarks/.cache/peers [--misses] [--json]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import Settings

# The peers' blocking-call families: HTTP (210-212), processes (220-222), files
# (230-232), os.path (240), input() (250), time.sleep() (251).
FAMILY = re.compile(r"^ASYNC2[1-5]\d$")
_FILE = re.compile(r"^async2[1-5]\w*\.py$", re.IGNORECASE)
_EXPECTED = re.compile(r"#\s*(ASYNC\d{3}|error)\b(?::\s*(\d+))?")
_DEFAULT_CODE = re.compile(r"^(?:async|ASYNC)(\d{3})")
# Peer findings left out of the count, each for a reason:
# - os.path functions that only compute on the string they are given (``abspath`` asks
#   the process for its working directory): no I/O, so this project never reports them;
# - a method name the class does not have, used by a peer to test that *any* method of
#   a type is reported (``client.anything()``): this project lists the methods that do
#   I/O, and a made-up name is none of them.
NOT_BLOCKING = frozenset({"normpath", "relpath", "_path_normpath", "normcase", "join",
                          "basename", "dirname", "split", "splitext", "isabs", "abspath",
                          "commonpath", "commonprefix", "splitdrive"})
PLACEHOLDER_METHODS = frozenset({"anything", "aoeuaoeuaoeuaoeu"})
# Names the peers' files use without importing them, and the import that gives each
# the meaning the peers assume.
_IMPORTS = {
    "os": "import os", "subprocess": "import subprocess", "io": "import io",
    "time": "import time", "requests": "import requests", "httpx": "import httpx",
    "httpx2": "import httpx2", "urllib3": "import urllib3", "trio": "import trio",
    "anyio": "import anyio", "asyncio": "import asyncio", "pathlib": "import pathlib",
    "sys": "import sys", "urllib": "import urllib", "Optional": "from typing import Optional",
    "Any": "from typing import Any", "request": "from urllib import request",
    "urlopen": "from urllib.request import urlopen",
}
CODES = frozenset({*(f"ASR1{n:02d}" for n in range(1, 11)), "ASR903"})


@dataclass
class Expected:
    path: Path
    line: int
    code: str
    text: str


@dataclass
class Result:
    expected: list[Expected] = field(default_factory=list)
    found: list[Expected] = field(default_factory=list)
    excluded: list[Expected] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.expected += other.expected
        self.found += other.found
        self.excluded += other.excluded


def peer_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        found += [p for p in candidates if _FILE.match(p.name)]
    return found


def expected_findings(path: Path, lines: list[str]) -> list[Expected]:
    default = _DEFAULT_CODE.match(path.name)
    found: list[Expected] = []
    for number, line in enumerate(lines, start=1):
        code_part, _, comment = line.partition("#")
        if not code_part.strip():
            continue  # A comment line: a section heading, not a call.
        if not comment or comment.lstrip().startswith(("ARG", "NOASYNCIO", "NOTRIO", "ASYNCIO")):
            continue
        for code, _col in _EXPECTED.findall("#" + comment):
            if code == "error":
                if default is None:
                    continue
                code = f"ASYNC{default[1]}"
            if FAMILY.match(code):
                found.append(Expected(path, number, code, line.strip()))
    return found


def with_imports(source: str) -> tuple[str, int]:
    """The file with the imports it omits added on one first line (0 or 1 lines added)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, 0
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    missing = [_IMPORTS[name] for name in sorted(used - bound) if name in _IMPORTS]
    if not missing or "from __future__" in source:
        return source, 0
    return "; ".join(missing) + "\n" + source, 1


def called_name(text: str) -> str:
    match = re.search(r"([\w.]+)\s*\(", text)
    return match[1].rpartition(".")[2] if match else ""


def measure(path: Path, linter: Linter, workdir: Path) -> Result:
    source = path.read_text(encoding="utf-8")
    expected = expected_findings(path, source.splitlines())
    result = Result()
    if not expected:
        return result
    text, offset = with_imports(source)
    target = workdir / path.name
    target.write_text(text, encoding="utf-8")
    reported = Counter(v.line - offset for v in lint_source(text, str(target), linter)
                       if v.code in CODES)
    per_line = Counter(e.line for e in expected)
    seen: Counter[int] = Counter()
    for item in expected:
        name = called_name(item.text)
        if (item.code == "ASYNC240" and name in NOT_BLOCKING) or name in PLACEHOLDER_METHODS:
            result.excluded.append(item)
            continue
        result.expected.append(item)
        seen[item.line] += 1
        # Several findings on one line: as many reports there as the peer expects.
        if seen[item.line] <= min(per_line[item.line], reported[item.line]):
            result.found.append(item)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path,
                        help="peer test files, or directories holding them")
    parser.add_argument("--misses", action="store_true", help="list the findings missed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--skip", action="append", default=[], metavar="ASYNCnnn",
                        help="leave a peer code out of the count (repeatable)")
    args = parser.parse_args(argv)
    files = peer_files(args.paths)
    if not files:
        parser.error("no peer test files (async2*.py, ASYNC2*.py) under the given paths")
    rules = [rule for rule in ALL_RULES if rule.code in CODES]
    linter = Linter(rules, Settings())
    total = Result()
    by_code: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            result = measure(path, linter, Path(tmp))
            result.expected = [e for e in result.expected if e.code not in args.skip]
            result.found = [e for e in result.found if e.code not in args.skip]
            total.add(result)
            for item in result.expected:
                by_code.setdefault(item.code, Result()).expected.append(item)
            for item in result.found:
                by_code[item.code].found.append(item)
    recall = len(total.found) / len(total.expected) if total.expected else 0.0
    if args.json:
        print(json.dumps({
            "files": len(files), "expected": len(total.expected), "found": len(total.found),
            "excluded": len(total.excluded), "recall": round(recall, 4),
            "by_code": {code: [len(r.found), len(r.expected)] for code, r in sorted(by_code.items())},
        }))
        return 0
    print(f"{len(files)} files, {len(total.expected)} blocking calls the peers report "
          f"({len(total.excluded)} more left out: no I/O, or a made-up method name)")
    for code, result in sorted(by_code.items()):
        print(f"  {code}: {len(result.found)}/{len(result.expected)}")
    print(f"found on the same line: {len(total.found)}/{len(total.expected)} = {recall:.1%}")
    if args.misses:
        found = {id(item) for item in total.found}
        for item in total.expected:
            if id(item) not in found:
                print(f"missed {item.path.name}:{item.line} {item.code}: {item.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
