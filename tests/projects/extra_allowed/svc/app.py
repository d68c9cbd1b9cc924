"""The settings class allows extra fields; requirements*.txt (with -r) declare fastapi[all]."""
from fastapi.responses import ORJSONResponse, UJSONResponse
from pydantic import EmailStr

from .config import settings


def anything():
    return settings.feature_flag, ORJSONResponse, UJSONResponse, EmailStr
