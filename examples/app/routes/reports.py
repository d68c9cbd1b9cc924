"""Report endpoints, typed through the session alias and factory of app/db.py."""

from fastapi import APIRouter, BackgroundTasks

from ..db import DbSession, SessionLocal
from ..models import Order

router = APIRouter(prefix="/reports", tags=["reports"])


def build_report(db, order_id: int) -> None:
    order = db.get(Order, order_id)
    db.add(order)
    db.commit()


@router.post("/{order_id}", status_code=202)
async def request_report(order_id: int, db: DbSession, background_tasks: BackgroundTasks):
    # bug: the request's session, declared through an alias from another module,
    # handed to the background task
    background_tasks.add_task(build_report, db, order_id)
    return {"queued": order_id}


@router.get("/nightly")
async def nightly_total() -> int:
    # bug: a sync session from the factory of another module, in async def
    with SessionLocal() as db:
        return db.query(Order).count()
