"""ASR404: a feature that needs an extra package the project does not declare."""

from __future__ import annotations

import ast
import os

from ..context import Context
from ..dependencies import declared_dependencies
from ..project import project_root
from .base import Rule, Severity

# Feature -> (the package it needs, packages or "package[extra]" that also provide it).
_EMAIL = ("email-validator", ("email-validator", "pydantic[email]", "fastapi[standard]",
                              "fastapi[all]"))
_MULTIPART = ("python-multipart", ("python-multipart", "fastapi[standard]", "fastapi[all]"))
_JINJA = ("jinja2", ("jinja2", "fastapi[standard]", "fastapi[all]"))
FEATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pydantic.EmailStr": _EMAIL,
    "pydantic.NameEmail": _EMAIL,
    "pydantic.networks.EmailStr": _EMAIL,
    "pydantic.networks.NameEmail": _EMAIL,
    "fastapi.Form": _MULTIPART,
    "fastapi.File": _MULTIPART,
    "fastapi.UploadFile": _MULTIPART,
    "fastapi.param_functions.Form": _MULTIPART,
    "fastapi.param_functions.File": _MULTIPART,
    "fastapi.datastructures.UploadFile": _MULTIPART,
    "fastapi.templating.Jinja2Templates": _JINJA,
    "starlette.templating.Jinja2Templates": _JINJA,
    "fastapi.responses.ORJSONResponse": ("orjson", ("orjson", "fastapi[all]")),
    "fastapi.responses.UJSONResponse": ("ujson", ("ujson", "fastapi[all]")),
}


class OptionalDependencyNotDeclared(Rule):
    """
    ## What it does
    Finds a module that imports or uses a feature which needs a package its library
    does not install, when the project's declared dependencies (`pyproject.toml`
    `[project]` dependencies and optional groups, `[dependency-groups]`, Poetry
    dependencies and groups, `requirements*.txt`, `setup.cfg`, literal lists in
    `setup.py`) do not include it:

    | Feature | Needs | Also provided by |
    |---|---|---|
    | `EmailStr`, `NameEmail` | `email-validator` | `pydantic[email]`, `fastapi[standard]`, `fastapi[all]` |
    | FastAPI `Form`, `File`, `UploadFile` | `python-multipart` | `fastapi[standard]`, `fastapi[all]` |
    | `Jinja2Templates` | `jinja2` | `fastapi[standard]`, `fastapi[all]` |
    | `ORJSONResponse` | `orjson` | `fastapi[all]` |
    | `UJSONResponse` | `ujson` | `fastapi[all]` |

    The project is the nearest directory above the file with `pyproject.toml`,
    `setup.cfg`, `setup.py` or `.git`. Nothing is reported when no dependency
    declaration can be read there (or `setup.py` computes its requirements), nor for
    an import inside a `try` whose `except` catches `ImportError`: that code has a
    fallback for the missing package.

    ## Why is this bad?
    The code works on the developer's machine, where the package happens to be
    installed, and fails in a clean install: pydantic raises `ImportError` when the
    model is defined, FastAPI refuses to start with a form route, at start-up of the
    production container.

    ## Example
    ```python
    # pyproject.toml: dependencies = ["fastapi", "pydantic"]
    from pydantic import BaseModel, EmailStr


    class SignUp(BaseModel):
        email: EmailStr
    ```

    ## Use instead
    Declare the package, here through pydantic's extra:

    ```toml
    [project]
    dependencies = ["fastapi", "pydantic[email]"]
    ```

    or do without the feature:

    ```python
    from pydantic import BaseModel


    class SignUp(BaseModel):
        email: str
    ```
    """

    code = "ASR404"
    name = "optional-dependency-not-declared"
    message = "`{}` needs `{}`, which the project's dependencies do not declare: add it (or `{}`)"
    severity = Severity.HIGH
    required_text = (("EmailStr", "NameEmail", "Form", "File", "Jinja2Templates",
                      "ORJSONResponse", "UJSONResponse"),)

    def visit_ImportFrom(self, node: ast.ImportFrom, context: Context) -> None:
        if node.level or not node.module:
            return
        if _guarded_import(node, context):
            return  # `try: from pydantic import EmailStr / except ImportError:` plans for it.
        for alias in node.names:
            feature = FEATURES.get(f"{node.module}.{alias.name}")
            if feature is not None:
                self._check(alias if hasattr(alias, "lineno") else node, alias.name, feature, context)

    def visit_Attribute(self, node: ast.Attribute, context: Context) -> None:
        if node.attr not in _ATTRIBUTES:
            return
        qualified = context.qualified_name(node)
        feature = FEATURES.get(qualified) if qualified else None
        if feature is not None and not _guarded_import(node, context):
            self._check(node, context.source_segment(node), feature, context)

    def _check(self, node: ast.AST, written: str, feature: tuple[str, tuple[str, ...]],
               context: Context) -> None:
        if not context.filename or context.filename in ("-", "stdin"):
            return
        root = project_root(os.path.dirname(os.path.abspath(context.filename)))
        declared = declared_dependencies(root) if root is not None else None
        if declared is None:
            return
        needed, providers = feature
        for provider in providers:
            name, _, extra = provider.partition("[")
            extras = declared.get(name)
            if extras is not None and (not extra or extra.rstrip("]") in extras):
                return
        alternative = next((p for p in providers if "[" in p), providers[-1])
        context.report(self, node, written, needed, alternative)


_IMPORT_ERRORS = frozenset({"builtins.ImportError", "builtins.ModuleNotFoundError"})


def _guarded_import(node: ast.AST, context: Context) -> bool:
    """The node is in a ``try:`` block one of whose handlers catches ``ImportError``."""
    for statement in context.enclosing_try_bodies(node):
        for handler in statement.handlers:
            caught = handler.type
            names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
            if caught is None or any(context.qualified_name(n) in _IMPORT_ERRORS
                                     for n in names if n is not None):
                return True
    return False


_ATTRIBUTES = frozenset(qualified.rpartition(".")[2] for qualified in FEATURES)
