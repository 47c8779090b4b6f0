"""Render and write only the pages whose inputs changed since the last build.

After one edit most of a warm build's time goes into rendering and writing
pages that come out byte-identical. This writer fingerprints each page's
inputs *before* rendering it and reuses the file already in the output
directory when the fingerprint and the file are those recorded last time.

A page's fingerprint covers:
- the site: every setting, the listing fields (URL, metadata, summary, order)
  of every article and page, the theme's templates and library versions;
- the page: its template and every template variable that is not the shared
  context — its own article or page in full (HTML included), the articles of
  its pagination slice in full, and the rest by listing fields.
So editing one post's body re-renders that post's page and the listing pages
whose slice shows it; editing a title, date, tag or summary re-renders the site.

The source files of the loaded plugins and local packages (size + mtime) gate
the whole previous state instead (see BuildState.code_unchanged): which of them
are loaded depends on the process, not on the pages — a plugin imports a helper
only while building, a devserver worker or a test builds many times in one
process, a second settings file brings its own `pelicanconf` — so they cannot
be part of a page's fingerprint without making every in-process rebuild a
cold one.

Every file is written atomically (temporary file + os.replace) and only when
its bytes changed, so an interrupted build never leaves a truncated page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import sys
import time
import traceback
from importlib import metadata as importlib_metadata

from pelican.contents import Content, Static
from pelican.paginator import Page as PaginatorPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

logger = logging.getLogger(__name__)

STATE_VERSION = 2
# Set by scripts/build.py: {"FINAL": the live output directory, "REUSE": bool}.
STAGE_SETTING = "FAST_BUILD_STAGE"
# Template variables that change on every page and are part of the page's own inputs.
_PER_PAGE_KEYS = {"output_file", "SITEURL", "localsiteurl"}
# Settings that say where files go, not what they hold: a staged build writes
# into a new directory each time (the state records the final path instead).
_NOT_INPUTS = {"OUTPUT_PATH", STAGE_SETTING}
_SKIPPED_IN_SITE = _PER_PAGE_KEYS | _NOT_INPUTS


class _Unchanged(str):
    """Returned by the template wrapper when the file on disk is still right."""


UNCHANGED = _Unchanged()


def _sha(value) -> str:
    return hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def _text_sha(value) -> str:
    """Digest of a post's HTML: its UTF-8 bytes hashed directly (repr() of a long
    string costs more than the hash itself)."""
    if isinstance(value, str):
        return "t" + hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()
    return _sha(value)


def _files_digest(roots) -> list:
    out = []
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                out.append((path, st.st_size, st.st_mtime_ns))
    return out


def local_sources() -> dict[str, list[int]]:
    """Source file -> [size, mtime_ns] of every loaded module outside the
    interpreter's and the virtualenv's trees: plugins, connected/, scripts/, settings."""
    prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    sources = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or path.startswith(prefixes) or path in sources:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        sources[path] = [st.st_size, st.st_mtime_ns]
    return sources


def code_digest(settings: dict) -> str:
    """Theme templates and library versions (the local sources: BuildState.code_unchanged)."""
    versions = []
    for dist in ("pelican", "jinja2", "markdown", "pygments"):
        try:
            versions.append(importlib_metadata.version(dist))
        except importlib_metadata.PackageNotFoundError:
            versions.append("-")
    theme = settings.get("THEME", "")
    roots = [os.path.join(theme, "templates"), *settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    return _sha((versions, _files_digest(roots)))


class Fingerprinter:
    """Digests of template variables, memoised for one build."""

    def __init__(self):
        self._memo: dict = {}

    def _memoised(self, kind, obj, compute):
        key = (kind, id(obj))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is obj and hit[1] == _len(obj):
            return hit[2]
        value = compute()
        self._memo[key] = (obj, _len(obj), value)
        return value

    def content_full(self, content: Content) -> str:
        return self._memoised(
            "full",
            content,
            lambda: _sha(
                (
                    self.content_listing(content),
                    self.content_text(content),
                    getattr(content, "template", None),
                )
            ),
        )

    def content_text(self, content: Content) -> str:
        """Digest of the post's HTML, computed once per build (listing and full use it)."""
        return self._memoised(
            "text", content, lambda: _text_sha(getattr(content, "_content", None))
        )

    def content_listing(self, content: Content) -> str:
        def compute():
            meta = getattr(content, "metadata", {}) or {}
            fields = [
                type(content).__name__,
                getattr(content, "source_path", None),
                getattr(content, "url", None),
                getattr(content, "save_as", None),
                getattr(content, "status", None),
                getattr(content, "in_default_lang", None),
                [self.value(meta[k], full=False) for k in sorted(meta)],
                sorted(meta),
                [getattr(t, "source_path", None) for t in getattr(content, "translations", [])],
            ]
            if "summary" not in meta:
                # the listing shows a summary cut from the HTML itself
                fields.append(self.content_text(content))
            return _sha(fields)

        return self._memoised("listing", content, compute)

    def _sequence(self, value, depth: int) -> str:
        items = [self.value(v, False, depth + 1) for v in value]
        if value and all(isinstance(v, Static) for v in value):
            # Pelican fills `staticfiles` in set-iteration order, which changes
            # from run to run; the order carries no meaning there.
            items.sort(key=repr)
        return _sha(items)

    def value(self, value, full: bool, depth: int = 0):
        if value is None or isinstance(value, (bool, int, float, str, bytes)):
            return value
        if isinstance(value, Content):
            return self.content_full(value) if full else self.content_listing(value)
        if isinstance(value, URLWrapper):
            return (type(value).__name__, value.name, value.slug, value.url, value.save_as)
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return (type(value).__name__, value.isoformat(), str(getattr(value, "tzinfo", "")))
        if depth > 6:
            return type(value).__qualname__
        if isinstance(value, PaginatorPage):
            return (
                "page",
                value.number,
                value.paginator.num_pages,
                value.save_as,
                value.url,
                [self.value(item, full=True, depth=depth + 1) for item in value.object_list],
            )
        if isinstance(value, Paginator):
            return ("paginator", value.num_pages, value.count, value.per_page)
        if isinstance(value, (list, tuple)):
            return self._memoised("seq", value, lambda: self._sequence(value, depth))
        if isinstance(value, (set, frozenset)):
            return sorted(repr(self.value(v, False, depth + 1)) for v in value)
        if isinstance(value, dict):
            return self._memoised(
                "map",
                value,
                lambda: _sha(
                    sorted(
                        (repr(self.value(k, False, depth + 1)), self.value(v, False, depth + 1))
                        for k, v in value.items()
                    )
                ),
            )
        # functions, Jinja objects, generators …: their code is gated by
        # BuildState.code_unchanged()
        return type(value).__qualname__


def _len(obj):
    try:
        return len(obj)
    except TypeError:
        return -1


class BuildState:
    """Per-page fingerprints of the previous build, and those of this one.

    Staged builds (scripts/build.py sets FAST_BUILD_STAGE): Pelican writes into
    an empty staging directory that later replaces FINAL whole. A page whose
    inputs are unchanged is then not written at all: it is listed in
    CACHE_PATH/fast_build/kept.json, and scripts/build.py hard-links it from
    FINAL into the stage after Pelican has finished. Nothing here ever writes
    into FINAL, and pages the build no longer makes are simply not carried over.
    """

    def __init__(self, settings: dict):
        self.write_path = os.path.abspath(settings["OUTPUT_PATH"])
        stage = settings.get(STAGE_SETTING)
        self.staged = isinstance(stage, dict) and bool(stage.get("FINAL"))
        # output_path: where the files will live (recorded in the state);
        # reference: where the previous build's files are now (None: reuse nothing).
        if self.staged:
            self.output_path = os.path.abspath(stage["FINAL"])
            self.reference = self.output_path if stage.get("REUSE") else None
        else:
            self.output_path = self.reference = self.write_path
        self.path = os.path.join(settings["CACHE_PATH"], "fast_build", "pages.json")
        self.kept_path = os.path.join(settings["CACHE_PATH"], "fast_build", "kept.json")
        self.previous: dict = {}
        self.current: dict = {}
        self.kept: list[str] = []
        self.code = code_digest(settings)
        self.started_ns = time.time_ns()
        self.sources = local_sources()
        self.rendered = 0
        self.reused = 0
        self.unchanged_writes = 0
        self.writer = None  # the build's IncrementalWriter, to flush before saving
        if self.reference is None:
            return
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if (
                data.get("version") == STATE_VERSION
                and data.get("output_path") == self.output_path
                and data.get("code") == self.code
                and self.code_unchanged(data)
            ):
                self.previous = data.get("pages", {})
        except (OSError, ValueError):
            self.previous = {}

    def code_unchanged(self, data: dict) -> bool:
        """No local source the previous build ran, or this one runs, has changed since.

        A file the previous build had loaded (by its end: plugins import some
        helpers only while building) must still have the size and mtime it
        recorded. A file only this process has loaded (another settings file's
        `pelicanconf`, a module a test imported) cannot have shaped the previous
        pages unless it changed after that build began.
        """
        recorded = data.get("sources")
        started = data.get("started_ns")
        if not isinstance(recorded, dict) or not isinstance(started, int):
            return False
        for path, stat in recorded.items():
            try:
                st = os.stat(path)
            except OSError:
                return False
            if [st.st_size, st.st_mtime_ns] != stat:
                return False
        return all(stat[1] < started for path, stat in self.sources.items() if path not in recorded)

    def reference_file(self, name: str) -> str | None:
        """Where the previous build's file for `name` is, if it may be reused."""
        if self.reference is None:
            return None
        return sanitised_join(self.reference, name)

    def reusable(self, name: str, fingerprint: str) -> bool:
        entry = self.previous.get(name)
        if not entry or entry[0] != fingerprint:
            return False
        try:
            st = os.stat(self.reference_file(name))
        except (OSError, TypeError):
            return False
        return [st.st_size, st.st_mtime_ns] == entry[2:4]

    def keep(self, name: str, entry: list) -> None:
        """This build produces the previous build's file for `name` unchanged."""
        self.current[name] = entry
        if self.staged:
            self.kept.append(name)

    def prune(self) -> int:
        """Delete pages the last build wrote and this one did not (a renamed or
        removed post, a draft), so a warm build leaves what a cold one would.
        Only files still exactly as recorded (size, mtime) are touched. A staged
        build has nothing to prune: its tree starts empty."""
        if self.staged:
            return 0
        removed = 0
        for name in set(self.previous) - set(self.current):
            path = os.path.join(self.output_path, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if [st.st_size, st.st_mtime_ns] != self.previous[name][2:4]:
                continue
            os.unlink(path)
            removed += 1
            directory = os.path.dirname(path)
            while directory.startswith(self.output_path + os.sep):
                try:
                    os.rmdir(directory)  # only succeeds when empty
                except OSError:
                    break
                directory = os.path.dirname(directory)
        return removed

    def save(self) -> None:
        pruned = self.prune()
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        data = {
            "version": STATE_VERSION,
            "output_path": self.output_path,
            "code": self.code,
            # Those loaded at the start as they were then, and those the build
            # imported since (the next build checks them all).
            "sources": {**local_sources(), **self.sources},
            "started_ns": self.started_ns,
            "pages": self.current,
        }
        _dump_atomically(self.path, data)
        if self.staged:
            kept = {"final": self.output_path, "stage": self.write_path, "kept": sorted(self.kept)}
            _dump_atomically(self.kept_path, kept)
        logger.info(
            "fast_build: %d pages rendered, %d reused, %d rendered unchanged, %d removed",
            self.rendered,
            self.reused,
            self.unchanged_writes,
            pruned,
        )


def _dump_atomically(path: str, data: dict) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"), sort_keys=True)
    os.replace(tmp, path)


def write_atomically(path: str, data: bytes) -> None:
    """Write via a temporary file in the same directory and os.replace()."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    # os.open with 0o666 keeps the umask-derived mode Pelican's open() would give
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _PageFile:
    """What Writer._open_w returns: collects the text, writes it on close if it changed."""

    def __init__(self, writer: IncrementalWriter, path: str):
        self.writer = writer
        self.path = path
        self.parts: list = []

    def __enter__(self):
        return self

    def write(self, text) -> None:
        # Jinja output is str; feedgenerator's XML writer may hand over bytes.
        self.parts.append(text)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.writer._commit(self.path, self.parts)
        return False


class _FingerprintedTemplate:
    """Stands in for the Jinja template so the writer can skip render()."""

    def __init__(self, writer: IncrementalWriter, template, context: dict):
        self.writer = writer
        self.template = template
        self.context = context

    def __getattr__(self, name):
        return getattr(self.template, name)

    def render(self, localcontext: dict):
        return self.writer._render(self.template, self.context, localcontext)


class IncrementalWriter(Writer):
    """Pelican's Writer, skipping pages whose inputs did not change.

    Pages that must be rendered are queued and rendered at the end of each
    generator's output stage (flush), split between this process and forked
    children, one per extra CPU: rendering is the largest cost left once
    Markdown runs on every core.
    """

    state: BuildState | None = None  # set on the per-build subclass
    workers: int = 1
    min_parallel_pages: int = 64
    batch_pages: int = 2000

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self._fingerprints = Fingerprinter()
        self._site_key = None
        self._site_digest = None
        self._pending: dict[str, tuple] = {}
        self._jobs: dict[str, tuple] = {}  # path -> job, in write order
        self._running: list[tuple] = []
        self._dispatched: set[str] = set()
        if self.state is not None:
            self.state.writer = self

    # -- the site-wide part of every fingerprint --------------------------------------
    def _site(self, context: dict) -> str:
        # Checked for every page: built with C-level dict/map/tuple calls, not a
        # generator expression over the ~160 context entries.
        shared = context.copy()
        for name in _SKIPPED_IN_SITE:
            shared.pop(name, None)
        key = (tuple(shared), tuple(map(id, shared.values())))
        if key != self._site_key:
            values = sorted(
                (k, self._fingerprints.value(v, full=False))
                for k, v in context.items()
                if k not in _SKIPPED_IN_SITE
            )
            self._site_digest = _sha((self.state.code, values))
            self._site_key = key
        return self._site_digest

    def _page(self, template, context: dict, localcontext: dict) -> str:
        own = []
        for key in sorted(localcontext):
            value = localcontext[key]
            if key in _NOT_INPUTS or (key not in _PER_PAGE_KEYS and key in context and context[key] is value):
                continue
            own.append((key, self._fingerprints.value(value, full=True)))
        return _sha((self._site(context), template.name, template.filename, own))

    def write_file(self, name, template, context, *args, **kwargs):
        if template is not None and self.state is not None:
            template = _FingerprintedTemplate(self, template, context)
        return super().write_file(name, template, context, *args, **kwargs)

    def _render(self, template, context: dict, localcontext: dict):
        name = localcontext["output_file"]
        path = sanitised_join(self.output_path, name)
        previous = self.state.previous.get(name)
        if previous is None and self.workers > 1:
            # Nothing to reuse: the render worker computes the fingerprint, off
            # this process's critical path (the context is the same there).
            fingerprint = None
        else:
            fingerprint = self._page(template, context, localcontext)
            if previous is not None and self.state.reusable(name, fingerprint):
                self._pending[path] = (name, fingerprint, None)
                self.state.reused += 1
                return UNCHANGED
        self.state.rendered += 1
        if self.workers > 1:
            self._pending[path] = (name, fingerprint, (template, context, localcontext))
            return DEFERRED
        self._pending[path] = (name, fingerprint, None)
        return template.render(localcontext)

    # -- writing ------------------------------------------------------------------------
    def _open_w(self, filename, encoding, override=False):
        # The same duplicate/override rules as Pelican's Writer._open_w.
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            logger.info('Skipping "%s", not overwriting', filename)
            filename = os.devnull
        elif filename in self._written_files:
            if override:
                logger.info('Overwriting "%s"', filename)
            else:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if filename == os.devnull or self.state is None:
            return open(filename, "w", encoding=encoding)
        return _PageFile(self, filename)

    def _commit(self, path: str, parts: list) -> None:
        name, fingerprint, job = self._pending.pop(path, (None, None, None))
        if len(parts) == 1 and parts[0] is UNCHANGED:
            self.state.keep(name, self.state.previous[name])
            return
        if len(parts) == 1 and parts[0] is DEFERRED:
            if path in self._dispatched:
                # override_output: a page already handed to a renderer is written
                # again; let that renderer finish first so this write wins.
                self.finish_flush()
            # A later write to the same path replaces the queued one.
            self._jobs.pop(path, None)
            self._jobs[path] = (
                path, name, fingerprint, *job, self.state.previous.get(name),
                self.state.reference_file(name),
            )
            if len(self._jobs) >= self.batch_pages:
                # Queued jobs hold a copy of the template context each: bound the
                # memory on very large sites by starting renderers in batches.
                self.start_flush()
            return
        data = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in parts)
        if name is None:  # feeds and other non-template writes
            write_atomically(path, data)
            return
        entry, wrote = store_page(
            path, data, fingerprint, self.state.previous.get(name), self.state.reference_file(name)
        )
        self._store_result(name, entry, wrote)

    # -- rendering the queued pages ---------------------------------------------------
    def start_flush(self) -> None:
        """Start rendering the queued pages in forked children; return at once.

        Called when the articles are all written (article_writer_finalized), so
        the feeds and email editions, which need the articles but not the page
        files, run in this process while the children render.
        """
        jobs, self._jobs = list(self._jobs.values()), {}
        if not jobs:
            return
        self._dispatched.update(job[0] for job in jobs)
        if self.workers < 2 or len(jobs) < self.min_parallel_pages:
            self._record(_render_jobs(jobs, self._page))
            return
        shares = [jobs[k :: self.workers] for k in range(self.workers)]
        self._running.extend((share, *_fork_renderer(share, self._page)) for share in shares)

    def finish_flush(self) -> None:
        """Wait for the children; a failed child's pages are rendered here."""
        running, self._running = self._running, []
        self._dispatched = set()
        for share, pid, reader in running:
            outcome = _collect(pid, reader)
            if outcome is None:
                # Rendering here raises a template error with Pelican's usual traceback.
                outcome = _render_jobs(share, self._page)
            self._record(outcome)

    def flush(self) -> None:
        self.start_flush()
        self.finish_flush()

    def _record(self, results) -> None:
        for name, entry, wrote in results:
            self._store_result(name, entry, wrote)

    def _store_result(self, name: str, entry: list, wrote: bool) -> None:
        if wrote:
            self.state.current[name] = entry
        else:
            self.state.keep(name, entry)
            self.state.unchanged_writes += 1


class _Deferred(str):
    """Returned by the template wrapper when the page is rendered at flush time."""


DEFERRED = _Deferred()


def store_page(
    path: str, data: bytes, fingerprint: str, previous, reference: str | None
) -> tuple[list, bool]:
    """Write data to path unless the previous build's file (at `reference`: the
    same path, or the live tree of a staged build) holds exactly these bytes."""
    digest = hashlib.sha1(data).hexdigest()
    if previous and previous[1] == digest and reference is not None:
        try:
            st = os.stat(reference)
        except OSError:
            st = None
        if st is not None and [st.st_size, st.st_mtime_ns] == previous[2:4]:
            return [fingerprint, digest, st.st_size, st.st_mtime_ns], False
    write_atomically(path, data)
    st = os.stat(path)
    return [fingerprint, digest, st.st_size, st.st_mtime_ns], True


def _render_jobs(jobs, fingerprint_of) -> list:
    results = []
    for path, name, fingerprint, template, context, localcontext, previous, reference in jobs:
        if fingerprint is None:
            fingerprint = fingerprint_of(template, context, localcontext)
        # As Pelican's Writer does before rendering: Content objects resolve
        # {filename} links against the page's own site URL.
        if localcontext.get("localsiteurl"):
            context["localsiteurl"] = localcontext["localsiteurl"]
        data = template.render(localcontext).encode("utf-8")
        entry, wrote = store_page(path, data, fingerprint, previous, reference)
        results.append((name, entry, wrote))
    return results


def _fork_renderer(jobs, fingerprint_of):
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: render, write the files, report the state entries, exit
        os.close(reader)
        _die_with_parent()
        try:
            payload = pickle.dumps(("ok", _render_jobs(jobs, fingerprint_of)))
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(writer, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(writer)
    return pid, reader


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this renderer when the build that forked it
    dies (a killed build must not leave a process writing pages behind it)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # only a stray process is risked: it writes into a stage nobody uses


def _collect(pid: int, reader: int):
    with os.fdopen(reader, "rb") as stream:
        payload = stream.read()
    os.waitpid(pid, 0)
    try:
        status, value = pickle.loads(payload)
    except Exception:
        logger.warning("fast_build: a render worker died; rendering its pages here")
        return None
    if status != "ok":
        logger.debug("fast_build: render worker failed:\n%s", value)
        return None
    return value


def writer_class_for(settings: dict, options: dict) -> type:
    """A Writer subclass bound to this build's state."""
    state = BuildState(settings)
    return type(
        "IncrementalWriter",
        (IncrementalWriter,),
        {
            "state": state,
            "workers": options["WORKERS"],
            "min_parallel_pages": options["MIN_PARALLEL_PAGES"],
        },
    )
