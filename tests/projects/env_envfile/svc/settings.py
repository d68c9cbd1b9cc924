from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file="deploy/.env")

    broker_url: str
    sentry_dsn: str
    storage_bucket: str  # ASR405: 4, "required setting `storage_bucket` (`STORAGE_BUCKET`) is", "deploy/.env.example", "add `STORAGE_BUCKET=` with a placeholder value"


class Computed(BaseSettings):
    model_config = SettingsConfigDict(env_file=BASE_DIR / ".env")

    storage_region: str
