import os

from pydantic_settings import BaseSettings


class ShopSettings(BaseSettings):
    stripe_api_key: str = "sk_test_123"  # ASR401: 4, "stripe_api_key"
    currency: str = os.getenv("SHOP_CURRENCY", "EUR")


shop_settings = ShopSettings()
