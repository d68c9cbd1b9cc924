"""Shipping labels pushed to the carrier's API."""

import asyncio

import httpx


async def push_label(client: httpx.AsyncClient, label: bytes) -> None:
    async with asyncio.timeout(10):
        await client.post("/labels", content=label)
