"""ASR403 trusts a parameter's annotation only when nothing in the function binds the
parameter again. Most functions only read attributes of it, which their text shows
without a walk; the answer must be the walk's either way."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flake8_async_review.analysis.source import source_lines
from flake8_async_review.rules.unknown_settings_attribute import _bound_by, _only_read, _rebound

_READ_ONLY = [
    "return config.debug",
    "return config.debug and config.port",
    "x = [config.a for _ in range(3)]\n    return x",
    "return f'{config.url}/x'",
]
_REBOUND = [
    "config = load()",
    "config: Settings = load()",
    "config += 1",
    "del config",
    "for config in configs:\n        pass",
    "with open(p) as config:\n        pass",
    "(config, other) = pair",
    "if (config := load()):\n        pass",
    "try:\n        pass\n    except Exception as config:\n        pass",
    "import config.sub",
    "import other as config",
    "from app import config",
    "def config():\n        pass",
    "class config:\n        pass",
    "global config",
    "def inner():\n        nonlocal config\n        config = 1",
    "match value:\n        case {'a': config}:\n            pass",
    "match value:\n        case [*config]:\n            pass",
    "match value:\n        case {**config}:\n            pass",
]
_UNSURE = [  # Not a binding, but not an attribute read either: the walk decides.
    "return config",
    "use(config)",
    "return config .debug",
    "# config is the settings\n    return config.debug",
    "return 'config'",
    "return config.debug  # caf\u00e9",
    "return config\\\n        .debug",
]


def _function(body: str) -> tuple[ast.FunctionDef, ast.arg, list[str]]:
    source = textwrap.dedent("""\
        import app


        @app.route('/')
        def handler(request, config: Settings = Depends(get_settings)):
            {body}
        """).format(body=body)
    tree = ast.parse(source)
    function = tree.body[1]
    assert isinstance(function, ast.FunctionDef)
    parameter = function.args.args[1]
    return function, parameter, source_lines(source)


def _walked(function: ast.FunctionDef, name: str) -> bool:
    return any(name in _bound_by(node) for node in ast.walk(function) if node is not function)


@pytest.mark.parametrize("body", [*_READ_ONLY, *_REBOUND, *_UNSURE])
def test_a_parameter_is_rebound_exactly_when_a_walk_of_the_function_finds_a_binding(body: str) -> None:
    function, parameter, lines = _function(body)
    assert _rebound(function, parameter, lines) is _walked(function, "config")
    assert _walked(function, "config") is (body in _REBOUND)


@pytest.mark.parametrize("body", _READ_ONLY)
def test_attribute_reads_alone_are_told_from_the_text(body: str) -> None:
    function, parameter, lines = _function(body)
    assert _only_read(function, parameter, lines)


@pytest.mark.parametrize("body", [*_REBOUND, *_UNSURE])
def test_any_other_mention_of_the_name_is_left_to_the_walk(body: str) -> None:
    function, parameter, lines = _function(body)
    assert not _only_read(function, parameter, lines)


def test_a_decorator_s_lines_belong_to_the_function() -> None:
    source = textwrap.dedent("""\
        @register(config := object())
        def handler(config: Settings):
            return config.debug
        """)
    tree = ast.parse(source)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert _rebound(function, function.args.args[0], source_lines(source))
