"""Pydantic builds a field's validator when the class is created: an `EmailStr` or
`NameEmail` field needs email-validator then. Other uses of the names do not.
`# ASR404: <col>, "<written>", "<package>", "<alternative>"`."""
from dataclasses import dataclass
from typing import ClassVar, Optional

import pydantic
from pydantic import BaseModel, EmailStr, TypeAdapter, validate_call
from pydantic import EmailStr as Mail
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic.networks import NameEmail
from pydantic_settings import BaseSettings

from .base import Base, Plain
from .local import EmailStr as LocalEmail


class SignUp(BaseModel):
    email: pydantic.EmailStr  # ASR404: 11, "pydantic.EmailStr", "email-validator", "pydantic[email]"
    contacts: list[Optional[NameEmail]] = []  # ASR404: 28, "NameEmail", "email-validator", "pydantic[email]"
    both: dict[Mail, EmailStr] = {}  # ASR404: 15, "Mail", "email-validator", "pydantic[email]"
    backup: LocalEmail = ""
    _cache: EmailStr = ""
    kind: ClassVar[EmailStr] = "signup"


class Profile(Base):
    contact: NameEmail  # ASR404: 13, "NameEmail", "email-validator", "pydantic[email]"


class Settings(BaseSettings):
    admin_email: EmailStr = "admin@example.com"  # ASR404: 17, "EmailStr", "email-validator", "pydantic[email]"


@pydantic_dataclass
class Invite:
    to: EmailStr  # ASR404: 8, "EmailStr", "email-validator", "pydantic[email]"


ADDRESSES = TypeAdapter(list[EmailStr])  # ASR404: 29, "EmailStr", "email-validator", "pydantic[email]"


@validate_call
def send(to: EmailStr, subject: str) -> None:  # ASR404: 13, "EmailStr", "email-validator", "pydantic[email]"
    print(to, subject)


@dataclass
class Draft:
    to: EmailStr


class Contact(Plain):
    email: EmailStr


class Envelope:
    sender: NameEmail


def is_address(value: object) -> bool:
    return isinstance(value, (NameEmail, EmailStr))


def shop_sender() -> NameEmail:
    return NameEmail("Shop", "shop@example.com")


def shadowed(pydantic):
    class Local(pydantic.BaseModel):
        email: pydantic.EmailStr

    return Local
