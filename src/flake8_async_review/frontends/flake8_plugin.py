"""The flake8 entry point.

flake8 parses the file, applies ``# noqa`` and ``--select/--ignore``; this plugin only
runs the rules on the tree it is given and yields what they find.

Loading the plugin (flake8 does it to read its options) imports no rule: the rules are
imported when a linter is first built, so that a ``check`` run whose results all come
from the cache never loads them.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from .. import __version__
from ..settings import OPTIONS, Settings

if TYPE_CHECKING:
    from ..engine.linter import Linter
    from ..engine.rule import Rule

OPT_IN_PREFIX = "ASR9"


class Plugin:
    """flake8 AST plugin for the ASR codes."""

    name = "flake8-async-review"
    version = __version__

    _linter: ClassVar[Linter | None] = None

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        for spec in OPTIONS:
            manager.add_option(
                spec.flag,
                type=spec.parse,
                default=spec.default,
                metavar=spec.metavar,
                parse_from_config=True,
                help=spec.help,
            )
        manager.extend_default_ignore([OPT_IN_PREFIX])

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls._linter = linter_for(options, fixes=False)  # flake8 shows no fixes.

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        linter = type(self)._linter
        if linter is None:  # Used without flake8's option parsing (e.g. directly in tests).
            from ..engine.linter import Linter

            linter = type(self)._linter = Linter(all_rules(), Settings(), fixes=False)
        if not isinstance(self.tree, ast.Module):
            return
        for violation in linter.lint(self.tree, self.lines, self.filename):
            yield violation.line, violation.col, violation.flake8_text, type(self)


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, imported at first use (also as this module's ``ALL_RULES``)."""
    found: tuple[type[Rule], ...] | None = globals().get("ALL_RULES")
    if found is None:
        from ..rules import ALL_RULES

        found = globals()["ALL_RULES"] = ALL_RULES
    return found


def __getattr__(name: str) -> Any:
    if name == "ALL_RULES":
        return all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def linter_for(options: argparse.Namespace, *, fixes: bool = True) -> Linter:
    """The linter flake8's parsed options ask for: their ``--asr-*`` settings and the
    rules the selection enables; with the rules' fixes unless ``fixes`` is False."""
    from ..engine.linter import Linter

    settings = Settings.from_values(
        {spec.field: getattr(options, spec.dest) for spec in OPTIONS if hasattr(options, spec.dest)}
    )
    return Linter(enabled_rules(options), settings, fixes=fixes)


def enabled_rules(options: argparse.Namespace) -> tuple[type[Rule], ...]:
    """The rules worth running: those whose code flake8 would report, asked of flake8's
    own decision engine (what it would drop need not be computed), less the opt-in rules
    that no selection names."""
    named = [*(getattr(options, "select", None) or []),
             *(getattr(options, "extend_select", None) or [])]
    candidates = [rule for rule in all_rules() if not rule.opt_in() or _names(named, rule.code)]
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = DecisionEngine(options)
        return tuple(r for r in candidates if decider.decision_for(r.code) is Decision.Selected)
    except Exception:  # A flake8 without this API: filtering output stays its job.
        return tuple(candidates)


def _names(selected: list[str], code: str) -> bool:
    """Whether a selection names an opt-in code by a prefix longer than ``ASR``.

    flake8 lets an explicit ``--select ASR`` (or ``--ignore``, which replaces the default
    ignore list) override the default ignore of ``ASR9``; that would turn every opt-in
    rule on with the suite's everyday command line, so opt-in rules need to be named.
    """
    return any(len(prefix) >= len(OPT_IN_PREFIX) and code.startswith(prefix)
               for prefix in (item.strip() for item in selected))
