from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class Database(BaseModel):
    host: str
    port: int = 5432


class Broker(BaseModel):
    url: str


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_nested_delimiter="__")

    db: Database
    cache: dict
    broker: Broker  # ASR405: 4, "required setting `broker` (`APP_BROKER`) is", ".env.example", "add `APP_BROKER=` with a placeholder value"


class Flat(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")

    db: Database  # ASR405: 4, "required setting `db` (`APP_DB`) is", ".env.example", "add `APP_DB=` with a placeholder value"
