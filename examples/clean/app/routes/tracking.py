"""Shipment tracking endpoints."""

from fastapi import APIRouter

router = APIRouter(prefix="/orders/{order_id}/shipments", tags=["tracking"])


@router.get("/{shipment_id}")
async def shipment_status(order_id: int, shipment_id: int) -> dict[str, int]:
    return {"order": order_id, "shipment": shipment_id}
