"""Source text as Python reads it."""

from __future__ import annotations

import re

_SOURCE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def source_lines(text: str) -> list[str]:
    """The lines of a source text as Python counts them, with their endings: only
    ``\r\n``, ``\r`` and ``\n`` end a line (``str.splitlines`` also splits at form
    feeds and other separators that Python source treats as ordinary characters)."""
    return _SOURCE_LINE.findall(text)
