"""ASR906 (opt-in): a variable of an env example file that no settings field reads."""

from __future__ import annotations

import ast
import os

from ..analysis.env_documentation import stale_variables
from ..engine.context import Context
from ..engine.rule import Severity
from .common.class_header import SettingsClassRule, class_header, documented_settings_class


class StaleEnvExampleVariable(SettingsClassRule):
    """
    ## What it does
    Finds a variable of an env example file (`.env.example`, `.env.sample`,
    `.env.template`, ...) that no settings class of the project reads, nor any other
    module of the project names. flake8 reports on Python files only, so the report is
    at the settings class (the first one, by module and line, whose directories the
    file is in); the message names the file and line.

    A file is judged only when every settings class that could read it (whose module is
    in the file's directory or below it, or whose `env_file` is beside it) is fully
    understood: its bases, `env_prefix`, aliases, nested delimiter, and an `extra`
    setting that is not `allow`. With several settings classes, a variable is stale only
    when none of them reads it.

    Opt-in: select it with `--extend-select ASR906`. Example files also document
    variables for other programs. Variables named in any Python module of the project,
    or in a Dockerfile, compose file, shell script or configuration file at the project
    root or beside the example file, are not reported, nor those of well-known tools
    (`COMPOSE_*`, `DOCKER_*`, `POSTGRES_*`, `PG*`, `MYSQL_*`, `PYTHON*`, `NODE_*`,
    `VITE_*`, `GUNICORN_*`, `UVICORN_*`, `AWS_*`, `SENTRY_*`, `OPENAI_*`, `OTEL_*`,
    `TZ`, `LANG`, `PATH`, `WEB_CONCURRENCY`, ...). A variable read only by a library
    that looks it up itself may still be reported: that is why the rule is opt-in.

    ## Why is this bad?
    A variable that nothing reads misleads whoever configures the service: they set it
    and nothing changes, or they believe a setting exists that was renamed or removed.

    ## Example
    ```python
    # .env.example: DATABASE_URL=postgresql://app@localhost/app
    # .env.example: LEGACY_CACHE_TTL=60
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str
    ```

    ## Use instead
    ```python
    # .env.example: DATABASE_URL=postgresql://app@localhost/app
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str
    ```

    ## Options
    `--asr-project-inference=off` turns the rule off: it needs to read the project's
    other settings modules.

    ## Fix
    None: the example file is not Python, and whether to drop the
    variable or add the field is the author's call.
    """

    code = "ASR906"
    name = "stale-env-example-variable"
    message = "`{}` in {}:{} is read by no settings field of the project: remove it or add the field"
    severity = Severity.LOW
    required_text = ("class",)
    source_args = frozenset()

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        documented = documented_settings_class(node, context)
        if documented is None:
            return
        here = (os.path.realpath(context.filename), node.lineno)
        for stale in stale_variables(documented.project, context.module_info, context.filename):
            if stale.reporter == here:
                context.report(self, class_header(node), stale.variable.name,
                               documented.display(stale.env_file), stale.variable.line)
