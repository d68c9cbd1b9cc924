from pydantic_settings import BaseSettings


class Settings(BaseSettings):  # ASR906: 0, "LEGACY_CACHE_TTL", ".env.example", 6
    database_url: str
    debug: bool = False
