"""E-mail notifications sent after an order is placed."""

import smtplib
from email.message import EmailMessage
from time import sleep

from sqlalchemy.orm import Session

from ..config import get_settings
from ..models import Order, User

settings = get_settings()


async def send_order_confirmation(db: Session, order_id: int) -> None:
    order = db.get(Order, order_id)  # bug: the request's session, closed by now
    user = db.get(User, order.user_id)

    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = user.email
    message["Subject"] = f"Order #{order.id} confirmed"
    message.set_content(f"We received your order of {order.total_cents / 100:.2f} EUR.")

    for _ in range(3):
        try:
            with smtplib.SMTP(settings.smtp_host, timeout=10) as smtp:  # bug: blocking IO
                smtp.send_message(message)
            break
        except smtplib.SMTPException:
            sleep(5)  # bug: blocks the event loop
    print(f"confirmation sent to {user.email}")  # bug: print in library code


def send_refund_notice(order: Order) -> None:
    """Runs in the thread pool once the response is sent."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = settings.mail_from
    message["Subject"] = f"Order #{order.id} refunded"  # the order's session is closed by now
    message.set_content(f"We refunded {order.total_cents / 100:.2f} EUR.")
    with smtplib.SMTP(settings.smtp_host, timeout=10) as smtp:
        smtp.send_message(message)
