"""Would astroid answer receiver questions that the engine's typing leaves open?

    pip install astroid        # a measurement tool only, not a dependency of the package
    python benchmarks/astroid_comparison.py [--app NAME] [--projects] [--sample 15] [--json]

For every method call in the body of an `async def` (``x.method(...)``, not a function
of a module), the engine's receiver typing (project tier on, as by default) gives the
receiver's type or leaves it unknown. For the unknown ones only (the calls a second,
slower inference would be asked about), astroid infers the receiver, under the
conditions it would have in the product:

- restricted to the project's own modules: every import of a project module is read
  from its file (astroid's own module lookup is bypassed, so site-packages and the
  standard library are never opened);
- third-party and standard-library names stay the qualified names of the import
  statements: an import outside the project gets a stub module generated from the
  engine's catalogue (`analysis/catalogue.py`: classes such as `redis.Redis`,
  factories such as `redis.from_url()`, methods that return a known type); every
  other name of such a module is unknown to astroid too. So astroid knows exactly what
  the engine knows about libraries, and the comparison is about inference over the
  project's code;
- no extensions loaded, one astroid cache for the whole run (cached per process).

Counted, per application: calls asked; astroid answers (one type, several, none); the
answers that are a class of the catalogue (the only classes a rule can check) and, for
those, the would-be new findings: the default rules run again on the file with astroid's answer
given to the typing for exactly that receiver, and the findings that appear are listed
(`--sample N` prints N of them with their source line, to judge). For a sample of the
calls whose receiver the engine does type (`--contradictions N` per application),
astroid is asked too, and answers that name another class are counted as
contradictions. Times: astroid's (module building and inference of the asked calls)
against the engine's (every default rule on the same files, project tier on).

Applications: those of `ecosystem.txt` (downloaded by `ecosystem.py`, same cache);
`--projects` adds the cross-module test projects of `tests/projects/`.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import astroid
from astroid import nodes
from astroid.manager import AstroidManager
from bench import DEFAULT_CACHE, PARSE_ERRORS, read_source
from ecosystem import DEFAULT_APPS, app_dir, read_apps

from flake8_async_review.analysis import catalogue, project
from flake8_async_review.analysis.receivers import TypeResolver
from flake8_async_review.analysis.roles import ALL_ROLES
from flake8_async_review.analysis.source import source_lines
from flake8_async_review.engine.context import Context
from flake8_async_review.engine.linter import Linter
from flake8_async_review.engine.rule import Rule, Severity
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.rules.common.blocking import BlockingCallRule
from flake8_async_review.settings import Settings

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_RULES = [rule for rule in ALL_RULES if not rule.opt_in()]
MANAGER = AstroidManager()

# -- what the rules check -----------------------------------------------------------------


def checked_types() -> frozenset[str]:
    """Receiver types some default rule reports a method of: the typed methods of the
    blocking-call family and the catalogue's session, Redis and client sets."""
    found: set[str] = set()
    for rule in BlockingCallRule.family():
        found.update(rule.typed_methods)
    for name in dir(catalogue):
        value = getattr(catalogue, name)
        if name.isupper() and isinstance(value, frozenset):
            found.update(item for item in value if isinstance(item, str) and "." in item)
    return frozenset(found)


# -- the catalogue as stub modules ----------------------------------------------------------


def _classes() -> set[str]:
    classes: set[str] = set(catalogue.TYPE_ALIASES.values())
    classes.update(catalogue.FACTORY_RESULTS.values())
    for (receiver, _method), result in catalogue.METHOD_RESULTS.items():
        classes.update((receiver, result))
    for rule in BlockingCallRule.family():
        classes.update(rule.typed_methods)
    return {name for name in classes if "." in name and not name.startswith("builtins.")}


class Stubs:
    """Source text of a stub module for every module name the catalogue mentions."""

    def __init__(self) -> None:
        self.classes = _classes()
        self.lines: dict[str, list[str]] = {}
        self.aliases: dict[str, list[str]] = {}  # After the classes they name.
        self.imports: dict[str, set[str]] = {}
        self.members: dict[str, list[str]] = {}  # class -> lines of its body
        for name in sorted(self.classes):
            module, _, short = name.rpartition(".")
            self.members.setdefault(name, [])
            self._add(module, f"class {short}:\n    pass")
        for (receiver, method), result in catalogue.METHOD_RESULTS.items():
            if method != "*":
                self.members.setdefault(receiver, []).append(
                    f"    def {method}(self, *args, **kwargs):\n"
                    f"        return {self._ref(receiver, result)}()")
        for function, result in catalogue.FACTORY_RESULTS.items():
            owner, _, short = function.rpartition(".")
            if owner in self.classes:  # A classmethod: `redis.Redis.from_url`.
                self.members[owner].append(
                    f"    @classmethod\n    def {short}(cls, *args, **kwargs):\n"
                    f"        return {self._ref(owner, result)}()")
            else:
                self._add(owner, f"def {short}(*args, **kwargs):\n"
                                 f"    return {self._ref(owner + '.x', result)}()")
        for spelling, name in catalogue.TYPE_ALIASES.items():
            module, _, short = spelling.rpartition(".")
            if spelling != name and spelling not in self.classes:
                self._add(module, "")
                self.aliases.setdefault(module, []).append(f"{short} = {self._ref(spelling, name)}")

    def _ref(self, user: str, qualified: str) -> str:
        """How the stub module of ``user`` (a qualified name in it) names ``qualified``."""
        here = user.rpartition(".")[0]
        owner, _, short = qualified.rpartition(".")
        if owner == "builtins":  # The real builtins module.
            return "(lambda: None)" if short == "None" else short
        if owner in self.classes:  # A member of a class of the same module.
            return qualified.rpartition(".")[2]
        if owner in (here, user):
            return short
        alias = "_m_" + owner.replace(".", "_")
        self.imports.setdefault(here, set()).add(f"import {owner} as {alias}")
        return f"{alias}.{short}"

    def _add(self, module: str, text: str) -> None:
        if text:
            self.lines.setdefault(module, []).append(text)
        while module:  # The module and every parent package exist.
            self.lines.setdefault(module, [])
            module = module.rpartition(".")[0]

    def source(self, module: str) -> str:
        parts = sorted(self.imports.get(module, ()))
        for text in self.lines.get(module, []):
            if text.startswith("class "):
                short = text.split()[1].rstrip(":")
                members = self.members.get(f"{module}.{short}", [])
                parts.append(text if not members else f"class {short}:\n" + "\n".join(members))
            else:
                parts.append(text)
        parts += self.aliases.get(module, [])
        return "\n\n".join(parts) + "\n"

    def is_package(self, module: str) -> bool:
        return any(name.startswith(module + ".") for name in self.lines)


# -- astroid restricted to the project -----------------------------------------------------


class Restricted:
    """astroid's module lookup replaced: project modules from their files, everything
    else a catalogue stub (empty for modules the catalogue does not know)."""

    def __init__(self, stubs: Stubs) -> None:
        self.stubs = stubs
        self.project: project.Project | None = None
        self.loaded_outside: Counter[str] = Counter()  # Stubbed module names.
        MANAGER.always_load_extensions = False
        # Every AstroidManager() shares one state, and astroid makes new ones where it
        # imports: the lookup is replaced on the class.
        self._original = AstroidManager.ast_from_module_name
        restricted = self

        def module(manager: AstroidManager, modname: str | None, context_file: str | None = None,
                   use_cache: bool = True) -> nodes.Module:
            return restricted.module(manager, modname, context_file, use_cache)

        AstroidManager.ast_from_module_name = module  # type: ignore[method-assign,assignment]

    def module(self, manager: AstroidManager, modname: str | None, context_file: str | None,
               use_cache: bool) -> nodes.Module:
        if modname is None:
            raise astroid.AstroidBuildingError("no module name")
        if modname == "builtins":
            return self._original(manager, modname, context_file, use_cache)
        cached = MANAGER.astroid_cache.get(modname)
        if cached is not None:
            return cached
        path = self.project.module_path(modname) if self.project is not None else None
        if path is not None:
            return MANAGER.ast_from_file(str(path), modname, source=True)
        self.loaded_outside[modname] = 1
        module = astroid.parse(self.stubs.source(modname), modname)
        module.package = self.stubs.is_package(modname)
        MANAGER.cache_module(module)
        return module


def astroid_type(node: nodes.NodeNG) -> str | None:
    """One type for what astroid infers ``node`` to be: the class of an instance, a class
    (`type`), a module (`module`); None when unknown; "<several>" when it is not one."""
    found: set[str] = set()
    try:
        for value in node.infer():
            if isinstance(value, astroid.util.UninferableBase):
                continue
            if isinstance(value, astroid.bases.Instance):
                found.add(value._proxied.qname())
            elif isinstance(value, nodes.ClassDef):
                found.add("builtins.type")
            elif isinstance(value, nodes.Module):
                found.add("builtins.module")
            elif isinstance(value, nodes.Const):
                found.add(f"builtins.{type(value.value).__name__}")
            else:
                found.add(value.pytype())
            if len(found) > 1:
                return "<several>"
    except Exception:  # Inference errors of any kind: an unknown answer.
        return None
    return found.pop() if found else None


# -- the questions ------------------------------------------------------------------------


@dataclass
class Question:
    line: int
    col: int
    method: str
    receiver: str  # Source text.
    ours: str | None
    key: tuple[int, int, int | None, int | None]  # Position of the receiver expression.


class _Probe(Rule):
    """Collects the method calls in async function bodies and what typing says."""

    code = "ASR999"
    name = "astroid-comparison-probe"
    message = "probe"
    severity = Severity.LOW
    roles = ALL_ROLES
    found: ClassVar[list[Question]] = []

    def visit_Call(self, node: ast.Call, context: Context) -> None:
        if not context.in_async_function or not isinstance(node.func, ast.Attribute):
            return
        callee = context.callee(node)
        if callee.qualified is not None or callee.method is None:
            return  # A function of a module (`requests.get`): nothing to infer.
        value = node.func.value
        self.found.append(Question(
            node.lineno, node.col_offset, node.func.attr, context.source_segment(value),
            callee.receiver, _position(value)))


def _position(node: ast.AST) -> tuple[int, int, int | None, int | None]:
    return (node.lineno, node.col_offset,  # type: ignore[attr-defined]
            getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))


Position = tuple[int, int, int | None, int | None]


def receivers_by_position(module: nodes.Module) -> dict[Position, nodes.NodeNG]:
    found = {}
    pending: list[nodes.NodeNG] = [module]
    while pending:
        node = pending.pop()
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
            expr = node.func.expr
            found[(expr.lineno, expr.col_offset, expr.end_lineno, expr.end_col_offset)] = expr
        pending.extend(node.get_children())
    return found


# -- would-be findings --------------------------------------------------------------------


class Injected:
    """Receiver typing that gives astroid's answer for chosen receivers of one file."""

    def __init__(self) -> None:
        self.filename = ""
        self.types: dict[tuple[int, int, int | None, int | None], str] = {}
        self._original = TypeResolver.type_of
        injected = self

        def type_of(resolver: TypeResolver, node: ast.AST, chain: Any) -> str | None:
            found = injected._original(resolver, node, chain)
            if (found is None and injected.types and isinstance(node, ast.expr)
                    and hasattr(node, "lineno")  # Not a node a rule made up.
                    and resolver.context.filename == injected.filename):
                return injected.types.get(_position(node))
            return found

        TypeResolver.type_of = type_of  # type: ignore[method-assign]


@dataclass
class Figures:
    name: str
    files: int = 0
    calls: int = 0
    typed: int = 0
    asked: int = 0
    answered: Counter[str] = field(default_factory=Counter)  # one / several / none
    checked_answers: int = 0
    new_findings: list[dict[str, Any]] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    agreements: int = 0
    compared: int = 0
    engine_s: float = 0.0
    astroid_s: float = 0.0
    answer_types: Counter[str] = field(default_factory=Counter)


def python_files(directory: Path) -> Iterator[Path]:
    yield from sorted(path for path in directory.rglob("*.py") if ".venv" not in path.parts)


def measure(name: str, root: Path, checked: Path, restricted: Restricted, injected: Injected,
            types: frozenset[str], contradictions: int, rng: random.Random) -> Figures:
    figures = Figures(name)
    project.clear_cache()
    proj = project.project_for(root.resolve())
    restricted.project = proj
    for module_name in [m for m in MANAGER.astroid_cache if m != "builtins"]:
        del MANAGER.astroid_cache[module_name]  # Another project's modules: forget them.
    probe_linter = Linter([_Probe], Settings(check_roles=None))
    engine = Linter(DEFAULT_RULES, Settings())
    known: list[tuple[Path, Question]] = []
    for path in python_files(checked):
        text = read_source(path)
        try:
            tree = ast.parse(text, str(path))
        except PARSE_ERRORS:
            continue
        figures.files += 1
        lines = source_lines(text)
        start = time.perf_counter()
        before = engine.lint(tree, lines, str(path))
        figures.engine_s += time.perf_counter() - start
        _Probe.found = []
        probe_linter.lint(ast.parse(text, str(path)), lines, str(path))
        questions = _Probe.found
        figures.calls += len(questions)
        unknown = [q for q in questions if q.ours is None]
        figures.typed += len(questions) - len(unknown)
        known += [(path, q) for q in questions if q.ours is not None]
        if not unknown:
            continue
        figures.asked += len(unknown)
        start = time.perf_counter()
        answers = _ask(path, proj, unknown)
        figures.astroid_s += time.perf_counter() - start
        inject: dict[tuple[int, int, int | None, int | None], str] = {}
        for question, answer in zip(unknown, answers, strict=True):
            figures.answered["none" if answer is None else "several" if answer == "<several>" else "one"] += 1
            if answer is None or answer == "<several>":
                continue
            answer = catalogue.normalize(answer)
            figures.answer_types[answer.rpartition(".")[0] or answer] += 1
            if answer in types:
                figures.checked_answers += 1
                inject[question.key] = answer
        if inject:
            injected.filename, injected.types = str(path), inject
            after = Linter(DEFAULT_RULES, Settings()).lint(ast.parse(text, str(path)), lines, str(path))
            injected.types = {}
            old = Counter((v.line, v.col, v.code) for v in before)
            for violation in after:
                key = (violation.line, violation.col, violation.code)
                if old[key]:
                    old[key] -= 1
                    continue
                figures.new_findings.append({
                    "path": str(path.relative_to(root)), "line": violation.line,
                    "code": violation.code, "message": violation.message,
                    "source": lines[violation.line - 1].strip()})
    sample = rng.sample(known, min(contradictions, len(known)))
    for path, question in sample:
        answer = _ask(path, proj, [question])[0]
        if answer is None or answer == "<several>":
            continue
        figures.compared += 1
        if _same_class(catalogue.normalize(answer), question.ours):
            figures.agreements += 1
        else:
            figures.contradictions.append({
                "path": str(path.relative_to(root)), "line": question.line,
                "receiver": question.receiver, "ours": question.ours, "astroid": answer})
    return figures


def _same_class(astroid_name: str, ours: str | None) -> bool:
    """One class, maybe spelled through a package that re-exports it (ours names it as
    imported, `app.models.User`; astroid where it is defined, `app.models.users.User`)."""
    if ours is None or astroid_name == ours:
        return astroid_name == ours
    generic = {"List": "list", "Dict": "dict", "Set": "set", "Tuple": "tuple",
               "FrozenSet": "frozenset", "Type": "type"}
    if ours.startswith("typing.") and astroid_name == f"builtins.{generic.get(ours[7:], '')}":
        return True
    module, _, short = astroid_name.rpartition(".")
    our_module, _, our_short = ours.rpartition(".")
    return short == our_short and module.startswith(our_module + ".")


def _ask(path: Path, proj: project.Project, questions: list[Question]) -> list[str | None]:
    modname = proj.module_name(str(path)) or path.stem
    try:
        module = MANAGER.ast_from_file(str(path), modname, source=True)
    except Exception:
        return [None] * len(questions)
    receivers = receivers_by_position(module)
    return [astroid_type(receivers[q.key]) if q.key in receivers else None for q in questions]


def applications(options: argparse.Namespace) -> list[tuple[str, Path, Path]]:
    found = []
    for app in read_apps(options.apps):
        if options.app and app.package.name not in options.app:
            continue
        directory = app_dir(app, options.cache)
        found.append((app.package.name, directory, directory / app.subdir if app.subdir else directory))
    if options.projects:
        for directory in sorted((REPOSITORY / "tests" / "projects").iterdir()):
            if directory.is_dir():
                found.append((f"tests/projects/{directory.name}", directory, directory))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=Path, default=DEFAULT_APPS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--app", action="append", default=[], help="only this application (repeatable)")
    parser.add_argument("--projects", action="store_true", help="also the test projects of tests/projects/")
    parser.add_argument("--only-projects", action="store_true", help="only the test projects")
    parser.add_argument("--contradictions", type=int, default=200, metavar="N",
                        help="typed calls per application to ask astroid about too")
    parser.add_argument("--sample", type=int, default=15, help="would-be findings to print")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    if options.only_projects:
        options.projects, options.app = True, ["-"]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    stubs = Stubs()
    restricted, injected = Restricted(stubs), Injected()
    # Every class the catalogue knows is given to the rules; the findings say which
    # ones they check.
    types = checked_types() | stubs.classes
    rng = random.Random(options.seed)
    results = []
    for name, root, checked in applications(options):
        figures = measure(name, root, checked, restricted, injected, types, options.contradictions, rng)
        results.append(figures)
        if not options.json:
            _print(figures)
    every = [f for figures in results for f in figures.new_findings]
    if options.json:
        print(json.dumps([figures.__dict__ for figures in results], default=dict))
        return
    total = Figures("all")
    for figures in results:
        for attribute in ("files", "calls", "typed", "asked", "checked_answers", "compared",
                          "agreements", "engine_s", "astroid_s"):
            setattr(total, attribute, getattr(total, attribute) + getattr(figures, attribute))
        total.answered.update(figures.answered)
        total.contradictions += figures.contradictions
    total.new_findings = every
    _print(total)
    print(f"stub modules built for names outside the projects: {len(restricted.loaded_outside)}")
    if every and options.sample:
        print(f"\nwould-be new findings, {min(options.sample, len(every))} of {len(every)}:")
        for finding in random.Random(options.seed).sample(every, min(options.sample, len(every))):
            print(f"  {finding['path']}:{finding['line']} {finding['code']} {finding['message']}\n"
                  f"      {finding['source']}")


def _print(figures: Figures) -> None:
    ratio = figures.astroid_s / figures.engine_s if figures.engine_s else 0.0
    print(f"{figures.name}: {figures.files} files, {figures.calls} method calls in async def, "
          f"{figures.typed} typed by the engine, {figures.asked} asked of astroid")
    print(f"  astroid: one type {figures.answered['one']}, several {figures.answered['several']}, "
          f"none {figures.answered['none']}; a checked type {figures.checked_answers}; "
          f"would-be new findings {len(figures.new_findings)}")
    print(f"  typed calls compared {figures.compared}: agree {figures.agreements}, "
          f"contradict {len(figures.contradictions)}")
    for item in figures.contradictions[:10]:
        print(f"    {item['path']}:{item['line']} {item['receiver']}: "
              f"ours {item['ours']}, astroid {item['astroid']}")
    print(f"  time: engine {figures.engine_s:.2f} s, astroid {figures.astroid_s:.2f} s ({ratio:.1f} x)")
    if figures.answer_types:
        print("  astroid's answers by module:", ", ".join(
            f"{name} {count}" for name, count in figures.answer_types.most_common(8)))


if __name__ == "__main__":
    main()
