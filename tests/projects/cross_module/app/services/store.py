"""The application's store: a client that a factory of another module makes."""
from app.clients import get_async_redis

store = get_async_redis()
