"""The flake8 entry point (``flake8_async_review.plugin:Plugin``), a stable name for the
plugin that :mod:`flake8_async_review.frontends.flake8_plugin` implements."""

from .frontends.flake8_plugin import Plugin

__all__ = ["Plugin"]
