"""Shipment tracking endpoints."""

from fastapi import APIRouter

router = APIRouter(prefix="/orders/{order_id}/shipments", tags=["tracking"])


@router.get("/{shipment_id}")  # bug: `order_id` of the prefix is never declared
async def shipment_status(shipment_id: int) -> dict[str, int]:
    return {"shipment": shipment_id}
