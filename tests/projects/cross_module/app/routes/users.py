"""A get-or-create with a session from the factory of another module."""
from app.database.core import SessionLocal
from app.models import User


def get_or_create(email: str):
    db = SessionLocal()
    if not db.query(User).filter_by(email=email).first():
        db.add(User(email=email))
        db.commit()
    return db.query(User).filter_by(email=email).one()
