from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="allow")

    api_url: str = "http://localhost"


settings = Settings()


class AdminSettings(BaseSettings):
    admin_password: str = "admin"  # ASR401: 4, "admin_password"
