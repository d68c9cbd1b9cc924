from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    api_token: SecretStr  # ASR406: 4, "API_TOKEN", ".env.example", 2
    ui_password: str  # ASR406: 4, "UI_PASSWORD", ".env.example", 3
    secret_key: str
    jwt_secret: str
    slack_token: str
    stripe_api_key: str
    webhook_secret: str
    mail_password: str
    db_password: str
    admin_password: str
    build_id: str
    token_url: str
    github_token: str  # ASR406: 4, "GITHUB_TOKEN", ".env.example", 14


class Mail(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAIL_")

    password: str
