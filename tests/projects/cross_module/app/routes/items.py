"""Routes typed through other modules: an alias, a factory, a module-level session."""
from fastapi import APIRouter, BackgroundTasks

from app.database.core import DbSession, SessionLocal, ThreadSession, session
from app.tasks import save

router = APIRouter()


@router.post("/items")
async def create(db_session: DbSession, background_tasks: BackgroundTasks):
    background_tasks.add_task(save, db_session=db_session, item_id=1)  # ASR501: 47, "background_tasks.add_task", "db_session", "kept open with its connection until the task ends"
    db_session.commit()  # ASR106: 4, "db_session.commit", "`AsyncSession`"


async def from_factory():
    db = SessionLocal()
    db.commit()  # ASR106: 4, "db.commit", "`AsyncSession`"


async def imported_in_the_function():
    from app.database.core import SessionLocal as LocalFactory

    db = LocalFactory()
    db.commit()  # ASR106: 4, "db.commit", "`AsyncSession`"


async def module_session():
    session.commit()  # ASR106: 4, "session.commit", "`AsyncSession`"


async def rebound():
    db = SessionLocal()
    db = object()
    # Rebound to something else: unknown.
    db.commit()  # type: ignore[attr-defined]


def in_a_thread():
    # A scoped session used in a plain function run in a worker thread: not on the loop.
    db = ThreadSession()
    db.commit()


@router.post("/items/plain")
def plain_route(db_session: DbSession):
    # The dependency behind the imported alias closes the session (ASR902 stays silent).
    db_session.commit()
