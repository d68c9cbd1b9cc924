"""Sync CRUD helpers: fine in a plain `def` route, blocking when called from `async def`."""
import time

from sqlalchemy.orm import Session


def get_user(db: Session, user_id: int):
    return db.get(dict, user_id)


def slow_count(db):
    time.sleep(0.1)
    return 0


def pure(value: int) -> int:
    return value * 2


def first_user(db: Session):
    return get_user(db, 1)
