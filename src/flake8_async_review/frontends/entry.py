"""The ``flake8-async-review`` command's entry point: a recorded ``check`` run is
replayed (:mod:`.replay`) before anything else is imported; every other command line
goes to :mod:`.cli`."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .replay import replay


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    code = replay(arguments)
    if code is not None:
        return code
    from .cli import main as run

    return run(arguments)
