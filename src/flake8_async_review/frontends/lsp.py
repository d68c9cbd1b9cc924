"""The language server: ``flake8-async-review lsp`` (stdio; needs the ``lsp`` extra).

Diagnostics are computed in-process, on the editor's unsaved buffer, by the same
:class:`~flake8_async_review.frontends.core.Session` as ``flake8-async-review check``: the same
configuration files, ``select``/``ignore``, ``per-file-ignores``, ``exclude`` and
``# noqa``. Linting runs in a worker thread; a result for a document version that is no
longer current is dropped. Code actions: the rule's fix, "Disable ASRnnn for this
line" (a ``# noqa:`` comment on the line flake8 reads it from) and
``source.fixAll.asr`` (every safe fix, as ``flake8-async-review fix`` applies them).

Positions are converted between the engine's character columns and the position
encoding negotiated with the client (UTF-16 unless the client offers UTF-8 or UTF-32).
The server keeps its own copy of each document and splits lines only at ``\\r\\n``,
``\\r`` and ``\\n``, as the protocol and Python do (a form feed is not a line break).
"""

from __future__ import annotations

import asyncio
import difflib
import fnmatch
import io
import itertools
import logging
import os
import sys
import tempfile
import tokenize
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from flake8.defaults import NOQA_INLINE_REGEXP
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from .. import __version__
from ..analysis import project
from ..analysis.incremental import Reparser
from ..analysis.source import source_lines
from ..engine.violation import Edit, Fix
from ..rules import RULES_BY_CODE
from .core import PARSE_ERRORS, Finding, Session, SourceFile, UsageError, fix_source
from .inputs import default_directory as default_cache_directory
from .reports import rule_url

SECTION = "flake8AsyncReview"
SOURCE = "flake8-async-review"
FIX_ALL_KIND = "source.fixAll.asr"
# A change to one of these re-lints the open documents (.gitignore: git-ignored files
# are left out, as when checking the project).
# Files whose change can change findings: flake8's configuration, file discovery, and
# the dependency declarations the project tier reads (ASR404). fnmatch patterns.
CONFIG_FILES = frozenset({".flake8", "setup.cfg", "tox.ini", "pyproject.toml", ".gitignore",
                          "setup.py", "requirements*.txt"})


def is_config_file(path: str) -> bool:
    name = os.path.basename(path)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in CONFIG_FILES)
_LEVELS = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
DEFAULT_SEVERITY = {"critical": "error", "high": "warning", "medium": "warning", "low": "information"}
_LOG = logging.getLogger(__name__)


# -- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The ``flake8AsyncReview`` settings (initialization options or configuration).

    ``run``: lint on every change (``onType``, debounced by ``debounce`` ms) or only on
    open and save (``onSave``). ``args``: extra flake8 options, as on the command line.
    ``severity``: level per code, code prefix or rule severity. ``docs_url``: the
    documentation site, or a rule page's address with ``{code}`` in it (default: the
    package's documentation site, else a local copy of the page). ``unsafe_fixes``:
    whether ``source.fixAll.asr`` also applies the unsafe fixes (each is always offered
    as a quick fix of its own, marked "(unsafe)").
    """

    run: str = "onType"
    debounce: float = 0.25
    args: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    docs_url: str | None = None
    unsafe_fixes: bool = False

    def updated(self, value: Any) -> tuple[Settings, list[str]]:
        """These settings with a client's JSON object applied, and what was invalid."""
        if not isinstance(value, dict):
            return self, []
        if isinstance(value.get(SECTION), dict):
            value = value[SECTION]
        problems: list[str] = []
        changes: dict[str, Any] = {}
        if "run" in value:
            if value["run"] in ("onType", "onSave"):
                changes["run"] = value["run"]
            else:
                problems.append("run must be onType or onSave")
        if "debounce" in value:
            debounce = value["debounce"]
            if isinstance(debounce, (int, float)) and not isinstance(debounce, bool) \
                    and 0 <= debounce <= 10_000:
                changes["debounce"] = debounce / 1000
            else:
                problems.append("debounce must be a number of milliseconds (0 to 10000)")
        if "args" in value:
            args = value["args"]
            if isinstance(args, list) and all(isinstance(a, str) for a in args):
                changes["args"] = tuple(args)
            else:
                problems.append("args must be a list of strings")
        if "severity" in value:
            severity = value["severity"]
            if isinstance(severity, dict) and all(
                isinstance(k, str) and isinstance(v, str) and v.lower() in _LEVELS
                for k, v in severity.items()
            ):
                changes["severity"] = tuple((k, v.lower()) for k, v in severity.items())
            else:
                problems.append("severity must map codes, prefixes or rule severities to "
                                "error, warning, information or hint")
        for key in ("docsUrl", "docs_url"):
            if key in value:
                url = value[key]
                if url is None or (isinstance(url, str) and url):
                    changes["docs_url"] = url
                else:
                    problems.append(f"{key} must be a URL")
        if "unsafeFixes" in value:
            if isinstance(value["unsafeFixes"], bool):
                changes["unsafe_fixes"] = value["unsafeFixes"]
            else:
                problems.append("unsafeFixes must be true or false")
        return replace(self, **changes), problems

    def level(self, code: str) -> types.DiagnosticSeverity:
        """The longest matching code or prefix wins, then the rule's severity."""
        best: tuple[int, str] | None = None
        for key, level in self.severity:
            key = key.strip().upper()
            if key.startswith("ASR") and code.startswith(key) and (best is None or len(key) > best[0]):
                best = (len(key), level)
        if best is not None:
            return _LEVELS[best[1]]
        rule = RULES_BY_CODE.get(code)
        # A file that does not parse: nothing in it is checked, and it cannot run.
        rule_severity = rule.severity.value if rule is not None else \
            "critical" if code in PARSE_ERRORS else "medium"
        for key, level in self.severity:
            if key.strip().lower() == rule_severity:
                return _LEVELS[level]
        return _LEVELS[DEFAULT_SEVERITY[rule_severity]]


# -- positions -----------------------------------------------------------------------------


def _units(text: str, encoding: str) -> int:
    if text.isascii():  # Most lines of code: one unit per character in every encoding.
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _content(line: str) -> str:
    return line.rstrip("\r\n")


class Lines:
    """A text's lines as the protocol counts them, and conversions between 1-based
    lines with character columns and protocol positions in an encoding."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self.encoding = encoding
        self.lines = source_lines(text)
        # The offset in the text of each line's start (and of the text's end).
        self.starts = list(itertools.accumulate(map(len, self.lines), initial=0))

    def position(self, line: int, col: int) -> types.Position:
        """Protocol position of 1-based ``line``, character ``col``."""
        index = line - 1
        if index >= len(self.lines):
            if self.lines and not self.lines[-1].endswith(("\n", "\r")):
                last = _content(self.lines[-1])
                return types.Position(len(self.lines) - 1, _units(last, self.encoding))
            return types.Position(len(self.lines), 0)
        content = _content(self.lines[index])
        return types.Position(index, _units(content[:max(col, 0)], self.encoding))

    def range(self, start: tuple[int, int], end: tuple[int, int]) -> types.Range:
        return types.Range(self.position(*start), self.position(*end))

    def char_col(self, position: types.Position) -> tuple[int, int]:
        """1-based line and character column of a protocol position."""
        if position.line >= len(self.lines):
            return (position.line + 1, 0)
        content = _content(self.lines[position.line])
        if self.encoding == types.PositionEncodingKind.Utf32:
            return (position.line + 1, min(position.character, len(content)))
        units = 0
        for col, ch in enumerate(content):
            if units >= position.character:
                return (position.line + 1, col)
            units += _units(ch, self.encoding)
        return (position.line + 1, len(content))

    def offset(self, position: types.Position) -> int:
        if position.line >= len(self.lines):
            return len(self.text)
        line, col = self.char_col(position)
        return self.starts[line - 1] + col


def apply_change(text: str, change: Any, encoding: str) -> str:
    """A document's text after one ``didChange`` content change."""
    change_range = getattr(change, "range", None)
    if change_range is None:
        return str(change.text)
    lines = Lines(text, encoding)
    start, end = lines.offset(change_range.start), lines.offset(change_range.end)
    return text[:start] + str(change.text) + text[max(start, end):]


# -- edits ----------------------------------------------------------------------------------


def noqa_edit(text: str, line: int, code: str) -> Edit | None:
    """The edit that silences ``code`` on 1-based ``line``: the code added to the
    ``# noqa:`` comment flake8 reads for that line, or a new comment at the end of the
    line that ends the statement's physical line range (a multi-line string's last
    line). None when a bare ``# noqa`` already covers the line."""
    lines = source_lines(text)
    low, high = line, line
    comments: list[tokenize.TokenInfo] = []
    try:
        start = len(lines) + 2
        end = -1
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            if token.type == tokenize.COMMENT:
                comments.append(token)
            start, end = min(start, token.start[0]), max(end, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                if start <= line <= end:
                    low, high = start, end
                    break
                start, end = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        comments = []
    for comment in comments:
        if not low <= comment.start[0] <= high:
            continue
        match = NOQA_INLINE_REGEXP.search(comment.string)
        if match is None:
            continue
        if match.group("codes") is None:
            return None
        codes_end = match.start("codes") + len(match.group("codes").rstrip(", \t"))
        col = comment.start[1] + codes_end
        return Edit(comment.start[0], col, comment.start[0], col, f",{code}")
    if high - 1 >= len(lines):
        high = len(lines)
    content = _content(lines[high - 1]) if lines else ""
    col = len(content.rstrip())
    return Edit(high, col, high, len(content), f"  # noqa: {code}")


def merge_touching(edits: Iterable[Edit]) -> list[Edit]:
    """Edits in order, identical ones once, and an edit that ends where the next one
    starts merged with it (an insertion at the start of a replacement is one edit:
    clients disagree on the order of edits that share a position)."""
    merged: list[Edit] = []
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end)):
        if merged and merged[-1].end == edit.start:
            previous = merged.pop()
            edit = Edit(*previous.start, *edit.end, previous.new_text + edit.new_text)
        merged.append(edit)
    return merged


def text_edits(before: str, after: str) -> list[Edit]:
    """Line-wise edits that turn ``before`` into ``after`` (smaller than one edit
    replacing everything, so an editor keeps its cursor and folds)."""
    old, new = source_lines(before), source_lines(after)

    def at(index: int) -> tuple[int, int]:
        if index < len(old):
            return (index + 1, 0)
        if old and not old[-1].endswith(("\n", "\r")):
            return (len(old), len(old[-1]))
        return (len(old) + 1, 0)

    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(*at(i1), *at(i2), "".join(new[j1:j2])))
    return edits


# -- the server --------------------------------------------------------------------------------


@dataclass
class Document:
    uri: str
    path: str
    text: str
    version: int | None


@dataclass
class Linted:
    version: int | None
    text: str
    findings: list[Finding]
    session: Session | None


@dataclass
class _SessionCache:
    sessions: dict[tuple[Any, ...], Session] = field(default_factory=dict)

    def get(self, directory: str, args: Sequence[str]) -> Session:
        from flake8.options import config

        if any(a in ("--isolated", "--config") or a.startswith("--config=") for a in args):
            argv, config_file = list(args), None
        else:
            config_file = config._find_config_file(directory)
            argv = ["--config", config_file, *args] if config_file else ["--isolated", *args]
        stamp = _mtime(config_file) if config_file else None
        key = (tuple(argv), stamp)
        session = self.sessions.get(key)
        if session is None:
            session = self.sessions[key] = Session(argv)
            session.use_cache(default_cache_directory(), snapshot=False)  # Off if unwritable.
            session.reparser = Reparser()  # Each edit parses what it changed.
        return session

    def clear(self) -> None:
        self.sessions.clear()


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def uri_to_path(uri: str) -> str | None:
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = urllib.request.url2pathname(urllib.parse.unquote(parsed.path))
    if parsed.netloc and os.name == "nt":
        path = f"//{parsed.netloc}{path}"
    return os.path.normpath(path)


_UNREADABLE = object()


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, answering a request it cannot read with an error response
    (pygls only logs it, and the client would wait for an answer forever)."""

    def structure_message(self, data: Any) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_data(types.ResponseErrorMessage(
                    id=data["id"], error=error.to_response_error()))
                return _UNREADABLE
            raise

    def handle_message(self, message: Any) -> None:
        if message is not _UNREADABLE:
            super().handle_message(message)


class AsrLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, protocol_cls=_Protocol)
        self.settings = Settings()
        self.documents: dict[str, Document] = {}
        self.results: dict[str, Linted] = {}
        self.tasks: dict[str, asyncio.Future[None]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr-lint")
        self.session_cache = _SessionCache()
        self.reported_errors: set[str] = set()
        self.left_out: dict[str, bool] = {}  # Path -> left out of the project's check.
        self.docs_dir: str | None = None
        self._hrefs: dict[tuple[str, str | None, str | None], str | None] = {}
        # Per open document, its last diagnostics by what each was made from.
        self.published: dict[str, dict[tuple[Any, ...], types.Diagnostic]] = {}

    # -- plumbing --------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def apply_settings(self, value: Any) -> None:
        self.settings, problems = self.settings.updated(value)
        for problem in problems:
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning, message=f"{SOURCE}: setting ignored: {problem}"))

    def root_for(self, path: str) -> str:
        """The workspace folder holding ``path`` (where ``check`` would run), or its
        directory."""
        best = ""
        for folder in self.workspace.folders.values():
            root = uri_to_path(folder.uri)
            if root and (path == root or path.startswith(root.rstrip(os.sep) + os.sep)) \
                    and len(root) > len(best):
                best = root
        if not best and self.workspace.root_path and path.startswith(
                self.workspace.root_path.rstrip(os.sep) + os.sep):
            best = self.workspace.root_path
        return best or os.path.dirname(path)

    # -- linting ---------------------------------------------------------------------------

    def lint(self, path: str, text: str) -> tuple[list[Finding], Session | None]:
        """Findings for a text as the file ``path`` (runs in the worker thread)."""
        root = self.root_for(path)
        session = self.session_cache.get(root, self.settings.args)
        left_out = self.left_out.get(path)
        if left_out is None:
            left_out = self.left_out[path] = os.path.isabs(path) and session.left_out(path, root)
        if left_out:
            return [], session
        findings = [f for f in session.check_text_cached(path, text, physical_lines=False)
                    if f.code.startswith("ASR") or f.parse_error]
        return findings, session

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        previous = self.tasks.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.tasks[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        await self.current_result(uri, publish=True)

    async def current_result(self, uri: str, publish: bool = False) -> Linted | None:
        """The findings of a document's current version (linted now if need be);
        None when the document is closed or changed meanwhile."""
        document = self.documents.get(uri)
        if document is None:
            return None
        known = self.results.get(uri)
        if known is not None and known.version == document.version and known.text == document.text \
                and not publish:
            return known
        version, text = document.version, document.text
        loop = asyncio.get_running_loop()
        try:
            findings, session = await loop.run_in_executor(self.executor, self.lint, document.path, text)
        except UsageError as error:
            message = f"{SOURCE}: {error}"
            if message not in self.reported_errors:
                self.reported_errors.add(message)
                self.window_show_message(types.ShowMessageParams(
                    type=types.MessageType.Error, message=message))
            findings, session = [], None
        except Exception as error:  # A bug must not take the server down.
            _LOG.exception("linting %s failed", uri)
            self.log(f"linting {uri} failed: {error.__class__.__name__}: {error}",
                     types.MessageType.Error)
            findings, session = [], None
        current = self.documents.get(uri)
        if current is None or current.version != version or current.text != text:
            self.log(f"dropped the diagnostics of {uri} version {version}: the document "
                     f"is now at version {current.version if current else 'closed'}")
            return None
        linted = self.results[uri] = Linted(version, text, findings, session)
        if publish:
            self.publish(uri, linted)
        return linted

    def publish(self, uri: str, linted: Linted) -> None:
        lines = Lines(linted.text, self.encoding)
        # An edit changes few findings: the others are the diagnostics published last
        # time, when the lines their positions are read from did not change either.
        previous = self.published.get(uri, {})
        kept: dict[tuple[Any, ...], types.Diagnostic] = {}
        diagnostics = []
        for finding in linted.findings:
            key = self.diagnostic_key(finding, lines)
            diagnostic = previous.get(key) if key is not None else None
            if diagnostic is None:
                diagnostic = self.diagnostic(finding, lines)
            if key is not None:
                kept[key] = diagnostic
            diagnostics.append(diagnostic)
        self.published[uri] = kept
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=diagnostics, version=linted.version))

    def diagnostic_key(self, finding: Finding, lines: Lines) -> tuple[Any, ...] | None:
        """What a finding's diagnostic is made from: the finding, the settings and the
        lines its positions are counted on (None when one is past the text's end)."""
        violation = finding.violation
        numbers = [finding.line] if violation is None else [violation.line, violation.end_line]
        if violation is not None and violation.fix is not None:
            for edit in violation.fix.edits:
                numbers += (edit.start_line, edit.end_line)
        count = len(lines.lines)
        if not all(1 <= number <= count for number in numbers):
            return None
        return (finding, self.settings, self.docs_dir, lines.encoding,
                tuple(lines.lines[number - 1] for number in numbers))

    def finding_range(self, finding: Finding, lines: Lines) -> types.Range:
        violation = finding.violation
        if violation is not None:
            return lines.range((violation.line, violation.col), (violation.end_line, violation.end_col))
        line = max(finding.line, 1)  # flake8 reports a file it cannot read at line 0.
        line_text = _content(lines.lines[line - 1]) if line <= len(lines.lines) else ""
        return lines.range((line, finding.start_col), (line, len(line_text)))

    def diagnostic(self, finding: Finding, lines: Lines) -> types.Diagnostic:
        fix = finding.violation.fix if finding.violation is not None else None
        data: dict[str, Any] = {"fix": None}
        if fix is not None:
            data["fix"] = {
                "description": fix.description, "safe": fix.safe,
                "edits": [{"range": _range_json(lines.range(e.start, e.end)), "newText": e.new_text}
                          for e in fix.edits],
            }
        href = self.docs_href(finding.code)
        return types.Diagnostic(
            range=self.finding_range(finding, lines),
            message=finding.message,
            severity=self.settings.level(finding.code),
            code=finding.code,
            code_description=types.CodeDescription(href=href) if href else None,
            source=SOURCE,
            data=data,
        )

    def docs_href(self, code: str) -> str | None:
        """The rule's web page (``docsUrl``, else the package's documentation site),
        else the local copy of its page. Worked out once per code and place: every
        diagnostic of every publication carries one, and the package's documentation
        site is read from its installed metadata."""
        key = (code, self.settings.docs_url, self.docs_dir)
        if key not in self._hrefs:
            self._hrefs[key] = self._docs_href(code)
        return self._hrefs[key]

    def _docs_href(self, code: str) -> str | None:
        if RULES_BY_CODE.get(code) is None:
            return None
        url = rule_url(code, self.settings.docs_url)
        if url is not None:
            return url
        if not self.docs_dir:
            return None
        return _path_uri(os.path.join(self.docs_dir, f"{code}.md"))

    def clear_caches(self) -> None:
        project.clear_cache()
        self.session_cache.clear()
        self.left_out.clear()
        self.reported_errors.clear()

    def relint_all(self) -> None:
        for uri in list(self.documents):
            self.schedule(uri)

    # -- code actions ------------------------------------------------------------------------

    def workspace_edit(self, uri: str, version: int | None, edits: Iterable[Edit],
                       lines: Lines) -> types.WorkspaceEdit:
        text_edits_ = [types.TextEdit(range=lines.range(e.start, e.end), new_text=e.new_text)
                       for e in merge_touching(edits)]
        capabilities = self.client_capabilities
        document_changes = bool(
            capabilities.workspace and capabilities.workspace.workspace_edit
            and capabilities.workspace.workspace_edit.document_changes
        )
        if document_changes:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=list(text_edits_),
            )])
        return types.WorkspaceEdit(changes={uri: list(text_edits_)})

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        linted = await self.current_result(uri)
        if linted is None:
            return None
        only = params.context.only

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

        lines = Lines(linted.text, self.encoding)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        actions: list[types.CodeAction] = []
        noqa_allowed = linted.session is not None and not linted.session.options.disable_noqa
        if wanted(types.CodeActionKind.QuickFix):
            for finding in linted.findings:
                violation = finding.violation
                end_line = violation.end_line if violation is not None else finding.line
                if end_line < first or finding.line > last:
                    continue
                diagnostic = self.diagnostic(finding, lines)
                if violation is not None and violation.fix is not None:
                    actions.append(self.fix_action(uri, linted, violation.fix, diagnostic, lines))
                edit = noqa_edit(linted.text, finding.line, finding.code) \
                    if noqa_allowed and not finding.parse_error else None
                if edit is not None:
                    actions.append(types.CodeAction(
                        title=f"Disable {finding.code} for this line",
                        kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                        edit=self.workspace_edit(uri, linted.version, [edit], lines),
                    ))
        preferred = any(a.kind == types.CodeActionKind.QuickFix and a.is_preferred for a in actions)
        if (only and wanted(FIX_ALL_KIND)) or (not only and preferred):
            fix_all = await self.fix_all_action(uri, linted, lines)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def fix_action(self, uri: str, linted: Linted, fix: Fix, diagnostic: types.Diagnostic,
                   lines: Lines) -> types.CodeAction:
        title = f"{diagnostic.code}: {fix.description}" + ("" if fix.safe else " (unsafe)")
        return types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            is_preferred=fix.safe, edit=self.workspace_edit(uri, linted.version, fix.edits, lines),
        )

    async def fix_all_action(self, uri: str, linted: Linted, lines: Lines) -> types.CodeAction | None:
        session = linted.session
        unsafe = self.settings.unsafe_fixes
        if session is None or not any(f.violation is not None and f.violation.fix is not None
                                      and (unsafe or f.violation.fix.safe) for f in linted.findings):
            return None
        document = self.documents[uri]
        source = SourceFile(document.path, linted.text, "utf-8", False)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.executor, fix_source, session, source, unsafe)
        if result.refused is not None or not result.changed:
            return None
        including = " (including unsafe fixes)" if unsafe else ""
        return types.CodeAction(
            title=f"Fix all auto-fixable {SOURCE} problems{including}", kind=FIX_ALL_KIND,
            edit=self.workspace_edit(uri, linted.version, text_edits(linted.text, result.fixed), lines),
        )


def _range_json(value: types.Range) -> dict[str, Any]:
    return {"start": {"line": value.start.line, "character": value.start.character},
            "end": {"line": value.end.line, "character": value.end.character}}


def _path_uri(path: str) -> str:
    from pathlib import Path

    return str(Path(path).resolve().as_uri())


def _write_rule_pages() -> str:
    """Write the rule pages of this version to a cache directory (the default target
    of ``codeDescription.href``); '' when that is impossible."""
    from .rule_docs import expected_pages

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for root in (base, tempfile.gettempdir()):
        directory = os.path.join(root, SOURCE, __version__, "rules")
        try:
            os.makedirs(directory, exist_ok=True)
            for name, text in expected_pages().items():
                page = os.path.join(directory, name)
                if not os.path.exists(page) or "dev" in __version__:
                    with open(page, "w", encoding="utf-8") as handle:
                        handle.write(text)
            return directory
        except OSError:
            continue
    return ""


# -- feature registration -------------------------------------------------------------------


def build_server() -> AsrLanguageServer:
    # Other modules of the project change while the server runs: look again after a second.
    project.RECHECK_SECONDS = 1.0
    server = AsrLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AsrLanguageServer, params: types.InitializeParams) -> None:
        ls.apply_settings(params.initialization_options)
        ls.docs_dir = _write_rule_pages()  # Before any document is opened: a few small files.

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AsrLanguageServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watch = capabilities and capabilities.did_change_watched_files
        if watch and watch.dynamic_registration:
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="flake8-async-review-config",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                            types.FileSystemWatcher(glob_pattern=f"**/{name}")
                            for name in sorted(CONFIG_FILES)
                        ]),
                    )
                ]))
            except Exception as error:  # The client may refuse; saving still works.
                ls.log(f"could not watch configuration files: {error}")
        await pull_configuration(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsrLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = uri_to_path(item.uri) or os.path.join(os.getcwd(), "untitled.py")
        ls.documents[item.uri] = Document(item.uri, path, item.text, item.version)
        ls.schedule(item.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsrLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        for change in params.content_changes:
            document.text = apply_change(document.text, change, ls.encoding)
        document.version = params.text_document.version
        if ls.settings.run == "onType":
            ls.schedule(document.uri, ls.settings.debounce)
        else:
            pending = ls.tasks.pop(document.uri, None)
            if pending is not None:
                pending.cancel()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: AsrLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if path is not None and is_config_file(path):
            ls.clear_caches()
            ls.relint_all()
        elif uri in ls.documents:
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsrLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls.tasks.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.documents.pop(uri, None)
        ls.results.pop(uri, None)
        ls.published.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: AsrLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
            ls.apply_settings(settings[SECTION])
        else:
            await pull_configuration(ls)
        ls.clear_caches()
        ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: AsrLanguageServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        if any(is_config_file(uri_to_path(change.uri) or "") for change in params.changes):
            ls.clear_caches()
            ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    async def code_action(
        ls: AsrLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        return await ls.code_actions(params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AsrLanguageServer, params: None) -> None:
        for task in ls.tasks.values():
            task.cancel()
        ls.executor.shutdown(wait=False, cancel_futures=True)

    return server


async def pull_configuration(ls: AsrLanguageServer) -> None:
    capabilities = ls.client_capabilities.workspace
    if not (capabilities and capabilities.configuration):
        return
    try:
        values = await ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=SECTION)]))
    except Exception as error:
        ls.log(f"workspace/configuration failed: {error}")
        return
    if values and isinstance(values[0], dict):
        ls.apply_settings(values[0])


def main() -> int:
    """Serve on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format=f"{SOURCE} lsp: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Standard output carries the protocol: whatever else prints (another flake8
    # plugin parsing its options, a warning) goes to standard error instead.
    sys.stdout = sys.stderr
    build_server().start_io(stdin, stdout)
    return 0
