"""ASR910 (opt-in): an async generator that yields, again and again, inside a ``with`` block."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..analysis.nodes import child_nodes, walk
from ..analysis.scopes import FUNCTION_TYPES
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_NESTED = (*FUNCTION_TYPES, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_WITHS = (ast.With, ast.AsyncWith)
_TRY_TYPES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
# Decorators that leave the function an async generator its callers iterate.
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod"})
# Context managers whose exit does nothing that matters when it runs late.
_HARMLESS = frozenset({"contextlib.suppress", "contextlib.nullcontext"})


class YieldInContextManager(Rule):
    """
    ## What it does
    Finds a `yield` inside a `with` or `async with` block of an async generator that
    yields repeatedly: a `yield` in a loop, or one of several `yield`s.

    ## Why is this bad?
    The consumer of an async generator may stop early: it breaks out of its
    `async for`, raises, or is cancelled (a client that disconnects from a streaming
    response). The generator is then suspended at the `yield`, inside the block, and
    the block's exit (closing a connection or a file, committing, releasing a lock,
    ending a timeout) runs only when the generator is closed: later, from the garbage
    collector, in another task, or at shutdown. A lock stays held and a connection
    stays checked out meanwhile, and a cancel scope or timeout exits in the wrong task.

    ## Example
    ```python
    async def stream_rows(pool, query):
        async with pool.acquire() as connection:
            async for row in connection.cursor(query):
                yield row
    ```

    ## Use instead
    Let the caller own the resource, so that it is released when the caller's block
    ends:

    ```python
    async def stream_rows(connection, query):
        async for row in connection.cursor(query):
            yield row


    async def export(pool, query, sink):
        async with pool.acquire() as connection:
            async for row in stream_rows(connection, query):
                await sink.write(row)
    ```

    Or close the generator explicitly where it is consumed
    (`async with contextlib.aclosing(stream_rows(pool, query)) as rows:`).

    ## Where it applies
    Generators that yield once are left alone: a FastAPI dependency with `yield`
    (`async with Session() as session: yield session`) and a function written for
    `@asynccontextmanager` are driven to their end by their framework. So are
    decorated generators (`@asynccontextmanager`, `@pytest.fixture`), generators the
    module passes by name to another call (`Depends(get_db)`, `lifespan=...`), a
    `yield` inside a function nested in the block, and `contextlib.suppress()` blocks.
    A `yield` after which the generator ends (followed by `return`, or last in the
    function) is not reported either: the next step closes the block.

    An opt-in rule (`--extend-select ASR910`): on real applications most reports are
    true but minor (a consumer that always iterates to the end, a timing block whose
    exit only logs), so it suits a review of streaming code rather than every run.

    The rule has no fix: how to restructure the code (move the resource to the
    caller, or close the generator with `aclosing()` where it is consumed) is a design
    choice.
    """

    code = "ASR910"
    name = "yield-in-context-manager"
    message = ("`yield` inside `{}` in an async generator: if the consumer stops early, "
               "the block's exit runs late or in another task")
    severity = Severity.MEDIUM
    required_text = ("async", "yield", "with")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, context: Context) -> None:
        if any(not (isinstance(d, ast.Name) and d.id in _PLAIN_DECORATORS)
               for d in node.decorator_list):
            return
        yields = list(_yields(node.body, (), False))
        if not yields:
            return
        repeated = len(yields) > 1 or any(in_loop for _, _, in_loop in yields)
        if not repeated or node.name in _passed_by_name(context):
            return
        final = _final_yields(node.body, True)
        for found, withs, _ in yields:
            if id(found) in final:
                continue  # The generator ends right after it: the block closes then.
            block = next((w for w in reversed(withs) if not self._harmless(w, context)), None)
            if block is not None:
                keyword = "async with" if isinstance(block, ast.AsyncWith) else "with"
                expression = context.source_segment(block.items[0].context_expr)
                context.report(self, found, f"{keyword} {expression}")

    @staticmethod
    def _harmless(block: ast.With | ast.AsyncWith, context: Context) -> bool:
        return all(isinstance(item.context_expr, ast.Call)
                   and context.qualified_name(item.context_expr.func) in _HARMLESS
                   for item in block.items)


def _yields(nodes: Sequence[ast.AST], withs: tuple[ast.With | ast.AsyncWith, ...],
            in_loop: bool) -> Iterator[tuple[ast.Yield, tuple[ast.With | ast.AsyncWith, ...], bool]]:
    """Each ``yield`` of a function's own body, with the ``with`` blocks whose body holds
    it (outermost first) and whether a loop holds it."""
    for node in nodes:
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, ast.Yield):
            yield node, withs, in_loop
        if isinstance(node, _WITHS):
            for item in node.items:
                yield from _yields([item], withs, in_loop)
            yield from _yields(node.body, (*withs, node), in_loop)
        elif isinstance(node, _LOOPS):
            header: list[ast.AST] = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
            yield from _yields(header, withs, in_loop)
            yield from _yields(node.body, withs, True)
            yield from _yields(node.orelse, withs, in_loop)
        else:
            yield from _yields(child_nodes(node), withs, in_loop)


def _final_yields(body: list[ast.stmt], tail: bool) -> set[int]:
    """The ``yield`` statements after which the generator ends: each followed by a
    ``return``, or last in its block and in every enclosing one (no loop between)."""
    found: set[int] = set()
    for index, statement in enumerate(body):
        last = tail and index == len(body) - 1
        if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Yield)
                and (last or (index + 1 < len(body) and isinstance(body[index + 1], ast.Return)))):
            found.add(id(statement.value))
        elif isinstance(statement, (*_WITHS, ast.If)):
            found |= _final_yields(statement.body, last)
            found |= _final_yields(getattr(statement, "orelse", []), last)
        elif isinstance(statement, _TRY_TYPES):
            found |= _final_yields(statement.body, last and not statement.orelse
                                   and not statement.finalbody)
            for handler in statement.handlers:
                found |= _final_yields(handler.body, last and not statement.finalbody)
            found |= _final_yields(statement.orelse, last and not statement.finalbody)
            found |= _final_yields(statement.finalbody, last)
        elif isinstance(statement, ast.Match):
            for case in statement.cases:
                found |= _final_yields(case.body, last)
    return found


def _passed_by_name(context: Context) -> frozenset[str]:
    """Names the module passes to a call as an argument (``Depends(get_db)``,
    ``asynccontextmanager(stream)``, ``FastAPI(lifespan=lifespan)``)."""
    def collect() -> frozenset[str]:
        names: set[str] = set()
        for node in walk(context.tree):
            if isinstance(node, ast.Call):
                for argument in (*node.args, *(k.value for k in node.keywords)):
                    if isinstance(argument, ast.Starred):
                        argument = argument.value
                    if isinstance(argument, ast.Name):
                        names.add(argument.id)
                    elif isinstance(argument, ast.Attribute):
                        names.add(argument.attr)
        return frozenset(names)

    return context.shared_state("names passed to calls", collect)
