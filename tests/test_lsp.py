"""The language server end to end: the server runs as a subprocess (pytest-lsp), driven
with the client capabilities of Neovim and of VS Code."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from flake8_async_review.engine.violation import Edit
from flake8_async_review.frontends.core import Session
from flake8_async_review.frontends.lsp import (
    Lines,
    Settings,
    apply_change,
    merge_touching,
    noqa_edit,
    text_edits,
)

SERVER = [sys.executable, "-m", "flake8_async_review", "lsp"]
SLEEPY = 'import time\n\n\nasync def handler():\n    time.sleep(1)\n'
TIMEOUT = 15.0
CONFIG = "[flake8]\nextend-exclude = generated\n"


class Published:
    """Every publishDiagnostics notification, in order, and a way to wait for one."""

    def __init__(self) -> None:
        self.items: list[types.PublishDiagnosticsParams] = []
        self.changed = asyncio.Event()

    def __call__(self, client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        self.items.append(params)
        client.diagnostics[params.uri] = params.diagnostics
        self.changed.set()

    async def wait(self, predicate: Callable[[types.PublishDiagnosticsParams], bool],
                   timeout: float = TIMEOUT) -> types.PublishDiagnosticsParams:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for item in self.items[seen:]:
                if predicate(item):
                    return item
            seen = len(self.items)
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching diagnostics; got {self.items!r}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    async def for_version(self, uri: str, version: int) -> list[types.Diagnostic]:
        item = await self.wait(lambda p: p.uri == uri and p.version == version)
        return list(item.diagnostics)


def _start(profile: str, options: dict[str, Any]) -> Any:
    """A server per client profile, shared by this module's tests (each test uses its
    own file names and restores what it changes)."""

    @pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
    async def fixture(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory) -> Any:
        workspace = tmp_path_factory.mktemp(profile)
        (workspace / ".flake8").write_text(CONFIG, encoding="utf-8")
        published = Published()
        lsp_client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = (
            lambda params: published(lsp_client, params))
        lsp_client.protocol.fm.features[types.CLIENT_REGISTER_CAPABILITY] = lambda params: None
        lsp_client.published = published  # type: ignore[attr-defined]
        lsp_client.workspace_path = workspace  # type: ignore[attr-defined]
        await lsp_client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            initialization_options=options,
        ))
        yield
        await lsp_client.shutdown_session()

    return fixture


neovim = _start("neovim", {"debounce": 0})
vscode = _start("visual-studio-code", {"flake8AsyncReview": {"debounce": 0}})
DEFAULTS = {"run": "onType", "debounce": 0, "args": [], "severity": {}, "docsUrl": None,
            "unsafeFixes": False}


@pytest.fixture(params=["neovim", "vscode"])
def client(request: pytest.FixtureRequest) -> LanguageClient:
    value: LanguageClient = request.getfixturevalue(request.param)
    return value


def _restore(client: LanguageClient) -> None:
    client.set_configuration(DEFAULTS, section="flake8AsyncReview")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"flake8AsyncReview": DEFAULTS}))


def _published(client: LanguageClient) -> Published:
    value: Published = client.published  # type: ignore[attr-defined]
    return value


def _open(client: LanguageClient, name: str, text: str, version: int = 1) -> str:
    path = client.workspace_path / name  # type: ignore[attr-defined]
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def _change(client: LanguageClient, uri: str, version: int, text: str,
            change_range: types.Range | None = None) -> None:
    change: Any = (types.TextDocumentContentChangeWholeDocument(text=text) if change_range is None
                   else types.TextDocumentContentChangePartial(range=change_range, text=text))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[change]))


def _apply(text: str, edit: types.WorkspaceEdit, uri: str, encoding: str) -> str:
    """Apply a workspace edit as a client does (edits sorted, applied from the end)."""
    if edit.document_changes:
        edits = [e for change in edit.document_changes
                 if isinstance(change, types.TextDocumentEdit) for e in change.edits]
    else:
        assert edit.changes is not None
        edits = list(edit.changes[uri])
    lines = Lines(text, encoding)
    spans = sorted(((lines.offset(e.range.start), lines.offset(e.range.end), e.new_text) for e in edits
                    if isinstance(e, types.TextEdit)), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def _encoding(client: LanguageClient) -> str:
    capabilities = client.capabilities
    assert capabilities is not None and capabilities.general is not None
    offered = capabilities.general.position_encodings or ["utf-16"]
    return "utf-8" if offered[0] == "utf-8" else "utf-16"


async def _actions(client: LanguageClient, uri: str, line: int,
                   only: list[str] | None = None) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        context=types.CodeActionContext(diagnostics=[], only=only),
    ))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


# -- end to end ------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
async def test_diagnostics_on_open_match_the_command(client: LanguageClient) -> None:
    uri = _open(client, "open.py", SLEEPY)
    diagnostics = await _published(client).for_version(uri, 1)
    [diagnostic] = diagnostics
    assert diagnostic.code == "ASR101"
    assert diagnostic.source == "flake8-async-review"
    assert diagnostic.range == types.Range(types.Position(4, 4), types.Position(4, 17))
    assert diagnostic.severity == types.DiagnosticSeverity.Warning  # ASR101 is "high"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("ASR101.md")
    assert diagnostic.data["fix"]["safe"] is True
    path = str(client.workspace_path / "open.py")  # type: ignore[attr-defined]
    [finding] = Session(["--isolated"]).check_text(path, SLEEPY)
    assert (finding.line - 1, finding.col, finding.message) == (
        diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.message)


@pytest.mark.asyncio(loop_scope="module")
async def test_diagnostics_follow_edits_and_close(client: LanguageClient) -> None:
    uri = _open(client, "edit.py", SLEEPY)
    assert len(await _published(client).for_version(uri, 1)) == 1
    # Incremental edit: `time.sleep(1)` -> `len(1)` on the unsaved buffer.
    _change(client, uri, 2, "len", types.Range(types.Position(4, 4), types.Position(4, 14)))
    assert await _published(client).for_version(uri, 2) == []
    _change(client, uri, 3, SLEEPY + "\n\nasync def other():\n    time.sleep(2)\n")
    assert [d.range.start.line for d in await _published(client).for_version(uri, 3)] == [4, 8]
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await _published(client).wait(lambda p: p.uri == uri and p.version is None and not p.diagnostics)


@pytest.mark.asyncio(loop_scope="module")
async def test_non_ascii_columns(client: LanguageClient) -> None:
    text = 'import time\n\n\nasync def handler():\n    s = "é😀"; time.sleep(1)\n'
    uri = _open(client, "wide.py", text)
    [diagnostic] = await _published(client).for_version(uri, 1)
    # 14 characters precede the call: "é" is 1 UTF-16 unit (2 UTF-8 bytes), "😀" 2 (4).
    start = 15 if _encoding(client) == "utf-16" else 18
    assert diagnostic.range.start == types.Position(4, start)
    assert diagnostic.range.end == types.Position(4, start + 13)
    [fix] = [a for a in await _actions(client, uri, 4) if a.is_preferred]
    assert fix.edit is not None
    fixed = _apply(text, fix.edit, uri, _encoding(client))
    assert 's = "é😀"; await asyncio.sleep(1)' in fixed


@pytest.mark.asyncio(loop_scope="module")
async def test_quick_fix_and_noqa_actions(client: LanguageClient) -> None:
    uri = _open(client, "actions.py", SLEEPY)
    await _published(client).for_version(uri, 1)
    actions = await _actions(client, uri, 4)
    titles = [a.title for a in actions]
    assert titles[:2] == ["ASR101: Replace with `await asyncio.sleep()`", "Disable ASR101 for this line"]
    fix, noqa = actions[0], actions[1]
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    assert fix.edit is not None and noqa.edit is not None
    fixed = _apply(SLEEPY, fix.edit, uri, _encoding(client))
    assert fixed == 'import asyncio\nimport time\n\n\nasync def handler():\n    await asyncio.sleep(1)\n'
    _change(client, uri, 2, fixed)
    assert await _published(client).for_version(uri, 2) == []
    silenced = _apply(SLEEPY, noqa.edit, uri, _encoding(client))
    assert "    time.sleep(1)  # noqa: ASR101\n" in silenced
    _change(client, uri, 3, silenced)
    assert await _published(client).for_version(uri, 3) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_noqa_on_a_multi_line_string_statement(client: LanguageClient) -> None:
    text = 'import time\n\n\nasync def handler():\n    time.sleep(len("""\nabc\n"""))\n'
    uri = _open(client, "multiline.py", text)
    [diagnostic] = await _published(client).for_version(uri, 1)
    assert diagnostic.range.start.line == 4
    [noqa] = [a for a in await _actions(client, uri, 4) if a.title.startswith("Disable")]
    assert noqa.edit is not None
    silenced = _apply(text, noqa.edit, uri, _encoding(client))
    assert silenced.endswith('abc\n"""))  # noqa: ASR101\n')
    _change(client, uri, 2, silenced)
    assert await _published(client).for_version(uri, 2) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_excluded_files_get_nothing(client: LanguageClient) -> None:
    (client.workspace_path / "generated").mkdir(exist_ok=True)  # type: ignore[attr-defined]
    uri = _open(client, "generated/client.py", SLEEPY)
    assert await _published(client).for_version(uri, 1) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_fix_all(client: LanguageClient) -> None:
    text = SLEEPY + "\n\nasync def other():\n    time.sleep(2)\n"
    uri = _open(client, "fixall.py", text)
    assert len(await _published(client).for_version(uri, 1)) == 2
    [action] = await _actions(client, uri, 0, only=["source.fixAll"])
    assert action.kind == "source.fixAll.asr"
    assert action.edit is not None
    fixed = _apply(text, action.edit, uri, _encoding(client))
    assert fixed.count("await asyncio.sleep(") == 2 and fixed.startswith("import asyncio\n")
    _change(client, uri, 2, fixed)
    assert await _published(client).for_version(uri, 2) == []
    assert await _actions(client, uri, 0, only=["source.fixAll"]) == []


DROPPED_TASK = "import asyncio\n\n\nasync def start():\n    asyncio.create_task(work())\n"


@pytest.mark.asyncio(loop_scope="module")
async def test_unsafe_fixes_are_quick_fixes_and_join_fix_all_on_request(client: LanguageClient) -> None:
    uri = _open(client, "unsafe.py", DROPPED_TASK)
    assert [d.code for d in await _published(client).for_version(uri, 1)] == ["ASR603"]
    [fix] = [a for a in await _actions(client, uri, 4) if a.title.startswith("ASR603")]
    assert fix.title.endswith("(unsafe)") and not fix.is_preferred
    # By default, fix all applies safe fixes only: there is none here.
    assert await _actions(client, uri, 0, only=["source.fixAll"]) == []
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"flake8AsyncReview": {**DEFAULTS, "unsafeFixes": True}}))
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (actions := await _actions(client, uri, 0, only=["source.fixAll"])):
            assert time.monotonic() < deadline, "unsafeFixes was not applied"
            await asyncio.sleep(0.05)
        [action] = actions
        assert action.title.endswith("(including unsafe fixes)") and action.edit is not None
        fixed = _apply(DROPPED_TASK, action.edit, uri, _encoding(client))
        assert "    task = asyncio.create_task(work())\n    _background_tasks.add(task)\n" in fixed
    finally:
        _restore(client)


@pytest.mark.asyncio(loop_scope="module")
async def test_configuration_file_change_relints(client: LanguageClient) -> None:
    uri = _open(client, "cfg.py", SLEEPY)
    assert len(await _published(client).for_version(uri, 1)) == 1
    config = client.workspace_path / ".flake8"  # type: ignore[attr-defined]
    config.write_text(CONFIG + "per-file-ignores = cfg.py:ASR101\n", encoding="utf-8")
    count = len(_published(client).items)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    await _published(client).wait(lambda p: p.uri == uri and not p.diagnostics)
    assert len(_published(client).items) > count
    config.write_text(CONFIG, encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    await _published(client).wait(lambda p: p.uri == uri and len(p.diagnostics) == 1)


@pytest.mark.asyncio(loop_scope="module")
async def test_dependency_declaration_change_relints(client: LanguageClient) -> None:
    project = client.workspace_path / "deps"  # type: ignore[attr-defined]
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["pydantic"]\n', encoding="utf-8")
    source = "from pydantic import BaseModel, EmailStr\n\n\nclass User(BaseModel):\n    email: EmailStr\n"
    uri = _open(client, "deps/models.py", source)
    assert [d.code for d in await _published(client).for_version(uri, 1)] == ["ASR404"]
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["pydantic[email]"]\n',
                         encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]))
    await _published(client).wait(lambda p: p.uri == uri and not p.diagnostics)


@pytest.mark.asyncio(loop_scope="module")
async def test_settings_change(client: LanguageClient) -> None:
    uri = _open(client, "settings.py", SLEEPY)
    assert len(await _published(client).for_version(uri, 1)) == 1
    settings = {"severity": {"ASR1": "error"}, "docsUrl": "https://docs.example/{code}",
                "args": ["--extend-ignore=ASR102"]}
    client.set_configuration(settings, section="flake8AsyncReview")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    item = await _published(client).wait(
        lambda p: p.uri == uri and bool(p.diagnostics)
        and p.diagnostics[0].severity == types.DiagnosticSeverity.Error)
    assert item.diagnostics[0].code_description is not None
    assert item.diagnostics[0].code_description.href == "https://docs.example/ASR101"
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"flake8AsyncReview": {"args": ["--extend-ignore=ASR101"]}}))
    await _published(client).wait(lambda p: p.uri == uri and not p.diagnostics)
    # The documentation site's address: each rule's page is under rules/.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"flake8AsyncReview": {"args": [], "docsUrl": "https://docs.example/asr/"}}))
    href = "https://docs.example/asr/rules/ASR101/"
    await _published(client).wait(
        lambda p: p.uri == uri and any(d.code_description and d.code_description.href == href
                                       for d in p.diagnostics))
    _restore(client)
    await _published(client).wait(lambda p: p.uri == uri and len(p.diagnostics) == 1)


@pytest.mark.asyncio(loop_scope="module")
async def test_syntax_error_and_bad_requests(client: LanguageClient) -> None:
    uri = _open(client, "broken.py", "import time\n\nasync def f(:\n    time.sleep(1)\n")
    # Nothing in a file that does not parse is checked: that is the diagnostic.
    [diagnostic] = await _published(client).for_version(uri, 1)
    assert (diagnostic.code, diagnostic.severity, diagnostic.message) == \
        ("E999", types.DiagnosticSeverity.Error, "SyntaxError: invalid syntax")
    assert diagnostic.range.start == types.Position(2, 12)
    assert diagnostic.source == "flake8-async-review" and diagnostic.code_description is None
    assert await _actions(client, uri, 2) == []  # No "Disable E999 for this line".
    # A request the server cannot read gets an error response; the server goes on.
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    client.protocol._request_futures["malformed-1"] = future
    client.protocol._send_data({"jsonrpc": "2.0", "id": "malformed-1", "method": "textDocument/codeAction",
                                "params": {"textDocument": {"uri": uri}, "range": "nonsense"}})
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)
    _change(client, uri, 2, SLEEPY)
    assert len(await _published(client).for_version(uri, 2)) == 1


@pytest.mark.asyncio(loop_scope="module")
async def test_stale_versions_are_dropped(client: LanguageClient) -> None:
    big = SLEEPY + "".join(f"\n\nasync def f{i}(x):\n    return await x.get({i})\n" for i in range(700))
    uri = _open(client, "big.py", big)
    for version in range(2, 7):
        _change(client, uri, version, big + f"\n\nasync def g():\n    time.sleep({version})\n")
    diagnostics = await _published(client).for_version(uri, 6)
    assert len(diagnostics) == 2
    versions = [p.version for p in _published(client).items if p.uri == uri]
    assert versions == sorted(versions)  # Never an older version after a newer one.
    assert versions[-1] == 6


@pytest.mark.asyncio(loop_scope="module")
async def test_on_save_mode(neovim: LanguageClient) -> None:
    client = neovim
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"flake8AsyncReview": {"run": "onSave"}}))
    uri = _open(client, "onsave.py", "")
    await _published(client).for_version(uri, 1)
    _change(client, uri, 2, SLEEPY)
    await asyncio.sleep(0.5)
    assert all(p.version != 2 for p in _published(client).items if p.uri == uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert len(await _published(client).for_version(uri, 2)) == 1
    _restore(client)


# -- units -------------------------------------------------------------------------------------


def test_unsafe_fixes_setting() -> None:
    assert Settings().unsafe_fixes is False
    assert Settings().updated({"unsafeFixes": True})[0].unsafe_fixes is True
    settings, problems = Settings().updated({"flake8AsyncReview": {"unsafeFixes": "yes"}})
    assert settings.unsafe_fixes is False and problems == ["unsafeFixes must be true or false"]


def test_positions_round_trip() -> None:
    text = 'a = "é😀x"\r\nb\x0cc = 1\rlast'
    for encoding, col in (("utf-16", 9), ("utf-8", 12), ("utf-32", 8)):
        lines = Lines(text, encoding)
        position = lines.position(1, 8)
        assert position == types.Position(0, col)
        assert lines.char_col(position) == (1, 8)
        # A form feed is not a line break; \r is.
        assert lines.position(2, 4) == types.Position(1, 4)
        assert lines.position(3, 4) == types.Position(2, 4)
        assert lines.position(4, 0) == types.Position(2, 4)  # Past the end: end of text.


def test_documentation_address_worked_out_once_per_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every diagnostic carries its rule's address; the package metadata behind it is
    read once per code, and again only when the setting that decides it changes."""
    from flake8_async_review.frontends import lsp

    asked: list[str] = []

    def counting(code: str, docs_url: str | None = None) -> str:
        asked.append(code)
        return f"{docs_url or 'https://site'}/{code}"

    monkeypatch.setattr(lsp, "rule_url", counting)
    server = lsp.AsrLanguageServer()
    hrefs = [server.docs_href(code) for code in ("ASR101", "ASR101", "ASR102", "ASR101")]
    assert hrefs == ["https://site/ASR101", "https://site/ASR101", "https://site/ASR102",
                     "https://site/ASR101"]
    assert asked == ["ASR101", "ASR102"]
    server.settings = server.settings.updated({"docsUrl": "https://docs.example"})[0]
    assert server.docs_href("ASR101") == "https://docs.example/ASR101"
    assert server.docs_href("ASR999") is None  # Not a rule: no page.
    assert asked == ["ASR101", "ASR102", "ASR101"]


def test_unchanged_findings_keep_their_diagnostics(monkeypatch: pytest.MonkeyPatch) -> None:
    """A publication reuses the last one's diagnostic of a finding whose lines did not
    change, and makes a new one where they did."""
    from flake8_async_review.engine.violation import Violation
    from flake8_async_review.frontends import lsp

    sent: list[types.PublishDiagnosticsParams] = []
    server = lsp.AsrLanguageServer()
    monkeypatch.setattr(server, "text_document_publish_diagnostics", sent.append)
    monkeypatch.setattr(lsp.AsrLanguageServer, "encoding", "utf-16")

    def finding(line: int, col: int) -> lsp.Finding:
        violation = Violation(line=line, col=col, code="ASR101", message="blocks",
                              end_line=line, end_col=col + 5)
        return lsp.Finding("f.py", line, col, "ASR101", "blocks", None, violation)

    text = "a = 1\nb = 2\nc = 3\n"
    server.publish("file:///f.py", lsp.Linted(1, text, [finding(1, 0), finding(3, 0)], None))
    edited = "a = 1\nb = 22\nc = 3 \u00e9\n"
    server.publish("file:///f.py", lsp.Linted(2, edited, [finding(1, 0), finding(3, 0)], None))
    first, second = sent
    assert second.diagnostics[0] is first.diagnostics[0]  # Line 1 unchanged.
    assert second.diagnostics[1] is not first.diagnostics[1]  # Line 3 changed.
    assert second.diagnostics[1] == first.diagnostics[1]
    # A finding on a line past the end is made each time.
    server.publish("file:///f.py", lsp.Linted(3, edited, [finding(9, 0)], None))
    assert sent[-1].diagnostics[0].range.start == types.Position(3, 0)


def test_apply_change_uses_protocol_lines() -> None:
    text = "a\x0cb = 1\nc = 😀1\n"
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(1, 6), types.Position(1, 7)), text="2")
    assert apply_change(text, change, "utf-16") == "a\x0cb = 1\nc = 😀2\n"


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("x = f()\n", 1, "x = f()  # noqa: ASR101\n"),
    ("x = f()  # type: ignore\n", 1, "x = f()  # type: ignore  # noqa: ASR101\n"),
    ("x = f()  # noqa: E501\n", 1, "x = f()  # noqa: E501,ASR101\n"),
    ("x = f()  # noqa:E501, W291 why\n", 1, "x = f()  # noqa:E501, W291,ASR101 why\n"),
    ('x = f("""\n""")\n', 1, 'x = f("""\n""")  # noqa: ASR101\n'),
    ('x = """\n""" + f()\ny = 1\n', 1, 'x = """\n""" + f()  # noqa: ASR101\ny = 1\n'),
    ("x = f(\n    1)\n", 1, "x = f(  # noqa: ASR101\n    1)\n"),
    ("x = f()   \r\n", 1, "x = f()  # noqa: ASR101\r\n"),
    ("x = f()", 1, "x = f()  # noqa: ASR101"),
])
def test_noqa_edit(text: str, line: int, expected: str) -> None:
    edit = noqa_edit(text, line, "ASR101")
    assert edit is not None
    lines = Lines(text, "utf-32")
    start, end = lines.offset(lines.position(*edit.start)), lines.offset(lines.position(*edit.end))
    assert text[:start] + edit.new_text + text[end:] == expected
    assert noqa_edit("x = f()  # noqa\n", 1, "ASR101") is None


def test_text_edits_and_merging() -> None:
    before, after = "a\nb\nc", "z\na\nb\nC"
    lines = Lines(before, "utf-32")
    text = before
    for edit in reversed(text_edits(before, after)):
        start = lines.offset(lines.position(*edit.start))
        end = lines.offset(lines.position(*edit.end))
        text = text[:start] + edit.new_text + text[end:]
    assert text == after
    assert merge_touching([Edit(1, 4, 1, 14, "asyncio.sleep"), Edit(1, 4, 1, 4, "await "),
                           Edit(1, 0, 1, 0, "x")]) == [Edit(1, 0, 1, 0, "x"),
                                                       Edit(1, 4, 1, 14, "await asyncio.sleep")]


def test_left_out_like_checking_the_project(tmp_path: Path) -> None:
    """A file is left out when checking its workspace would not visit it."""
    (tmp_path / ".flake8").write_text(CONFIG, encoding="utf-8")
    for name in ("src/app.py", "generated/deep/x.py", "build/y.py", "src/generated"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    session = Session(["--config", str(tmp_path / ".flake8")])
    assert not session.left_out(str(tmp_path / "src/app.py"), str(tmp_path))
    assert session.left_out(str(tmp_path / "generated/deep/x.py"), str(tmp_path))
    assert session.left_out(str(tmp_path / "src/generated"), str(tmp_path))
    assert not session.left_out("/elsewhere/z.py", str(tmp_path))
    if subprocess.run(["git", "init", "-q", str(tmp_path)], check=False).returncode == 0:
        (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
        assert session.left_out(str(tmp_path / "build/y.py"), str(tmp_path))
        assert not session.left_out(str(tmp_path / "src/app.py"), str(tmp_path))


def test_skipping_physical_lines_changes_no_finding() -> None:
    """The server's shortcut (no noqa in the text: no tokenizing for physical lines)
    reports what the command reports."""
    session = Session(["--isolated", "--extend-select=ASR9"])
    fixtures = sorted((Path(__file__).parent / "fixtures").glob("ASR*.py"))
    assert fixtures
    for fixture in fixtures:
        text = fixture.read_text(encoding="utf-8")
        for variant in (text, text.replace("noqa", "NOQA"), "\n".join(
                line.split("  # ASR")[0] for line in text.splitlines())):
            exact = session.check_text(str(fixture), variant)
            quick = session.check_text(str(fixture), variant, physical_lines=False)
            assert [(f.line, f.col, f.code, f.message) for f in quick] == \
                [(f.line, f.col, f.code, f.message) for f in exact], fixture.name
