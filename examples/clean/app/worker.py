"""Tracking poller and ERP export.

Started by the API on startup (poll_forever), or on its own: `python -m app.worker`
runs one event loop for the whole process.
"""

import asyncio
import logging

import httpx
from sqlalchemy import select

from .config import get_settings
from .db import SessionLocal
from .models import Order

logger = logging.getLogger(__name__)
SHOPS = ("eu", "us", "uk")
POLL_INTERVAL_SECONDS = 60


async def refresh_tracking(http: httpx.AsyncClient, shop: str) -> None:
    settings = get_settings()
    async with SessionLocal() as session:
        orders = await session.scalars(select(Order).where(Order.status == "shipped"))
        for order in orders:
            response = await http.get(f"{settings.carrier_api_url}/{shop}/tracking/{order.id}")
            if response.status_code == 429:
                await asyncio.sleep(1)
                continue
            response.raise_for_status()
            order.status = response.json()["status"]
        await session.commit()


def load_export_state(path: str) -> set[int]:
    """Ids the previous run exported. Plain function: call it with asyncio.to_thread."""
    try:
        with open(path, encoding="utf-8") as f:
            return {int(line) for line in f}
    except FileNotFoundError:
        logger.warning("no export state at %s, exporting everything", path)
        return set()


async def export_paid_orders(http: httpx.AsyncClient, order_ids: list[int]) -> None:
    settings = get_settings()
    for order_id in order_ids:
        response = await http.post(f"{settings.erp_api_url}/orders/{order_id}")
        response.raise_for_status()
        await asyncio.sleep(0.5)  # The ERP accepts two requests a second.


async def poll_shop(http: httpx.AsyncClient, shop: str) -> None:
    while True:
        try:
            await refresh_tracking(http, shop)
        except httpx.HTTPError:
            logger.exception("tracking refresh failed for shop %s", shop)
        await asyncio.sleep(POLL_INTERVAL_SECONDS)


async def poll_forever(http: httpx.AsyncClient) -> None:
    await asyncio.gather(*(poll_shop(http, shop) for shop in SHOPS))


async def consume_exports(http: httpx.AsyncClient, queue: asyncio.Queue[list[int]]) -> None:
    """Exports the paid orders the API queues; cancelling the task stops it."""
    while True:
        order_ids = await queue.get()
        try:
            await export_paid_orders(http, order_ids)
        except httpx.HTTPError:
            logger.exception("ERP export failed for orders %s", order_ids)


async def warm_up(http: httpx.AsyncClient) -> None:
    """One refresh per shop at startup, before the first poll."""
    await asyncio.gather(*(refresh_tracking(http, shop) for shop in SHOPS))


async def main() -> None:
    settings = get_settings()
    async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as http:
        await poll_forever(http)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
