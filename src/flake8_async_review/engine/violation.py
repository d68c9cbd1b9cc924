"""What a rule reports: a violation, optionally carrying a fix made of text edits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two positions with ``new_text``.

    Lines are 1-based, columns are 0-based character offsets within the line (not bytes),
    so the same edit serves a patch writer and an editor alike. An insertion has equal
    start and end.
    """

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    new_text: str

    @property
    def start(self) -> tuple[int, int]:
        return (self.start_line, self.start_col)

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_col)


@dataclass(frozen=True)
class Fix:
    """A change that resolves one violation.

    ``safe`` fixes keep the program's meaning and are applied by default; unsafe ones
    only on request. Of the fixes that share a ``group`` (such as the position of the
    ``except`` clause they change), one is applied per round: the next round's lint
    decides whether the others are still needed.
    """

    edits: tuple[Edit, ...]
    safe: bool
    description: str
    group: str | None = None


@dataclass(frozen=True)
class Violation:
    """One diagnostic: where, which rule, the formatted message, and an optional fix."""

    line: int
    col: int
    code: str
    message: str
    end_line: int
    end_col: int
    fix: Fix | None = None

    @property
    def flake8_text(self) -> str:
        return f"{self.code} {self.message}"
