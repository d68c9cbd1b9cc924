"""The store, imported relatively and inside a function: this module's text names
neither a client nor its package, and its calls are typed all the same (ASR604)."""
from ..services.store import store


async def bump(key: str):
    store.incr(key)  # ASR604: 4, "store.incr"
    return await store.get(key)


async def bump_later(key: str):
    from ..services import store as stores

    stores.store.incr(key)
