"""Redis cache for order summaries."""

import json
from time import sleep as pause

import redis


class OrderCache:
    def __init__(self, url: str) -> None:
        # bug: the synchronous client, used from async methods below
        self.redis_client = redis.Redis.from_url(url, decode_responses=True)

    async def get_summary(self, order_id: int) -> dict | None:
        try:
            raw = self.redis_client.get(f"order:{order_id}")
        except Exception:
            raw = None  # bug: a Redis outage is silently a cache miss, forever
        return json.loads(raw) if raw else None

    async def set_summary(self, order_id: int, summary: dict, ttl: int = 300) -> None:
        for attempt in range(3):
            try:
                self.redis_client.setex(f"order:{order_id}", ttl, json.dumps(summary))
                return
            except redis.ConnectionError:
                pause(0.2 * (attempt + 1))  # bug: blocks the event loop

    async def invalidate(self, order_id: int) -> None:
        try:
            self.redis_client.delete(f"order:{order_id}")
        except:  # bug: also swallows KeyboardInterrupt and cancellation
            pass


# bug: one synchronous client for the whole app; routes import it and call it from
# async code (the tier follows the import to see what it is)
rate_limits = redis.Redis(host="localhost", decode_responses=True)
