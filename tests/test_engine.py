"""The engine and the context it gives rules: scopes, names, try/except, await."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, ClassVar

import pytest
from harness import PROJECTS, Fixture, all_fixtures, project_sources

from flake8_async_review.analysis import project
from flake8_async_review.analysis.settings_classes import may_define_settings_classes
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.context import Context
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.engine.rule import CallIndex, CallNames, Rule, Severity
from flake8_async_review.engine.violation import Violation
from flake8_async_review.rules import ALL_RULES, unawaited_coroutine
from flake8_async_review.rules.common.blocking import BlockingCallRule
from flake8_async_review.settings import BlockingPattern, Settings


class Probe(Rule):
    """Records what the context says at every call ``probe(...)``; test-only."""

    code = "ASR999"
    name = "probe"
    message = "{}"
    severity = Severity.LOW
    ask: ClassVar[Callable[[ast.Call, Context], Any]] = staticmethod(lambda node, ctx: None)

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "probe":
            context.report(self, node, repr(type(self).ask(node, context)))


def answers(source: str, ask: Callable[[ast.Call, Context], Any]) -> list[str]:
    probe = type("AskingProbe", (Probe,), {"ask": staticmethod(ask)})
    violations = lint_source(textwrap.dedent(source), "probe.py", Linter(rules=[probe]))
    return [v.message for v in violations]


def qualified_names(source: str) -> list[str]:
    return answers(source, lambda node, ctx: ctx.qualified_name(node.args[0]))


# -- async scope ---------------------------------------------------------------------


def test_async_scope_is_lexical() -> None:
    source = """
    probe()
    async def outer():
        probe()
        def sync_inner(default=probe()):
            probe()
            async def async_in_sync():
                probe()
        lambda: probe()
        class Inside:
            probe()
            async def method(self):
                probe()
        [probe() for _ in range(2)]
    """
    assert answers(source, lambda node, ctx: ctx.in_async_function) == [
        "False", "True", "True", "False", "True", "False", "False", "True", "True",
    ]


def test_enclosing_function_is_none_in_a_class_body() -> None:
    source = """
    def f():
        probe()
        class C:
            probe()
    """
    assert answers(source, lambda node, ctx: getattr(ctx.enclosing_function, "name", None)) == [
        "'f'", "None",
    ]


# -- names ------------------------------------------------------------------------------


def test_import_forms() -> None:
    source = """
    import os.path
    import xml.etree.ElementTree as ET
    from time import sleep as pause
    from . import sibling
    from .pkg import thing
    probe(os.path.join)
    probe(ET.parse)
    probe(pause)
    probe(sibling)
    probe(thing)
    probe(open)
    probe(undefined_name)
    probe(later)
    import later
    """
    assert qualified_names(source) == [
        "'os.path.join'", "'xml.etree.ElementTree.parse'", "'time.sleep'", "None", "None",
        "'builtins.open'", "None", "'later'",
    ]


def test_function_local_imports_stay_local() -> None:
    source = """
    async def f():
        import subprocess as sp
        probe(sp.run)
    probe(sp)
    """
    assert qualified_names(source) == ["'subprocess.run'", "None"]


def test_rebinding_makes_a_name_unknown() -> None:
    source = """
    import time
    import json
    json = None
    def f(time):
        probe(time.sleep)
    def g():
        time = make()
        probe(time.sleep)
    def h():
        probe(time.sleep)
    probe(json.loads)
    """
    assert qualified_names(source) == ["None", "None", "'time.sleep'", "None"]


def test_star_import_makes_unknown_names_unresolved() -> None:
    source = """
    from time import *
    import os
    probe(sleep)
    probe(os.getcwd)
    """
    assert qualified_names(source) == ["None", "'os.getcwd'"]


def test_class_scope_is_not_visible_in_methods() -> None:
    source = """
    import time
    class C:
        import requests as time
        probe(time.get)
        def m(self):
            probe(time.sleep)
    """
    assert qualified_names(source) == ["'requests.get'", "'time.sleep'"]


def test_conflicting_module_imports_are_unknown() -> None:
    source = """
    try:
        import ujson as json
    except ImportError:
        import json
    probe(json.loads)
    """
    assert qualified_names(source) == ["None"]


# -- try/except, await, statements -------------------------------------------------------


def test_enclosing_handlers_and_try_bodies() -> None:
    source = """
    try:
        probe()
        try:
            pass
        except ValueError:
            probe()
    except Exception:
        probe()
    def f():
        try:
            pass
        except KeyError:
            def g():
                probe()
    """
    def ask(node: ast.Call, ctx: Context) -> tuple[int, int]:
        return (len(ctx.enclosing_handlers(node)), len(ctx.enclosing_try_bodies(node)))

    assert answers(source, ask) == ["(0, 1)", "(1, 1)", "(1, 0)", "(0, 0)"]


def test_is_awaited_and_statement_of() -> None:
    source = """
    async def f():
        await probe()
        probe()
        x = [await probe()]
    """
    def ask(node: ast.Call, ctx: Context) -> tuple[bool, str]:
        statement = ctx.statement_of(node)
        return (ctx.is_awaited(node), type(statement).__name__)

    assert answers(source, ask) == ["(True, 'Expr')", "(False, 'Expr')", "(True, 'Assign')"]


# -- the walk itself ----------------------------------------------------------------------


def test_text_triggers_skip_files_that_cannot_match() -> None:
    class NeedsAsync(Probe):
        required_text = ("async",)

    linter = Linter(rules=[NeedsAsync])
    assert lint_source("probe()\n", "a.py", linter) == []
    assert len(lint_source("probe()  # async\n", "a.py", linter)) == 1
    assert len(lint_source("probe()\n", "a.py", Linter(rules=[NeedsAsync], text_triggers=False))) == 1


def test_handlers_see_nodes_in_source_order_and_the_table_is_reused() -> None:
    seen: list[str] = []

    class Order(Probe):
        def visit_Name(self, node: ast.Name, context: Context) -> None:
            seen.append(node.id)

    linter = Linter(rules=[Order])
    lint_source("a(b, c)\nd = e[f]\n", "a.py", linter)
    lint_source("g\n", "a.py", linter)
    assert seen == ["a", "b", "c", "d", "e", "f", "g"]
    assert len(linter._tables) == 1


def test_deeply_nested_code_does_not_exhaust_the_stack() -> None:
    # Deeper than any recursive walk survives; built directly since the parser would
    # refuse to parse it.
    position = {"lineno": 1, "col_offset": 0, "end_lineno": 1, "end_col_offset": 1}

    def call() -> ast.Call:
        return ast.Call(ast.Name("probe", ast.Load(), **position), [], [], **position)

    expression: ast.expr = call()
    for _ in range(5000):
        expression = ast.BinOp(expression, ast.Add(), call(), **position)
    tree = ast.Module([ast.Expr(expression, **position)], [])
    probe = type("P", (Probe,), {"ask": staticmethod(lambda node, ctx: None)})
    assert len(Linter(rules=[probe]).lint(tree, ["x\n"], "deep.py")) == 5001


def test_a_handler_named_after_no_node_type_is_an_error() -> None:
    class Broken(Probe):
        def visit_Nonsense(self, node: ast.AST, context: Context) -> None: ...

    with pytest.raises(TypeError, match="visit_Nonsense"):
        Linter(rules=[Broken]).lint(ast.parse("x"), ["x"], "a.py")


def test_syntax_errors_give_no_diagnostics() -> None:
    assert lint_source("async def f(:\n", "bad.py", Linter(ALL_RULES)) == []


def test_columns_are_characters_not_bytes() -> None:
    source = "async def f():\n    x = 'é'; probe()\n"
    probe = type("P", (Probe,), {"ask": staticmethod(lambda node, ctx: None)})
    [violation] = lint_source(source, "a.py", Linter(rules=[probe]))
    assert (violation.col, violation.end_col) == (13, 20)


def test_source_segment_matches_ast() -> None:
    """Context.source_segment is ast.get_source_segment without re-splitting the file."""
    from pathlib import Path

    from flake8_async_review.frontends.core import flake8_lines
    from flake8_async_review.settings import Settings

    fixtures = sorted(Path(__file__).parent.glob("fixtures/ASR10[12]*.py"))
    texts = [p.read_text(encoding="utf-8") for p in fixtures]
    texts.append('x = f("é😀", """a\nb""")\r\ny = (1 +\r\n  2)\n')
    for text in texts:
        tree = ast.parse(text)
        context = Context(tree, flake8_lines(text), "t.py", Settings())
        for node in ast.walk(tree):
            if hasattr(node, "end_col_offset"):
                expected = ast.get_source_segment("".join(flake8_lines(text)), node) or ""
                assert context.source_segment(node) == expected


def test_a_long_attribute_chain_is_no_crash() -> None:
    # ast.parse accepts chains far longer than the interpreter's recursion limit.
    chain = "a" + ".b" * 1900
    source = f"import os\n\n\nasync def handler():\n    {chain}()\n    os.path{'.x' * 1900}.y()\n"
    found = lint_source(source, "app/routes.py", Linter(ALL_RULES))
    assert [v for v in found if v.code != "ASR907"] == []  # ASR907: `handler` never awaits.


class _Seen(Rule):
    """Reports each call it is given; test-only."""

    code = "ASR998"
    name = "seen"
    message = "{}"
    severity = Severity.LOW

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        context.report(self, node, f"{self.code} {ast.unparse(node.func)}")


def test_async_only_call_rules_see_the_unawaited_calls_of_async_bodies_in_order() -> None:
    gated = [type(f"Gated{n}", (_Seen,), {"code": f"ASR99{n}", "async_calls_only": True})
             for n in (1, 2, 4)]
    plain = type("Plain", (_Seen,), {"code": "ASR993"})
    source = textwrap.dedent("""\
        async def handler():
            first()
            await second()
            x = [third() for _ in range(2)]
            def inner():
                fourth()
            lambda: fifth()
        sixth()
        """)
    linter = Linter([gated[0], gated[1], plain, gated[2]])
    found = [v.message for v in lint_source(source, "app/routes.py", linter)]
    assert found == [
        "ASR991 first", "ASR992 first", "ASR993 first", "ASR994 first",
        "ASR993 second",
        "ASR991 third", "ASR992 third", "ASR993 third", "ASR994 third",
        "ASR991 range", "ASR992 range", "ASR993 range", "ASR994 range",
        "ASR993 fourth", "ASR993 fifth", "ASR993 sixth",
    ]


def test_text_triggers_shared_by_rules_are_each_satisfied() -> None:
    def rule(code: str, required: tuple[str | tuple[str, ...], ...]) -> type[Rule]:
        def visit_Module(self: Rule, node: ast.Module, context: Context) -> None:
            context.report(self, ast.Pass(lineno=1, col_offset=0), code)

        return type(f"Rule{code}", (Rule,), {
            "code": code, "name": code.lower(), "message": "{}", "severity": Severity.LOW,
            "required_text": required, "visit_Module": visit_Module,
        })

    linter = Linter([rule("ASR981", ("async",)), rule("ASR982", ("async", ("foo", "bar"))),
                     rule("ASR983", (("bar", "baz"),)), rule("ASR984", ())])
    for source, expected in [
        ("x = 1\n", ["ASR984"]),
        ("async def f(): foo\n", ["ASR981", "ASR982", "ASR984"]),
        ("bar = 1\n", ["ASR983", "ASR984"]),
        ("async def f(): bar\n", ["ASR981", "ASR982", "ASR983", "ASR984"]),
    ]:
        assert [v.message for v in lint_source(source, "app/x.py", linter)] == expected


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_names_bound_in_expressions_are_found_in_the_scopes_that_bind_them(newline: str) -> None:
    from flake8_async_review.analysis.facts import FileFacts
    from flake8_async_review.analysis.scopes import Scope
    from flake8_async_review.settings import Settings

    source = textwrap.dedent("""\
        import re
        def plain():
            return re.match("a", "b")
        def walrus():
            if (found := re.match("a", "b")):
                return [y for x in "ab" if (y := x)]
        class Shapes:
            def area(self, shape):
                match shape:
                    case {"r": r, **rest}:
                        return r
                    case [w, *others] if (h := w):
                        return h
        lam = lambda: (z := 1)
        def split(a,
                  b=(k := 2)):
            pass
        """).replace("\n", newline)
    tree = ast.parse(source)
    facts = FileFacts(tree, source_lines(source), "app/x.py", Settings())
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.Lambda)):
            scope = facts.scope(node)
            assert scope.expression_bound == Scope(node).expression_bound
            bound[getattr(node, "name", type(node).__name__)] = set(scope.expression_bound)
    assert bound == {"Module": set(), "plain": set(), "walrus": {"found", "y"},
                     "Shapes": set(), "area": {"r", "rest", "w", "others", "h"},
                     "Lambda": {"z"}, "split": set()}


def test_the_lines_that_may_hold_walrus_or_match_syntax_are_numbered_from_the_text() -> None:
    from flake8_async_review.analysis.facts import _syntax_lines

    source = (
        "\ufeffmatch = re.match(a, b)\n"     # 1: first on its line, a word of its own
        "matches = 1  # match\n"              # 2: `matches` is another word
        "if (y := 1) and (z := 2):\n"         # 3: two `:=`, one line
        "\tmatch y:\n"                         # 4
        "        case _: x = re.match(1)\n"   # 5: not first on its line
        "    \f match_all()\n"                 # 6: `match_all` is another word
        "match"                                # 7: the text's end after the word
    )
    lines = source_lines(source)
    assert _syntax_lines(source, len(lines)) == ([3], [1, 4, 7])
    # Lines that do not number as Python numbers them: no line numbers at all.
    assert _syntax_lines("a := 1\r\n", 1) == ()
    assert _syntax_lines("x\ny\n", 1) == ()


# -- calls dispatched by the names of their callees ------------------------------------


def _declaring(code: str, names: CallNames | None) -> type[Rule]:
    return type(f"Declaring{code}", (_Seen,), {
        "code": code, "async_calls_only": True, "call_names": lambda self: names,
    })


def test_async_only_call_rules_are_given_the_calls_whose_names_they_declare() -> None:
    linter = Linter([
        _declaring("ASR971", CallNames(qualified=frozenset({"time.sleep"}))),
        _declaring("ASR972", CallNames(prefixes=frozenset({"subprocess."}))),
        _declaring("ASR973", CallNames(methods=frozenset({"fetch"}),
                                       class_methods=frozenset({"read_text"}))),
        _declaring("ASR974", CallNames(unnamed=True)),
        _declaring("ASR975", CallNames(methods=None)),
        _declaring("ASR976", None),  # Declares nothing: given every call.
    ])
    source = textwrap.dedent("""\
        import subprocess
        import time
        from pathlib import Path

        async def handler(client, limiter, path):
            time.sleep(1)
            time.monotonic()
            subprocess.run(["ls"])
            client.fetch()
            client.store()
            Path.read_text(path)
            limiter(path)
            await client.fetch()
        """)
    found = [v.message for v in lint_source(source, "app/routes.py", linter)]
    assert found == [
        "ASR971 time.sleep", "ASR976 time.sleep",
        "ASR976 time.monotonic",
        "ASR972 subprocess.run", "ASR976 subprocess.run",
        "ASR973 client.fetch", "ASR975 client.fetch", "ASR976 client.fetch",
        "ASR975 client.store", "ASR976 client.store",
        "ASR973 Path.read_text", "ASR976 Path.read_text",
        "ASR974 limiter", "ASR976 limiter",
    ]


def test_the_call_index_keeps_the_order_of_its_values() -> None:
    index = CallIndex([
        (CallNames(methods=None), "any method"),
        (None, "every call"),
        (CallNames(qualified=frozenset({"a.b"}), prefixes=frozenset({"", "a."}),
                   methods=frozenset({"b"}), class_methods=frozenset({"b"})), "named"),
    ])
    assert index.candidates("a.b", None) == ("every call", "named")
    assert index.candidates("x.y", None) == ("every call", "named")  # The prefix "".
    assert index.candidates(None, "b") == ("any method", "every call", "named")
    assert index.candidates(None, "c") == ("any method", "every call")
    assert index.candidates(None, None) == ("every call",)
    assert not CallIndex([(None, "every call")]).routes


def _blocking_rules(settings: Settings) -> list[BlockingCallRule]:
    return [rule(settings) for rule in BlockingCallRule.family() if rule.applies(settings)]


def test_every_name_of_a_blocking_rule_s_tables_reaches_the_rule() -> None:
    rules = _blocking_rules(Settings())
    index = CallIndex([(rule.call_names(), rule) for rule in rules])
    checked = 0
    for rule in rules:
        for name in rule.module_calls:
            assert rule in index.candidates(name, None), (rule.code, name)
        for owner, methods in rule.typed_methods.items():
            for method in methods:
                assert rule in index.candidates(None, method), (rule.code, method)
                assert rule in index.candidates(f"{owner}.{method}", None), (rule.code, method)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("pattern", [
    "legacy_sdk.fetch_invoice", "legacy_sdk.fetch_*", "*.fetch", "legacy_sdk.Client.*",
    "legacy_sdk.?lient.send", "[lm]egacy_sdk.*", "legacy*", "*",
])
def test_configured_blocking_calls_reach_the_rule_for_every_name_their_pattern_matches(
        pattern: str) -> None:
    settings = Settings(blocking_calls=(BlockingPattern(pattern),))
    (rule,) = [rule for rule in _blocking_rules(settings) if rule.code == "ASR109"]
    index = CallIndex([(rule.call_names(), rule)])
    names = ["legacy_sdk.fetch_invoice", "legacy_sdk.fetch", "legacy_sdk.Client.fetch",
             "legacy_sdk.Client.send", "megacy_sdk.x", "other.fetch", "legacy", "json.loads"]
    matched = [name for name in names if fnmatchcase(name, pattern)]
    assert matched
    for name in matched:
        # A function by its qualified name, or a method of a tracked type.
        assert index.candidates(name, None) == (rule,), name
        assert index.candidates(None, name.rpartition(".")[2]) == (rule,), name


_BLOCKING_FIXTURES = [f for f in all_fixtures()
                      if f.code in {*(f"ASR{n}" for n in range(101, 111)), "ASR903"}]


def _finds_the_same_when_given_more(fixture: Fixture, monkeypatch: pytest.MonkeyPatch,
                                    give_more: Callable[[], None]) -> None:
    """The fixture's findings (of its own code among them) stay the same once
    ``give_more`` has the engine give the rules what it spares them."""
    monkeypatch.chdir(fixture.path.parent)

    def lint() -> list[Violation]:
        return lint_source(fixture.text, str(fixture.path), Linter(ALL_RULES, fixture.settings))

    spared = lint()
    assert any(v.code == fixture.code for v in spared)
    give_more()
    assert lint() == spared


@pytest.mark.parametrize("fixture", _BLOCKING_FIXTURES, ids=[f.path.name for f in _BLOCKING_FIXTURES])
def test_blocking_rules_find_the_same_given_every_call(
        fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calls the blocking rules are not given are calls they would not report."""
    _finds_the_same_when_given_more(fixture, monkeypatch, lambda: monkeypatch.setattr(
        CallIndex, "candidates", lambda self, qualified, method: self.values))


_ASYNC_BODY_RULES = [rule for rule in ALL_RULES if rule.async_bodies_only]
_ASYNC_BODY_FIXTURES = [f for f in all_fixtures()
                        if f.code in {rule.code for rule in _ASYNC_BODY_RULES}]


@pytest.mark.parametrize("fixture", _ASYNC_BODY_FIXTURES,
                         ids=[f.path.name for f in _ASYNC_BODY_FIXTURES])
def test_rules_that_look_only_in_async_bodies_find_the_same_when_every_expression_is_walked(
        fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The expressions the walk does not enter for the rules that declare
    ``async_bodies_only`` (those outside async def bodies: the blocking rules, ASR504)
    hold nothing they would report."""

    def every_expression() -> None:
        for rule in _ASYNC_BODY_RULES:
            monkeypatch.setattr(rule, "async_bodies_only", False)

    _finds_the_same_when_given_more(fixture, monkeypatch, every_expression)


_ASYNC_AND_OTHER_CODE = textwrap.dedent("""\
    import time
    x = probe(time.sleep(1))
    @decorate(probe())
    def sync(a=probe()):
        probe(lambda: probe())
        async def nested(b=probe()):
            with probe() as held:
                return [probe(i) for i in held]
    class Service(Base, metaclass=probe()):
        field = probe()
        async def run(self, c=probe()):
            await probe()
            probe(lambda d=probe(): probe())
            class Inner(probe()):
                attribute = probe()
            def helper(e=probe()):
                return probe()
            if probe():
                async with probe() as held, probe():
                    return {probe(): probe() async for k in held}
    """)


def _call_spy(seen: list[tuple[str, ...]], async_bodies_only: bool) -> list[type[Rule]]:
    """A rule that records each call in an async def body and each statement, with
    its ancestors and scopes, and declares ``async_bodies_only`` as told."""

    def where(node: ast.AST, context: Context) -> tuple[str, ...]:
        return (type(node).__name__, str(getattr(node, "lineno", "")),
                *(type(a).__name__ for a in context.ancestors),
                "|", *(type(s).__name__ for s in context.scope_nodes))

    def call(self: Rule, node: ast.AST, context: Context) -> None:
        # A call elsewhere is recorded without its place: the rule would ignore it.
        seen.append(where(node, context) if context.in_async_function else ("elsewhere",))

    def statement(self: Rule, node: ast.AST, context: Context) -> None:
        seen.append(where(node, context))

    attributes = {"code": "ASR998", "name": "call-spy", "message": "{}", "severity": Severity.LOW,
                  "async_bodies_only": async_bodies_only, "visit_Call": call,
                  "visit_Return": statement, "visit_ClassDef": statement}
    return [type("CallSpy", (Rule,), attributes)]


def test_expressions_outside_async_bodies_are_not_walked_for_rules_that_look_only_inside() -> None:
    """A rule whose expression handlers act only in async def bodies meets there the
    same nodes, with the same ancestors and scopes, as when every expression is walked;
    the expressions of the other code (module level, sync functions, lambdas, class
    bodies, a sync def's defaults) are not entered, and the statements of all code are
    still met."""
    pruned: list[tuple[str, ...]] = []
    everything: list[tuple[str, ...]] = []
    linter = Linter(_call_spy(pruned, True))
    lint_source(_ASYNC_AND_OTHER_CODE, "a.py", linter)
    lint_source(_ASYNC_AND_OTHER_CODE, "a.py", Linter(_call_spy(everything, False)))
    assert ("elsewhere",) not in pruned
    assert pruned == [entry for entry in everything if entry != ("elsewhere",)]
    calls = [entry for entry in pruned if entry[0] == "Call"]
    # In run(): its own calls and those in the headers of the def and class in it.
    assert [int(entry[1]) for entry in calls] == [7, 8, 12, 13, 13, 14, 16, 18, 19, 19, 20, 20]
    assert sum(entry[0] != "Call" for entry in pruned) == 5  # 2 classes, 3 returns.
    ((everywhere, statements, _, wide),) = linter._plans.values()
    assert everywhere is not statements and wide == ()
    # Outside async def bodies the walk entered no expression (a lambda's body, pushed
    # with the lambda, ends at once).
    assert not any(issubclass(node_type, ast.expr) and isinstance(plan, tuple)
                   for node_type, plan in statements.items())


def test_a_rule_that_needs_every_expression_has_them_walked_everywhere() -> None:
    seen: list[tuple[str, ...]] = []
    names: list[str] = []

    class Names(Rule):
        code, name, message, severity = "ASR997", "names", "{}", Severity.LOW

        def visit_Name(self, node: ast.Name, context: Context) -> None:
            names.append(node.id)

    linter = Linter([*_call_spy(seen, True), Names])
    lint_source(_ASYNC_AND_OTHER_CODE, "a.py", linter)
    assert "decorate" in names and "Base" in names  # Module level and a class header.
    assert seen.count(("elsewhere",)) == 14
    ((_, _, _, wide),) = linter._plans.values()
    assert wide == (1,)


_WIDE_RULE_CODE = textwrap.dedent("""\
    top = probe()
    def plain():
        return probe([probe() for _ in x])
    def hot():
        return probe()  # needle
    class Holder(probe()):
        first = probe()
        def method(self):
            return probe(lambda: probe())
        def other(self, default=probe()):
            def inner():
                return probe()
            return probe(lambda: "needle")
    async def run():
        return probe()
    """)


def _wide_calls(source: str, words: frozenset[str] | None) -> list[int]:
    """The lines of the calls a rule that handles every call is given when it says
    its reports are in scopes whose lines hold one of ``words``."""
    seen: list[int] = []

    class Wide(Rule):
        code, name, message, severity = "ASR998", "wide", "{}", Severity.LOW

        def expression_scopes(self, context: Context) -> frozenset[str] | None:
            return words

        def visit_Call(self, node: ast.Call, context: Context) -> None:
            seen.append(node.lineno)

    lint_source(source, "a.py", Linter([Wide]))
    return seen


def test_a_rule_is_given_the_expressions_of_the_scopes_whose_lines_hold_its_words() -> None:
    every = _wide_calls(_WIDE_RULE_CODE, None)
    assert every == [1, 3, 3, 5, 6, 7, 9, 9, 10, 12, 13, 15]
    # "needle" is in hot() (line 5) and in other() (line 13, in a lambda of it): only
    # the statements that hold it are entered, not the rest of the module, of the
    # class body or of other(), nor plain(), method() or inner(). Async def bodies are
    # always entered.
    assert _wide_calls(_WIDE_RULE_CODE, frozenset({"needle"})) == [5, 13, 15]
    assert _wide_calls(_WIDE_RULE_CODE, frozenset()) == [15]
    assert _wide_calls(_WIDE_RULE_CODE, frozenset({"absent"})) == [15]
    # Lines that do not number as Python numbers them: the file's text decides.
    assert _wide_calls(_WIDE_RULE_CODE.replace("\n", "\r\n"), frozenset({"needle"})) == every


_STATEMENTS_CODE = textwrap.dedent("""\
    def plain(a):
        x = probe()
        y = (probe(),
             needle)
        if probe(needle):
            probe()
        for item in probe():
            z = probe(needle)
        @probe()
        @needle
        def inner():
            return probe()
        return probe()
    def header(config=needle):
        return probe()
    def shared(
            a): return probe(needle)
    """)


def test_in_a_scope_that_holds_a_word_only_the_statements_that_hold_one_are_entered() -> None:
    assert _wide_calls(_STATEMENTS_CODE, None) == [2, 3, 5, 6, 7, 8, 9, 12, 13, 15, 17]
    # A statement over several lines (3-4); an `if` whose test holds the word, not its
    # body (6); a `for` header up to its body's first line, which holds it (7); a def's
    # decorators (9), not its body (12); a def whose header holds the word is entered
    # whole (15): a parameter may be what the rule looks for; a body on the header's
    # last line is judged as a statement of its own (17).
    assert _wide_calls(_STATEMENTS_CODE, frozenset({"needle"})) == [3, 5, 7, 8, 9, 15, 17]


_NAMES_CODE = textwrap.dedent("""\
    def runner():
        return probe()
    def plain():
        return run(probe())
    def method():
        return probe().run()
    def spaced():
        return (probe()
                . run)()
    def joined():
        return probe().\\
            run()
    """)


def test_a_rule_s_words_are_whole_names_and_a_dotted_one_only_an_attribute() -> None:
    # `runner` holds `run` but is another name; `.run` is the attribute, however the
    # dot and the name are spaced or split across lines.
    assert _wide_calls(_NAMES_CODE, frozenset({"run"})) == [4, 4, 6, 6, 8, 8, 11, 11]
    assert _wide_calls(_NAMES_CODE, frozenset({".run"})) == [6, 6, 8, 8, 11, 11]
    assert _wide_calls(_NAMES_CODE, frozenset({"runner"})) == [2]
    assert _wide_calls(_NAMES_CODE, frozenset({"ru"})) == []


_PROJECTS = sorted(path for path in PROJECTS.iterdir() if path.is_dir())


def _project_finds_the_same_when_given_more(root: Path, monkeypatch: pytest.MonkeyPatch,
                                            give_more: Callable[[], None]) -> None:
    """Every file of a test project has the same findings once ``give_more`` has the
    engine give the rules what it spares them."""
    monkeypatch.chdir(root)

    def lint() -> list[list[Violation]]:
        project.clear_cache()
        linter = Linter(ALL_RULES)
        return [lint_source(path.read_text(encoding="utf-8"), str(path), linter)
                for path in project_sources(root)]

    spared = lint()
    give_more()
    assert lint() == spared


def test_a_file_that_imports_nothing_from_its_project_defines_no_settings_class_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The project has a settings class; a module that imports it can derive from it
    # (its secret default is reported), a script beside it that imports nothing from
    # the project cannot, and the settings-class rules rule it out before the walk.
    files = {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/config.py": "from pydantic_settings import BaseSettings\n\n"
                         "class AppSettings(BaseSettings):\n    debug: bool = False\n",
        "app/prod.py": "from app.config import AppSettings\n\n"
                       "class ProdSettings(AppSettings):\n    api_key: str = 'sk-live-4f9a8b7c6d5e'\n",
        "tools/seed.py": "class Row:\n    api_key: str = 'sk-live-4f9a8b7c6d5e'\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    project.clear_cache()
    linter = Linter(ALL_RULES, Settings())
    checked = {}
    for name in ("app/prod.py", "tools/seed.py"):
        text = files[name]
        context = Context(ast.parse(text), source_lines(text), str(tmp_path / name), Settings())
        context.know_project(project.project_of(context.filename))
        checked[name] = (may_define_settings_classes(context),
                         [v.code for v in lint_source(text, str(tmp_path / name), linter)])
    assert checked == {"app/prod.py": (True, ["ASR401"]), "tools/seed.py": (False, [])}


_UNAWAITED_FIXTURES = [f for f in all_fixtures() if f.code == "ASR604"]


def _type_every_client_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unawaited_coroutine._Candidates, "clients", lambda self, context: True)


@pytest.mark.parametrize("fixture", _UNAWAITED_FIXTURES, ids=[f.path.name for f in _UNAWAITED_FIXTURES])
def test_async_client_calls_are_found_the_same_when_typed_in_every_file(
        fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file where ASR604 does not type the receivers of client method names (it names
    no async client and imports nothing from its project) has no client call to report."""
    _finds_the_same_when_given_more(fixture, monkeypatch,
                                    lambda: _type_every_client_call(monkeypatch))


@pytest.mark.parametrize("root", _PROJECTS, ids=[path.name for path in _PROJECTS])
def test_async_client_calls_are_found_the_same_in_the_test_projects(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project_finds_the_same_when_given_more(root, monkeypatch,
                                            lambda: _type_every_client_call(monkeypatch))


def test_generator_helpers_are_known_from_lines_numbered_as_python_numbers_them() -> None:
    """A helper whose text has no ``yield`` is known not to be a generator without
    walking it; with lines split at a form feed (as ``str.splitlines`` splits), the
    text looked at is still the helper's own."""
    source = textwrap.dedent(
        """\
        import time
        x = 1  # \x0c
        def gen():
            time.sleep(1)
            yield 1


        def plain():
            time.sleep(1)


        async def handler():
            gen()
            plain()
        """
    )
    tree = ast.parse(source)
    for lines in (source.splitlines(keepends=True), source_lines(source)):
        found = Linter(ALL_RULES, Settings()).lint(tree, lines, "app.py")
        assert [(v.code, v.line) for v in found if v.code == "ASR110"] == [("ASR110", 14)]


_EVERY_STATEMENT_FORM = textwrap.dedent("""\
    import os
    @decorate(lambda: [x for x in y])
    class Service(Base, metaclass=Meta):
        field: int = 1
        async def run(self, a=default()):
            async with lock() as held, other():
                async for item in stream():
                    try:
                        pass
                    except* ValueError as error:
                        del error
                    else:
                        continue
                else:
                    break
            while check():
                match command:
                    case [first, *rest] if first:
                        return rest
                    case {"key": value}:
                        raise value
                    case _:
                        yield
    try:
        global g
    except OSError:
        assert g
    finally:
        for i in range(3):
            if i:
                nonlocal_name = i
            elif i > 1:
                i += 1
            else:
                print(i)
    with open(f) as handle:
        def inner(): ...
    """)


def test_a_walk_for_statement_handlers_only_meets_every_statement_as_a_full_walk_does() -> None:
    """A dispatch table with handlers for statements only does not enter expressions;
    each statement is still met once, in the same order, with the same ancestors and
    scopes as when a handler for an expression makes the walk enter everything."""

    def statement_spy(seen: list[tuple[str, ...]], expressions: bool) -> type[Rule]:
        def record(self: Rule, node: ast.AST, context: Context) -> None:
            seen.append((type(node).__name__, *(type(a).__name__ for a in context.ancestors),
                         "|", *(type(s).__name__ for s in context.scope_nodes)))

        handlers: dict[str, Any] = {
            f"visit_{name}": record for name in dir(ast)
            if isinstance(getattr(ast, name), type)
            and issubclass(getattr(ast, name), (ast.stmt, ast.excepthandler, ast.match_case))
            and getattr(ast, name) not in (ast.stmt, ast.excepthandler)
        }
        if expressions:
            handlers["visit_Constant"] = lambda self, node, context: None
        attributes = {"code": "ASR999", "name": "statement-spy", "message": "{}",
                      "severity": Severity.LOW, **handlers}
        return type("StatementSpy", (Rule,), attributes)

    statements_only: list[tuple[str, ...]] = []
    everything: list[tuple[str, ...]] = []
    pruned = Linter([statement_spy(statements_only, False)])
    lint_source(_EVERY_STATEMENT_FORM, "a.py", pruned)
    # No expression was entered: the walk never needed a plan for one.
    ((everywhere, statements, selective, wide),) = pruned._plans.values()
    assert everywhere is statements is selective and wide == ()
    assert not any(issubclass(node_type, ast.expr) for node_type in statements)
    lint_source(_EVERY_STATEMENT_FORM, "a.py", Linter([statement_spy(everything, True)]))
    tree = ast.parse(_EVERY_STATEMENT_FORM)
    expected = sum(isinstance(n, (ast.stmt, ast.excepthandler, ast.match_case))
                   for n in ast.walk(tree))
    assert len(statements_only) == expected == 33
    assert statements_only == everything


_CALLEES_CODE = textwrap.dedent("""\
    from helpers import probe as sonde
    probe()
    client.probe(1)
    other()
    factory()()
    sonde()
    items[0]()
    """)


def _named_calls(source: str, names: Callable[[Context], frozenset[str] | None],
                 ) -> tuple[list[int], list[int]]:
    """The lines of the calls given to a rule that names its callees by ``names``, and
    to a rule beside it that names none."""
    named: list[int] = []
    every: list[int] = []

    class Named(Rule):
        code, name, message, severity = "ASR997", "named", "{}", Severity.LOW

        def callee_names(self, context: Context) -> frozenset[str] | None:  # type: ignore[override]
            return names(context)

        def visit_Call(self, node: ast.Call, context: Context) -> None:
            named.append(node.lineno)

    class Every(Rule):
        code, name, message, severity = "ASR996", "every", "{}", Severity.LOW

        def visit_Call(self, node: ast.Call, context: Context) -> None:
            every.append(node.lineno)

    lint_source(source, "a.py", Linter([Named, Every]))
    return named, every


def test_a_rule_that_names_its_callees_is_given_only_the_calls_made_by_those_names() -> None:
    everything = [2, 3, 4, 5, 5, 6, 7]
    # By the last name as written, of a plain name or of an attribute; not a call of a
    # call or of a subscript, whose callee has no name.
    assert _named_calls(_CALLEES_CODE, lambda context: frozenset({"probe"})) == (
        [2, 3], everything)
    # The names may depend on the file: here the name it imports `probe` as.
    assert _named_calls(_CALLEES_CODE, lambda context: frozenset(
        {"probe", *context.renamings(["probe"])})) == ([2, 3, 6], everything)
    assert _named_calls(_CALLEES_CODE, lambda context: frozenset()) == ([], everything)
    # None: every call, as for a rule that names none.
    assert _named_calls(_CALLEES_CODE, lambda context: None) == (everything, everything)


def test_renamings_are_the_names_after_as_whatever_comes_between() -> None:
    source = textwrap.dedent("""\
        from fastapi import HTTPException as HE
        from starlette.exceptions import (HTTPException  # the base class
                                          as Base, WebSocketException \\
            as WS)
        try:
            pass
        except HTTPException as error:
            pass
        x = "HTTPException, not as a name"
        """)
    context = Context(ast.parse(source), source_lines(source), "a.py", Settings())
    assert context.renamings(["HTTPException", "WebSocketException"]) == {
        "HE", "Base", "WS", "error"}
    assert context.renamings(["Missing"]) == frozenset()


# What a rule may say to be spared work (see Rule), with what it is spared then.
_SPARING_HOOKS = {
    "expression_scopes": "the expressions of statements whose lines hold none of its names",
    "callee_names": "the calls made by other names",
    "checks_file": "the files a fact of theirs rules out",
}


def _rules_overriding(hook: str) -> list[type[Rule]]:
    return [rule for rule in ALL_RULES if getattr(rule, hook) is not getattr(Rule, hook)]


def _spare_nothing(hook: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the rules that override ``hook`` answer as the base class does: the engine
    then gives them everything."""
    for rule in _rules_overriding(hook):
        monkeypatch.setattr(rule, hook, getattr(Rule, hook))


def test_each_way_of_sparing_work_is_used_and_checked_below() -> None:
    assert all(_rules_overriding(hook) for hook in _SPARING_HOOKS)


_SPARED_FIXTURES = [(hook, fixture) for hook in _SPARING_HOOKS for fixture in all_fixtures()
                    if fixture.code in {rule.code for rule in _rules_overriding(hook)}]


@pytest.mark.parametrize(("hook", "fixture"), _SPARED_FIXTURES,
                         ids=[f"{hook}-{fixture.path.name}" for hook, fixture in _SPARED_FIXTURES])
def test_rules_find_the_same_in_their_fixtures_when_spared_nothing(
        hook: str, fixture: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a rule is spared (see ``_SPARING_HOOKS``) holds nothing it would report."""
    _finds_the_same_when_given_more(fixture, monkeypatch, lambda: _spare_nothing(hook, monkeypatch))


@pytest.mark.parametrize("hook", list(_SPARING_HOOKS))
@pytest.mark.parametrize("root", _PROJECTS, ids=[path.name for path in _PROJECTS])
def test_rules_find_the_same_in_the_test_projects_when_spared_nothing(
        root: Path, hook: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _project_finds_the_same_when_given_more(root, monkeypatch,
                                            lambda: _spare_nothing(hook, monkeypatch))
