"""FastAPI application."""

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .routes import orders, reports
from .worker import poll_forever


@asynccontextmanager
async def lifespan(app: FastAPI):
    asyncio.create_task(poll_forever())  # bug: no reference kept; the task can vanish
    yield


app = FastAPI(title="orders", lifespan=lifespan)
app.include_router(orders.router)
app.include_router(reports.router)
