"""flake8-async-review: find event-loop blocking calls and other asyncio/FastAPI backend bugs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flake8-async-review")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
