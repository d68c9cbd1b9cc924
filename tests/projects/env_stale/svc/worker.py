import os


def concurrency() -> int:
    return int(os.getenv("WORKER_CONCURRENCY", "1"))  # ASR905: 15, "os.getenv"
