"""The rule registry: every rule, in code order. Adding a rule means adding it here."""

from __future__ import annotations

from .bare_except import BareExcept
from .base import Rule, Severity
from .base_exception_caught import BaseExceptionCaught
from .blocking_sleep import BlockingSleep
from .cancellation_swallowed import CancellationSwallowed
from .configured_blocking import ConfiguredBlockingCall
from .error_log_without_traceback import ErrorLogWithoutTraceback
from .event_loop_run import EventLoopRun
from .indirect_blocking import IndirectBlockingCall
from .print_in_library_code import PrintInLibraryCode
from .silent_except import SilentExcept

ALL_RULES: tuple[type[Rule], ...] = (
    BlockingSleep,
    EventLoopRun,
    ConfiguredBlockingCall,
    IndirectBlockingCall,
    SilentExcept,
    BareExcept,
    ErrorLogWithoutTraceback,
    CancellationSwallowed,
    BaseExceptionCaught,
    PrintInLibraryCode,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule", "Severity"]
