"""An absolute import of the settings; an environment read outside the settings module."""
import os

from app.config import settings as app_settings
from pydantic import BaseModel, EmailStr


class Recipient(BaseModel):
    address: EmailStr  # ASR404: 13, "EmailStr", "email-validator", "pydantic[email]"


def smtp_host():
    return os.getenv("SMTP_HOST") or app_settings.smtp_host  # ASR905: 11, "os.getenv"  ASR403: 37, "app_settings.smtp_host", "Settings", "smtp_host", ""


def known():
    return app_settings.redis_url, app_settings.environment
