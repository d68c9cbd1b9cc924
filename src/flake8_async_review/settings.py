"""User options: declared once, parsed once into a frozen :class:`Settings`.

Every option is a flake8 option prefixed ``--asr-`` that may also be given in a flake8
configuration file. The command line and the language server read the same table, so
an option means the same thing wherever it is set.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

ASYNC_LIBRARIES = ("asyncio", "anyio", "trio")
# What a file can be for (see analysis.roles): the values of --asr-check-roles.
ROLE_NAMES = ("app", "test", "script", "migration")


class SettingsError(ValueError):
    """An option has a value it cannot take; the message names the option."""


def _parse_async_library(value: str) -> str:
    library = value.strip().lower()
    if library not in ASYNC_LIBRARIES:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(ASYNC_LIBRARIES)}, got {value!r}"
        )
    return library


def _parse_roles(value: str) -> tuple[str, ...] | None:
    names = [name.strip().lower() for name in re.split(r"[,\n]", value) if name.strip()]
    unknown = [name for name in names if name not in ROLE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown role {unknown[0]!r}: expected names from {', '.join(ROLE_NAMES)}"
        )
    return tuple(sorted(set(names), key=ROLE_NAMES.index)) or None


_PATTERN_CHARACTERS = re.compile(r"^[A-Za-z0-9_.*?\[\]!]+$")


@dataclass(frozen=True)
class BlockingPattern:
    """One ``--asr-blocking-calls`` entry: an fnmatch pattern over qualified names (or
    ``Type.method`` of tracked receivers) and an optional suggestion."""

    pattern: str
    suggestion: str | None = None


def _parse_blocking_calls(value: str) -> tuple[BlockingPattern, ...]:
    """``pattern[->suggestion]`` entries separated by commas or new lines."""
    entries: list[BlockingPattern] = []
    for raw in re.split(r"[,\n]", value):
        entry = raw.strip()
        if not entry:
            continue
        pattern, arrow, suggestion = (part.strip() for part in entry.partition("->"))
        if not _PATTERN_CHARACTERS.match(pattern):
            raise argparse.ArgumentTypeError(
                f"{entry!r} is not 'dotted.name.pattern' or 'pattern->suggestion'"
            )
        if arrow and not suggestion:
            raise argparse.ArgumentTypeError(f"{entry!r} has '->' but no suggestion")
        if "->" in suggestion:
            raise argparse.ArgumentTypeError(f"{entry!r} has more than one '->'")
        if not any(c in pattern for c in ".*?["):  # It could match no qualified name.
            raise argparse.ArgumentTypeError(
                f"{entry!r} names no module or type: write the name as imported, "
                f"e.g. 'mylib.{pattern}'"
            )
        entries.append(BlockingPattern(pattern, suggestion or None))
    return tuple(entries)


def _parse_print_allowed(value: str) -> tuple[str, ...]:
    """fnmatch patterns over file paths, separated by commas or new lines."""
    patterns: list[str] = []
    for raw in re.split(r"[,\n]", value):
        pattern = raw.strip()
        if not pattern:
            continue
        if pattern.count("[") != pattern.count("]"):
            raise argparse.ArgumentTypeError(f"{pattern!r} has an unclosed '['")
        patterns.append(pattern)
    return tuple(patterns)


def _parse_on_off(value: str) -> bool:
    word = value.strip().lower()
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {value!r}")


@dataclass(frozen=True)
class OptionSpec:
    """One ``--asr-*`` option: its flag, the Settings field it fills, and its parser."""

    flag: str
    field: str
    parse: Callable[[str], Any]
    default: str
    metavar: str
    help: str

    @property
    def dest(self) -> str:
        """The attribute name argparse (and so flake8) stores the value under."""
        return self.flag.lstrip("-").replace("-", "_")


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        flag="--asr-async-library",
        field="async_library",
        parse=_parse_async_library,
        default="asyncio",
        metavar="NAME",
        help=(
            "Async library the project uses, for suggestions and fixes "
            "(asyncio, anyio or trio). Default: %(default)s."
        ),
    ),
    OptionSpec(
        flag="--asr-blocking-calls",
        field="blocking_calls",
        parse=_parse_blocking_calls,
        default="",
        metavar="PATTERNS",
        help=(
            "Extra calls that block the event loop, for ASR109: comma-separated fnmatch "
            "patterns over qualified names or tracked receiver methods, each optionally "
            "followed by '->suggestion' (e.g. 'mylib.sync_fetch->mylib.fetch', "
            "'mylib.Client.*')."
        ),
    ),
    OptionSpec(
        flag="--asr-print-allowed",
        field="print_allowed",
        parse=_parse_print_allowed,
        default="",
        metavar="GLOBS",
        help=(
            "Files where ASR301 allows print(), besides tests, scripts, examples and "
            "docs: comma-separated fnmatch patterns over file paths (e.g. "
            "'src/mytool/cli.py,tools/*')."
        ),
    ),
    OptionSpec(
        flag="--asr-check-roles",
        field="check_roles",
        parse=_parse_roles,
        default="",
        metavar="ROLES",
        help=(
            "Check files of these roles with every rule: comma-separated names from "
            "app, test, script, migration (e.g. 'app,test'). Default: each rule's own "
            "roles, see its page (most rules: app only)."
        ),
    ),
    OptionSpec(
        flag="--asr-project-inference",
        field="project_inference",
        parse=_parse_on_off,
        default="on",
        metavar="on|off",
        help=(
            "Follow names imported from other modules of the project (settings classes "
            "and instances for ASR401-ASR403, ASR905). 'off' limits every rule to the "
            "file it checks. Default: %(default)s."
        ),
    ),
)


@dataclass(frozen=True)
class Settings:
    """The parsed options every rule reads. Immutable: parsed once per run."""

    async_library: str = "asyncio"
    blocking_calls: tuple[BlockingPattern, ...] = ()
    print_allowed: tuple[str, ...] = ()
    check_roles: tuple[str, ...] | None = None
    project_inference: bool = True

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Settings:
        """Build settings from already-parsed values keyed by field name."""
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in values.items() if name in known})

    @classmethod
    def from_strings(cls, raw: Mapping[str, str]) -> Settings:
        """Parse raw option strings keyed by flag (``--asr-…``); raise SettingsError."""
        specs = {spec.flag: spec for spec in OPTIONS}
        values: dict[str, Any] = {}
        for flag, text in raw.items():
            spec = specs.get(flag)
            if spec is None:
                raise SettingsError(f"unknown option {flag}")
            try:
                values[spec.field] = spec.parse(text)
            except (argparse.ArgumentTypeError, ValueError) as error:
                raise SettingsError(f"{flag}: {error}") from None
        return cls.from_values(values)
