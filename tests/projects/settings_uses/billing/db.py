"""Clients built from the settings."""
import httpx
import redis.asyncio as redis
from sqlalchemy.ext.asyncio import create_async_engine

from .config import settings

engine = create_async_engine(settings.database_url)
cache = redis.from_url(settings.redis_url)


def payments_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"Authorization": f"Bearer {settings.payments_api_key}"})
