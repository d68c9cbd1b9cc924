"""Plain functions named like the coroutine functions of `alerts`."""


def notify(user_id: int) -> None:
    return None


def audit(event: str) -> None:
    return None
