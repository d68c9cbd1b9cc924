"""Recall on the blocking-call test files of peer linters (flake8-async, ruff).

The peers' own test files annotate every call they report (``# ASYNC210: 4, ...`` in
flake8-async's ``tests/eval_files/``, ``# ASYNC210`` in ruff's
``crates/ruff_linter/resources/test/fixtures/flake8_async/``). This script lints those
files with the blocking-call rules of this project (ASR101-ASR110 and ASR903) and counts
how many of the annotated calls of the blocking-call families (ASYNC210-ASYNC251) are
reported on the same line. The files are not part of this repository: fetch them first
(see benchmarks/README.md) and pass their paths. The peers' ASYNC100, ASYNC110,
ASYNC119 and ASYNC124 findings are counted too, each found by a report of the rule
``PEER_RULES`` matches it with on the same line.

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
# Also four other async checks (see PEER_RULES).
FAMILY = re.compile(r"^ASYNC(?:2[1-5]\d|100|110|119|124)$")
_FILE = re.compile(r"^async(?:2[1-5]\w*|100\w*|110|119|124)\.py$", re.IGNORECASE)
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
# The peers' other async checks, each with the rule of this project that finds the same
# bug: a report of that rule on the annotated line counts as found.
PEER_RULES = {"ASYNC100": "ASR605", "ASYNC110": "ASR908", "ASYNC119": "ASR910",
              "ASYNC124": "ASR907"}


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
    # Found through the report at the file's `open()` (see `opened_in_same_function`).
    at_open: list[Expected] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.expected += other.expected
        self.found += other.found
        self.excluded += other.excluded
        self.at_open += other.at_open


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
    every = lint_source(text, str(target), linter)
    by_rule = Counter((v.line - offset, v.code) for v in every)
    violations = [v for v in every if v.code in CODES]
    reported = Counter(v.line - offset for v in violations)
    opened = opened_in_same_function(source, {v.line - offset for v in violations
                                              if v.code == OPEN_CODE})
    per_line = Counter(e.line for e in expected)
    seen: Counter[int] = Counter()
    for item in expected:
        name = called_name(item.text)
        if (item.code == "ASYNC240" and name in NOT_BLOCKING) or name in PLACEHOLDER_METHODS:
            result.excluded.append(item)
            continue
        result.expected.append(item)
        if item.code in PEER_RULES:
            if by_rule[(item.line, PEER_RULES[item.code])]:
                result.found.append(item)
            continue
        seen[item.line] += 1
        # Several findings on one line: as many reports there as the peer expects.
        if seen[item.line] <= min(per_line[item.line], reported[item.line]):
            result.found.append(item)
        elif item.code == "ASYNC232" and item.line in opened:
            result.found.append(item)
            result.at_open.append(item)
    return result


# ASYNC232 reports each method call on a file object; this project reports a file that
# `open()` returned in the same function once, at the `open()` call (ASR104): one report
# per blocking object, which is where the fix goes (`aiofiles.open()`, or the whole
# block in a thread). So a peer finding on `f.read()` counts as found when `f` is bound
# in the same function (`f = open(...)`, `with open(...) as f`, or `f = g` for such a
# `g`) to an `open()` call that ASR104 reports. A file opened in an enclosing sync
# function or at module level is not covered: no report of ours is at its `open()`.
OPEN_CODE = "ASR104"


def opened_in_same_function(source: str, open_reports: set[int]) -> set[int]:
    """Lines of method calls on a name that the enclosing function binds only to a
    reported `open()` call (directly or through another such name)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    covered: set[int] = set()
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        own = list(_own_nodes(function))
        bindings: dict[str, list[ast.expr | None]] = {}
        for node in own:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bindings.setdefault(target.id, []).append(node.value)
                    else:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name):
                                bindings.setdefault(name.id, []).append(None)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        bindings.setdefault(item.optional_vars.id, []).append(item.context_expr)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                                   ast.NamedExpr)):
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        bindings.setdefault(name.id, []).append(None)
        for arg in ast.walk(function.args):
            if isinstance(arg, ast.arg):
                bindings.setdefault(arg.arg, []).append(None)

        def reported_open(name: str, bindings: dict[str, list[ast.expr | None]] = bindings,
                          depth: int = 0) -> bool:
            values = bindings.get(name, [None])
            if depth > 4 or len(values) != 1 or values[0] is None:
                return False
            value = values[0]
            if isinstance(value, ast.Name):
                return reported_open(value.id, bindings, depth + 1)
            return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id == "open" and value.lineno in open_reports)

        for node in own:
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and reported_open(node.func.value.id)):
                covered.add(node.lineno)
    return covered


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of a function's body, without those of nested functions and lambdas."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return found


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
    rules = [rule for rule in ALL_RULES if rule.code in CODES or rule.code in PEER_RULES.values()]
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
            "excluded": len(total.excluded), "found_at_open": len(total.at_open),
            "recall": round(recall, 4),
            "by_code": {code: [len(r.found), len(r.expected)] for code, r in sorted(by_code.items())},
        }))
        return 0
    print(f"{len(files)} files, {len(total.expected)} findings the peers report "
          f"({len(total.excluded)} more left out: no I/O, or a made-up method name)")
    for code, result in sorted(by_code.items()):
        print(f"  {code}: {len(result.found)}/{len(result.expected)}")
    print(f"found on the same line: {len(total.found)}/{len(total.expected)} = {recall:.1%}")
    if total.at_open:
        print(f"  of which {len(total.at_open)} ASYNC232 found through the report at the "
              "file's open() in the same function:")
        for item in total.at_open:
            print(f"    {item.path.name}:{item.line}: {item.text}")
    for label, codes in (("blocking calls", [c for c in by_code if c not in PEER_RULES]),
                         ("other async checks", [c for c in by_code if c in PEER_RULES])):
        found = sum(len(by_code[c].found) for c in codes)
        expected = sum(len(by_code[c].expected) for c in codes)
        if expected:
            print(f"{label}: {found}/{expected} = {found / expected:.1%}")
    if args.misses:
        found = {id(item) for item in total.found}
        for item in total.expected:
            if id(item) not in found:
                print(f"missed {item.path.name}:{item.line} {item.code}: {item.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
