"""Clients from factories, dependencies and base classes of another module."""
from fastapi import Depends

from app.clients import (
    AsyncBaseService,
    BaseService,
    get_async_redis,
    get_redis,
    make_redis,
    maybe_redis,
    redis_dependency,
    stale_annotation,
    traced_redis,
)


async def annotated_factory(key: str):
    client = get_redis()
    return client.get(key)  # ASR105: 11, "client.get"


async def returned_client(key: str):
    client = make_redis()
    return client.get(key)  # ASR105: 11, "client.get"


async def dependency(key: str, client=Depends(get_redis)):
    return client.get(key)  # ASR105: 11, "client.get"


async def yielded_dependency(key: str, client=Depends(redis_dependency)):
    return client.get(key)  # ASR105: 11, "client.get"


async def async_client(key: str):
    client = get_async_redis()
    # An async client from another module: awaited, not blocking.
    return await client.get(key)


async def contradicted(key: str):
    client = stale_annotation()
    # The annotation says sync, the body builds an async client: unknown.
    return await client.get(key)


async def called_generator(key: str):
    client = redis_dependency()
    # Calling a generator function gives a generator, not its client.
    return client.get(key)  # type: ignore[attr-defined]


async def optional_client(key: str):
    client = maybe_redis(True)
    # The factory may return None: unknown.
    return client.get(key)  # type: ignore[union-attr]


async def decorated_factory(key: str):
    client = traced_redis()
    # A decorator of the project may change what the factory returns: unknown.
    return client.get(key)


class ReportService(BaseService):
    async def run(self, key: str):
        return self.redis.get(key)  # ASR105: 15, "self.redis.get"


class AsyncReportService(AsyncBaseService):
    async def run(self, key: str):
        return await self.redis.get(key)


class OwnClient(BaseService):
    def __init__(self):
        super().__init__()
        self.redis = None

    async def run(self, key: str):
        # Set again by this class, to something unknown: unknown.
        return self.redis.get(key)  # type: ignore[union-attr]
