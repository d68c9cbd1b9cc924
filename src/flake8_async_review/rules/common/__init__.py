"""Helpers that several rules share: the blocking-call base class, exception handler
facts, logger calls and FastAPI route facts. They import no rule."""
