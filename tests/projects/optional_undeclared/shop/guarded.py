"""Code with a plan for a missing package, and names only type checkers see."""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from pydantic import BaseModel, EmailStr

if TYPE_CHECKING:
    from fastapi import UploadFile
    from pydantic import NameEmail

try:
    import email_validator  # noqa: F401
    from pydantic import EmailStr as CheckedEmail

    HAVE_EMAIL = True
except ImportError:
    HAVE_EMAIL = False

try:
    import orjson  # noqa: F401
    from fastapi.responses import ORJSONResponse as DefaultResponse
except ImportError:
    from fastapi.responses import JSONResponse as DefaultResponse

app = FastAPI(default_response_class=DefaultResponse)


if HAVE_EMAIL:
    class Newsletter(BaseModel):
        email: CheckedEmail


try:
    class Subscriber(BaseModel):
        email: EmailStr
except ImportError:  # pydantic raises it when email-validator is missing
    Subscriber = None


class Reply(BaseModel):
    to: NameEmail


@app.post("/typed")
async def typed(file: UploadFile):
    return file.filename
