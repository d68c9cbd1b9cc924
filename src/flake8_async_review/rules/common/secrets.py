"""What makes a name or a value a secret's: the tests the secret rules share (ASR401,
ASR406)."""

from __future__ import annotations

import itertools
import re

from ...analysis.settings_classes import name_words

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


# Words that make a value in an example file a description of the secret rather than one:
# `your-token-here`, `sample_key`, `dummy`, `supersecret`, `example.password`.
_DESCRIPTIVE = re.compile(
    r"your|here|example|sample|dummy|fake|test|change|replace|placeholder|insert|enter|"
    r"secret|password|passwd|token|key|todo|fixme|demo|generate|random|required|xxx|redacted",
    re.IGNORECASE,
)
# Values that stand for another value: `$OTHER`, `${OTHER}`, `{{ var }}`, `%(x)s`.
_REFERENCE = re.compile(r"\$\{?\w+\}?|\{\{.*\}\}|%\(\w+\)s|<.*>")


def real_looking(value: str) -> bool:
    """A value of an env example file that looks like a real secret: at least 8
    characters without spaces, not a placeholder (`changeme`, `<token>`, `xxx`, `...`),
    no word that describes a secret (`your-token-here`, `supersecretkey`), not a
    reference to another variable, and mixing letters with digits or symbols (a
    generated token, not a word such as `postgres`)."""
    text = value.strip()
    if len(text) < 8 or any(character.isspace() for character in text):
        return False
    if placeholder(text) or _DESCRIPTIVE.search(text) or _REFERENCE.search(text):
        return False
    if "://" in text:
        return False  # A URL: the credentials in it, if any, are ASR401's business elsewhere.
    letters = any(character.isalpha() for character in text)
    others = any(not character.isalpha() for character in text)
    return letters and others
