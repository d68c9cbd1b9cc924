"""Tracking poller and ERP export.

Started by the API on startup (poll_forever), or from cron: `python -m app.worker`.
"""

import asyncio
import logging
import time

import requests

from .config import get_settings
from .db import SessionLocal
from .models import Order

logger = logging.getLogger(__name__)
settings = get_settings()
SHOPS = ("eu", "us", "uk")


async def refresh_tracking(shop: str) -> None:
    from time import sleep

    db = SessionLocal()  # bug: synchronous session, queried in async def
    try:
        for order in db.query(Order).filter_by(status="shipped"):
            # bug: blocking HTTP call in async def
            response = requests.get(f"{settings.carrier_api_url}/{shop}/tracking/{order.id}")
            if response.status_code == 429:
                sleep(1)  # bug: blocks the event loop
                continue
            order.status = response.json()["status"]
        db.commit()
    finally:
        db.close()


def export_to_erp(order_ids: list[int]) -> None:
    """The ERP has no async API; this runs in a worker thread."""
    base_url = settings.erp_api_uri  # bug: the field is erp_api_url (AttributeError)
    for order_id in order_ids:
        requests.post(f"{base_url}/orders/{order_id}", timeout=10)
        time.sleep(0.5)  # fine: a plain def, not on the event loop


def load_export_state(path: str) -> set[int]:
    """Ids the previous cron run exported."""
    try:
        with open(path) as f:
            return {int(line) for line in f}
    except:  # bug: a bare except; Ctrl-C while reading is taken for a missing file
        logger.warning(f"no export state at {path}, exporting everything")
        return set()


async def export_paid_orders(order_ids: list[int]) -> None:
    await asyncio.to_thread(export_to_erp, order_ids)
    await asyncio.to_thread(time.sleep, 1)  # fine: sleeps in a worker thread
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lambda: time.sleep(1))  # fine: same, older style


async def poll_forever() -> None:
    while True:
        for shop in SHOPS:
            try:
                await refresh_tracking(shop)
            except Exception as e:
                logger.error(f"tracking refresh failed for {shop}: {e}")  # bug: no traceback
        await asyncio.sleep(60)  # fine: yields to the event loop


async def consume_exports(queue: asyncio.Queue[list[int]]) -> None:
    """Exports the paid orders the API queues, until the app shuts down."""
    while True:
        try:
            order_ids = await queue.get()
            await export_paid_orders(order_ids)
        except BaseException:  # bug: swallows the cancellation that should stop it at shutdown
            logger.exception("ERP export failed")


async def warm_up() -> None:
    """One refresh per shop at startup, before the first poll."""
    for shop in SHOPS:
        refresh_tracking(shop)  # bug: never awaited, so the refresh never runs


def run_once() -> None:
    for shop in SHOPS:
        try:
            asyncio.run(refresh_tracking(shop))  # bug: a new event loop per shop
        except BaseException:  # bug: Ctrl-C only skips to the next shop
            logger.exception(f"tracking refresh failed for {shop}")


if __name__ == "__main__":
    run_once()
