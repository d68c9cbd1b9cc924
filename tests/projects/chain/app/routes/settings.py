"""ASR110 through three modules: the message names the module and line of the blocking
call, and the helpers on the way with their modules."""
import time

from fastapi import APIRouter

from app.services import profiles
from app.services.profiles import load_profile

from ..utils.files import read_text

router = APIRouter()


def _render(name):
    return read_text(name)


def _wait():
    time.sleep(1)


def _retry():
    _wait()


@router.get("/profiles/{name}")
async def get_profile(name: str):
    profile = load_profile(name)  # ASR110: 14, "load_profile", "`read_text()` -> `open()` (line 6 of app.utils.files)"
    fresh = profiles.refresh_profile(name)  # ASR110: 12, "profiles.refresh_profile", "`app.services.profiles._touch()` -> `pause()` -> `time.sleep()` (line 11 of app.utils.files)"
    page = _render(name)  # ASR110: 11, "_render", "`read_text()` -> `open()` (line 6 of app.utils.files)"
    text = read_text(name)  # ASR110: 11, "read_text", "`open()` (line 6 of app.utils.files)"
    _retry()  # ASR110: 4, "_retry", "`_wait()` -> `time.sleep()` (line 20)"
    return profile, fresh, page, text


@router.get("/health")
def health(name: str):
    # A plain `def` route runs in a worker thread: its blocking helpers are fine.
    return load_profile(name), _retry()
