"""The settings module of the project."""
from functools import lru_cache

from .base import AppSettings


class Settings(AppSettings):
    fortex_auth_token: str = "ftx-dev-token"  # ASR401: 4, "fortex_auth_token"
    database_url: str = ""  # Not ASR402: the project never passes it to a client.
    redis_url: str = "redis://localhost"
    token_url: str = "https://auth.example.com/token"


settings = Settings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
