"""No dependency declaration anywhere: uses that need an extra package are not reported
either, since the project does not say what it installs."""
from fastapi import FastAPI, Form, UploadFile
from fastapi.responses import ORJSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, EmailStr

app = FastAPI(default_response_class=ORJSONResponse)
templates = Jinja2Templates(directory="templates")


class Signup(BaseModel):
    email: EmailStr


@app.post("/signup")
async def signup(file: UploadFile, name: str = Form(...)):
    return ORJSONResponse({"name": name, "file": file.filename})
