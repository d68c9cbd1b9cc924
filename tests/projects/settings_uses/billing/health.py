"""Reads that show which settings are optional."""
import logging

from .config import settings

logger = logging.getLogger(__name__)


def cache_enabled() -> bool:
    return bool(settings.redis_url) and settings.redis_url != "memory://"


def describe() -> None:
    logger.info("status page: %s", settings.status_page_url)
