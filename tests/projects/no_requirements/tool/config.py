from vendor_settings import VendorSettings
from pydantic_settings import BaseSettings


class ToolSettings(VendorSettings):
    """Derives from a class the tier cannot read: attributes are unknown."""

    name: str = "tool"


class LocalSettings(BaseSettings):
    name: str = "tool"
