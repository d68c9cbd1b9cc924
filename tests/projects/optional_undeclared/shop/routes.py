"""FastAPI checks for python-multipart when it registers a route or dependency with a
form or file parameter; Starlette needs jinja2 to create templates; a response class
needs its JSON library to render. Importing the names, annotating a helper with them or
testing an instance against them needs none of these packages.
`# ASR404: <col>, "<written>", "<package>", "<alternative>"`."""
from typing import Annotated, Optional

import fastapi
import fastapi.responses
from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, UploadFile
from fastapi import UploadFile as Upload
from fastapi.responses import JSONResponse, ORJSONResponse
from fastapi.responses import UJSONResponse as Fast
from fastapi.templating import Jinja2Templates
from pydantic import EmailStr
from starlette.templating import Jinja2Templates as Templates

app = FastAPI(default_response_class=ORJSONResponse)  # ASR404: 37, "ORJSONResponse", "orjson", "fastapi[all]"
router = APIRouter()
templates = Jinja2Templates(directory="templates")  # ASR404: 12, "Jinja2Templates", "jinja2", "fastapi[standard]"
admin_templates = Templates(directory="admin")  # ASR404: 18, "Templates", "jinja2", "fastapi[standard]"


@router.post("/avatar")
async def avatar(file: UploadFile, note: str = Form("")):  # ASR404: 23, "UploadFile", "python-multipart", "fastapi[standard]"  ASR404: 47, "Form", "python-multipart", "fastapi[standard]"
    return {"name": file.filename, "note": note}


@app.post("/files", response_class=Fast)  # ASR404: 35, "Fast", "ujson", "fastapi[all]"
async def files(
    attachments: list[Upload],  # ASR404: 22, "Upload", "python-multipart", "fastapi[standard]"
    cover: Optional[fastapi.UploadFile] = None,  # ASR404: 20, "fastapi.UploadFile", "python-multipart", "fastapi[standard]"
    scan: Annotated[bytes, File()] = b"",  # ASR404: 27, "File", "python-multipart", "fastapi[standard]"
    legacy: UploadFile = File(...),  # ASR404: 25, "File", "python-multipart", "fastapi[standard]"
    owner: EmailStr = Query(...),  # ASR404: 11, "EmailStr", "email-validator", "pydantic[email]"
):
    return [a.filename for a in attachments], cover, scan, legacy, owner


@router.put("/avatar")
async def replace_avatar(file: Upload):  # ASR404: 31, "Upload", "python-multipart", "fastapi[standard]"
    return file.filename


def upload(file=fastapi.File(...)):  # ASR404: 16, "fastapi.File", "python-multipart", "fastapi[standard]"
    return fastapi.responses.ORJSONResponse({})  # ASR404: 11, "fastapi.responses.ORJSONResponse", "orjson", "fastapi[all]"


async def upload_dependency(file: UploadFile):  # ASR404: 34, "UploadFile", "python-multipart", "fastapi[standard]"
    return file


class SignupForm:
    def __init__(self, email: EmailStr = Form(...)):  # ASR404: 41, "Form", "python-multipart", "fastapi[standard]"  ASR404: 30, "EmailStr", "email-validator", "pydantic[email]"
        self.email = email


@router.post("/signup")
async def signup(form: SignupForm = Depends(SignupForm), file=Depends(upload_dependency)):
    return {"email": form.email, "file": file.filename}


async def parse_email(raw: str = Query(...)) -> str:
    return raw.strip()


@router.get("/mail")
async def mail(address: Annotated[EmailStr, Depends(parse_email)]):
    return address


async def save(file: UploadFile, destination: str) -> None:
    with open(destination, "wb") as out:
        out.write(await file.read())


def is_upload(value: object) -> bool:
    return isinstance(value, (UploadFile, Upload))


def response_type(content: dict) -> type[ORJSONResponse]:
    return ORJSONResponse


@app.get("/ping")
async def ping(q: str = Query(None), dep=Depends(object)) -> JSONResponse:
    form = {"Form": 1}
    return JSONResponse(form)


class EmailStrLike:
    File = None
    Form = None


class HtmlTemplates(Jinja2Templates):
    pass
