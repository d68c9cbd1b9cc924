"""Receiver typing: what class a receiver is, from the source alone, or None."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from test_engine import answers

from flake8_async_review.analysis import project
from flake8_async_review.engine.linter import Linter, lint_source
from flake8_async_review.rules import ALL_RULES


def types(source: str) -> list[str]:
    """type_of(first argument) at every probe(...) call, as repr strings."""
    return answers(textwrap.dedent(source), lambda node, ctx: ctx.type_of(node.args[0]))


def test_constructors_factories_and_aliasing() -> None:
    source = """
    import redis
    from redis import StrictRedis
    import requests as rq
    import boto3
    r1 = redis.Redis(host="x")
    r2 = redis.from_url("redis://")
    r3 = StrictRedis()
    r4 = r1
    s = rq.Session()
    s3 = boto3.client("s3")
    probe(r1); probe(r2); probe(r3); probe(r4); probe(s); probe(s3)
    """
    assert types(source) == ["'redis.Redis'"] * 4 + ["'requests.Session'", "'boto3.client'"]


def test_session_factories_and_query_chains() -> None:
    source = """
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    SessionLocal = sessionmaker(bind=engine)
    AsyncLocal = sessionmaker(bind=engine, class_=AsyncSession)
    Other = sessionmaker(class_=CustomSession)
    Modern = async_sessionmaker(engine)
    db = SessionLocal()
    probe(db); probe(db.query(User).filter_by(id=1)); probe(AsyncLocal()); probe(Other())
    probe(Modern())
    """
    assert types(source) == [
        "'sqlalchemy.orm.Session'", "'sqlalchemy.orm.Query'",
        "'sqlalchemy.ext.asyncio.AsyncSession'", "None", "'sqlalchemy.ext.asyncio.AsyncSession'",
    ]


def test_with_statement_and_annotations() -> None:
    source = """
    from typing import Annotated, Optional, Union
    import redis
    import redis.asyncio as aioredis
    from sqlalchemy.orm import Session
    def f(a: redis.Redis, b: Optional[redis.Redis], c: "redis.Redis | None",
          d: Annotated[Session, "meta"], e: Union[None, Session], g: aioredis.Redis):
        with Session(engine) as h:
            probe(a); probe(b); probe(c); probe(d); probe(e); probe(g); probe(h)
    """
    assert types(source) == (
        ["'redis.Redis'"] * 3 + ["'sqlalchemy.orm.Session'"] * 2
        + ["'redis.asyncio.Redis'", "'sqlalchemy.orm.Session'"]
    )


def test_fastapi_dependencies() -> None:
    source = """
    from typing import Annotated, Iterator
    from fastapi import Depends
    from sqlalchemy.orm import Session, sessionmaker
    SessionLocal = sessionmaker()
    DbSession = Annotated[Session, Depends(get_db)]
    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()
    def get_typed() -> Iterator[Session]:
        yield make()
    async def route(a: Session = Depends(get_db), b=Depends(get_db), c=Depends(get_typed),
                    d: DbSession = None, e: Annotated[Session, Depends(get_db)] = None,
                    f=Depends(lambda: 1)):
        probe(a); probe(b); probe(c); probe(d); probe(e); probe(f)
    """
    assert types(source) == ["'sqlalchemy.orm.Session'"] * 5 + ["None"]


def test_self_attributes_set_in_any_method() -> None:
    source = """
    from typing import Optional
    import redis
    import httpx
    class Cache:
        client: Optional[redis.Redis] = None
        def __init__(self):
            self._setup()
        def _setup(self):
            self.client = redis.Redis()
            self.http = httpx.Client()
            self.conflict = httpx.AsyncClient()
            self.unknown = make_client()
        async def store(self):
            probe(self.client); probe(self.http); probe(self.conflict); probe(self.unknown)
            def inner():
                probe(self.http)
        def reset(self):
            self.conflict = httpx.Client()
    class Child(Cache):
        async def run(self):
            probe(self.client)
    """
    assert types(source) == [
        "'redis.Redis'", "'httpx.Client'", "None", "None", "'httpx.Client'", "'redis.Redis'",
    ]


@pytest.mark.parametrize(
    "body",
    [
        "r = redis.Redis()\n    r = redis.asyncio.Redis()",  # two different assignments
        "r: redis.asyncio.Redis = redis.Redis()",  # annotation contradicts the value
        "r = redis.Redis()\n    for r in clients: pass",  # rebound by a loop
        "r = redis.Redis() if fast else other()",  # not a plain constructor call
        "r = redis.Redis()\n    r += 1",
    ],
)
def test_conflicting_or_unclear_evidence_is_unknown(body: str) -> None:
    source = f"import redis\nimport redis.asyncio\ndef f():\n    {body}\n    probe(r)\n"
    assert types(source) == ["None"]


def test_annotation_alone_and_annotation_with_none_default() -> None:
    source = """
    import redis
    def f():
        r: redis.Redis = None
        probe(r)
    """
    assert types(source) == ["'redis.Redis'"]


def test_a_parameter_shadows_an_outer_instance() -> None:
    source = """
    import redis
    r = redis.Redis()
    def f(r):
        probe(r)
    def g():
        probe(r)
    """
    assert types(source) == ["None", "'redis.Redis'"]


def test_pathlib_and_pymongo_chains() -> None:
    source = """
    from pathlib import Path
    from pymongo import MongoClient
    base = Path("/tmp")
    client = MongoClient()
    probe(base / "x"); probe(base.parent.with_suffix(".txt")); probe(client.shop.orders)
    probe(client["shop"]["orders"])
    """
    assert types(source) == ["'pathlib.Path'"] * 2 + ["'pymongo.collection.Collection'"] * 2


def test_self_referential_evidence_is_unknown_not_a_crash() -> None:
    source = """
    class Connection:
        def reset(self):
            self.cursor = self.cursor.copy()
            self.a = self.b
            self.b = self.a
        async def run(self):
            probe(self.cursor); probe(self.a)
    class Loop(Loop):
        async def run(self):
            probe(self.x)
    """
    assert types(source) == ["None", "None", "None"]


def test_names_bound_inside_expressions_are_unknown_where_they_are_bound() -> None:
    """A comprehension variable is unknown inside its comprehension only (it does not
    leak in Python 3); ``:=`` targets and ``match`` captures bind in the function, and
    are unknown throughout it."""
    source = """
    from pathlib import Path
    p = Path("/srv")
    q = Path("/srv")
    r = Path("/srv")
    def f(files, data):
        probe([probe(p) for p in files])
        probe(q)
        if (q := lookup()) is not None:
            probe(q)
        match data:
            case {"path": r}:
                probe(r)
        probe(p / "x")
    def g(files):
        local = Path("a")
        probe({local: 1 for local in files})
        probe(local)
    def h():
        probe(p); probe(q); probe(r)
    """
    assert types(source) == (
        ["None"] * 5 + ["'pathlib.Path'"]  # p / "x" is the module's p again
        + ["None", "'pathlib.Path'"]  # local after the comprehension is g's own Path
        + ["'pathlib.Path'"] * 3
    )


def test_a_comprehension_variable_hides_an_import() -> None:
    source = """
    import time
    def f(clocks):
        [probe(time.sleep) for time in clocks]
        probe(time)
    def g():
        probe(time.sleep)
    """
    qualified = answers(textwrap.dedent(source), lambda node, ctx: ctx.qualified_name(node.args[0]))
    # After the comprehension, `time` is the module again: the variable does not leak.
    assert qualified == ["None", "'time'", "'time.sleep'"]
def test_redis_pipelines_pubsub_and_sentinel_clients() -> None:
    source = """
    import redis
    from redis.sentinel import Sentinel
    r = redis.StrictRedis.from_url("redis://")
    pipe = r.pipeline()
    primary = Sentinel([]).master_for("main")
    probe(pipe.set("a", 1).incr("n")); probe(pipe.execute()); probe(r.pubsub())
    probe(primary); probe(redis.asyncio.Redis().pipeline().set("a", 1))
    """
    assert types(source) == [
        "'redis.Pipeline'", "'builtins.list'", "'redis.PubSub'", "'redis.Redis'", "None",
    ]


def test_boto3_sub_resources_and_meta_client() -> None:
    source = """
    import boto3
    s3 = boto3.resource("s3")
    probe(s3.Bucket("b")); probe(s3.Bucket("b").Object("k")); probe(s3.meta.client)
    probe(s3.create_bucket(Bucket="b")); probe(boto3.client("s3").get_waiter("x"))
    """
    assert types(source) == [
        "'boto3.resource'", "'boto3.resource'", "'boto3.client'", "None",
        "'botocore.waiter.Waiter'",
    ]


def test_llm_client_resources_but_not_settings() -> None:
    source = """
    from openai import AsyncOpenAI, OpenAI
    from anthropic import Anthropic
    client = OpenAI()
    probe(client.chat.completions); probe(client.with_options(timeout=1).files)
    probe(client.api_key); probe(client.webhooks); probe(Anthropic().messages.batches)
    probe(AsyncOpenAI().chat.completions)
    """
    assert types(source) == [
        "'openai.resources.SyncAPIResource'", "'openai.resources.SyncAPIResource'",
        "None", "None", "'anthropic.resources.SyncAPIResource'", "None",
    ]


def test_geocoder_adapter_decides_sync_or_async() -> None:
    source = """
    from geopy.adapters import AioHTTPAdapter, RequestsAdapter
    from geopy.geocoders import Nominatim
    probe(Nominatim(user_agent="x")); probe(Nominatim(adapter_factory=RequestsAdapter))
    probe(Nominatim(adapter_factory=AioHTTPAdapter)); probe(Nominatim(adapter_factory=mine))
    """
    assert types(source) == [
        "'geopy.geocoders.Nominatim'", "'geopy.geocoders.Nominatim'",
        "'geopy.async_geocoder'", "None",
    ]


def test_pymongo_cursor_chains_and_driver_pools() -> None:
    source = """
    from pymongo import MongoClient
    from psycopg_pool import ConnectionPool
    orders = MongoClient().shop.orders
    probe(orders.find({}).sort("x").limit(2)); probe(MongoClient().get_database("s"))
    probe(ConnectionPool("dsn").connection())
    """
    assert types(source) == [
        "'pymongo.cursor.Cursor'", "'pymongo.database.Database'", "'psycopg.Connection'",
    ]


def test_a_self_attribute_assigned_from_itself_is_unknown_not_a_crash() -> None:
    source = """
    import redis
    class Pool:
        def __init__(self):
            self.seen = frozenset()
            self.client = redis.Redis()
        def mark(self, key):
            self.seen = self.seen.union([key])
        async def run(self):
            probe(self.seen); probe(self.client)
    """
    assert types(source) == ["None", "'redis.Redis'"]
def test_loggers_from_logging_structlog_and_loguru() -> None:
    source = """
    import logging
    import structlog
    from logging import getLogger
    from loguru import logger as loguru_logger
    a = logging.getLogger(__name__)
    b = getLogger("x").getChild("y")
    c = structlog.get_logger().bind(request_id=1)
    d = structlog.stdlib.get_logger()
    e = loguru_logger.bind(user=1).opt(colors=True)
    f = logging.LoggerAdapter(a, {})
    probe(a); probe(b); probe(c); probe(d); probe(e); probe(f)
    """
    assert types(source) == [
        "'logging.Logger'", "'logging.Logger'", "'structlog.BoundLogger'",
        "'structlog.stdlib.BoundLogger'", "'loguru.Logger'", "'logging.LoggerAdapter'",
    ]


def test_a_base_class_of_another_module_is_parsed_once_for_all_its_attributes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``self.x`` of subclasses in other modules asks the base class for one
    attribute; its body is parsed once for all of them (and for those it leaves to its
    own base), not once per attribute and module."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "root.py").write_text(textwrap.dedent("""\
        import requests

        class Root:
            def __init__(self):
                self.http = requests.Session()
        """), encoding="utf-8")
    attributes = [f"cache{n}" for n in range(6)]
    (package / "base.py").write_text(textwrap.dedent("""\
        import redis
        from shop.root import Root

        class BaseService(Root):
            def __init__(self):
                super().__init__()
        """) + "".join(f"        self.{name} = redis.Redis()\n" for name in attributes),
        encoding="utf-8")
    sources = {}
    for n, name in enumerate(attributes):
        sources[package / f"service{n}.py"] = textwrap.dedent(f"""\
            from shop.base import BaseService

            class Service{n}(BaseService):
                async def run(self):
                    self.{name}.get("key")
                    self.http.get("https://example.com")
                    self.unknown.get("key")
            """)
    parsed: list[str] = []
    original = project._parse_definition

    def counting(node: ast.AST, text: str, first: int) -> ast.AST | None:
        parsed.append(getattr(node, "name", ""))
        return original(node, text, first)

    monkeypatch.setattr(project, "_parse_definition", counting)
    monkeypatch.chdir(tmp_path)
    project.clear_cache()
    linter = Linter(ALL_RULES)
    try:
        found = [(path.name, v.line, v.code) for path, source in sources.items()
                 for v in lint_source(source, str(path), linter)]
    finally:
        project.clear_cache()
    assert sorted(found) == sorted(
        [(f"service{n}.py", 5, "ASR105") for n in range(6)]
        + [(f"service{n}.py", 6, "ASR102") for n in range(6)])
    assert sorted(parsed) == ["BaseService", "Root"]


def test_the_names_a_file_must_hold_for_a_type_to_be_found_in_it() -> None:
    from flake8_async_review.analysis.catalogue import names_leading_to

    # Classes, their aliases and factories; a type reached through another one's method
    # (a redis pipeline) needs that one's names.
    assert names_leading_to({"redis.Redis"}) >= {"Redis", "StrictRedis", "from_url"}
    assert names_leading_to({"redis.Pipeline"}) >= {"Pipeline", "Redis", "from_url"}
    # An async session comes from its class, its factory, or a plain `sessionmaker`
    # given `class_=AsyncSession`, which names the class.
    sessions = names_leading_to({"sqlalchemy.ext.asyncio.AsyncSession"})
    assert {"AsyncSession", "async_sessionmaker"} <= sessions
    assert "sessionmaker" not in sessions and "Session" not in sessions
    assert names_leading_to({"sqlalchemy.ext.asyncio.AsyncEngine"}) == {
        "AsyncEngine", "create_async_engine"}
    assert "mypy_boto3_" in names_leading_to({"boto3.client"})
    assert "AioHTTPAdapter" in names_leading_to({"geopy.async_geocoder"})
