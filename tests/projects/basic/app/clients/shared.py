"""Clients the application shares, created once at import."""
import httpx
import redis
import redis.asyncio

cache = redis.Redis(host="localhost")
async_cache = redis.asyncio.Redis(host="localhost")
http: httpx.Client = httpx.Client(base_url="https://api.example.com")
pool = httpx.AsyncClient()

# Rebound at start-up: what it holds depends on when it is read.
connection = redis.Redis()


def connect() -> None:
    global connection
    connection = redis.asyncio.Redis()


# Two kinds of client under one name: unknown.
maybe = redis.Redis()
if __debug__:
    maybe = redis.asyncio.Redis()
