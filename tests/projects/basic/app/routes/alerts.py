"""Coroutine functions imported from a service module, called without `await` (ASR604)."""
import asyncio

from fastapi import BackgroundTasks

from app.services import alerts, legacy
from app.services.alerts import audit as record

from ..services.alerts import notify, render, resend, stream_events
from ..services.alerts import audit as traced
from ..services.legacy import notify as legacy_notify

traced = asyncio.shield  # Rebound: no longer the imported function.


async def forgotten(user_id: int):
    notify(user_id)  # ASR604: 4, "notify"
    alerts.audit("login")  # ASR604: 4, "alerts.audit"
    record("login")  # ASR604: 4, "record"
    pending = notify(user_id)  # ASR604: 14, "notify"


async def local_job():
    return None


async def module_function():
    local_job()  # ASR604: 4, "local_job"


# -- negatives ------------------------------------------------------------------------


async def awaited_or_kept(user_id: int, background_tasks: BackgroundTasks):
    await notify(user_id)
    await alerts.audit("login")
    result = notify(user_id)
    await result
    task = asyncio.create_task(notify(user_id))
    background_tasks.add_task(notify, user_id)
    await asyncio.gather(record("a"), alerts.notify(user_id))
    await task
    return notify(user_id)


async def not_coroutine_functions(user_id: int):
    legacy.notify(user_id)
    legacy.audit("login")
    legacy_notify(user_id)
    render(user_id)
    alerts.render(user_id)
    resend(user_id)
    alerts.resend(user_id)
    stream_events()
    alerts.stream_events()
    traced("login")
    alerts.missing()


def from_sync_code(user_id: int):
    notify(user_id)  # Imported functions are looked up from `async def` bodies only.
    alerts.audit("login")


notify(1)


async def shadowed(notify, user_id: int):
    notify(user_id)


async def rebound_locally(user_id: int):
    record = print
    record("login")
    for alerts in ():
        alerts.audit("x")


async def nested(user_id: int):
    notify = legacy_notify

    async def inner():
        notify(user_id)

    await inner()
