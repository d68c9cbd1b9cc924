"""Imported blocking helpers (ASR110) and an imported session alias (ASR106)."""
from app import crud
from app.crud import first_user, pure

from .. import crud as relative_crud
from ..crud import slow_count
from ..db import DbSession


async def read_user(db: DbSession, user_id: int):
    user = crud.get_user(db, user_id)  # ASR110: 11, "crud.get_user", "`sqlalchemy.orm.Session.get()` (line 8 of app.crud)"
    count = slow_count(db)  # ASR110: 12, "slow_count", "`time.sleep()` (line 12 of app.crud)"
    first = first_user(db)  # ASR110: 12, "first_user", "`get_user()` -> `sqlalchemy.orm.Session.get()` (line 8 of app.crud)"
    other = relative_crud.get_user(db, 2)  # ASR110: 12, "relative_crud.get_user", "`sqlalchemy.orm.Session.get()` (line 8 of app.crud)"
    db.commit()  # ASR106: 4, "db.commit", "`AsyncSession`"
    return user, count, first, other, pure(3)


def plain_route(db: DbSession, user_id: int):
    db.commit()
    return crud.get_user(db, user_id), slow_count(db)


async def offloaded(db: DbSession):
    import asyncio

    return await asyncio.to_thread(crud.get_user, db, 1)
