"""E-mail notifications sent after an order is placed."""

import asyncio
import logging
from email.message import EmailMessage

import aiosmtplib

from ..config import get_settings
from ..db import SessionLocal
from ..models import Order, User

logger = logging.getLogger(__name__)


async def send_order_confirmation(order_id: int) -> None:
    """Background task: it opens its own session, the request's one is closed by now."""
    settings = get_settings()
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order.user_id) if order is not None else None
    if order is None or user is None:
        logger.warning("order %s is gone; no confirmation sent", order_id)
        return

    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = user.email
    message["Subject"] = f"Order #{order.id} confirmed"
    message.set_content(f"We received your order of {order.total_cents / 100:.2f} EUR.")

    for attempt in range(3):
        try:
            await aiosmtplib.send(
                message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=10
            )
            break
        except aiosmtplib.SMTPException:
            logger.warning(
                "SMTP attempt %d failed for order %s", attempt + 1, order_id, exc_info=True
            )
            await asyncio.sleep(5)
    else:
        logger.error("confirmation for order %s not sent after 3 attempts", order_id)
        return
    logger.info("confirmation sent for order %s", order_id)


async def send_refund_notice(order_id: int) -> None:
    """Background task: loads the order in its own session."""
    settings = get_settings()
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order.user_id) if order is not None else None
    if order is None or user is None:
        logger.warning("order %s is gone; no refund notice sent", order_id)
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = user.email
    message["Subject"] = f"Order #{order.id} refunded"
    message.set_content(f"We refunded {order.total_cents / 100:.2f} EUR.")
    await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=10)


async def notify_packing_team(order_id: int) -> None:
    """Background task: tells the packing team that an order has a gift message."""
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = settings.mail_from
    message["Subject"] = f"Order #{order_id} has a gift message"
    await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=10)
