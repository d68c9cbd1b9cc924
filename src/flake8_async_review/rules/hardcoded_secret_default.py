"""ASR401: a settings field that looks secret has a literal string default."""

from __future__ import annotations

import ast
import itertools
import re

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


# Words of keys the service itself signs or encrypts with: any literal default is a leak.
_SIGNING_WORDS = frozenset({"signing", "encryption", "hmac", "jwt", "fernet", "csrf"})
# With `secret`, words of a credential the service presents to another one (an OAuth
# client secret, an AWS secret access key), where a placeholder default is harmless.
_OUTBOUND_WORDS = frozenset({"client", "access", "consumer", "api"})
# Last words of a name that is itself a secret's (`*_KEY`, `*_TOKEN`, ...).
_SECRET_NOUNS = _SECRET_WORDS | {"key", "keys"}
# Defaults that are obviously not a value: `<...>`, `${VAR}`, `xxx`, `...`, `changeme`,
# `your-api-key`, `TODO`.
_PLACEHOLDER = re.compile(
    r"<.*>|\$\{.*\}|\{\{.*\}\}|[x*.\-_ ]+"
    r"|(?:your|insert|enter|replace)(?![a-z0-9]).*|change[\W_]?(?:me|this|it)(?![a-z0-9]).*"
    r"|replace[\W_]?me|todo|fixme|tbd|placeholder|none|null|not[\W_]?set|unset",
    re.IGNORECASE | re.DOTALL,
)


def secret_name(name: str) -> bool:
    words = name_words(name)
    if any(word in _NOT_SECRET_WORDS for word in words):
        return False
    return any(word in _SECRET_WORDS for word in words) or any(
        pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def signing_key_name(words: list[str]) -> bool:
    """A key the service signs or encrypts with: `secret_key`, `jwt_secret`,
    `signing_key`, `encryption_key`, `private_key`, `session_secret`."""
    if any(word in _SIGNING_WORDS for word in words) or ("private", "key") in itertools.pairwise(words):
        return True
    return "secret" in words and not any(word in _OUTBOUND_WORDS for word in words)


def placeholder(value: str | bytes) -> bool:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return _PLACEHOLDER.fullmatch(text.strip()) is not None


def label(words: list[str], value: str | bytes) -> bool:
    """A text constant such as an HKDF info string (`AUTH_INFO = b"NextAuth.js
    Generated Encryption Key"`): words separated by spaces, under a name whose last
    word is not a secret's."""
    return words[-1] not in _SECRET_NOUNS and len(value.split()) > 1


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
    `access_token_expire_minutes`, nor fields of non-string types, nor private
    attributes (names starting with `_`, which pydantic does not read from the
    environment).

    The value is judged with the name:

    * a key the service signs or encrypts with (`secret_key`, `jwt_secret`,
      `session_secret`, `signing_key`, `encryption_key`, `private_key`) is reported
      whatever its literal default, even `"changeme"`: the service runs with it;
    * any other credential (`openai_api_key`, `slack_token`, `mail_password`,
      `client_secret`) is not reported when its default is an obvious placeholder
      (`"<Should be updated via env>"`, `"${API_KEY}"`, `"changeme"`,
      `"your-api-key"`, `"xxx"`, `"..."`, `"TODO"`): it holds no secret, and the
      service it is sent to rejects it;
    * a text of several words under a name that is not itself a secret's (its last
      word is not `key`, `secret`, `token`, `password`, ...) is a label, such as an
      HKDF info string (`AUTH_INFO = b"NextAuth.js Generated Encryption Key"`), not a
      secret.

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
            value = string_value(module, field.default)
            if not value:
                continue
            words = name_words(field.target.id)
            if not signing_key_name(words) and (placeholder(value) or label(words, value)):
                continue
            context.report(self, field.target, field.target.id)
