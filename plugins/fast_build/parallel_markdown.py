"""Markdown conversion on every core, with a content-addressed cache.

Python-Markdown is about two thirds of a cold Pelican build. Before a
generator reads its files we hand the whole list to a pool of forked workers;
the Markdown reader that Pelican calls then only collects the finished
(html, metadata) pairs. Workers run Pelican's own MarkdownReader — the same
Markdown instance, the same summary conversion — with metadata *processing*
(dates, tags, categories) left to the parent, in the same order, so the
resulting Content objects are exactly those Pelican's reader would give.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from importlib import metadata as importlib_metadata
from typing import ClassVar

import pygments.lexers
from markdown import Markdown, inlinepatterns
from markdown.extensions import codehilite
from markdown.extensions.toc import TocTreeprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open
from pygments.formatters.html import HtmlFormatter
from pygments.util import ClassNotFound

from connected.header import read_bytes

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
# Python-Markdown is quadratic on some text ('<a ' or '&amp;' repeated thousands of times:
# minutes for 90 KB). No post a person writes comes near this; past it the file is named
# as unreadable instead of the build hanging.
MARKDOWN_FILE_SECONDS = 30.0
_SLOW = "slow:"


class ConversionTooSlow(Exception):
    """Python-Markdown did not finish a file within MARKDOWN_FILE_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: float | None = None):
    """Raise ConversionTooSlow in the block after `seconds` (MARKDOWN_FILE_SECONDS) of this
    process's CPU time: a build stopped with Ctrl-Z or a laptop asleep does not count.

    No limit where it cannot be kept without disturbing anyone: off the main thread (the
    signal goes to the main thread), without setitimer (Windows), or while someone else's
    CPU timer or handler is in place (the block would cancel it)."""
    seconds = MARKDOWN_FILE_SECONDS if seconds is None else seconds
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
        or signal.getitimer(signal.ITIMER_VIRTUAL)[0] > 0
        or signal.getsignal(signal.SIGVTALRM) not in (signal.SIG_DFL, signal.SIG_IGN)
    ):
        yield
        return

    def expire(_signum, _frame):
        raise ConversionTooSlow(f"Markdown took more than {seconds:.0f} CPU seconds to convert it")

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, signal.SIG_DFL if previous is None else previous)

# Set once in each forked worker by _init_worker (never in the parent).
_WORKER_READER = None


class StylesheetOnceFormatter(HtmlFormatter):
    """Pygments' HTML formatter, its token-to-class table worked out once per style and
    class prefix instead of once per code block (codehilite makes a formatter for
    every block: a twentieth of a cold build's Markdown time). The table depends on
    nothing else, and Pygments only reads it once made."""

    _tables: ClassVar[dict] = {}

    def _create_stylesheet(self):
        key = (self.style, self.classprefix)
        tables = self._tables.get(key)
        if tables is None:
            super()._create_stylesheet()
            self._tables[key] = (self.ttype2class, self.class2style)
        else:
            self.ttype2class, self.class2style = tables


@functools.lru_cache(maxsize=1024)
def _lexer_class(alias: str):
    try:
        return pygments.lexers.find_lexer_class_by_name(alias)
    except ClassNotFound:
        return None


def get_lexer_by_name(_alias, **options):
    """Pygments' get_lexer_by_name, the lexer class looked up once per name.

    codehilite asks Pygments for a lexer by name for every code block, and each ask
    walks Pygments' table of about 600 lexers in Python (and the installed packages'
    entry points when the name is not there): 4 % of a cold build's Markdown. The
    class found is the one Pygments finds (find_lexer_class_by_name, the same lookup
    without instantiating); a name it does not know goes to Pygments every time, so
    the error raised is its own."""
    found = _lexer_class(_alias) if isinstance(_alias, str) and _alias else None
    if found is None:
        return _PYGMENTS_GET_LEXER(_alias, **options)
    return found(**options)


_PYGMENTS_GET_LEXER = pygments.lexers.get_lexer_by_name


def _lexers_looked_up_once() -> None:
    """Give codehilite the lookup above, unless something else replaced Pygments' own."""
    if codehilite.get_lexer_by_name is _PYGMENTS_GET_LEXER:
        codehilite.get_lexer_by_name = get_lexer_by_name


_CODEHILITE = ("markdown.extensions.codehilite", "codehilite")


def with_stylesheet_once(markdown_settings: dict) -> dict:
    """MARKDOWN with codehilite's formatter made StylesheetOnceFormatter, where the
    site leaves it Pygments' own "html" (same bytes: test_fast_build_identical)."""
    configs = dict(markdown_settings.get("extension_configs") or {})
    for name in _CODEHILITE:
        config = configs.get(name)
        if isinstance(config, dict) and config.get("pygments_formatter", "html") == "html":
            configs[name] = {**config, "pygments_formatter": StylesheetOnceFormatter}
    extensions = list(markdown_settings.get("extensions") or [])
    return {**markdown_settings, "extension_configs": configs, "extensions": extensions}


class MarkerCheckedTocTreeprocessor(TocTreeprocessor):
    """Python-Markdown's table of contents, which looks for the [TOC] marker only in a
    document that has it. The stock replace_marker joins the text of every element's
    subtree, once per element: a third of the extension's time, on posts that almost
    never have a marker. It replaces an element only if that element's own text,
    stripped, is the marker, so one walk that finds the marker in no element's text
    proves there is nothing to replace. Links the walk adds to headers (anchors,
    permalinks) are never candidates: replace_marker does not go into headers."""

    @classmethod
    def adopt(cls, md: Markdown) -> None:
        """Make md's stock "toc" treeprocessor this one, keeping its configuration and
        its place in the registry. A site's own subclass is left as it is."""
        if "toc" in md.treeprocessors and type(md.treeprocessors["toc"]) is TocTreeprocessor:
            md.treeprocessors["toc"].__class__ = cls

    def run(self, doc):
        marker = self.marker
        if marker and not any(el.text and marker in el.text for el in doc.iter()):
            self.marker = ""  # the stock run then skips replace_marker
        try:
            super().run(doc)
        finally:
            self.marker = marker


# What each of Python-Markdown's inline patterns needs in a text to match there, by the
# pattern's regular expression: one of these substrings, each a literal that every
# match of that expression contains. A text without any cannot match, whatever the
# pattern's handleMatch would do (it only runs on a match).
_NEEDS = {
    inlinepatterns.BACKTICK_RE: ("`",),  # both alternatives end at a backtick
    inlinepatterns.ESCAPE_RE: ("\\",),
    r"\[\^([^\]]*)\]": ("[^",),  # footnotes' reference
    inlinepatterns.LINK_RE: ("[",),  # also REFERENCE_RE and the short reference
    inlinepatterns.IMAGE_LINK_RE: ("![",),  # also IMAGE_REFERENCE_RE, short image ref
    inlinepatterns.AUTOLINK_RE: ("://",),
    inlinepatterns.AUTOMAIL_RE: ("@",),
    inlinepatterns.LINE_BREAK_RE: ("  \n",),
    inlinepatterns.HTML_RE: ("<",),  # every alternative sits between < and >
    inlinepatterns.ENTITY_RE: ("&",),
    r"\*|_": ("*", "_"),  # em_strong's delimiters, as DelimiterProcessor joins them
}


class SkippingInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, which skips a pattern for a text that lacks what
    its expression needs (_NEEDS) instead of running the pattern machinery to find no
    match: most of the 15 patterns find none in most texts, and each try costs more in
    Python than the search itself (a sixth of the conversion at 1000 posts). The stock
    loop moves to the next pattern, from the text's start, when one does not match;
    a skip does exactly that. A pattern not in _NEEDS (a site's own, a changed
    expression) is always tried."""

    @classmethod
    def adopt(cls, md: Markdown) -> None:
        if "inline" in md.treeprocessors and type(md.treeprocessors["inline"]) is InlineProcessor:
            md.treeprocessors["inline"].__class__ = cls

    def run(self, tree, ancestors=None):
        self._patterns = []
        for pattern in self.inlinePatterns:
            needs = _NEEDS.get(getattr(pattern.getCompiledRegExp(), "pattern", None), (None,))
            self._patterns.append((pattern, needs[0], needs[1] if len(needs) > 1 else None))
        try:
            return super().run(tree, ancestors)
        finally:
            del self._patterns

    # The stock loop's name (called from the stock run and pattern code), with the skip.
    def _InlineProcessor__handleInline(self, data, patternIndex=0):  # noqa: N802, N803
        if isinstance(data, AtomicString):
            return data
        patterns, apply = self._patterns, self._InlineProcessor__applyPattern
        index, start = patternIndex, 0
        while index < len(patterns):
            pattern, need, or_need = patterns[index]
            if need is not None and need not in data and (or_need is None or or_need not in data):
                index, start = index + 1, 0
                continue
            data, matched, start = apply(pattern, data, index, start)
            if not matched:
                index += 1
        return data


def _forgetting(name: str):
    method = getattr(list, name)

    def changed(self, *args):
        # No answers kept while the list changes (an extend may be fed by a generator
        # that asks is_block_level), and none kept from before once it has.
        self._answers = False
        try:
            return method(self, *args)
        finally:
            self._answers = None

    changed.__name__ = name
    return changed


class BlockLevelTags(list):
    """Markdown.block_level_elements that answers is_block_level from a table.

    Python-Markdown asks is_block_level about every element it builds, parses or
    serialises, and each answer lowercases the tag and scans this list of about 60
    names: 2 % of a cold build's CPU. The answers are kept per tag as given, and
    any change to the list (an extension may append to it) forgets them, so each
    answer is the stock method's."""

    def __init__(self, tags=()):
        super().__init__(tags)
        self._answers: dict[str, bool] | None | bool = None

    for _name in ("append", "extend", "insert", "remove", "pop", "clear", "__setitem__",
                  "__delitem__", "__iadd__", "__imul__"):  # fmt: skip
        locals()[_name] = _forgetting(_name)
    del _name

    def is_block_level(self, tag) -> bool:
        if not isinstance(tag, str):
            return False  # as the stock method: ElementTree's Comment and friends
        answers = self._answers
        if answers is False:
            return tag.lower().rstrip("/") in self
        if answers is None:
            answers = self._answers = {}
        found = answers.get(tag)
        if found is None:
            found = answers[tag] = tag.lower().rstrip("/") in self
        return found

    @classmethod
    def adopt(cls, md: Markdown) -> None:
        """Give md this list (same names, same order) and an is_block_level that asks
        it, or the stock method if md.block_level_elements is later another list."""
        if type(md.block_level_elements) is not list:
            return
        tags = md.block_level_elements = cls(md.block_level_elements)
        ask = tags.is_block_level

        def is_block_level(tag) -> bool:
            if md.block_level_elements is tags:
                return ask(tag)
            return Markdown.is_block_level(md, tag)

        md.is_block_level = is_block_level


class RawMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, returning metadata values before processing.

    Processing (get_date, Tag, Category …) needs the settings object and makes
    objects that are costly to pickle, so the parent does it; the raw values
    (strings, lists of strings, the summary's HTML) travel between processes.
    """

    def __init__(self, settings, *args, **kwargs):
        # A copy: Pelican's reader adds to the MARKDOWN dict it is given.
        settings = {**settings, "MARKDOWN": with_stylesheet_once(settings.get("MARKDOWN") or {})}
        super().__init__(settings, *args, **kwargs)
        self._body_md = self._fields_md = None
        _lexers_looked_up_once()

    def process_metadata(self, name, value):
        return value

    def read(self, source_path):
        """Pelican's read, with its two uses of a Markdown instance (the body; the
        formatted fields, without the meta preprocessor) each served by an instance made
        once per reader and reset() between documents, Python-Markdown's way to reuse
        one: making an instance per file was a twentieth of the conversion."""
        self._source_path = source_path
        if self._body_md is None:
            self._body_md = Markdown(**self.settings["MARKDOWN"])
            self._fields_md = Markdown(**self.settings["MARKDOWN"])
            self._fields_md.preprocessors.deregister("meta")
            MarkerCheckedTocTreeprocessor.adopt(self._body_md)
            MarkerCheckedTocTreeprocessor.adopt(self._fields_md)
            SkippingInlineProcessor.adopt(self._body_md)
            SkippingInlineProcessor.adopt(self._fields_md)
            BlockLevelTags.adopt(self._body_md)
            BlockLevelTags.adopt(self._fields_md)
        body, fields = self._body_md, self._fields_md
        try:
            body.reset()
            with pelican_open(source_path) as text:
                content = body.convert(text)
            # Pelican's _parse_metadata takes "meta" out of the instance it converts the
            # fields with: it finds a stand-in to take out, and `fields` stays reusable.
            fields.preprocessors.register(_NoMeta(fields), "meta", 0)
            self._md = fields
            metadata = self._parse_metadata(body.Meta) if hasattr(body, "Meta") else {}
        except BaseException:
            # Cut short (an error, the time limit): the next file gets new instances
            # rather than whatever state this one left.
            self._body_md = self._fields_md = None
            raise
        return content, metadata


class _NoMeta(Preprocessor):
    def run(self, lines):
        return lines


def _init_worker(settings):
    global _WORKER_READER
    _WORKER_READER = RawMarkdownReader(settings)


def _convert_in_worker(path):
    try:
        with time_limit():
            content, raw = _WORKER_READER.read(path)
    except ConversionTooSlow as exc:  # the parent raises it, without converting again
        return path, None, f"{_SLOW}{exc}"
    except Exception as exc:  # the parent re-reads the file and raises Pelican's way
        return path, None, f"{type(exc).__name__}: {exc}"
    return path, (content, raw), None


def _file_digest(path: str) -> str:
    return hashlib.sha1(read_bytes(path)).hexdigest()


def markdown_settings_digest(settings: dict) -> str:
    """What, besides the source bytes, decides a file's HTML."""
    versions = []
    for dist in ("markdown", "pygments", "pelican"):
        try:
            versions.append(importlib_metadata.version(dist))
        except importlib_metadata.PackageNotFoundError:
            versions.append("-")
    parts = [
        CACHE_VERSION,
        versions,
        repr(sorted(settings.get("MARKDOWN", {}).items(), key=lambda kv: kv[0])),
        sorted(settings.get("FORMATTED_FIELDS", [])),
    ]
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


class MarkdownBatch:
    """The Markdown files one generator is about to read, converted ahead of time."""

    def __init__(self, settings: dict, options: dict, paths: list[str], cache_name: str):
        self.settings = settings
        self.options = options
        self.paths = paths
        self.cache_file = None
        if options["MARKDOWN_CACHE"] and settings.get("CACHE_PATH"):
            self.cache_file = os.path.join(
                settings["CACHE_PATH"], "fast_build", f"markdown-{cache_name}.pickle"
            )
        self._ready: dict[str, tuple] = {}
        self.slow: dict[str, str] = {}  # path -> why (a worker ran out of time on it)
        self._digests: dict[str, str] = {}
        self._pending: set[str] = set()
        self._results = None
        self._pool = None
        self._cache_dirty = False
        self._old_cache: dict = {}

    # -- set-up ------------------------------------------------------------------
    def start(self) -> None:
        key = markdown_settings_digest(self.settings)
        self._old_cache = self._load_cache(key)
        self._key = key
        missing = []
        for path in self.paths:
            try:
                digest = _file_digest(path)
            except OSError:
                continue  # Pelican reports unreadable files itself
            self._digests[path] = digest
            hit = self._old_cache.get(path)
            if hit is not None and hit[0] == digest:
                self._ready[path] = hit[1]
            else:
                missing.append(path)
        workers = min(self.options["WORKERS"], len(missing))
        if workers < 2 or len(missing) < self.options["MIN_PARALLEL_FILES"]:
            logger.debug("fast_build: %d Markdown files to convert, reading serially", len(missing))
            return
        # fork: workers inherit the settings and loaded extensions, nothing is pickled
        # on the way in; results (html + raw metadata strings) are small.
        context = multiprocessing.get_context("fork")
        self._pool = context.Pool(workers, initializer=_init_worker, initargs=(self.settings,))
        chunksize = max(1, min(16, len(missing) // (workers * 8) or 1))
        self._results = self._pool.imap(_convert_in_worker, missing, chunksize)
        self._pending = set(missing)
        logger.info(
            "fast_build: converting %d Markdown files on %d workers (%d from cache)",
            len(missing),
            workers,
            len(self._ready),
        )

    # -- used by the reader -----------------------------------------------------
    def take(self, path: str):
        """(html, raw metadata) for path, or None when the caller must read it itself."""
        if path in self._ready:
            return self._ready[path]
        while path in self._pending:
            done_path, result, error = next(self._results)
            self._pending.discard(done_path)
            if result is not None:
                self._ready[done_path] = result
                self._cache_dirty = True
            elif error and error.startswith(_SLOW):
                self.slow[done_path] = error[len(_SLOW):]
            elif error:
                logger.debug("fast_build: worker could not read %s (%s)", done_path, error)
            if not self._pending:
                self._close_pool()
        return self._ready.get(path)

    def remember(self, path: str, result: tuple) -> None:
        """Keep a serially read result for the cache."""
        self._ready[path] = result
        self._cache_dirty = True

    # -- tear-down ------------------------------------------------------------------
    def finish(self) -> None:
        self._close_pool()
        if self.cache_file is None:
            return
        entries = {
            path: (self._digests[path], result)
            for path, result in self._ready.items()
            if path in self._digests
        }
        if not self._cache_dirty and set(entries) == set(self._old_cache):
            return
        os.makedirs(os.path.dirname(self.cache_file), exist_ok=True)
        tmp = f"{self.cache_file}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump((self._key, entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.cache_file)
        self._cache_dirty = False

    def _close_pool(self) -> None:
        if self._pool is not None:
            if self._pending:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None
            self._results = None
            self._pending = set()

    def _load_cache(self, key: str) -> dict:
        if self.cache_file is None or not os.path.exists(self.cache_file):
            return {}
        try:
            with open(self.cache_file, "rb") as handle:
                stored_key, entries = pickle.load(handle)
        except Exception as exc:  # a damaged cache only costs time
            logger.warning("fast_build: ignoring unreadable cache %s (%s)", self.cache_file, exc)
            return {}
        return entries if stored_key == key else {}


def iso_date(text: str):
    """Pelican's get_date(text) for the everyday forms "YYYY-MM-DD", "YYYY-MM-DD HH:MM"
    and "YYYY-MM-DD HH:MM:SS" (a naive SafeDatetime, as dateutil gives it), or None
    for anything else, which goes to get_date: dateutil costs about 0.1 ms a post on
    every build, this a microsecond."""
    from pelican.utils import SafeDatetime

    if len(text) not in (10, 16, 19) or text[4] != "-" or text[7] != "-":
        return None
    fields = [text[0:4], text[5:7], text[8:10]]
    if len(text) > 10:
        if text[10] != " " or text[13] != ":" or (len(text) == 19 and text[16] != ":"):
            return None
        fields += [text[11:13], text[14:16]] + ([text[17:19]] if len(text) == 19 else [])
    if not all(field.isascii() and field.isdigit() for field in fields):
        return None
    try:
        return SafeDatetime(*map(int, fields))
    except ValueError:
        return None  # get_date says what is wrong, in Pelican's words


class ParallelMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, served from a MarkdownBatch when one is attached."""

    batch: MarkdownBatch | None = None
    _raw_reader: RawMarkdownReader | None = None  # made at the first file read here

    def process_metadata(self, name, value):
        if name in ("date", "modified") and isinstance(value, str):
            # As Pelican's processors: "_" stands for a space in Date (not in Modified),
            # and runs of spaces count as one.
            text = " ".join(filter(None, (value.replace("_", " ") if name == "date" else value).split(" ")))
            parsed = iso_date(text)
            if parsed is not None:
                return parsed
        return super().process_metadata(name, value)

    def read(self, source_path):
        batch = self.batch
        result = batch.take(source_path) if batch is not None else None
        if result is None and batch is not None and source_path in batch.slow:
            raise ConversionTooSlow(batch.slow[source_path])
        if result is None:
            if self._raw_reader is None:
                self._raw_reader = RawMarkdownReader(self.settings)
            with time_limit():
                result = self._raw_reader.read(source_path)
            if batch is not None:
                batch.remember(source_path, result)
        content, raw = result
        # Same order and processors as MarkdownReader._parse_metadata.
        metadata = {name: self.process_metadata(name, value) for name, value in raw.items()}
        return content, metadata
