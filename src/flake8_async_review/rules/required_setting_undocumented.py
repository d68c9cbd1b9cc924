"""ASR405: a required setting that no env example file of the project documents."""

from __future__ import annotations

import ast

from ..analysis.env_documentation import constructor_keywords, undocumented_project
from ..engine.context import Context
from ..engine.rule import Severity
from .common.class_header import SettingsClassRule, class_header, documented_settings_class

_LISTED = 3  # Variables a class-level message names before "and N more".


class RequiredSettingUndocumented(SettingsClassRule):
    """
    ## What it does
    Finds a required field (no default) of a pydantic settings class that no env example
    file of the project names. The example files are `.env.example`, `.env.sample`,
    `.env.template`, `.env.dist`, `example.env`, `sample.env`, `env.example` and
    `<name>.env.example` (and a stage's, such as `.env.local.example`), looked for in
    the settings module's directory, in each parent directory up to the project root
    (up to the repository's root when the project is a subdirectory of one, such as
    `backend/`), and beside the `env_file` the settings read.

    The variable name is the one pydantic reads: `env_prefix` plus the field name, or
    the field's `alias`/`validation_alias` (a string or `AliasChoices`), compared
    without regard to case unless `case_sensitive=True`; with `env_nested_delimiter`,
    `APP_DB__HOST` documents the field `db`. A `model_config` or `class Config`
    inherited from a settings class of the project counts.

    When the project is a repository checkout (a `.git`, `.gitignore`, `Dockerfile` or
    compose file at its root) with no env example file anywhere, the settings class is
    reported once, naming its required variables; not when the `env_file` it reads
    exists (it may be a committed file that documents them).

    ## Why is this bad?
    A required setting that nobody wrote down is found by whoever deploys the service
    the hard way: the service refuses to start, and the variable's name and expected
    format must be dug out of the code. An example file is where a new developer and an
    operator look first.

    ## Example
    ```python
    # .env.example: DATABASE_URL=postgresql://app@localhost/app
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str
        api_token: str
    ```

    ## Use instead
    ```python
    # .env.example: DATABASE_URL=postgresql://app@localhost/app
    # .env.example: API_TOKEN=your-token-here
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_url: str
        api_token: str
    ```

    ## Where it applies
    Settings classes whose configuration the source states: a class deriving from a
    base the project tier cannot read, a `model_config` that is not a literal, custom
    settings sources (`settings_customise_sources`, `secrets_dir`) or an `__init__` leave
    it silent. Fields annotated `Optional[...]`/`X | None` are not reported (pydantic v1
    gives them a `None` default), nor fields that a call of the class anywhere in the
    project passes as a keyword (`Settings(secret_key=...)`), and a class that some call
    passes `**values` or positional arguments is left alone. Installed distributions
    ship no example file, so a project without the markers of a checkout gets no
    class-level report.

    ## Fix
    None: the value to document (a placeholder, a local default, the
    expected format) is the author's to write.
    """

    code = "ASR405"
    name = "required-setting-undocumented"
    message = "{} not documented in {}: {}"
    severity = Severity.MEDIUM
    required_text = ("class",)
    # The settings class is defined in the file itself.
    triggers_in_own_text = True
    source_args = frozenset()

    def visit_ClassDef(self, node: ast.ClassDef, context: Context) -> None:
        documented = documented_settings_class(node, context)
        if documented is None:
            return
        required = [f for f in documented.model.declared if f.required]
        if not required:
            return
        given = constructor_keywords(documented.project, node.name)
        if given is None:
            return
        # A value the code passes to the constructor does not come from the environment.
        required = [f for f in required if f.target.id not in given
                    and not set(f.aliases or ()) & given]
        if not required:
            return
        if not documented.files:
            if not documented.env_file_present and undocumented_project(documented.project.root):
                listed_names = [documented.model.display(n) for f in required
                                for n in (f.variables(documented.model.config) or ())[:1]]
                listed = ", ".join(f"`{n}`" for n in listed_names[:_LISTED])
                extra = len(listed_names) - _LISTED
                more = f" and {extra} more" if extra > 0 else ""
                context.report(self, class_header(node),
                               f"required settings of `{node.name}` ({listed}{more}) are",
                               "any env example file (the project has none)",
                               "add a .env.example that lists them with placeholder values")
            return
        files = ", ".join(documented.display(f) for f in documented.files)
        for env_field in required:
            variables = documented.variables_of(env_field)
            names = env_field.variables(documented.model.config)
            if variables is None or variables or not names:
                continue
            name = documented.model.display(names[0])
            context.report(self, env_field.target,
                           f"required setting `{env_field.target.id}` (`{name}`) is", files,
                           f"add `{name}=` with a placeholder value")
