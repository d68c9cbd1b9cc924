"""No dependency declaration anywhere: ASR404 stays silent."""
from fastapi import Form
from pydantic import EmailStr

from tool.config import LocalSettings, ToolSettings

tool_settings = ToolSettings()
local_settings = LocalSettings()


def run():
    return tool_settings.anything, Form, EmailStr, local_settings.nmae  # ASR403: 51, "local_settings.nmae", "LocalSettings", "nmae", " (did you mean `name`?)"
