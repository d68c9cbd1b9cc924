"""The service's logging helpers."""
import functools
import logging

import structlog


@functools.lru_cache
def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger("svc").getChild(name)
    logger.propagate = True
    return logger


def plain_logger(name):
    if not name:
        return logging.getLogger("svc")
    return logging.getLogger(f"svc.{name}")


def structured_logger(name):
    return structlog.get_logger(name)


def maybe_logger(name):
    if name:
        return logging.getLogger(name)
    return None


def traced(function):
    return function


@traced
def wrapped_logger(name) -> logging.Logger:
    return logging.getLogger(name)


def get_adapter(name) -> logging.LoggerAdapter:
    return logging.LoggerAdapter(logging.getLogger(name), {})


shared = get_logger("shared")
plain_shared = plain_logger("shared")
