"""Application settings, read from the environment (prefix ORDERS_).

Connection strings and secrets have no default: a missing variable stops the app at
startup instead of at the first request that needs it.
"""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env")

    database_url: str
    redis_url: str
    payments_api_url: str
    payments_api_key: SecretStr
    carrier_api_url: str
    carrier_api_key: SecretStr
    erp_api_url: str
    jwt_secret: SecretStr
    smtp_host: str
    smtp_port: int = 587
    mail_from: str = "orders@example.com"
    invoice_template_dir: str = "templates"
    http_timeout_seconds: float = 5.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
