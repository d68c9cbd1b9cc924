"""Client factories and a base service that builds its client."""
import redis
import redis.asyncio


def get_redis() -> redis.Redis:
    return redis.Redis()


def make_redis():
    return redis.Redis(host="cache")


def get_async_redis() -> redis.asyncio.Redis:
    return redis.asyncio.Redis()


def stale_annotation() -> redis.Redis:
    return redis.asyncio.Redis()


def redis_dependency():
    yield redis.Redis()


class BaseService:
    def __init__(self):
        self.redis = redis.Redis()


class AsyncBaseService:
    def __init__(self):
        self.redis = redis.asyncio.Redis()


def maybe_redis(enabled):
    if enabled:
        return redis.Redis()
    return None


def traced(function):
    return function


@traced
def traced_redis() -> redis.Redis:
    return redis.Redis()
