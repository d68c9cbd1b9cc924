"""Generate a synthetic multi-module FastAPI application, and time the whole rule suite
on it with the project tier on and off.

    python benchmarks/synthetic_app.py [--lines 80000] [--repeat 3] [--out DIR] [--json]

The application looks like a real service: a settings module, a database module, and
per domain a model, CRUD, service and route module, importing each other with absolute
and relative imports and reading the settings (`settings.x`, `get_settings()`,
`Depends(get_settings)`). A fifth of the modules import nothing from the project
(utilities), as in real code. The figure of interest is `on / off`: what following
project imports costs on top of the single-file rules. Both runs start with empty
caches; each figure is the minimum over `--repeat` passes.

Standard library only (plus the package under test).
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import tempfile
import time
from pathlib import Path

from flake8_async_review import project
from flake8_async_review.engine import Linter
from flake8_async_review.fixes import source_lines
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import Settings

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


Parsed = list[tuple[ast.Module, list[str], str]]


def parse_all(files: list[Path]) -> Parsed:
    parsed: Parsed = []
    for path in files:
        text = path.read_text()
        parsed.append((ast.parse(text, str(path)), source_lines(text), str(path)))
    return parsed


def run_suite(parsed: Parsed, tier: bool) -> float:
    """Seconds for the whole suite (every rule, opt-in ones too) over the parsed files,
    with the tier's caches emptied first (so the tier's own reading and parsing of
    project modules is timed); flake8's parse of the checked files is not."""
    project.clear_cache()
    linter = Linter(Settings(project_inference=tier), ALL_RULES)
    gc.collect()
    start = time.perf_counter()
    for tree, lines, filename in parsed:
        linter.lint(tree, lines, filename)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=80_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = options.out or Path(temporary)
        lines = generate(root, options.lines)
        files = sorted(root.rglob("*.py"))
        parsed = parse_all(files)
        offs, ons = [], []
        for _ in range(options.repeat):  # Alternated, so that load changes hit both.
            offs.append(run_suite(parsed, False))
            ons.append(run_suite(parsed, True))
        off, on = min(offs), min(ons)
    result = {"files": len(files), "lines": lines, "tier_off_s": round(off, 3),
              "tier_on_s": round(on, 3), "ratio": round(on / off, 3)}
    if options.json:
        print(json.dumps(result))
    else:
        print(f"{result['files']} files, {lines} lines")
        print(f"suite, tier off: {off:.3f} s")
        print(f"suite, tier on:  {on:.3f} s")
        print(f"ratio on/off:    {on / off:.2f} (budget: 1.30)")


if __name__ == "__main__":
    main()
