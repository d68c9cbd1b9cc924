from typing import Optional

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .factory import make_config


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    database_url: str
    log_format: str
    api_token: str  # ASR405: 4, "required setting `api_token` (`API_TOKEN`) is", "svc/.env.example", "add `API_TOKEN=` with a placeholder value"
    worker_count: int = Field(...)  # ASR405: 4, "required setting `worker_count` (`WORKER_COUNT`) is", "svc/.env.example", "add `WORKER_COUNT=` with a placeholder value"
    redis_url: Optional[str]
    sentry_dsn: str | None
    debug: bool = False
    tags: list[str] = Field(default_factory=list)
    timeout: float = Field(5.0)
    _cache: dict = {}


class ComputedConfig(BaseSettings):
    model_config = make_config()

    mail_host: str


class ConditionalSettings(BaseSettings):
    if True:
        mail_port: int


class CustomSources(BaseSettings):
    vault_token: str

    @classmethod
    def settings_customise_sources(cls, settings_cls, *sources):
        return sources


class Keys(BaseSettings):
    signing_key: str
    region: str  # ASR405: 4, "required setting `region` (`REGION`) is", "svc/.env.example", "add `REGION=` with a placeholder value"


def load_keys(secret: str) -> Keys:
    return Keys(signing_key=secret)


class Opaque(BaseSettings):
    vault_path: str


def load_opaque(values: dict) -> Opaque:
    return Opaque(**values)
