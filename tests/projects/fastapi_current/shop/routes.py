"""FastAPI 0.118 or later (its version constraints): the session is closed after the task."""
from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy.orm import Session

from shop.db import get_db
from shop.models import Order
from shop.tasks import send_receipt, ship, ship_by_id

router = APIRouter()


@router.post("/orders/{order_id}/receipt")
def receipt(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    tasks.add_task(send_receipt, db, order_id)  # ASR501: 33, "tasks.add_task", "db", "kept open with its connection until the task ends"


@router.post("/orders/{order_id}/ship")
def ship_order(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    tasks.add_task(ship, order)  # ASR502: 25, "tasks.add_task", "order", "still bound to the request's session"
    # Only the id goes to the task, which opens its own session.
    tasks.add_task(ship_by_id, order.id)
