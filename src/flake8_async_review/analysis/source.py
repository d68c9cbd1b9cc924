"""Source text as Python reads it."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager

_SOURCE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# What may come between two tokens of one statement: white space, and a backslash that
# joins two lines.
BETWEEN_TOKENS = " \t\f\\\r\n"


def in_a_name(character: str) -> bool:
    """Whether ``character`` can be part of a name (a letter, a digit or ``_``)."""
    return character.isalnum() or character == "_"


def source_lines(text: str) -> list[str]:
    """The lines of a source text as Python counts them, with their endings: only
    ``\r\n``, ``\r`` and ``\n`` end a line (``str.splitlines`` also splits at form
    feeds and other separators that Python source treats as ordinary characters)."""
    return _SOURCE_LINE.findall(text)


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic garbage collection while a tree is built. A tree has no reference
    cycles, so a collection during a parse finds nothing to free; but parsing a large
    text allocates enough objects to start several, each of which traverses everything
    the process holds (on an 8,000-line file, that doubles the cost of the parse), and
    moves the new tree into an older generation, which makes the next full collections
    come sooner."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
