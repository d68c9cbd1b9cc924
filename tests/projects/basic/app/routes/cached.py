"""Routes that use clients created in another module of the project."""
from app.clients import shared
from app.clients.shared import async_cache, cache, connection, http, maybe, pool
from app.clients.shared import cache as store

from ..clients.shared import cache as relative


async def read(key: str) -> bytes | None:
    return cache.get(key)  # ASR105: 11, "cache.get"


async def read_aliased(key: str) -> bytes | None:
    return store.get(key)  # ASR105: 11, "store.get"


async def read_relative(key: str) -> bytes | None:
    return relative.get(key)  # ASR105: 11, "relative.get"


async def fetch() -> object:
    return http.get("/items").json()  # ASR102: 11, "http.get", "`httpx.AsyncClient` or `aiohttp`"


async def fine(key: str) -> object:
    await async_cache.get(key)
    await pool.get("/items")
    await connection.get(key)  # Rebound in connect(): unknown.
    await maybe.get(key)  # Two kinds of client: unknown.
    return shared.cache  # The module form is not followed.


def sync_route(key: str) -> bytes | None:
    return cache.get(key)  # Not in an async def.


async def shadowed(cache: object, key: str) -> object:
    return cache.get(key)  # type: ignore[attr-defined]  # A parameter, not the import.
