"""A project base class for the settings: settings classes may derive through it."""
from pydantic_settings import BaseSettings, SettingsConfigDict


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = "development"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
