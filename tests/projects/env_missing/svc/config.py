from pydantic_settings import BaseSettings, SettingsConfigDict

from vendor_sdk import SdkSettings


class Settings(BaseSettings):  # ASR405: 0, "required settings of `Settings` (`DATABASE_URL`, `UI_PASSWORD`, `API_TOKEN` and 1 more) are", "any env example file (the project has none)", "add a .env.example that lists them with placeholder values"
    model_config = SettingsConfigDict(env_file=".env")

    database_url: str
    ui_password: str
    api_token: str
    smtp_host: str
    debug: bool = False


class Defaults(BaseSettings):
    region: str = "eu"


class Extended(SdkSettings):
    bucket: str
