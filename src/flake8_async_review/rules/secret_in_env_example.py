"""ASR406: an env example file holds a real-looking value of a secret setting."""

from __future__ import annotations

import ast

from ..analysis.settings_classes import annotation_kind
from ..engine.context import Context
from ..engine.rule import Severity
from .common.class_header import SettingsClassRule, documented_settings_class
from .common.secrets import real_looking, secret_name


class SecretInEnvExample(SettingsClassRule):
    """
    ## What it does
    Finds a settings field whose name says it holds a secret (`secret`, `token`,
    `password`, `api_key`, `private_key`, ... as words of the name, as for ASR401) whose
    variable has a real-looking value in an env example file of the project
    (`.env.example`, `.env.sample`, `.env.template`, ... in the settings module's
    directory, its parents up to the project or repository root, and beside the
    settings' `env_file`, as for ASR405). Only fields of a string type count (`str`, `bytes`, `SecretStr`,
    optional or not). The report is at the field; the message names the file and line.

    A value looks real when it has at least 8 characters and no spaces, mixes letters
    with digits or symbols, and is not a placeholder: empty, `changeme`, `<token>`,
    `${TOKEN}`, `xxx`, `...`, or a value with a word that describes it
    (`your-token-here`, `example`, `dummy`, `test`, `supersecretkey`).

    ## Why is this bad?
    An example file is committed for everyone to read: that is what it is for. A real
    token or password in it is public, in the repository's history for good, and often
    copied unchanged into `.env` by whoever sets up the service, so that production
    runs with it.

    ## Example
    ```python
    # .env.example: API_TOKEN=tk_8f3a9c2e71d04b6a
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        api_token: SecretStr
    ```

    ## Use instead
    ```python
    # .env.example: API_TOKEN=your-token-here
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        api_token: SecretStr
    ```

    ## Where it applies
    Settings classes whose configuration the source states (see ASR405). Revoke the
    secret as well as replacing it: it stays in the repository's history.

    ## Fix
    None: removing the value from the file does not make the leaked
    secret safe, and the file is not Python.
    """

    code = "ASR406"
    name = "secret-in-env-example"
    message = ("{} in {}:{} looks like a real secret: the file is committed, so it is public; "
               "revoke it and use a placeholder")
    severity = Severity.CRITICAL
    required_text = ("class",)
    # The settings class is defined in the file itself.
    triggers_in_own_text = True
    source_args = frozenset()

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        documented = documented_settings_class(node, context)
        if documented is None or not documented.files:
            return
        for env_field in documented.model.declared:
            if not secret_name(env_field.target.id) or annotation_kind(
                    context.module_info, env_field.annotation) is None:
                continue  # Not a secret's name, or not a string's type (`auth: bool`).
            for variable in documented.variables_of(env_field) or ():
                if real_looking(variable.value):
                    env_file = documented.file_of(variable)
                    context.report(self, env_field.target, variable.name,
                                   documented.display(env_file), variable.line)
                    break
