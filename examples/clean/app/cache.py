"""Redis cache for order summaries, on the asyncio client."""

import asyncio
import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class OrderCache:
    def __init__(self, client: Redis) -> None:
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> "OrderCache":
        return cls(Redis.from_url(url, decode_responses=True))

    async def get_summary(self, order_id: int) -> dict[str, Any] | None:
        try:
            raw = await self._client.get(_key(order_id))
        except RedisError:
            logger.warning("cache read failed for order %s", order_id, exc_info=True)
            return None
        return json.loads(raw) if raw else None

    async def set_summary(self, order_id: int, summary: dict[str, Any], ttl: int = 300) -> None:
        for attempt in range(3):
            try:
                await self._client.set(_key(order_id), json.dumps(summary), ex=ttl)
                return
            except RedisConnectionError:
                await asyncio.sleep(0.2 * (attempt + 1))
        logger.warning("could not cache order %s after 3 attempts", order_id)

    async def invalidate(self, order_id: int) -> None:
        await self._client.delete(_key(order_id))

    async def close(self) -> None:
        await self._client.aclose()


def _key(order_id: int) -> str:
    return f"order:{order_id}"


# One asyncio client for the whole app, shared by the routes that import it.
rate_limits = Redis(host="localhost", decode_responses=True)
