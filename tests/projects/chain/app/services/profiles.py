"""Sync services built on app.utils.files: they block where app.utils.files does."""
from app.utils import files
from app.utils.files import read_text


def load_profile(name):
    return read_text(f"profiles/{name}.json")


def _touch(name):
    files.pause(0.1)
    return name


def refresh_profile(name):
    return _touch(name)


async def refresh_all(names):
    for name in names:
        refresh_profile(name)  # ASR110: 8, "refresh_profile", "`_touch()` -> `pause()` -> `time.sleep()` (line 11 of app.utils.files)"
