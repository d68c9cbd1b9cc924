"""Walking syntax trees, less the nodes no analysis looks at.

``ast.walk`` yields every node, the ``Load``/``Store`` context of each name and the
operator of each operation included (a third of a typical tree), and finds a node's
children by asking for every field of it. The walks here yield the same nodes in the
same order, less those contexts and operators, and read only the fields of a node type
that can hold nodes (worked out once per type).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

# Fields that never hold a node worth visiting: names, flags and constants' values, and
# the expression contexts and operators (``ctx``, ``op``, ``ops``).
_NON_NODE_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "name", "asname", "module", "level",
     "kind", "type_comment", "is_async", "conversion", "simple", "tag", "lineno", "n", "s"}
)
# The one field of those names that holds a node: `type X = ...` (Python 3.12) names
# its alias with an `ast.Name`.
_NODE_FIELDS = frozenset({("name", "TypeAlias")})
_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type that may hold nodes, in the order of ``_fields``."""
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = _FIELDS[node_type] = () if node_type is ast.Constant else tuple(
            field for field in getattr(node_type, "_fields", ())
            if field not in _NON_NODE_FIELDS or (field, node_type.__name__) in _NODE_FIELDS)
    return fields


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The children of ``node`` in the order of ``ast.iter_child_nodes``, less
    expression contexts and operators."""
    children: list[ast.AST] = []
    for field in _FIELDS.get(node.__class__) or node_fields(node.__class__):
        value = getattr(node, field, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children += [item for item in value if isinstance(item, ast.AST)]
    return children


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and every node under it, breadth first as ``ast.walk`` yields them,
    less expression contexts and operators."""
    todo = deque([node])
    fields_of = _FIELDS.get
    while todo:
        node = todo.popleft()
        # child_nodes(node), inlined: this runs for every node of the tree.
        for field in fields_of(node.__class__) or node_fields(node.__class__):
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(item for item in value if isinstance(item, ast.AST))
        yield node


def last_name(node: ast.AST) -> str | None:
    """The name an expression ends with as written: the ``id`` of a name, the ``attr``
    of an attribute (``add_task`` of ``tasks.add_task``); None for anything else (a
    call, a subscript)."""
    kind = node.__class__
    if kind is ast.Attribute:
        return node.attr  # type: ignore[attr-defined,no-any-return]
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    return None
