"""Parsing successive versions of a file, for an editor: only the top-level statements
an edit touches are parsed again.

In an editor, each keystroke produces a new version of a file that differs from the
last one in a few lines, and parsing the whole file again is the largest part of
checking it (on an 8,000-line file, about twice the cost of the rules). A
:class:`Reparser` keeps the last version of each file it parsed, with its tree; for the
next version it finds the lines that changed, the top-level statements around them,
parses the text between the unchanged statements before and after (padded with blank
lines, so that every position is that of the file) and puts the new statements between
the kept ones. The result is the tree ``ast.parse`` makes of the new text, node for
node and position for position; the kept statements are the same objects as before,
which is safe because the rules only ever add answers about a node's own subtree to it
(see :mod:`.local_functions`).

Whenever that cannot be known from the slice alone, the whole text is parsed:
``from __future__`` imports (one changes the grammar), a changed region whose slice
does not parse on its own (an unclosed bracket or string, an indented first line, a
decorator without its definition), a statement before the region whose last line ends
with a backslash (the change may continue it), and every text that does not parse,
so that a syntax error is the one ``ast.parse`` raises.
"""

from __future__ import annotations

import ast
from collections import OrderedDict

from .source import paused_collection, source_lines

# Errors that parsing a slice can raise; each means "parse the whole text instead".
_SLICE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def parse(text: str) -> ast.Module:
    """``ast.parse(text)``, with collection paused."""
    with paused_collection():
        return ast.parse(text)


class _Version:
    __slots__ = ("_spans", "lines", "text", "tree")

    def __init__(self, text: str, tree: ast.Module, lines: list[str] | None = None) -> None:
        self.text = text
        self.tree = tree
        self.lines = source_lines(text) if lines is None else lines
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """The first and last line of each top-level statement (decorators included)."""
        if self._spans is None:
            self._spans = [
                (min([statement.lineno,
                      *(d.lineno for d in getattr(statement, "decorator_list", ()))]),
                 statement.end_lineno or statement.lineno)
                for statement in self.tree.body]
        return self._spans


class Reparser:
    """Parses versions of files, each from the last version of the same file it
    parsed (see the module's documentation). Keeps the last ``keep`` files' versions."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._versions: OrderedDict[str, _Version] = OrderedDict()
        self.reparsed = 0  # Versions parsed from their previous version (for tests).

    def forget(self, key: str) -> None:
        self._versions.pop(key, None)

    def parse(self, key: str, text: str) -> ast.Module:
        """The tree of ``text``, the version of the file ``key`` to check now. Raises
        what ``ast.parse(text)`` raises."""
        previous = self._versions.pop(key, None)
        version: _Version | None = None
        if previous is not None:
            if previous.text == text:
                version = previous
            else:
                version = _spliced(previous, text)
                if version is not None:
                    self.reparsed += 1
        if version is None:
            version = _Version(text, parse(text))
        self._versions[key] = version
        while len(self._versions) > self.keep:
            self._versions.popitem(last=False)
        return version.tree


def _spliced(previous: _Version, text: str) -> _Version | None:
    """The new version made from ``previous`` by parsing only what changed; None when
    the whole text must be parsed."""
    if "__future__" in text:
        return None
    old, new = previous.lines, source_lines(text)
    count_old, count_new = len(old), len(new)
    limit = min(count_old, count_new)
    same_start = 0
    while same_start < limit and old[same_start] == new[same_start]:
        same_start += 1
    same_end = 0
    while (same_end < limit - same_start
           and old[count_old - 1 - same_end] == new[count_new - 1 - same_end]):
        same_end += 1
    # The changed lines of the old text, 1-based: first..last (none when last < first).
    first, last = same_start + 1, count_old - same_end
    spans = previous.spans
    body = previous.tree.body
    before = -1  # The last statement wholly above the change.
    while before + 1 < len(spans) and spans[before + 1][1] < first:
        before += 1
    after = before + 1  # The first statement wholly below the change.
    while after < len(spans) and spans[after][0] <= last:
        after += 1
    start = spans[before][1] + 1 if before >= 0 else 1
    if start > 1 and old[start - 2].rstrip("\r\n").endswith("\\"):
        return None  # The change may continue the statement above it.
    shift = count_new - count_old
    end = spans[after][0] - 1 + shift if after < len(spans) else count_new
    try:
        with paused_collection():
            middle = ast.parse("\n" * (start - 1) + "".join(new[start - 1:end]))
    except _SLICE_ERRORS:
        return None
    kept_after = body[after:]
    if shift:
        for statement in kept_after:
            ast.increment_lineno(statement, shift)
    tree = ast.Module(body=[*body[:before + 1], *middle.body, *kept_after], type_ignores=[])
    return _Version(text, tree, new)
