from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .base import AppBase


class Settings(AppBase):
    database_url: str
    cache_url: str  # ASR405: 4, "required setting `cache_url` (`APP_CACHE_URL`) is", ".env.example", "add `APP_CACHE_URL=` with a placeholder value"
    orders_key: str = Field(alias="ORDERS_API_KEY")
    payments_secret: str = Field(validation_alias=AliasChoices("PAYMENTS_SECRET", "PAY_SECRET"))
    legacy_token: str = Field(validation_alias="LEGACY_TOKEN")
    shipping_key: str = Field(validation_alias=AliasChoices("SHIPPING_KEY", "SHIP_KEY"))  # ASR405: 4, "required setting `shipping_key` (`SHIPPING_KEY`) is", ".env.example", "add `SHIPPING_KEY=` with a placeholder value"


class StrictCase(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True)

    shop_region: str
    SHOP_CURRENCY: str  # ASR405: 4, "required setting `SHOP_CURRENCY` (`SHOP_CURRENCY`) is", ".env.example", "add `SHOP_CURRENCY=` with a placeholder value"
    legacy_token: str
    orders_api_key: str  # ASR405: 4, "required setting `orders_api_key` (`orders_api_key`) is", ".env.example", "add `orders_api_key=` with a placeholder value"


class V1Style(BaseSettings):
    class Config:
        env_prefix = "APP_"

    database_url: str
    queue_url: str  # ASR405: 4, "required setting `queue_url` (`APP_QUEUE_URL`) is", ".env.example", "add `APP_QUEUE_URL=` with a placeholder value"
