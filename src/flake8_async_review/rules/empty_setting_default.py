"""ASR402: a required-looking string setting defaults to the empty string."""

from __future__ import annotations

import ast

from ..analysis.settings_classes import (
    FieldUse,
    annotation_kind,
    declared_settings_fields,
    field_uses,
    name_words,
    string_value,
)
from ..engine.context import Context
from ..engine.rule import Severity
from .common.class_header import SettingsClassRule
from .common.required_settings import make_required

# Words of names the service cannot do without: an address, an account, a credential.
_REQUIRED_WORDS = frozenset({
    "url", "uri", "dsn", "host", "hostname", "endpoint", "server", "secret", "token",
    "password", "passwd", "key", "apikey", "credential", "credentials", "bucket", "database",
    "db", "region", "account", "id", "sender", "broker", "webhook", "project", "tenant",
})
# Words of names for which empty is a usual, meaningful value.
_EMPTY_IS_FINE = frozenset({"prefix", "suffix", "root", "separator", "sep", "delimiter",
                            "description", "title", "label", "message", "comment", "note",
                            "text", "template", "format", "filter", "extra", "tag", "tags"})
# Calls whose positional arguments are a connection string or address that must not be
# empty.
_CONNECTORS = frozenset({
    "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
    "redis.from_url", "redis.Redis.from_url", "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url", "aioredis.from_url",
    "asyncpg.connect", "asyncpg.create_pool", "psycopg.connect", "psycopg.AsyncConnection.connect",
    "psycopg2.connect", "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
    "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient", "databases.Database",
    "aio_pika.connect", "aio_pika.connect_robust", "nats.connect", "celery.Celery",
})
# Words of dict keys under which a value is sent as a credential: `{"Authorization":
# f"Bearer {key}"}`, `{"X-API-Key": key}`.
_HEADER_WORDS = frozenset({"authorization"})


class EmptySettingDefault(SettingsClassRule):
    """
    ## What it does
    Finds a `str` (or `SecretStr`) field of a pydantic settings class that defaults to
    `""` when its name says the service needs it: an address (`database_url`,
    `redis_host`, `sentry_dsn`), a credential (`api_key`, `smtp_password`), an account
    or resource (`client_id`, `s3_bucket`).

    Fields declared `Optional[str]`/`str | None` (an explicit choice that the value may
    be missing) and names for which empty is a usual value (`api_prefix`, `root_path`,
    `log_format`, ...) are not reported.

    Many settings are optional by design, with `""` meaning "off", so the field is
    reported only when the project uses it as a required value, and never tests it.
    The rule looks at every read of `<anything>.<field>` in the project (with
    `--asr-project-inference=off`, in the module only):

    * a use that needs a value: a positional argument of a client that connects to it
      (`create_engine(settings.database_url)`, `redis.from_url(settings.redis_url)`,
      `asyncpg.create_pool(...)`, `MongoClient(...)`, ...), a keyword argument whose
      name says it is required (`base_url=`, `api_key=`, `password=`, `host=`,
      `Bucket=`, `client_id=`, ...), or a dict entry under such a key or
      `"Authorization"` (`{"Authorization": f"Bearer {settings.api_key}"}`), directly
      or through `.get_secret_value()`, `str()` or an f-string;
    * no read tests it: `if settings.x:`, `settings.x or None`, `not settings.x`,
      `settings.x == ""`, a conditional expression or a comprehension's `if`.

    A field that is never read, only tested, or passed where empty is fine (a
    `proxy=` argument, a log message) is optional by design and is not reported.

    ## Why is this bad?
    With a default the setting is no longer required: when the environment variable is
    missing the service starts anyway, passes its health check, and fails on the first
    request that needs the value, far from the cause. Without a default, pydantic stops
    the service at start-up with the name of the missing variable.

    ## Example
    ```python
    from pydantic_settings import BaseSettings
    from sqlalchemy.ext.asyncio import create_async_engine


    class Settings(BaseSettings):
        database_url: str = ""


    settings = Settings()
    engine = create_async_engine(settings.database_url)
    ```

    ## Use instead
    ```python
    from pydantic_settings import BaseSettings
    from sqlalchemy.ext.asyncio import create_async_engine


    class Settings(BaseSettings):
        database_url: str


    settings = Settings()
    engine = create_async_engine(settings.database_url)
    ```

    ## Fix
    The default goes, so that the setting is required: `database_url: str = ""`
    becomes `database_url: str`, `Field("", alias="DB")` and
    `Field(default="", alias="DB")` become `Field(alias="DB")`. The fix is unsafe: the
    service no longer starts where the environment does not set the variable, which is
    the point, but also breaks a deployment or a test run that relied on the empty
    default.
    """

    code = "ASR402"
    name = "empty-default-for-setting"
    message = ("settings field `{}` defaults to an empty string: make it required so that "
               "a missing value stops the service at start-up")
    severity = Severity.MEDIUM
    fix_safety = "unsafe"
    required_text = ("class", ('""', "''"))
    # The settings class is defined in the file itself.
    triggers_in_own_text = True

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        module = context.module_info
        for field in declared_settings_fields(context, node):
            if field.annotation is None or annotation_kind(module, field.annotation) != "plain":
                continue
            if not _required_name(field.target.id):
                continue
            if string_value(module, field.default) not in ("", b""):
                continue
            uses = field_uses(context, field.target.id)
            if any(_needs_a_value(use) for use in uses) and not any(use.tested for use in uses):
                context.report(self, field.target, field.target.id,
                               fix=make_required(context, node, field)
                               if context.fixes_wanted else None)


def _required_name(name: str) -> bool:
    """A name (of a field, keyword or dict key) for something the service cannot do
    without."""
    words = name_words(name.replace("-", "_"))
    return any(w in _REQUIRED_WORDS for w in words) and not any(w in _EMPTY_IS_FINE for w in words)


def _needs_a_value(use: FieldUse) -> bool:
    if use.callee is not None:
        return use.callee in _CONNECTORS
    if use.keyword is not None:
        return _required_name(use.keyword) or use.keyword.lower() in _HEADER_WORDS
    return False
