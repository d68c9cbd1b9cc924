"""Low-level sync helpers: the blocking calls are here."""
import time


def read_text(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def pause(seconds):
    time.sleep(seconds)
