"""FastAPI application. Shared clients and the poller live as long as the app."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from .cache import OrderCache
from .config import get_settings
from .db import engine
from .routes import orders
from .worker import poll_forever


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    cache = OrderCache.from_url(settings.redis_url)
    async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as http:
        app.state.cache = cache
        app.state.http = http
        poller = asyncio.create_task(poll_forever(http), name="tracking-poller")
        try:
            yield
        finally:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
            await cache.close()
            await engine.dispose()


app = FastAPI(title="orders", lifespan=lifespan)
app.include_router(orders.router)
