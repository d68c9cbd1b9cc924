"""Generate a synthetic multi-module FastAPI application: a stress case for the project
tier, timed by `project_tier.py`.

    python benchmarks/synthetic_app.py OUT_DIR [--lines 80000]

The application looks like a service cut into very small modules (about 26 lines
each): a settings module, a database module, and per domain a model, CRUD, service
and route module, importing each other with absolute and relative imports and reading
the settings (`settings.x`, `get_settings()`, `Depends(get_settings)`). Every route
module's `async def` calls a sync helper of its service module, so the tier reads every
service module; a fifth of the modules import nothing from the project (utilities).
"""

from __future__ import annotations

import argparse
from pathlib import Path

FIELDS = [f"service_{i}_url" for i in range(20)] + [f"feature_{i}_enabled" for i in range(20)]

CONFIG = '''"""Settings."""
from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    database_url: str
    redis_url: str = "redis://localhost"
    jwt_secret: SecretStr
{fields}


settings = Settings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
'''

DB = '''"""Database."""
from typing import Annotated

from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from .config import settings

engine = create_engine(settings.database_url)
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]
'''

MODEL = '''"""Models of {name}."""
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class {cls}(Base):
    __tablename__ = "{name}"
    id = Column(Integer, primary_key=True)
{columns}
'''

CRUD = '''"""CRUD of {name}."""
from sqlalchemy.orm import Session

from app.models.{name} import {cls}


def get_{name}(db: Session, item_id: int):
    return db.query({cls}).filter({cls}.id == item_id).first()


def list_{name}(db: Session, skip: int = 0, limit: int = 100):
    return db.query({cls}).offset(skip).limit(limit).all()


def create_{name}(db: Session, data: dict):
    item = {cls}(**data)
    db.add(item)
    db.commit()
    db.refresh(item)
    return item
'''

SERVICE = '''"""Service of {name}."""
import logging

import httpx

from ..config import get_settings, settings

logger = logging.getLogger(__name__)


async def notify_{name}(item_id: int) -> None:
    async with httpx.AsyncClient(base_url=settings.{field}) as client:
        response = await client.post("/events", json={{"id": item_id}})
        if response.status_code >= 400:
            logger.warning("notify failed: %s", response.status_code)


def feature_{name}_enabled() -> bool:
    return bool(get_settings().{flag})
'''

ROUTE = '''"""Routes of {name}."""
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from app.config import Settings, get_settings
from app.crud import {name} as crud
from app.db import DbSession
from app.services.{name} import feature_{name}_enabled, notify_{name}

router = APIRouter(prefix="/{name}")


@router.get("/{{item_id}}")
def read_{name}(item_id: int, db: DbSession):
    item = crud.get_{name}(db, item_id)
    if item is None:
        raise HTTPException(404)
    return item


@router.post("")
async def create_{name}(payload: dict, db: DbSession,
                        config: Annotated[Settings, Depends(get_settings)]):
    if not config.{flag}:
        raise HTTPException(403)
    await notify_{name}(1)
    return {{"ok": feature_{name}_enabled(), "url": config.{field}}}
'''

UTIL = '''"""Utilities {index}: imports nothing from the project."""
import datetime
import json
import re

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify_{index}(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def to_json_{index}(value: object) -> str:
    return json.dumps(value, default=str)


class Clock{index}:
    def __init__(self, offset: int = 0) -> None:
        self.offset = offset

    def now(self) -> datetime.datetime:
        return datetime.datetime.now() + datetime.timedelta(seconds=self.offset)
'''


def generate(root: Path, target_lines: int) -> int:
    """Write the application under ``root``; return its line count."""
    app = root / "app"
    for package in ("", "models", "crud", "services", "routes", "utils"):
        (app / package).mkdir(parents=True, exist_ok=True)
        (app / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "synthetic"\nversion = "0"\n'
        'dependencies = ["fastapi[standard]", "sqlalchemy", "httpx", "pydantic-settings"]\n')
    fields = "\n".join(
        f'    {f}: {"bool = False" if f.endswith("enabled") else "str"}' for f in FIELDS)
    (app / "config.py").write_text(CONFIG.format(fields=fields))
    (app / "db.py").write_text(DB)
    lines = _count(root)
    index = 0
    while lines < target_lines:
        name, cls = f"thing{index}", f"Thing{index}"
        columns = "\n".join(f"    field_{c} = Column(String(64))" for c in range(30))
        values = {"name": name, "cls": cls, "field": FIELDS[index % 20],
                  "flag": FIELDS[20 + index % 20], "columns": columns}
        for folder, template in (("models", MODEL), ("crud", CRUD), ("services", SERVICE),
                                 ("routes", ROUTE)):
            text = template.format(**values)
            (app / folder / f"{name}.py").write_text(text)
            lines += text.count("\n")
        text = UTIL.format(index=index)
        (app / "utils" / f"util{index}.py").write_text(text)
        lines += text.count("\n")
        index += 1
    return lines


def _count(root: Path) -> int:
    return sum(p.read_text().count("\n") for p in root.rglob("*.py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write the application into")
    parser.add_argument("--lines", type=int, default=80_000)
    options = parser.parse_args()
    lines = generate(options.out, options.lines)
    print(f"{options.out}: {sum(1 for _ in options.out.rglob('*.py'))} files, {lines} lines")


if __name__ == "__main__":
    main()
