"""The session factory, a module-level session, and the route dependency's alias."""
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session, scoped_session, sessionmaker

SessionLocal = sessionmaker()
session = SessionLocal()
ThreadSession = scoped_session(SessionLocal)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]
