"""A project of its own (vendored/notifier/pyproject.toml) without a settings class:
its environment reads are not reported."""
import os


def webhook_url():
    return os.environ["NOTIFY_WEBHOOK"], os.getenv("NOTIFY_TOKEN")
