from pydantic_settings import BaseSettings, SettingsConfigDict


class AppBase(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore")
