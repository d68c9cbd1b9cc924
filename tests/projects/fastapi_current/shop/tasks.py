import logging

from shop.db import new_session

logger = logging.getLogger(__name__)


def send_receipt(db, order_id):
    logger.info("receipt for %s (%s)", order_id, db)


def ship(order):
    logger.info("shipping %s", order)


def ship_by_id(order_id):
    with new_session() as db:
        logger.info("shipping %s (%s)", order_id, db)
