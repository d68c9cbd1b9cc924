"""Order endpoints."""

import logging
import subprocess
import time

import httpx
import requests
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..cache import OrderCache, rate_limits
from ..config import get_settings
from ..db import get_db
from ..models import Order, User
from ..services.notifications import send_order_confirmation, send_refund_notice

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/orders", tags=["orders"])
settings = get_settings()
cache = OrderCache(settings.redis_url)


class OrderIn(BaseModel):
    email: str
    total_cents: int


@router.post("", status_code=201)
async def create_order(
    payload: OrderIn, background_tasks: BackgroundTasks, db: Session = Depends(get_db)
):
    rate_limits.incr(f"orders:{payload.email}")
    # bug: check-then-insert; two concurrent first orders both insert the user
    if not db.query(User).filter_by(email=payload.email).first():
        db.add(User(email=payload.email))
        db.commit()
    user = db.query(User).filter_by(email=payload.email).one()
    order = Order(user_id=user.id, status="pending", total_cents=payload.total_cents)
    db.add(order)
    db.commit()

    for attempt in range(3):
        try:
            response = requests.post(  # bug: blocking HTTP call, and no timeout
                f"{settings.payments_api_url}/charges",
                json={"order_id": order.id, "amount": order.total_cents},
                headers={"Authorization": f"Bearer {settings.payments_api_key}"},
            )
            response.raise_for_status()
            break
        except requests.RequestException as e:
            logger.error(f"payment failed for order {order.id}: {e}")  # bug: traceback lost
            time.sleep(2**attempt)  # bug: blocks the event loop
    else:
        raise HTTPException(status_code=502, detail="payment provider unavailable")

    # bug: the request's session is closed by the time the task runs
    background_tasks.add_task(send_order_confirmation, db, order.id)
    return {"id": order.id, "status": order.status}


@router.get("/{order_id}")
async def get_order(order_id: int, db: Session = Depends(get_db)):
    cached = await cache.get_summary(order_id)
    if cached:
        return cached
    order = db.get(Order, order_id)  # bug: synchronous query in async def
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    summary = {"id": order.id, "status": order.status, "total_cents": order.total_cents}
    await cache.set_summary(order_id, summary)
    return summary


@router.get("/{order_id}/tracking")
async def get_tracking(order_id: int):
    # fine: an async client, awaited
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(f"{settings.carrier_api_url}/tracking/{order_id}")
    response.raise_for_status()
    return response.json()


@router.get("/{order_id}/invoice.pdf")
async def invoice_pdf(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    with open(f"{settings.invoice_template_dir}/invoice.html") as f:  # bug: file IO
        template = f.read()
    html = template.format(order_id=order.id, total=order.total_cents / 100)
    result = subprocess.run(  # bug: the loop waits for wkhtmltopdf
        ["wkhtmltopdf", "--quiet", "-", "-"], input=html.encode(), capture_output=True, check=True
    )
    return Response(content=result.stdout, media_type="application/pdf")


@router.post("/{order_id}/refund")
def refund_order(order_id: int, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    order.status = "refunded"
    db.commit()
    # bug: the task reads the order after its session is closed: DetachedInstanceError
    background_tasks.add_task(send_refund_notice, order)
    return {"id": order.id, "status": order.status}


@router.post("/{order_id}/gift-message")
async def set_gift_message(order_id: int, request: Request, background_tasks: BackgroundTasks):
    data = await request.json()  # bug: no validation; a missing "message" is a 500, not a 422
    try:
        await cache.set_summary(order_id, {"gift_message": data["message"]})
    except Exception as e:
        raise HTTPException(status_code=503, detail=f"cache error: {e}")  # bug: leaks internals
    # bug: logs that the packing team is told, but nothing tells it
    background_tasks.add_task(logger.info, "notifying the packing team about order %s", order_id)
    return {"id": order_id}
