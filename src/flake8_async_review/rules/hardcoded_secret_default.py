"""ASR401: a settings field that looks secret has a literal string default."""

from __future__ import annotations

import ast
import itertools

from ..analysis.settings_classes import (
    annotation_kind,
    declared_settings_fields,
    name_words,
    string_value,
)
from ..engine.context import Context
from ..engine.rule import Rule, Severity

_SECRET_WORDS = frozenset({"secret", "secrets", "token", "tokens", "password", "passwords",
                           "passwd", "pwd", "apikey", "credential", "credentials", "auth",
                           "passphrase"})
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"),
                           ("signing", "key"), ("encryption", "key")})
# Words that make the name about a secret rather than the secret itself.
_NOT_SECRET_WORDS = frozenset({
    "url", "urls", "uri", "endpoint", "host", "hostname", "port", "path", "file", "dir",
    "directory", "name", "header", "algorithm", "algorithms", "alg", "expire", "expires",
    "expiry", "expiration", "minutes", "seconds", "hours", "days", "ttl", "lifetime", "min",
    "max", "length", "len", "size", "type", "prefix", "scheme", "schemes", "enabled", "enable",
    "disabled", "backend", "provider", "mode", "method", "methods", "strategy", "domain",
    "audience", "issuer", "realm", "scope", "scopes", "location", "env", "var", "field",
    "cookie", "id", "user", "username", "email", "version", "timeout", "retries", "rounds",
    "interval", "count", "limit", "policy", "format", "encoding", "regex", "pattern", "route",
    "tag", "description", "kind", "style", "label", "title",
})


def secret_name(name: str) -> bool:
    words = name_words(name)
    if any(word in _NOT_SECRET_WORDS for word in words):
        return False
    return any(word in _SECRET_WORDS for word in words) or any(
        pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


class HardcodedSecretDefault(Rule):
    """
    ## What it does
    Finds a field of a pydantic settings class (a class deriving, directly or through
    classes of the project, from `pydantic_settings.BaseSettings` or pydantic v1's
    `BaseSettings`) whose name says it holds a secret (`secret`, `token`, `password`,
    `passwd`, `api_key`, `private_key`, `access_key`, `credentials`, `auth`, ... as
    words of the name) and whose default is a non-empty string, bytes or
    `SecretStr("...")` literal.

    Names about a secret rather than the secret itself are not reported: `token_url`,
    `password_min_length`, `auth_header_name`, `jwt_algorithm`,
    `access_token_expire_minutes`, nor fields of non-string types.

    ## Why is this bad?
    The default is committed to the repository and ends up in every image and log of
    the configuration. It is also what the service silently runs with when the
    environment variable is missing: production signs tokens with the development key.

    ## Example
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        jwt_secret: str = "dev-secret-change-me"
    ```

    ## Use instead
    ```python
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        jwt_secret: SecretStr  # required: read from JWT_SECRET
    ```
    """

    code = "ASR401"
    name = "hardcoded-secret-default"
    message = ("settings field `{}` has a hardcoded secret default: make it required "
               "(no default) or a `SecretStr` read from the environment")
    severity = Severity.CRITICAL
    required_text = ("class",)

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        module = context.module_info
        for field in declared_settings_fields(context, node):
            if not secret_name(field.target.id):
                continue
            if annotation_kind(module, field.annotation) is None:
                continue
            if string_value(module, field.default):
                context.report(self, field.target, field.target.id)
