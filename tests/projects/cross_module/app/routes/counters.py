"""A store imported from a service module, whose client a third module builds: this
module names no client package, and its calls are typed all the same (ASR604)."""
from app.services.store import store


async def bump(key: str):
    store.incr(key)  # ASR604: 4, "store.incr"
    return await store.get(key)


def reset(key: str):
    store.delete(key)  # ASR604: 4, "store.delete"
