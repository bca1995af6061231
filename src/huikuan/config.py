"""Settings read from the environment (prefix HUIKUAN_): database URL, locale, secrets."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/huikuan.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIKUAN_", env_file=None)

    database_url: str = DEFAULT_DATABASE_URL
    locale: str | None = None  # zh_CN or en; unset: from LANG
    secret_key: str = "change-me-in-production"
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
