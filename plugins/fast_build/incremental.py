"""Render and write only the pages whose inputs changed since the last build.

After one edit most of a warm build's time goes into rendering and writing
pages that come out byte-identical. This writer fingerprints each page's
inputs *before* rendering it (fingerprint.py) and reuses the file the previous
build wrote when the fingerprint and the file are those recorded (state.py).
Pages to render are queued and rendered at the end of each generator's output
stage, in forked children (render_pool.py).

Every file is written atomically (temporary file + os.replace) and only when
its bytes changed, so an interrupted build never leaves a truncated page.
"""

from __future__ import annotations

import logging
import os
import select
from dataclasses import dataclass

from pelican.writers import FileOverwriteFailedError, Writer

from .fingerprint import STAGE_SETTING, PageFingerprints
from .render_pool import (
    Rendered,
    RenderJob,
    collect,
    fork_renderer,
    render_jobs,
    store_page,
    write_atomically,
)
from .state import BuildState, joined_inside

__all__ = ["STAGE_SETTING", "IncrementalWriter", "write_atomically", "writer_class_for"]

logger = logging.getLogger(__name__)


class _Unchanged(str):
    """Returned by the template wrapper when the file on disk is still right."""


class _Deferred(str):
    """Returned by the template wrapper when the page is rendered at flush time."""


UNCHANGED = _Unchanged()
DEFERRED = _Deferred()


@dataclass
class _Pending:
    """A page rendered (or skipped) but not yet written: what its write needs."""

    name: str | None
    fingerprint: str | None
    render: tuple | None = None  # (template, context, localcontext) when deferred


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
            self.writer.commit_page(self.path, self.parts)
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
        return self.writer.render_page(self.template, self.context, localcontext)


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
        self._fingerprints = PageFingerprints(self.state.code if self.state else "")
        self._pending: dict[str, _Pending] = {}
        self._jobs: dict[str, RenderJob] = {}  # path -> job, in write order
        self._running: list[tuple[list[RenderJob], int, int]] = []
        self._dispatched: set[str] = set()
        if self.state is not None:
            self.state.writer = self

    def write_file(self, name, template, context, *args, **kwargs):
        if template is not None and self.state is not None:
            template = _FingerprintedTemplate(self, template, context)
        return super().write_file(name, template, context, *args, **kwargs)

    def render_page(self, template, context: dict, localcontext: dict):
        """Pelican's render(): UNCHANGED (reuse the file), DEFERRED (queued), or the text."""
        name = localcontext["output_file"]
        path = joined_inside(self.output_path, name)
        if self.workers > 1:
            # The render workers compute the fingerprint, off this process's
            # critical path (the context is the same there), and keep the pages
            # whose inputs did not change (render_pool.render_jobs); the feeds
            # and editions are made here meanwhile.
            self._pending[path] = _Pending(name, None, (template, context, localcontext))
            return DEFERRED
        fingerprint = self._fingerprints.page(template, context, localcontext)
        if self.state.reusable(name, fingerprint):
            self._pending[path] = _Pending(name, fingerprint)
            self.state.reused += 1
            return UNCHANGED
        self.state.rendered += 1
        self._pending[path] = _Pending(name, fingerprint)
        return template.render(localcontext)

    # -- writing ------------------------------------------------------------------------
    def _open_w(self, filename, encoding, override=False):
        # Pelican's Writer opens every file through this method (pages and
        # feeds). Its duplicate/override rules are kept as Pelican has them;
        # only the opening differs: a page is collected and written atomically,
        # if at all, never opened with "w" (which would truncate the previous
        # build's file, or a hard link into the live tree).
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

    def commit_page(self, path: str, parts: list) -> None:
        """A page's file is closed: keep, queue or write it."""
        pending = self._pending.pop(path, None) or _Pending(None, None)
        if len(parts) == 1 and parts[0] is UNCHANGED:
            self.state.keep(pending.name, self.state.previous[pending.name])
            return
        if len(parts) == 1 and parts[0] is DEFERRED:
            self._queue(path, pending)
            return
        data = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in parts)
        if pending.name is None:  # feeds and other non-template writes
            if path in self._dispatched:
                self.finish_flush()  # a renderer writes it too: this later write wins
            write_atomically(path, data)
            return
        entry, wrote = store_page(
            path,
            data,
            pending.fingerprint,
            self.state.previous.get(pending.name),
            self.state.reference_file(pending.name),
        )
        self._store_result(Rendered(pending.name, entry, wrote))

    def _queue(self, path: str, pending: _Pending) -> None:
        if path in self._dispatched:
            # override_output: a page already handed to a renderer is written
            # again; let that renderer finish first so this write wins.
            self.finish_flush()
        # A later write to the same path replaces the queued one.
        self._jobs.pop(path, None)
        template, context, localcontext = pending.render
        self._jobs[path] = RenderJob(
            path=path,
            name=pending.name,
            template=template,
            context=context,
            localcontext=localcontext,
            previous=self.state.previous.get(pending.name),
            reference=self.state.reference_file(pending.name),
        )
        if len(self._jobs) >= self.batch_pages:
            # Queued jobs hold a copy of the template context each: bound the
            # memory on very large sites by starting renderers in batches.
            self.start_flush()

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
        self._dispatched.update(job.path for job in jobs)
        if self.workers < 2 or len(jobs) < self.min_parallel_pages:
            self._record(render_jobs(jobs, self._fingerprints.page))
            return
        # The site's part of every fingerprint (the listing fields of every post)
        # is worked out here, once, before the fork: each renderer inherits it
        # instead of computing it again for its share.
        for context in {id(job.context): job.context for job in jobs}.values():
            self._fingerprints.site(context)
        shares = [jobs[k :: self.workers] for k in range(self.workers)]
        self._running.extend(
            (share, *fork_renderer(share, self._fingerprints.page)) for share in shares
        )

    def finish_flush(self) -> None:
        """Wait for the children; a failed child's pages are rendered here."""
        running, self._running = self._running, []
        self._dispatched = set()
        for share, pid, reader in running:
            self._collect(share, pid, reader)

    def finish_ready(self) -> None:
        """Collect the children that are done without waiting for the others: a child
        writes its report only once it has rendered its share, so a pipe with something
        to read will not keep us waiting. Their queued pages (a copy of the template
        context each) are freed now rather than at the end of the build."""
        if not self._running:
            return
        ready, _, _ = select.select([reader for _, _, reader in self._running], [], [], 0)
        for entry in [entry for entry in self._running if entry[2] in ready]:
            self._running.remove(entry)
            self._dispatched.difference_update(job.path for job in entry[0])
            self._collect(*entry)

    def _collect(self, share: list[RenderJob], pid: int, reader: int) -> None:
        outcome = collect(pid, reader)
        if outcome is None:
            # Rendering here raises a template error with Pelican's usual traceback.
            outcome = render_jobs(share, self._fingerprints.page)
        self._record(outcome)

    def renders_any(self, paths: set[str]) -> bool:
        """Whether a running renderer writes one of `paths`, or inside one of them."""
        if not self._dispatched:
            return False
        folders = tuple(os.path.join(path, "") for path in paths)
        return any(path in paths or path.startswith(folders) for path in self._dispatched)

    def flush(self) -> None:
        self.start_flush()
        self.finish_flush()

    def _record(self, results: list[Rendered]) -> None:
        for result in results:
            self._store_result(result)

    def _store_result(self, result: Rendered) -> None:
        if result.reused:
            self.state.keep(result.name, result.entry)
            self.state.reused += 1
            return
        if self.workers > 1:  # counted here: only the renderer knew it would render
            self.state.rendered += 1
        if result.wrote:
            self.state.current[result.name] = result.entry
        else:
            self.state.keep(result.name, result.entry)
            self.state.unchanged_writes += 1


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
