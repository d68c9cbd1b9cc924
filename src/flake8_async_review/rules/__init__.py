"""The rule registry: every rule, in code order. Adding a rule means adding it here."""

from __future__ import annotations

from .base import Rule, Severity
from .blocking_sleep import BlockingSleep

ALL_RULES: tuple[type[Rule], ...] = (BlockingSleep,)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule", "Severity"]
