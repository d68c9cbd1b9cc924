"""The shape every rule has: metadata, text triggers and ``visit_<NodeType>`` handlers."""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from ..analysis.roles import ALL_ROLES, Role

if TYPE_CHECKING:
    from ..analysis.facts import FileFacts
    from ..settings import Settings


class Severity(str, enum.Enum):
    """How much damage the bug a rule finds usually does; reports group by it."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


FIX_SAFETIES = ("safe", "unsafe", "safe and unsafe")
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
OPTIONAL_DOC_SECTIONS = ("Where it applies", "Options", "Fix")
_OPT_IN = re.compile(r"^ASR9\d\d$")
T = TypeVar("T")


@dataclass(frozen=True)
class CallNames:
    """The calls a rule can report, by the names of what they call (see
    :class:`~.context.Callee`): a call whose callee has none of these names is not given
    to the rule.

    ``qualified``: qualified names (``requests.get``); ``prefixes``: beginnings of
    qualified names, each ending with a dot (``subprocess.``), or ``""`` for any
    qualified name; ``methods``: names of methods called on an object whose type is
    worked out later (``session.get()``), None for any method; ``class_methods``: the
    last part of a qualified name, for methods called through their class
    (``Path.read_text(path)``); ``unnamed``: calls of neither kind (a local variable
    called, ``limiter(address)``).
    """

    qualified: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()
    methods: frozenset[str] | None = frozenset()
    class_methods: frozenset[str] = frozenset()
    unnamed: bool = False


# The qualified names whose candidates a CallIndex remembers: the distinct names called
# in a project; past this many, the others are worked out each time.
_REMEMBERED_NAMES = 20_000


class CallIndex(Generic[T]):
    """Values (a rule, its call handler) by the names of the calls they can report:
    each value's :class:`CallNames`, or None for a value that is given every call.
    :meth:`candidates` gives the values a call may concern, in their order, after one
    or two dictionary lookups.
    """

    def __init__(self, entries: Sequence[tuple[CallNames | None, T]]) -> None:
        self.values = tuple(value for _, value in entries)
        # False when every value is given every call: no call needs its names.
        self.routes = any(names is not None for names, _ in entries)
        every: set[int] = set()
        any_method: set[int] = set()
        unnamed: set[int] = set()
        qualified: dict[str, set[int]] = {}
        prefixes: dict[str, set[int]] = {}
        class_methods: dict[str, set[int]] = {}
        methods: dict[str, set[int]] = {}
        for position, (names, _) in enumerate(entries):
            if names is None:
                every.add(position)
                continue
            for name in names.qualified:
                qualified.setdefault(name, set()).add(position)
            for prefix in names.prefixes:
                prefixes.setdefault(prefix, set()).add(position)
            for name in names.class_methods:
                class_methods.setdefault(name, set()).add(position)
            if names.methods is None:
                any_method.add(position)
            else:
                for name in names.methods:
                    methods.setdefault(name, set()).add(position)
            if names.unnamed:
                unnamed.add(position)
        # The index lives as long as its linter: its tables hold tuples of positions
        # and shared tuples of values, which the cyclic garbage collector stops
        # tracking, rather than thousands of sets it would traverse on every full
        # collection of the process (flake8's, for one).
        self._picked: dict[tuple[int, ...], tuple[T, ...]] = {}
        self._qualified = _positions(qualified)
        self._prefixes = _positions(prefixes)
        self._class_methods = _positions(class_methods)
        self._every = tuple(sorted(every))
        self._any_method = self._pick(every | any_method)
        self._methods = {name: self._pick(every | any_method | found)
                         for name, found in methods.items()}
        self._unnamed = self._pick(every | unnamed)
        self._by_qualified: dict[str, tuple[T, ...]] = {}

    def candidates(self, qualified: str | None, method: str | None) -> tuple[T, ...]:
        """The values that may report a call to ``qualified`` or, when that is None, to
        the method ``method`` of an object (``Callee.qualified`` and ``Callee.method``)."""
        if qualified is not None:
            found = self._by_qualified.get(qualified)
            if found is None:
                found = self._for_qualified(qualified)
                if len(self._by_qualified) < _REMEMBERED_NAMES:
                    self._by_qualified[qualified] = found
            return found
        if method is not None:
            return self._methods.get(method, self._any_method)
        return self._unnamed

    def _for_qualified(self, qualified: str) -> tuple[T, ...]:
        positions = set(self._every)
        positions.update(self._qualified.get(qualified, ()))
        if self._class_methods:
            positions.update(self._class_methods.get(qualified.rpartition(".")[2], ()))
        if self._prefixes:
            positions.update(self._prefixes.get("", ()))
            dot = qualified.find(".")
            while dot != -1:
                positions.update(self._prefixes.get(qualified[:dot + 1], ()))
                dot = qualified.find(".", dot + 1)
        return self._pick(positions)

    def _pick(self, positions: set[int]) -> tuple[T, ...]:
        """The values at ``positions``, in order: one tuple for each set of positions,
        shared by every name that has it."""
        key = tuple(sorted(positions))
        found = self._picked.get(key)
        if found is None:
            found = self._picked[key] = tuple(self.values[position] for position in key)
        return found


def _positions(table: dict[str, set[int]]) -> dict[str, tuple[int, ...]]:
    return {name: tuple(sorted(found)) for name, found in table.items()}


class Rule:
    """Base class of all rules.

    A rule declares handlers named ``visit_<ast node class>``; the engine calls them
    during its single walk with ``(node, context)`` and the rule reports through
    ``context.report``. One instance serves all files of a run, so handlers keep no
    per-file state on ``self``.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    severity: ClassVar[Severity]
    # The rule can only match files whose source contains each entry: a string, or a
    # tuple of alternatives of which one must occur. Other files skip it without a walk.
    # Alternatives are looked for in their order until one occurs (after those that more
    # rules need): the ones most files hold come first.
    required_text: ClassVar[tuple[str | tuple[str, ...], ...]] = ()
    # Whether every entry of ``required_text`` is syntax of the file itself wherever the
    # rule reports (``except``, ``class``): then only the file's text is searched. By
    # default the project modules the file imports from are searched too, since a name
    # imported from one can stand for what a rule looks for (``SessionLocal`` for a
    # ``sqlalchemy`` session factory).
    triggers_in_own_text: ClassVar[bool] = False
    # The roles of files the rule checks (see analysis.roles): most findings matter in
    # the application's own code only. ``--asr-check-roles`` replaces this for all rules.
    roles: ClassVar[frozenset[Role]] = frozenset({Role.APP})
    # The fixes the rule offers (``FIX_SAFETIES``): None when it offers none; its
    # documentation then says why, and otherwise explains them in a ``## Fix`` section.
    fix_safety: ClassVar[str | None] = None
    # True when ``visit_Call`` can only report a call lexically in an ``async def``
    # body that is not awaited (it returns at once for the others): the engine then
    # calls it for those calls only, deciding once for all such rules.
    async_calls_only: ClassVar[bool] = False
    # True when every handler of the rule for a node that is not a statement (a call, a
    # ``with`` item, ...) does nothing unless the node is lexically in an ``async def``
    # body (``Context.in_async_function``). When every such handler of a file's rules is
    # of this kind, the walk enters the expressions of that code only, and only the
    # statements of the rest.
    async_bodies_only: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def call_names(self) -> CallNames | None:
        """For a rule with ``async_calls_only``: the calls its ``visit_Call`` can
        report, by name; the engine gives it no other call. None (the default): every
        call."""
        return None

    def callee_names(self, context: FileFacts) -> frozenset[str] | None:
        """The names by which the file of ``context`` (asked before the walk) may call
        what the rule's ``visit_Call`` looks at: the last name of the callee as written,
        the method of ``tasks.add_task()`` or the function of ``print()``, including
        the names the file imports it under. The engine gives the handler no call by
        another name, nor a call of anything but a name or an attribute
        (``factory()()``), and the handler must still check what it is given. None
        (the default): every call."""
        return None

    def checks_file(self, context: FileFacts) -> bool:
        """Whether the rule can report anything in the file of ``context``, asked once
        before the walk (after the text triggers and the file's role): False when a
        fact of the file rules it out (no settings class can be defined there), so that
        its handlers are not called, and a file left with no rule is not walked. The
        default: True."""
        return True

    def expression_scopes(self, context: FileFacts) -> frozenset[str] | None:
        """Where in the file of ``context`` (asked before the walk) the rule's handlers
        of nodes that are not statements (calls, attributes, ...) can report, outside
        ``async def`` bodies: None (the default) for anywhere; otherwise names, one of
        which is, as a name of its own, in the lines of the statement the reported node
        is in (of a compound statement's header, up to its body's first line; of a def
        or class statement, its decorators included), in those of the lambda it is in,
        or in the header of the def or class whose body it is directly in (a parameter
        may be what the rule looks for); a name with a leading dot (``.run``) counts
        only as an attribute. An empty set: nowhere. The walk enters the expressions
        of the other statements only for the other rules. Rules with
        ``async_bodies_only`` are not asked."""
        return None

    @classmethod
    def applies(cls, settings: Settings) -> bool:
        """False when the settings leave the rule nothing to look for (it then never
        runs, rather than running to find nothing)."""
        return True

    @classmethod
    def checks(cls, role: Role, settings: Settings) -> bool:
        """Whether files of ``role`` are checked with this rule under ``settings``."""
        if settings.check_roles is not None:
            return role.value in settings.check_roles
        return role in cls.roles

    @classmethod
    def checks_every_role(cls, settings: Settings) -> bool:
        if settings.check_roles is not None:
            return len(settings.check_roles) == len(ALL_ROLES)
        return cls.roles == ALL_ROLES

    @classmethod
    def opt_in(cls) -> bool:
        """ASR9xx rules are off unless selected explicitly."""
        return bool(_OPT_IN.match(cls.code))

    @classmethod
    def fixable(cls) -> bool:
        return cls.fix_safety is not None

    @classmethod
    def fix_class(cls) -> str:
        """How the rule's fixes apply, for the rules table: none, safe, unsafe, or
        safe and unsafe (some apply by default, the others with ``--unsafe-fixes``)."""
        return cls.fix_safety or "none"

    @classmethod
    def handled_node_types(cls) -> dict[type[ast.AST], str]:
        """Map each AST class this rule handles to the handler's attribute name."""
        handled: dict[type[ast.AST], str] = {}
        for attribute in dir(cls):
            if attribute.startswith("visit_"):
                node_type = getattr(ast, attribute[len("visit_") :], None)
                if not (isinstance(node_type, type) and issubclass(node_type, ast.AST)):
                    raise TypeError(f"{cls.__name__}.{attribute} names no ast node class")
                handled[node_type] = attribute
        return handled

    # The positions of the message arguments that quote source text (the called
    # expression, first, in most rules): shortened. The others, which the rule writes
    # (a remedy, a chain of calls), are kept whole.
    source_args: ClassVar[frozenset[int]] = frozenset({0})

    def format_message(self, *args: object) -> str:
        """The message, always one line: each text argument is put on one line, and one
        that quotes source text is shortened to ``MAX_SOURCE_ARG`` characters."""
        return self.message.format(*(
            argument if not isinstance(argument, str)
            else shorten(argument) if index in self.source_args
            else one_line(argument)
            for index, argument in enumerate(args)
        ))


def doc_sections(rule: type[Rule]) -> dict[str, str]:
    """Split a rule docstring into its ``## Section`` parts (title -> body)."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in _dedented_doc(rule).splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections


def _dedented_doc(rule: type[Rule]) -> str:
    import inspect

    return inspect.cleandoc(rule.__doc__ or "")


def code_blocks(markdown: str) -> list[str]:
    """The fenced ``python`` code blocks of a Markdown text."""
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


# The longest source text a message quotes: a receiver spread over lines
# (``db.query(User).filter(...).first``) is cut in its middle, keeping head and tail.
MAX_SOURCE_ARG = 60
_ELLIPSIS = "..."  # ASCII: a message may go to a file in any encoding.
_WHITESPACE = re.compile(r"(?:\s|\\(?=[\r\n]))+")  # A `\` line continuation counts too.
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}.")
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # As str.splitlines().


def one_line(text: str) -> str:
    """``text`` on one line, each run of whitespace made one space; a run that breaks
    the line is dropped after an opening bracket or before a closing bracket or a dot
    (``filter(\\n    User.id == 1\\n)`` reads ``filter(User.id == 1)``)."""
    return _WHITESPACE.sub(_join, text)


def shorten(text: str, limit: int = MAX_SOURCE_ARG) -> str:
    """Source text for a message: on one line (:func:`one_line`) and at most ``limit``
    characters, its middle replaced by an ellipsis (``db.query(User)...first``)."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    kept = limit - len(_ELLIPSIS)
    head = kept * 2 // 3
    tail = kept - head
    return f"{text[:head].rstrip()}{_ELLIPSIS}{text[-tail:].lstrip()}"


def _join(match: re.Match[str]) -> str:
    run = match.group()
    if run == " " or not any(character in _LINE_BREAKS for character in run):
        return " "
    text, start, end = match.string, match.start(), match.end()
    if (start and text[start - 1] in _OPENING) or (end < len(text) and text[end] in _CLOSING):
        return ""
    return " "
