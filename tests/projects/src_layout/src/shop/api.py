"""A src/ layout: `shop` resolves from src/. Declared extras cover the features."""
import os

from fastapi import File, Form, UploadFile
from fastapi.responses import ORJSONResponse
from pydantic import EmailStr
from shop.config import shop_settings


def currency():
    return shop_settings.curency  # ASR403: 11, "shop_settings.curency", "ShopSettings", "curency", " (did you mean `currency`?)"


def region():
    return os.environ["REGION"]  # ASR905: 11, "os.environ[\"REGION\"]"


def fine(file: UploadFile = File(...), note: str = Form(""), email: EmailStr = ""):
    return shop_settings.stripe_api_key


def prices():
    return ORJSONResponse({"currency": shop_settings.currency})  # ASR404: 11, "ORJSONResponse", "orjson", "fastapi[all]"
