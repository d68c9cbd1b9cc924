"""Coroutine functions of a service module, called from the routes (ASR604)."""


def retry(function):
    return function


async def notify(user_id: int) -> None:
    return None


async def audit(event: str) -> None:
    return None


@retry
async def resend(user_id: int) -> None:
    return None


async def stream_events():
    yield "event"


def render(user_id: int) -> str:
    return str(user_id)
