"""Relative imports of the settings module and of a module that does not parse."""
from typing import Annotated

from fastapi import Depends, Form
from fastapi.templating import Jinja2Templates

from .. import config
from ..broken_helpers import helper_settings
from ..config import Settings, get_settings, settings

templates = Jinja2Templates(directory="templates")


async def fortex_headers():
    return {"Authorization": settings.fortex_api_token}  # ASR403: 29, "settings.fortex_api_token", "Settings", "fortex_api_token", " (did you mean `fortex_auth_token`?)"


async def profile(config_dep: Annotated[Settings, Depends(get_settings)], name: str = Form(...)):  # ASR404: 86, "Form", "python-multipart", "fastapi[standard]"
    if config_dep.is_production and config_dep.environment:
        return config_dep.redis_uri  # ASR403: 15, "config_dep.redis_uri", "Settings", "redis_uri", " (did you mean `redis_url`?)"
    return get_settings().databse_url  # ASR403: 11, "get_settings().databse_url", "Settings", "databse_url", " (did you mean `database_url`?)"


async def module_attribute():
    return config.settings.token_uri  # ASR403: 11, "config.settings.token_uri", "Settings", "token_uri", " (did you mean `token_url`?)"


async def known(cfg: Settings = Depends(get_settings)):
    return cfg.database_url, cfg.model_dump(), settings.token_url, helper_settings.anything
