"""Logger helpers of the same module."""
import logging


def make_logger(name: str) -> "logging.Logger":
    return logging.getLogger(name)


def child_logger(name):
    return logging.getLogger("svc." + name)


logger = make_logger(__name__)
jobs_logger = child_logger("jobs")


def sync(job):
    try:
        job.run()
    except RuntimeError as error:
        logger.error("job %s failed: %s", job, error)  # ASR909: 8, "logger.error", "`logger.exception()`"
        jobs_logger.error("job %s failed: %s", job, error)  # ASR909: 8, "jobs_logger.error", "`jobs_logger.exception()`"
