"""Application settings, read from the environment (prefix ORDERS_)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env")

    database_url: str = "sqlite:///./orders.db"
    redis_url: str = "redis://localhost:6379/0"
    payments_api_url: str = "https://api.payments.example.com/v1"
    payments_api_key: str = ""  # bug: the app starts and fails at the first payment
    carrier_api_url: str = "https://api.carrier.example.com"
    carrier_api_key: str  # bug: required, but .env.example does not list it
    erp_api_url: str = "http://erp.internal"
    jwt_secret: str = "dev-secret-123"  # bug: a secret in the source, used in production
    smtp_host: str = "localhost"
    mail_from: str = "orders@example.com"
    invoice_template_dir: str = "templates"


@lru_cache
def get_settings() -> Settings:
    return Settings()
