"""Loggers made by the helpers of svc/logs.py, used in except blocks."""
from svc.logs import get_logger, maybe_logger, plain_logger, shared, structured_logger, wrapped_logger
from svc.logs import plain_shared as plain_log, shared as audit_log

logger = get_logger(__name__)
log = plain_logger("payments")
structured = structured_logger(__name__)
optional = maybe_logger(__name__)
decorated = wrapped_logger(__name__)
rebound = get_logger("first")


def charge(order, gateway):
    try:
        gateway.charge(order)
    except ConnectionError as e:
        logger.error(f"charge failed for {order}: {e}")  # ASR909: 8, "logger.error", "`logger.exception()`"
    try:
        gateway.refund(order)
    except ConnectionError as e:
        log.critical("refund failed: %s", e)  # ASR909: 8, "log.critical", "`exc_info=True`"
    try:
        gateway.void(order)
    except ConnectionError:
        shared.error("void failed")  # ASR909: 8, "shared.error", "`shared.exception()`"
        audit_log.error("void failed")  # ASR909: 8, "audit_log.error", "`audit_log.exception()`"
        plain_log.error("void failed")  # ASR909: 8, "plain_log.error", "`plain_log.exception()`"


def settle(order, gateway):
    local = get_logger("settle")
    try:
        gateway.settle(order)
    except ConnectionError:
        local.error("settle failed")  # ASR909: 8, "local.error", "`local.exception()`"


def not_stdlib_loggers(order, gateway):
    try:
        gateway.charge(order)
    except ConnectionError:
        # A structlog logger's helper: not the standard library's for sure.
        structured.error("charge failed")
        # The helper may return None.
        optional.error("charge failed")
        # A decorator of the project may change what the helper returns.
        decorated.error("charge failed")
        # Bound twice in the module: which one is used is not followed.
        rebound.error("charge failed")


def shadowed(order, gateway, get_logger):
    # The helper's name is a parameter here, not the project's function.
    mine = get_logger("shadowed")
    try:
        gateway.charge(order)
    except ConnectionError:
        mine.error("charge failed")


rebound = get_logger("second")
