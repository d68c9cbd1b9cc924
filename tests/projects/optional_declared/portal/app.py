"""The project declares fastapi[standard] and pydantic[email]: only the response class
whose package neither provides is reported."""
from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile
from fastapi.responses import ORJSONResponse, UJSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, EmailStr, NameEmail

app = FastAPI(default_response_class=UJSONResponse)
templates = Jinja2Templates(directory="templates")


class Contact(BaseModel):
    email: EmailStr
    named: NameEmail


@app.post("/upload", response_class=ORJSONResponse)  # ASR404: 36, "ORJSONResponse", "orjson", "fastapi[all]"
async def upload(file: UploadFile, title: Annotated[str, Form()], raw: bytes = File(b"")):
    return {"name": file.filename, "title": title, "size": len(raw)}


@app.post("/contact")
async def contact(email: EmailStr = Form(...)):
    return ORJSONResponse({"email": email})  # ASR404: 11, "ORJSONResponse", "orjson", "fastapi[all]"
