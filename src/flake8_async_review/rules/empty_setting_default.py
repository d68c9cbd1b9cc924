"""ASR402: a required-looking string setting defaults to the empty string."""

from __future__ import annotations

import ast

from ..analysis.settings_classes import (
    annotation_kind,
    declared_settings_fields,
    name_words,
    string_value,
)
from ..engine.context import Context
from ..engine.rule import Rule, Severity

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


class EmptySettingDefault(Rule):
    """
    ## What it does
    Finds a `str` (or `SecretStr`) field of a pydantic settings class that defaults to
    `""` when its name says the service needs it: an address (`database_url`,
    `redis_host`, `sentry_dsn`), a credential (`api_key`, `smtp_password`), an account
    or resource (`client_id`, `s3_bucket`).

    Fields declared `Optional[str]`/`str | None` (an explicit choice that the value may
    be missing) and names for which empty is a usual value (`api_prefix`, `root_path`,
    `log_format`, ...) are not reported.

    ## Why is this bad?
    With a default the setting is no longer required: when the environment variable is
    missing the service starts anyway, passes its health check, and fails on the first
    request that needs the value, far from the cause. Without a default, pydantic stops
    the service at start-up with the name of the missing variable.

    ## Example
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str = ""
    ```

    ## Use instead
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str
    ```
    """

    code = "ASR402"
    name = "empty-default-for-setting"
    message = ("settings field `{}` defaults to an empty string: make it required so that "
               "a missing value stops the service at start-up")
    severity = Severity.MEDIUM
    required_text = ("class", ("''", '""'))

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        module = context.module_info
        for field in declared_settings_fields(context, node):
            if field.annotation is None or annotation_kind(module, field.annotation) != "plain":
                continue
            words = name_words(field.target.id)
            if not any(w in _REQUIRED_WORDS for w in words) or any(w in _EMPTY_IS_FINE for w in words):
                continue
            if string_value(module, field.default) in ("", b""):
                context.report(self, field.target, field.target.id)
