"""The lazy inference tier: astroid, only for questions plain ``ast`` cannot answer.

Nothing here runs unless a rule asks. The astroid tree is built from the text flake8
already read (never by importing the module), once per file, and every failure inside
astroid means "unsure", so the rule stays silent.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

_Span = tuple[int, int, int | None, int | None]


class LazyInference:
    """Builds one file's astroid tree on first use and answers ``infer`` queries."""

    def __init__(self, source: str, filename: str) -> None:
        self._source = source
        self._filename = filename
        self._index: dict[_Span, Any] | None = None
        self.built = False

    def infer(self, node: ast.AST) -> Any | None:
        """The single value astroid infers for ``node``; None if none, several, or an
        error."""
        target = self._node_at(_span(node))
        if target is None:
            return None
        return safe_infer(target)

    def _node_at(self, span: _Span) -> Any | None:
        if self._index is None:
            self._index = self._build_index()
        return self._index.get(span)

    def _build_index(self) -> dict[_Span, Any]:
        import astroid  # Imported here: most runs never need it.

        self.built = True
        try:
            tree = astroid.parse(
                self._source, module_name=Path(self._filename).stem, path=self._filename
            )
        except Exception:  # astroid raises many kinds of errors on odd input.  # noqa: ASR201
            return {}
        index: dict[_Span, Any] = {}
        # Pre-order: a later node with the same span is the inner one (the expression of
        # an expression statement), which is what a query about an expression means.
        for candidate in tree.nodes_of_class(astroid.nodes.NodeNG):
            if getattr(candidate, "lineno", None) is not None:
                index[_span(candidate)] = candidate
        return index


def safe_infer(node: Any) -> Any | None:
    """Infer ``node``; return the value only when astroid finds exactly one."""
    import astroid

    try:
        results = node.infer()
        first = next(results)
        if first is astroid.Uninferable:
            return None
        for _, other in zip(range(8), results, strict=False):
            if other is not first:
                return None
        return first
    except Exception:  # Inference can fail in many ways on real code: stay silent.  # noqa: ASR201
        return None


def _span(node: Any) -> _Span:
    return (
        node.lineno,
        node.col_offset,
        getattr(node, "end_lineno", None),
        getattr(node, "end_col_offset", None),
    )
