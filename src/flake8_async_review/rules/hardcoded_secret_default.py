"""ASR401: a settings field that looks secret has a literal string default."""

from __future__ import annotations

import ast

from ..analysis.settings_classes import (
    annotation_kind,
    declared_settings_fields,
    name_words,
    string_value,
)
from ..engine.context import Context
from ..engine.rule import Severity
from .common.class_header import SettingsClassRule
from .common.required_settings import make_required
from .common.secrets import label, placeholder, secret_name, signing_key_name


class HardcodedSecretDefault(SettingsClassRule):
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

    ## Fix
    The default goes, so that the setting is required: `jwt_secret: str = "abc"`
    becomes `jwt_secret: str`, `Field("abc", alias="JWT")` and
    `Field(default="abc", alias="JWT")` become `Field(alias="JWT")`, and an
    unannotated `jwt_secret = "abc"` becomes `jwt_secret: str`. The fix is unsafe: the
    service no longer starts where the environment does not set the variable (set it in
    each environment, including tests), and under pydantic v1 a field annotated
    `Optional[str]` then defaults to `None`. Making the field a `SecretStr` is left to
    you: the code that reads it must then call `get_secret_value()`.
    """

    code = "ASR401"
    name = "hardcoded-secret-default"
    message = ("settings field `{}` has a hardcoded secret default: make it required "
               "(no default) or a `SecretStr` read from the environment")
    severity = Severity.CRITICAL
    fix_safety = "unsafe"
    required_text = ("class",)
    # The settings class is defined in the file itself.
    triggers_in_own_text = True

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
            context.report(self, field.target, field.target.id,
                           fix=make_required(context, node, field) if context.fixes_wanted else None)
