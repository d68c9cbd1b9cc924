"""Settings classes against the env example files that document them (ASR405, ASR406,
ASR906): which example files a settings class's variables belong in, which variables
they document, and which documented variables no settings class reads."""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .env_files import (
    EnvFile,
    EnvVariable,
    example_files,
    is_example_name,
    looks_like_checkout,
    search_directories,
)
from .nodes import walk
from .project import ModuleInfo, Project, decode_source, project_of, register_cache
from .settings_classes import (
    SKIP_DIRS,
    EnvField,
    EnvModel,
    env_model,
    files_holding,
    is_settings_class,
    project_settings_classes,
    python_files,
)


@dataclass(frozen=True)
class Documented:
    """A settings class of the checked file with the example files that document it."""

    project: Project
    model: EnvModel
    files: tuple[EnvFile, ...]
    env_file_present: bool  # The `env_file` the settings read exists (maybe committed).

    def display(self, env_file: EnvFile) -> str:
        return env_file.display(self.project.root)

    def variables_of(self, env_field: EnvField) -> list[EnvVariable] | None:
        """The documented variables that set ``env_field`` (None: its names are not
        known)."""
        names = env_field.variables(self.model.config)
        if names is None:
            return None
        return [variable for env_file in self.files for variable in env_file.variables
                if any(self.model.matches(name, variable.name) for name in names)]

    def file_of(self, variable: EnvVariable) -> EnvFile:
        return next(f for f in self.files if any(v is variable for v in f.variables))


def documented_class(module: ModuleInfo, node: ast.ClassDef, filename: str) -> Documented | None:
    """The env view of a top-level settings class of the checked file and the example
    files next to its module, in its parents up to the project root (the repository
    root when the project is in a subdirectory of one), and next to its ``env_file``;
    None when the class is not fully understood or the file has no project."""
    if not node.bases or not is_settings_class(module, node):
        return None
    project = project_of(filename)
    if project is None:
        return None
    model = env_model(module, node)
    if model is None:
        return None
    directories = search_directories(Path(filename).parent, project.root, model.config.env_files,
                                     repository_root(project.root))
    env_file_present = any((directory / env_file).is_file() for env_file in model.config.env_files
                           for directory in (project.root, Path(filename).parent))
    return Documented(project, model, tuple(example_files(directories)), env_file_present)


def repository_root(root: Path) -> Path:
    """The repository a project root is in (the nearest ancestor with ``.git``, at most
    three levels up: a backend's ``pyproject.toml`` often sits in a subdirectory of the
    repository, and its ``env_file="../.env"`` beside the example file at the
    repository's root), else the project root."""
    for candidate in (root, *list(root.parents)[:3]):
        if (candidate / ".git").exists():
            return candidate
    return root


_PROJECT_EXAMPLES: dict[Path, bool] = {}
register_cache(_PROJECT_EXAMPLES.clear)


def project_has_examples(root: Path) -> bool:
    """Whether any directory of the project holds an env example file (walked once)."""
    cached = _PROJECT_EXAMPLES.get(root)
    if cached is not None:
        return cached
    found = False
    for _directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in SKIP_DIRS and not d.startswith(".")]
        if any(is_example_name(name) for name in names):
            found = True
            break
    _PROJECT_EXAMPLES[root] = found
    return found


def undocumented_project(root: Path) -> bool:
    """The project is a checkout of a service (a ``.git``, ``.gitignore``, Dockerfile or
    compose file at its root) without any env example file. An installed distribution
    ships none even when its repository has one: without those markers, unsure."""
    return looks_like_checkout(root) and not project_has_examples(root)


# -- stale variables (ASR906) ---------------------------------------------------------------

# Variables read by tools rather than by the service's settings: container images
# (`POSTGRES_PASSWORD` for the postgres image), Compose, the interpreter, the shell and
# process managers, front-end build tools, and SDKs that read their own variables.
_TOOL_PREFIXES = (
    "COMPOSE_", "DOCKER_", "POSTGRES_", "PG", "MYSQL_", "MARIADB_", "MONGO_INITDB_", "RABBITMQ_",
    "MINIO_", "PYTHON", "UV_", "PIP_", "POETRY_", "VIRTUAL_ENV", "LC_", "NODE_", "NPM_", "VITE_",
    "NEXT_PUBLIC_", "REACT_APP_", "NUXT_", "GUNICORN_", "UVICORN_", "HYPERCORN_", "NGINX_",
    "TRAEFIK_", "CADDY_", "OTEL_", "AWS_", "AZURE_", "GOOGLE_", "GCLOUD_", "HF_", "HUGGINGFACE_",
    "TRANSFORMERS_", "SENTRY_", "OPENAI_", "ANTHROPIC_", "LANGCHAIN_", "LANGSMITH_",
    "GRAFANA_", "PROMETHEUS_", "KEYCLOAK_", "KC_", "REDIS_ARGS", "CELERY_",
)
_TOOL_NAMES = frozenset({
    "TZ", "LANG", "LANGUAGE", "PATH", "HOME", "USER", "UID", "GID", "PUID", "PGID", "UMASK",
    "SHELL", "TERM", "DEBIAN_FRONTEND", "WEB_CONCURRENCY", "HOSTNAME", "NO_PROXY", "HTTP_PROXY",
    "HTTPS_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    "FORWARDED_ALLOW_IPS", "MAX_WORKERS", "WORKERS_PER_CORE", "TIMEOUT", "GRACEFUL_TIMEOUT",
    "KEEP_ALIVE", "LOG_LEVEL", "ACCESS_LOG", "ERROR_LOG", "MODULE_NAME", "VARIABLE_NAME",
    "APP_MODULE", "PRE_START_PATH",  # the uvicorn-gunicorn images
})
# Files besides Python modules that may read a variable, at the project root and next to
# the example file.
_OTHER_READERS = re.compile(
    r"(?:Dockerfile.*|.*\.dockerfile|(?:docker-)?compose.*\.ya?ml|Makefile|Procfile|justfile|"
    r".*\.(?:sh|bash|toml|ini|cfg|ya?ml|json|conf|tf|mk))$",
    re.IGNORECASE,
)
_MAX_TEXT = 2 << 20


def tool_variable(name: str) -> bool:
    upper = name.upper()
    return upper in _TOOL_NAMES or upper.startswith(_TOOL_PREFIXES)


@dataclass(frozen=True)
class Stale:
    """A variable of an example file that no settings class reads, reported at the
    class ``reporter`` (real path of its module, line of its ``class``): of the classes
    that could read the file, the one that reads most of its variables."""

    variable: EnvVariable
    env_file: EnvFile
    reporter: tuple[str, int]


_NAMED: dict[tuple[Path, str], bool] = {}
register_cache(_NAMED.clear)


def stale_variables(project: Project, module: ModuleInfo, filename: str) -> list[Stale]:
    """Every stale variable of the example files of the project's settings classes:
    those of the other modules as read from disk, and those of ``module``, the checked
    file (its text as checked, which an editor may not have saved).

    Only example files under the project root count (one higher up, at the root of a
    repository the project shares, may document other programs). A file is judged only
    when every settings class whose module's directories it is in
    is fully understood (its bases, configuration, aliases) and forbids or ignores extra
    values; a variable is stale when none of them reads it, it is not a tool's, and no
    Python module nor a configuration file at the root or beside it names it."""
    checked = os.path.realpath(filename)
    classes = [(os.path.realpath(info.path), info, node) for info, node in project_settings_classes(project)
               if info.path is not None and os.path.realpath(info.path) != checked]
    classes += [(checked, module, node) for node in module.tree.body
                if isinstance(node, ast.ClassDef) and node.bases and is_settings_class(module, node)]
    readers: dict[Path, list[tuple[str, int, EnvModel | None]]] = {}
    files: dict[Path, EnvFile] = {}
    for location, info, node in classes:
        model = env_model(info, node)
        env_paths = model.config.env_files if model is not None else ()
        outer = repository_root(project.root)
        for env_file in example_files(search_directories(Path(location).parent, project.root, env_paths,
                                                         outer)):
            if project.root not in env_file.path.parents:
                continue  # Beyond the project, the file may document other programs.
            files[env_file.path] = env_file
            readers.setdefault(env_file.path, []).append((location, node.lineno, model))
    candidates: list[Stale] = []
    for path, readers_of_file in readers.items():
        models = [model for _, _, model in readers_of_file]
        if any(model is None or model.config.extra_allowed for model in models):
            continue
        # Reported at the class the file documents most (then the first by module and line).
        reporter = min(readers_of_file, key=lambda reader: (
            -sum(bool(reader[2] and reader[2].reads(v.name)) for v in files[path].variables),
            reader[0], reader[1]))[:2]
        seen: set[str] = set()
        for variable in files[path].variables:
            if variable.name in seen or tool_variable(variable.name):
                continue
            seen.add(variable.name)
            if all(model is not None and model.reads(variable.name) is False for model in models):
                candidates.append(Stale(variable, files[path], reporter))
    unknown: dict[Path, set[str]] = {}
    for stale in candidates:
        if (stale.env_file.path.parent, stale.variable.name) not in _NAMED:
            unknown.setdefault(stale.env_file.path.parent, set()).add(stale.variable.name)
    for directory, names in unknown.items():
        named = _named_elsewhere(project.root, names, {directory})
        _NAMED.update({(directory, name): name in named for name in names})
    return [stale for stale in candidates if not _NAMED[(stale.env_file.path.parent, stale.variable.name)]]


def _named_elsewhere(root: Path, names: set[str], directories: set[Path]) -> set[str]:
    """Which of ``names`` a string literal of a Python module of the project
    (`os.getenv("X")`, not a comment), or a configuration file at the root or in
    ``directories``, contains as a word."""
    if not names:
        return set()
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names))) + r")\b")
    found: set[str] = set()
    for text in _texts_holding(root, [name.encode() for name in names]):
        if pattern.search(text):
            found.update(_in_strings(text, pattern))
    for directory in {root, *directories}:
        try:
            with os.scandir(directory) as entries:
                others = [Path(entry.path) for entry in entries
                          if entry.is_file() and _OTHER_READERS.match(entry.name)
                          and not is_example_name(entry.name)]
        except OSError:
            continue
        for path in others:
            found.update(pattern.findall(_text(path)))
    return found


def _in_strings(text: str, pattern: re.Pattern[str]) -> set[str]:
    """The matches of ``pattern`` inside the string literals of Python source (all of the
    text's matches when it does not tokenize)."""
    found: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                found.update(pattern.findall(token.string))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return set(pattern.findall(text))
    return found


def _texts_holding(root: Path, words: list[bytes], pattern: re.Pattern[bytes] | None = None
                   ) -> Iterator[str]:
    """The texts of the project's Python modules whose bytes hold one of ``words`` (and
    match ``pattern``, when given): most modules are neither decoded nor searched, and
    for one word that the project's scan narrows, most are not read again."""
    paths = files_holding(root, words[0]) if len(words) == 1 else None
    for path in python_files(root) if paths is None else paths:
        data = _data(path)
        if any(word in data for word in words) and (pattern is None or pattern.search(data)):
            yield decode_source(data, "replace")


def _text(path: Path) -> str:
    """A file's text, read once per project and process (the answer is cached, not the
    text)."""
    return decode_source(_data(path), "replace")


def _data(path: Path) -> bytes:
    """A file's bytes (none for a file too large to be source), for a quick test of the
    words a search needs before its text is decoded."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > _MAX_TEXT:
                return b""
            return handle.read()
    except OSError:
        return b""




# -- values given to the constructor (ASR405) ------------------------------------------------

_CONSTRUCTED: dict[tuple[Path, str], frozenset[str] | None] = {}
register_cache(_CONSTRUCTED.clear)


def constructor_keywords(project: Project, class_name: str) -> frozenset[str] | None:
    """The keyword arguments that calls of ``class_name(...)`` anywhere in the project
    pass (`AppSettings(SECRET=secret)` sets a required field without the environment);
    None when some call passes ``**values`` or positional arguments (then any field may
    be set). Matched by name: a same-named class elsewhere only makes the answer larger,
    and the rule quieter. Read once per project and class name."""
    key = (project.root, class_name)
    if key in _CONSTRUCTED:
        return _CONSTRUCTED[key]
    # The name first, its word boundary checked behind it: a pattern that starts with
    # its literal text is searched for as text, one that starts with `\b` position by
    # position.
    escaped = re.escape(class_name)
    needle = re.compile(rf"{escaped}(?<=\b{escaped})\s*\(")
    # The same search in a module's bytes first: only a module it finds is decoded (it
    # finds all the text search does, and more only beside a letter that is not ASCII).
    raw = re.compile(needle.pattern.encode())
    found: set[str] = set()
    for text in _texts_holding(project.root, [class_name.encode()], raw):
        if not needle.search(text):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else None)
            if name != class_name:
                continue
            if node.args or any(keyword.arg is None for keyword in node.keywords):
                _CONSTRUCTED[key] = None
                return None
            found.update(keyword.arg for keyword in node.keywords if keyword.arg is not None)
    result = _CONSTRUCTED[key] = frozenset(found)
    return result
