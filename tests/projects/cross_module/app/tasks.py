"""Background work."""


def save(db_session, item_id):
    db_session.commit()
