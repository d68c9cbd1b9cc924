"""The settings module: it may read the environment."""
import os

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str
    log_level: str = os.getenv("LOG_LEVEL", "INFO")


settings = Settings()
