"""Order endpoints."""

import asyncio
import logging
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..cache import OrderCache, rate_limits
from ..config import Settings, get_settings
from ..db import get_session
from ..models import Order, User
from ..services.notifications import (
    notify_packing_team,
    send_order_confirmation,
    send_refund_notice,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/orders", tags=["orders"])


def get_cache(request: Request) -> OrderCache:
    return request.app.state.cache


def get_http(request: Request) -> httpx.AsyncClient:
    return request.app.state.http


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CacheDep = Annotated[OrderCache, Depends(get_cache)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]


class OrderIn(BaseModel):
    email: str
    total_cents: int


class GiftMessageIn(BaseModel):
    message: str


@router.post("", status_code=201)
async def create_order(
    payload: OrderIn,
    background_tasks: BackgroundTasks,
    session: SessionDep,
    http: HttpDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    await rate_limits.incr(f"orders:{payload.email}")
    user = await _get_or_create_user(session, payload.email)
    order = Order(user_id=user.id, status="pending", total_cents=payload.total_cents)
    session.add(order)
    await session.commit()

    headers = {
        "Authorization": f"Bearer {settings.payments_api_key.get_secret_value()}",
        "Idempotency-Key": f"order-{order.id}",
    }
    for attempt in range(3):
        try:
            response = await http.post(
                f"{settings.payments_api_url}/charges",
                json={"order_id": order.id, "amount": order.total_cents},
                headers=headers,
            )
            response.raise_for_status()
            break
        except httpx.HTTPError as exc:
            if attempt == 2:
                logger.exception("payment failed for order %s", order.id)
                raise HTTPException(status_code=502, detail="payment provider unavailable") from exc
            await asyncio.sleep(2**attempt)

    # The task gets the id and opens its own session: this one closes with the request.
    background_tasks.add_task(send_order_confirmation, order.id)
    return {"id": order.id, "status": order.status}


async def _get_or_create_user(session: AsyncSession, email: str) -> User:
    """Insert first and let the unique constraint settle races between requests."""
    session.add(User(email=email))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # Another request created the user first.
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one()


@router.get("/{order_id}")
async def get_order(order_id: int, session: SessionDep, cache: CacheDep) -> dict[str, Any]:
    cached = await cache.get_summary(order_id)
    if cached is not None:
        return cached
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    summary = {"id": order.id, "status": order.status, "total_cents": order.total_cents}
    await cache.set_summary(order_id, summary)
    return summary


@router.get("/{order_id}/tracking")
async def get_tracking(order_id: int, http: HttpDep, settings: SettingsDep) -> dict[str, Any]:
    response = await http.get(f"{settings.carrier_api_url}/tracking/{order_id}")
    response.raise_for_status()
    return response.json()


@router.get("/{order_id}/invoice.pdf")
async def invoice_pdf(order_id: int, session: SessionDep, settings: SettingsDep) -> Response:
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    template = await asyncio.to_thread(_read_template, settings.invoice_template_dir)
    html = template.format(order_id=order.id, total=order.total_cents / 100)
    process = await asyncio.create_subprocess_exec(
        "wkhtmltopdf", "--quiet", "-", "-",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    pdf, stderr = await process.communicate(html.encode())
    if process.returncode != 0:
        logger.error(
            "wkhtmltopdf failed for order %s: %s", order_id, stderr.decode(errors="replace")
        )
        raise HTTPException(status_code=500, detail="could not render the invoice")
    return Response(content=pdf, media_type="application/pdf")


def _read_template(directory: str) -> str:
    """Plain function: called through asyncio.to_thread, off the event loop."""
    with open(f"{directory}/invoice.html", encoding="utf-8") as file:
        return file.read()


@router.post("/{order_id}/refund")
async def refund_order(
    order_id: int, background_tasks: BackgroundTasks, session: SessionDep
) -> dict[str, Any]:
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    order.status = "refunded"
    await session.commit()
    # The task gets the id and loads the order in its own session.
    background_tasks.add_task(send_refund_notice, order.id)
    return {"id": order.id, "status": order.status}


@router.post("/{order_id}/gift-message")
async def set_gift_message(
    order_id: int, gift: GiftMessageIn, background_tasks: BackgroundTasks, cache: CacheDep
) -> dict[str, Any]:
    try:
        await cache.set_summary(order_id, {"gift_message": gift.message})
    except Exception as exc:
        logger.exception("could not store the gift message for order %s", order_id)
        raise HTTPException(status_code=503, detail="please try again later") from exc
    logger.info("notifying the packing team about order %s", order_id)
    background_tasks.add_task(notify_packing_team, order_id)
    return {"id": order_id}
