"""What a file's ASR diagnostics are, decided by flake8's own machinery; fixing files.

The command line (and later an editor integration) needs the exact set of diagnostics
``flake8 --select ASR`` reports: flake8's configuration discovery, ``select``/``ignore``
and their ``extend-`` forms, ``per-file-ignores``, ``# noqa`` (including on multi-line
strings) and ``# flake8: noqa``. Nothing of that is reimplemented here. A
:class:`Session` lets flake8 parse the command line and the configuration files, keeps
only this project's tree plugin (so pycodestyle and pyflakes do not run), runs files
through flake8's ``FileChecker`` and sends every result through flake8's style guide.
What the style guide lets through is matched back to the engine's
:class:`~flake8_async_review.engine.violation.Violation` objects, which carry end positions
and fixes.

Fixing (:func:`fix_file`) reads a file with its encoding and BOM, applies the fixes of
the reported diagnostics round after round, re-checks the result and writes it back
atomically with the same encoding, BOM and line endings, or refuses to.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import configparser
import functools
import io
import logging
import os
import re
import tempfile
import tokenize
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..analysis.incremental import Reparser, parse
from ..analysis.source import paused_collection, source_lines
from ..engine.fixes import MAX_ROUNDS, apply_fixes, fixable
from ..engine.violation import Violation
from .flake8_plugin import Plugin, linter_for
from .inputs import git, git_files, walk_listing

if TYPE_CHECKING:
    from ..engine.linter import Linter
    from .cache import ResultCache

CODE_PREFIX = "ASR"
# flake8's codes for a file it could not check: E999 it does not parse (a syntax error,
# NUL bytes, random bytes), E902 it cannot be read. Reported whatever the selection,
# with a name for the reports.
PARSE_ERRORS = {"E999": "syntax-error", "E902": "unreadable-file"}


class UsageError(Exception):
    """A bad command line or configuration: reported as one line, exit status 2."""


# -- diagnostics ---------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One reported diagnostic: flake8's view of it plus the engine's violation.

    ``line`` is 1-based, ``col`` 0-based in characters, as the plugin yields them
    (flake8 prints ``col + 1``). ``violation`` carries the end position and the fix.
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    physical_line: str | None
    violation: Violation | None

    @property
    def start_col(self) -> int:
        """The 0-based column where the finding starts. flake8 gives a syntax error's
        column as Python does, 1-based (and so prints one more)."""
        return max(self.col - 1, 0) if self.code == "E999" else self.col

    @property
    def parse_error(self) -> bool:
        """Whether this reports a file that could not be checked (E999, E902)."""
        return self.code in PARSE_ERRORS

    @property
    def flake8_error(self) -> Any:
        """The finding as a ``flake8.violation.Violation`` (for flake8's formatters)."""
        from flake8.violation import Violation as Flake8Violation

        return Flake8Violation(
            self.code, self.path, self.line, self.col + 1,
            self.message, self.physical_line,
        )


@dataclass
class FileReport:
    """A file's findings; ``checked`` is False when it could not be parsed or read."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    checked: bool = True


# -- flake8 options and plugins -----------------------------------------------------------


def _usage_error(message: str) -> NoReturn:
    raise UsageError(message)


def names_asr(selection: Iterable[str] | None) -> bool:
    """Whether a ``select`` list selects some ASR code (``A``, ``AS``, ``ASR1``, …)."""
    return any(
        item and (item.startswith(CODE_PREFIX) or CODE_PREFIX.startswith(item))
        for item in (s.strip() for s in (selection or ()))
    )


def _parse_flake8_args(argv: Sequence[str]) -> tuple[Any, argparse.Namespace]:
    """flake8's ``parse_args`` (7.0 to 7.5), with two changes: argument errors raise
    :class:`UsageError` instead of printing flake8's usage, and when neither the command
    line nor the configuration selects an ASR code, the selection is ``ASR``, as if
    ``--select ASR`` had been given."""
    import flake8
    from flake8.main import options as flake8_options
    from flake8.options import aggregator, config, manager
    from flake8.plugins import finder

    prelim_parser = flake8_options.stage1_arg_parser()
    prelim_parser.error = _usage_error
    args0, rest = prelim_parser.parse_known_args(argv)
    cfg, cfg_dir = config.load_config(
        config=args0.config, extra=args0.append_config, isolated=args0.isolated
    )
    plugin_opts = finder.parse_plugin_options(
        cfg, cfg_dir, enable_extensions=args0.enable_extensions,
        require_plugins=args0.require_plugins,
    )
    plugins = finder.load_plugins(finder.find_plugins(cfg, plugin_opts), plugin_opts)
    option_manager = manager.OptionManager(
        version=flake8.__version__,
        plugin_versions=plugins.versions_str(),
        parents=[prelim_parser],
        formatter_names=list(plugins.reporters),
    )
    option_manager.parser.error = _usage_error
    flake8_options.register_default_options(option_manager)
    option_manager.register_plugins(plugins)
    options = aggregator.aggregate_options(option_manager, cfg, cfg_dir, rest)
    if not names_asr(options.select):
        options.select = [CODE_PREFIX]
    for loaded in plugins.all_plugins():
        parse_options = getattr(loaded.obj, "parse_options", None)
        if parse_options is None or loaded.obj is Plugin:  # A session has its own linter.
            continue
        try:
            parse_options(option_manager, options, options.filenames)
        except TypeError:
            parse_options(options)
    return plugins, options


class _Recorder:
    """The tree plugin a session runs: the ASR rules, keeping the engine's violations
    (with their fixes) per file, and yielding to flake8 what the plugin yields."""

    def __init__(self, linter: Callable[[], Linter]) -> None:
        self.linter = linter
        self.recorded: dict[str, list[Violation]] = {}

    def __call__(
        self, tree: ast.AST, lines: Sequence[str], filename: str
    ) -> list[tuple[int, int, str, type[Plugin]]]:
        if not isinstance(tree, ast.Module):
            return []
        violations = self.linter().lint(tree, lines, filename)
        self.recorded[filename] = violations
        return [(v.line, v.col, v.flake8_text, Plugin) for v in violations]


class Session:
    """flake8's options and configuration, resolved once for a run.

    ``argv`` is a flake8 command line (options and paths), read exactly as flake8 reads
    it. Raises :class:`UsageError` on bad arguments or configuration. ``linter``: the
    linter to run instead of the one the options ask for.

    The options' linter is built when a file is first checked: a run whose results all
    come from the cache imports no rule.
    """

    def __init__(self, argv: Sequence[str], linter: Linter | None = None) -> None:
        from flake8.exceptions import Flake8Exception
        from flake8.plugins.finder import Checkers, LoadedPlugin

        self.argv = list(argv)
        try:
            plugins, options = _parse_flake8_args(self.argv)
        except (Flake8Exception, configparser.Error) as error:
            raise UsageError(_one_line(str(error))) from None
        ours = [p for p in plugins.checkers.tree if p.obj is Plugin]
        if not ours:
            raise UsageError("the ASR plugin is not registered with flake8 "
                             "(is flake8-async-review installed?)")
        self.plugins = plugins
        self.options = options
        self._linter = linter
        self._custom_linter = linter is not None
        self.recorder = _Recorder(lambda: self.linter)
        asr: LoadedPlugin = ours[0]
        self.checkers = Checkers(
            tree=[LoadedPlugin(asr.plugin, self.recorder, asr.parameters)],
            logical_line=[], physical_line=[],
        )
        self._guide: Any = None
        self._parse_guide: Any = None
        self._collector: Any = None
        self.cache: ResultCache | None = None
        # Set by an editor, which checks successive versions of the same texts: each
        # is parsed from the last one (see analysis.incremental).
        self.reparser: Reparser | None = None
        self.discovered_from: dict[str, Any] | None = None  # Set by discover().

    @property
    def linter(self) -> Linter:
        """The linter that checks files (the options', built at first use)."""
        if self._linter is None:
            self._linter = linter_for(self.options)
        return self._linter

    def use_cache(self, directory: str, snapshot: bool = True) -> str | None:
        """Reuse results from the cache in ``directory`` (see :mod:`.cache`). Returns
        why the cache cannot be used (it is then off), or None."""
        from .cache import ResultCache

        cache = ResultCache(directory, self.options, snapshot=snapshot,
                            linter=self.linter if self._custom_linter else None)
        problem = cache.check_writable()
        if problem is not None:
            return f"cannot write the cache in {cache.directory} ({problem}); checking without it"
        self.cache = cache
        return None

    # -- file discovery ---------------------------------------------------------------

    @property
    def paths(self) -> list[str]:
        return list(self.options.filenames) or ["."]

    def discover(self, paths: Sequence[str] | None = None) -> list[str]:
        """The files flake8 would check for these paths (``exclude``, ``extend-exclude``
        and ``filename`` patterns), less git-ignored files found walking directories."""
        from flake8 import utils

        patterns = self.options.filename
        paths = list(paths) if paths is not None else self.paths
        for path in paths:
            if path != "-" and not os.path.exists(path):
                raise UsageError(f"{path}: no such file or directory")
        ignored = GitIgnored.for_directory(os.getcwd())
        excluded = self.excluded
        # What the files found depend on besides the options: git's listing, and the
        # names in each directory walked (see replay.py).
        walked: dict[str, str] = {}
        self.discovered_from = {"git": [ignored.top, ignored.fingerprint], "walked": walked}

        found: list[str] = []
        for path in paths:
            if path == "-" or not os.path.isdir(path):
                if path == "-" or not excluded(path):
                    found.append(path)
                continue
            if excluded(path):
                continue
            # A directory named on the command line is walked even when git ignores it
            # (then nothing below it is skipped for git's sake).
            skip = GitIgnored(None, set()) if ignored.directory(path) else ignored
            for root, directories, files in os.walk(path):
                walked[root] = walk_listing(
                    [*(f"d:{d}" for d in directories), *(f"f:{f}" for f in files)])
                directories[:] = sorted(
                    d for d in directories
                    if not excluded(os.path.join(root, d))
                    and not skip.directory(os.path.join(root, d))
                )
                for name in sorted(files):
                    joined = os.path.join(root, name)
                    if (not excluded(joined) and utils.fnmatch(joined, patterns)
                            and not skip.file(joined)):
                        found.append(joined)
        return list(dict.fromkeys(found))

    def excluded(self, path: str) -> bool:
        """Whether flake8's ``exclude`` and ``extend-exclude`` patterns exclude a path
        (a file named on the command line is excluded too)."""
        from flake8 import utils

        return bool(utils.matches_filename(
            path, patterns=[*self.options.exclude, *self.options.extend_exclude],
            log_message='"%(path)s" has %(whether)sbeen excluded', logger=_LOG,
        ))

    def left_out(self, path: str, root: str) -> bool:
        """Whether checking the directory ``root`` leaves the file ``path`` out (an
        editor shows what checking the project reports): the file or a directory
        between ``root`` and it is excluded, or git ignores the file. A file outside
        ``root`` is never left out."""
        path, root = os.path.abspath(path), os.path.abspath(root)
        if os.path.commonpath([path, root]) != root or path == root:
            return False
        directory = os.path.dirname(path)
        while directory != root and directory.startswith(root):
            if self.excluded(directory):
                return True
            directory = os.path.dirname(directory)
        if self.excluded(path):
            return True
        try:
            ignored = git(["check-ignore", "-q", "--", path], cwd=os.path.dirname(path))
        except OSError:  # No git at all.
            return False
        return ignored.returncode == 0

    # -- checking ------------------------------------------------------------------------

    def run_file(
        self, filename: str, lines: list[str] | None = None, physical_lines: bool = True,
    ) -> tuple[str, list[Any], list[Violation]]:
        """flake8's raw results for one file (before noqa and selection), and the
        engine's violations for it. ``physical_lines=False``: a caller that does not
        show findings' physical lines spares flake8 tokenizing the whole text to map
        multi-line strings when the text has no ``noqa`` (then nothing can be
        silenced, and each finding's physical line is just its own line)."""
        checker = _file_checker(filename=filename, plugins=self.checkers, options=self.options,
                               lines=lines, physical_lines=physical_lines,
                               reparser=self.reparser if lines is not None else None)
        # No cyclic garbage collection while one file is checked: its tree and what
        # the rules build are freed by reference counting when the file is done, and
        # a collection in between would only traverse them (and promote them, to be
        # traversed again by older generations' collections).
        with paused_collection():
            display_name, results, _ = checker.run_checks()
        violations = self.recorder.recorded.pop(display_name, [])
        return display_name, results, violations

    def select(self, display_name: str, results: list[Any],
               violations: Sequence[Violation]) -> list[Finding]:
        """What flake8's style guide reports of a file's raw results (noqa,
        per-file-ignores, selection), in flake8's order, matched to the violations.

        A file that does not parse (E999) or cannot be read (E902) is reported even
        though the selection is ASR: otherwise it would pass as clean. Its error goes
        through a style guide that also selects these two codes, so an ignore that
        names one of them (``--extend-ignore=E999``, ``per-file-ignores``) and
        ``# noqa`` still silence it."""
        from flake8.style_guide import StyleGuideManager

        if self._guide is None:
            self._collector = _Collector(self.options)
            self._guide = StyleGuideManager(self.options, self._collector)
            parse_options = argparse.Namespace(**vars(self.options))
            parse_options.select = [*(self.options.select or []), *PARSE_ERRORS]
            self._parse_guide = StyleGuideManager(parse_options, self._collector)
        by_key = {(v.line, v.col, v.code, v.message): v for v in violations}
        collected = self._collector.errors
        collected.clear()
        for guide, of_guide in ((self._parse_guide, [r for r in results if r[0] in PARSE_ERRORS]),
                                (self._guide, [r for r in results if r[0] not in PARSE_ERRORS])):
            if not of_guide:
                continue
            with guide.processing_file(display_name):
                for code, line, col, text, physical_line in sorted(of_guide,
                                                                   key=lambda r: (r[1], r[2])):
                    guide.handle_error(code, display_name, line, col, text, physical_line)
        findings = []
        for error in collected:
            message = error.text[len(error.code) + 1:] if error.text.startswith(error.code + " ") \
                else error.text
            col = error.column_number - 1
            findings.append(Finding(
                path=error.filename, line=error.line_number, col=col, code=error.code,
                message=message, physical_line=error.physical_line,
                violation=by_key.get((error.line_number, col, error.code, message)),
            ))
        collected.clear()
        return findings

    def check_text(self, filename: str, text: str, physical_lines: bool = True) -> list[Finding]:
        """The findings of a source text as if it were the file ``filename``."""
        if self.cache is not None and not self.cache.snapshot:
            self._inputs_now(filename)
        display_name, results, violations = self.run_file(filename, flake8_lines(text),
                                                          physical_lines)
        return self.select(display_name, results, violations)

    def check_text_cached(self, filename: str, text: str,
                          physical_lines: bool = True) -> list[Finding]:
        """:meth:`check_text`, with the results taken from the cache when it holds them
        for this text and its inputs are unchanged (and stored there otherwise)."""
        cache = self.cache
        if cache is None or not filename or filename in ("-", "stdin"):
            return self.check_text(filename, text, physical_lines)
        digest = cache.content_digest(text.encode("utf-8", "surrogatepass"))
        key = cache.key(filename, digest, f"text:{int(physical_lines)}")
        hit = cache.lookup(filename, key)
        if hit is not None:
            return self.select(*hit)
        before = self._inputs_now(filename) if not cache.snapshot else cache.inputs(filename)
        raw = self.run_file(filename, flake8_lines(text), physical_lines)
        if _saved(filename, text):  # Not every keystroke's text: only the file's own.
            cache.store(filename, key, None, raw, before)
        return self.select(*raw)

    def _inputs_now(self, filename: str) -> dict[str, Any] | None:
        """A long-lived process's cache: the inputs of a file now. When the project (or
        another input) changed since any file was last checked, what the analysis keeps
        for the process is forgotten first, so that the check reads what is on disk."""
        assert self.cache is not None
        self.cache.fresh()
        inputs = self.cache.inputs(filename)
        if self.cache.changed_since_last_look(inputs):
            from ..analysis import project

            project.clear_cache()
        return inputs

    def check_files(
        self, filenames: Sequence[str], jobs: int = 1,
        progress: Callable[[int, int], None] | None = None, physical_lines: bool = True,
    ) -> list[FileReport]:
        """Check files (in parallel when ``jobs`` > 1), in flake8's order; with a
        cache, only the files it holds no valid results for. ``physical_lines=False``:
        the report does not show findings' physical lines (see :meth:`run_file`)."""
        raw: list[tuple[str, list[Any], list[Violation]]] = []
        total = len(filenames)
        pending: dict[str, tuple[str, str, dict[str, Any] | None]] = {}
        cache = self.cache
        if cache is not None:
            cache.begin()
            filenames = self._from_cache(cache, filenames, raw, pending, physical_lines)
            if progress is not None and raw:
                progress(len(raw), total)
        offset = len(raw)
        counted = None if progress is None else (
            lambda done, _: progress(offset + done, total))
        if jobs > 1 and len(filenames) > 1 and "-" not in filenames:
            fresh = _run_parallel(self, filenames, jobs, counted, physical_lines)
        else:
            fresh = []
            for done, filename in enumerate(filenames, start=1):
                fresh.append(self.run_file(filename, physical_lines=physical_lines))
                if counted is not None:
                    counted(done, total)
        if cache is not None:
            for item in fresh:
                if item[0] in pending:
                    key, digest, before = pending[item[0]]
                    cache.store(item[0], key, digest, item, before)
            cache.flush()
        raw += fresh
        raw.sort(key=lambda item: item[0])
        return [FileReport(name, self.select(name, results, violations),
                           checked=not any(r[0] in PARSE_ERRORS for r in results))
                for name, results, violations in raw]

    def _from_cache(
        self, cache: ResultCache, filenames: Sequence[str],
        raw: list[tuple[str, list[Any], list[Violation]]],
        pending: dict[str, tuple[str, str, dict[str, Any] | None]], physical_lines: bool,
    ) -> list[str]:
        """Add the cached results of files to ``raw``; the files left to check (with
        what storing their results needs in ``pending``). Results made without
        physical lines have entries of their own."""
        left = []
        for filename in filenames:
            if filename == "-":
                left.append(filename)
                continue
            digest = cache.file_digest(filename)
            if digest is None:
                left.append(filename)
                continue
            key = cache.key(filename, digest, "file" if physical_lines else "file:no-physical-lines")
            hit = cache.lookup(filename, key, digest)
            if hit is not None and hit[0] == filename:
                raw.append(hit)
                continue
            left.append(filename)
            pending[filename] = (key, digest, cache.inputs(filename))
        return left

    @property
    def jobs(self) -> int:
        """flake8's ``--jobs``: ``auto`` is the number of CPUs."""
        jobs = self.options.jobs
        if jobs.is_auto:
            return os.cpu_count() or 1
        return int(jobs.n_jobs)


_LOG = logging.getLogger(__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _saved(filename: str, text: str) -> bool:
    """Whether a file on disk holds this text (as :class:`SourceFile` reads it)."""
    try:
        return SourceFile.read(filename).text == text
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return False


def _make_file_checker() -> type:
    from flake8.checker import FileChecker
    from flake8.processor import FileProcessor

    class TreeFileChecker(FileChecker):  # type: ignore[misc]
        """flake8's file checker without the token pass: no logical-line or
        physical-line plugin runs, so tokenizing every line would be wasted work
        (noqa lookups tokenize on demand). Can check text given in memory."""

        def __init__(self, *, lines: list[str] | None = None, physical_lines: bool = True,
                     reparser: Reparser | None = None, **kwargs: Any) -> None:
            self._given_lines = lines
            self._physical_lines = physical_lines
            self._reparser = reparser
            super().__init__(**kwargs)

        def _make_processor(self) -> Any:
            if self._given_lines is None:
                processor = super()._make_processor()
            else:
                processor = FileProcessor(self.filename, self.options, lines=list(self._given_lines))
            if (processor is not None and not self._physical_lines
                    and _NOQA_MAPPING in vars(FileProcessor)
                    and not any("noqa" in line.lower() for line in processor.lines)):
                # The cached property flake8 would compute by tokenizing every line.
                vars(processor)[_NOQA_MAPPING] = dict(enumerate(processor.lines, start=1))
            if processor is not None:
                # flake8's ``build_ast`` (``ast.parse`` of the joined lines), with the
                # collector paused, or from the text's last version in an editor.
                # (The processor is referred to weakly: a processor holding a strong
                # reference to itself would be freed, with its lines and tokens, only
                # by the garbage collector.)
                itself = weakref.ref(processor)
                processor.build_ast = functools.partial(
                    _build_ast, itself, self._reparser, self.filename)
                processor.should_ignore_file = functools.partial(
                    _should_ignore_file, itself, type(processor).should_ignore_file)
            return processor

        def process_tokens(self) -> None:
            return None

    return TreeFileChecker


def _build_ast(processor: weakref.ref[Any], reparser: Reparser | None, filename: str
               ) -> ast.Module:
    itself = processor()
    assert itself is not None  # Called as a method of the processor: it is alive.
    text = "".join(itself.lines)
    return reparser.parse(filename, text) if reparser is not None else parse(text)


_FLAKE8_WORD = re.compile("flake8", re.IGNORECASE)


def _should_ignore_file(processor: weakref.ref[Any], flake8s: Callable[[Any], bool]) -> bool:
    """flake8's ``should_ignore_file``, which matches a regular expression against each
    line in turn for ``# flake8: noqa``: answered at once, from one search of the whole
    text, for the text that has no "flake8" in any case (where flake8's answer is no)."""
    itself = processor()
    assert itself is not None  # Called as a method of the processor: it is alive.
    if _FLAKE8_WORD.search("".join(itself.lines)) is None:
        return False
    return flake8s(itself)


_FILE_CHECKER: list[type] = []
_NOQA_MAPPING = "_noqa_line_mapping"  # flake8 6 to 7.5: FileProcessor's cached property


def _file_checker(**kwargs: Any) -> Any:
    if not _FILE_CHECKER:
        _FILE_CHECKER.append(_make_file_checker())
    return _FILE_CHECKER[0](**kwargs)


class _Collector:
    """A flake8 formatter that keeps what the style guide reports instead of printing."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.errors: list[Any] = []

    def handle(self, error: Any) -> None:
        self.errors.append(error)

    def __getattr__(self, name: str) -> Any:  # beginning, finished, …: nothing to do.
        return lambda *args, **kwargs: None


# -- parallel runs --------------------------------------------------------------------

_WORKER_SESSION: Session | None = None


def _worker_init(argv: Sequence[str], cache_directory: str | None = None) -> None:
    import signal

    global _WORKER_SESSION
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _WORKER_SESSION is None:  # Not inherited (spawn, forkserver): rebuild it.
        _WORKER_SESSION = Session(argv)
        if cache_directory is not None:  # To record reads; the parent writes entries.
            _WORKER_SESSION.use_cache(cache_directory)


_WORKER_READS = [0, 0]  # How many of its reads a worker has handed back.


def _worker_run(task: tuple[str, bool]) -> tuple[tuple[str, list[Any], list[Violation]],
                                               tuple[list[str], list[str]] | None]:
    """A file's raw results (``task``: the file, and whether to find physical lines)
    and, with a cache, the reads the worker made since the last file it handed back
    (the parent writes the entries)."""
    assert _WORKER_SESSION is not None
    filename, physical_lines = task
    result = _WORKER_SESSION.run_file(filename, physical_lines=physical_lines)
    if _WORKER_SESSION.cache is None:
        return result, None
    from .cache import reads_so_far

    files, directories = reads_so_far()
    new = files[_WORKER_READS[0]:], directories[_WORKER_READS[1]:]
    _WORKER_READS[:] = [len(files), len(directories)]
    return result, new


def _run_parallel(
    session: Session, filenames: Sequence[str], jobs: int,
    progress: Callable[[int, int], None] | None, physical_lines: bool,
) -> list[tuple[str, list[Any], list[Violation]]]:
    import multiprocessing

    global _WORKER_SESSION
    _WORKER_SESSION = session  # Inherited by forked workers,
    session.recorder.linter()  # with the linter built once, here.
    try:
        pool = multiprocessing.Pool(min(jobs, len(filenames)), _worker_init, (
            session.argv, session.cache.directory if session.cache is not None else None))
    except OSError:
        _WORKER_SESSION = None
        return [session.run_file(f, physical_lines=physical_lines) for f in filenames]
    raw = []
    try:
        for done, (item, reads) in enumerate(
                pool.imap_unordered(_worker_run, [(f, physical_lines) for f in filenames],
                                    chunksize=4), 1):
            raw.append(item)
            if reads is not None:
                from .cache import note_reads

                note_reads(*reads)
            if progress is not None:
                progress(done, len(filenames))
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORKER_SESSION = None
    return raw


# -- git ------------------------------------------------------------------------------


def git_toplevel(directory: str) -> str | None:
    try:
        result = git(["rev-parse", "--show-toplevel"], cwd=directory)
    except OSError:  # No git at all.
        return None
    return result.stdout.strip() if result.returncode == 0 else None


class GitIgnored:
    """Which paths under a git work tree git ignores (none outside git)."""

    def __init__(self, top: str | None, files: set[str], fingerprint: str | None = None) -> None:
        self.top = top
        self.files = files
        self.fingerprint = fingerprint  # Of git's listing, which decides ``files``.
        self.directories: set[str] = set()
        for name in files:
            parent = os.path.dirname(name)
            while parent and parent not in self.directories:
                self.directories.add(parent)
                parent = os.path.dirname(parent)

    @classmethod
    def for_directory(cls, directory: str) -> GitIgnored:
        top = git_toplevel(directory)
        if top is None:
            return cls(None, set())
        listed, fingerprint = git_files(top)
        if listed.returncode != 0:
            return cls(None, set())
        files = {os.path.join(os.path.realpath(top), name)
                 for name in listed.stdout.split("\0") if name}
        return cls(os.path.realpath(top), files, fingerprint)

    def _inside(self, path: str) -> str | None:
        if self.top is None:
            return None
        real = os.path.realpath(path)
        if real == self.top or real.startswith(self.top + os.sep):
            return real
        return None

    def file(self, path: str) -> bool:
        real = self._inside(path)
        return real is not None and real not in self.files and os.sep + ".git" + os.sep not in real

    def directory(self, path: str) -> bool:
        real = self._inside(path)
        return real is not None and real not in self.directories


@dataclass(frozen=True)
class ChangedLines:
    """Lines added or changed since a merge base, per absolute path; ``None`` for a
    file that is new to git (every line counts)."""

    lines: dict[str, set[int] | None]

    def covers(self, path: str, line: int | None = None) -> bool:
        real = os.path.realpath(path)
        if real not in self.lines:
            return False
        changed = self.lines[real]
        return changed is None or line is None or line in changed


def changed_lines(revision: str, directory: str | None = None) -> ChangedLines:
    """Lines added or changed in the work tree since ``git merge-base REV HEAD``, plus
    untracked files. Raises :class:`UsageError` outside git or for an unknown REV."""
    directory = directory or os.getcwd()
    top = git_toplevel(directory)
    if top is None:
        raise UsageError("--diff needs a git repository, and this is not one")
    base = git(["merge-base", revision, "HEAD"], cwd=top)
    if base.returncode != 0:
        raise UsageError(f"--diff {revision}: no merge base with HEAD "
                         f"({_one_line(base.stderr) or 'unknown revision'})")
    diff = git(["diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames",
                base.stdout.strip(), "--"], cwd=top)
    if diff.returncode != 0:
        raise UsageError(f"git diff failed: {_one_line(diff.stderr)}")
    top = os.path.realpath(top)
    result: dict[str, set[int] | None] = {}
    current: set[int] | None = None
    for line in diff.stdout.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None
                continue
            target = _unquote(target)
            current = result.setdefault(os.path.join(top, target[2:]), set())
        elif line.startswith("@@ ") and current is not None:
            added = line.split(" ")[2]  # +start[,count]
            start, _, count = added[1:].partition(",")
            n = int(count) if count else 1
            current.update(range(int(start), int(start) + n))
    untracked = git(["ls-files", "-z", "--others", "--exclude-standard"], cwd=top)
    for name in untracked.stdout.split("\0"):
        if name:
            result[os.path.join(top, name)] = None
    return ChangedLines(result)


def _unquote(path: str) -> str:
    """A path from a diff header, which git quotes C-style when it has odd characters."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8", "surrogateescape"))[0]
        return raw.decode("utf-8", "surrogateescape")
    return path


# -- reading and writing source files -------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """A source file's text (line endings kept, BOM removed) and how to write it back."""

    path: str
    text: str
    encoding: str
    bom: bool

    @classmethod
    def read(cls, path: str) -> SourceFile:
        with open(path, "rb") as handle:
            data = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        bom = data.startswith(codecs.BOM_UTF8)
        if bom:
            data = data[len(codecs.BOM_UTF8):]
            encoding = "utf-8"
        return cls(path, data.decode(encoding), encoding, bom)

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def flake8_lines(text: str) -> list[str]:
    """The lines flake8 reads from a file with this text (universal newlines)."""
    return io.StringIO(text, newline=None).readlines()


def write_atomically(path: str, data: bytes) -> None:
    """Replace a file's content in one step, keeping its permissions."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".asr-tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# -- fixing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixResult:
    """Fixing one file: its original and fixed text, the number of fixes applied, the
    findings left after fixing, and why the file was refused (None when it was not)."""

    source: SourceFile
    fixed: str
    applied: int
    remaining: list[Finding]
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return self.refused is None and self.fixed != self.source.text


def fix_source(session: Session, source: SourceFile, unsafe: bool = False) -> FixResult:
    """Apply the fixes of the diagnostics flake8 would report, in rounds (a fix that
    overlaps another waits for the next round), and verify the result: it must parse,
    and every fixed diagnostic must be gone. Otherwise the file is refused (kept as
    it is)."""
    text = source.text
    findings = session.check_text(source.path, text)
    before = _count_by_code(findings)
    fixed_codes: set[str] = set()
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixes = fixable((f.violation for f in findings if f.violation is not None), unsafe)
        if not fixes:
            break
        new_text, count = apply_fixes(text, fixes)
        if new_text == text:
            break
        # A fix may bring out a diagnostic that another took precedence over (ASR205
        # once ASR204's is applied), which a later round fixes: count it from there.
        for code, number in _count_by_code(findings).items():
            before[code] = max(before.get(code, 0), number)
        try:
            ast.parse(new_text, source.path)
        except (SyntaxError, ValueError) as error:
            return FixResult(source, source.text, 0, findings,
                             f"the fixed text does not parse ({error.__class__.__name__}: {error})")
        fixed_codes.update(f.code for f in findings
                           if f.violation is not None and f.violation.fix in fixes)
        text, applied = new_text, applied + count
        findings = session.check_text(source.path, text)
    else:
        if fixable((f.violation for f in findings if f.violation is not None), unsafe):
            return FixResult(source, source.text, 0, session.check_text(source.path, source.text),
                             f"fixes did not settle after {MAX_ROUNDS} rounds")
    after = _count_by_code(findings)
    for code in sorted(fixed_codes):
        if after.get(code, 0) >= before.get(code, 0):
            return FixResult(source, source.text, 0, session.check_text(source.path, source.text),
                             f"the fixed text still has the {code} diagnostic it fixed")
    return FixResult(source, text, applied, findings)


def _count_by_code(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    return counts


def write_fixed(result: FixResult) -> None:
    if result.changed:
        write_atomically(result.source.path, result.source.encode(result.fixed))


def unified_diff(path: str, before: str, after: str, context: int = 3) -> str:
    import difflib

    lines = difflib.unified_diff(
        _diff_lines(before), _diff_lines(after),
        fromfile=f"a/{_posix(path)}", tofile=f"b/{_posix(path)}", n=context,
    )
    return "".join(lines)


def _diff_lines(text: str) -> list[str]:
    lines = source_lines(text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _posix(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


def iter_sources(paths: Iterable[str]) -> Iterator[SourceFile]:
    for path in paths:
        yield SourceFile.read(path)
