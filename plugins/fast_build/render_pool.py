"""Render queued pages, in this process or in forked children, and write them.

A job is everything needed to render one page and decide whether its file
must be written (RenderJob); a renderer hands back one Rendered per page, the
state entry to record. Children report through a pipe and die with the build
that forked them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connected.files import write_atomic
from connected.processes import die_with_parent

logger = logging.getLogger(__name__)


@dataclass
class RenderJob:
    """One page queued for rendering."""

    path: str  # where this build writes it
    name: str  # its name under the output directory (the state's key)
    template: Any
    context: dict
    localcontext: dict
    previous: list | None  # the previous build's state entry
    reference: str | None  # where the previous build's file is now


@dataclass
class Rendered:
    """A rendered page: its state entry, and whether a file was written."""

    name: str
    entry: list
    wrote: bool
    reused: bool = False  # not rendered: its inputs and its file are the previous build's


def still_there(reference: str | None, previous: list | None) -> bool:
    """Whether the previous build's file for a page is at `reference`, as it was recorded."""
    if not previous or reference is None:
        return False
    try:
        st = os.stat(reference)
    except OSError:
        return False
    return [st.st_size, st.st_mtime_ns] == previous[2:4]


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


@functools.cache
def _page_mode() -> int:
    """The mode Pelican's open(…, "w") gives a new page: 0o666 less the umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: str, data: bytes) -> None:
    """Write a page where no file stands yet straight in; replace one that stands
    there via a temporary file and os.replace() (never writing into a file a hard
    link shares with the live tree)."""
    # A build into a fresh stage (every page of a cold build) finds no file at its
    # pages' paths: O_EXCL creates one and cannot open through a link, and a stage
    # that a killed build left half written is never swapped in (scripts/build.py).
    # mkstemp, chmod and rename cost more than the write itself.
    try:
        fd = _create(path)
    except FileNotFoundError:  # the page's folder is not made yet
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = _create(path)
    if fd is None:
        _replace_page(path, data)
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        os.unlink(path)  # no half page left where the next build would find "a file there"
        raise


def _create(path: str) -> int | None:
    """A descriptor on a new, empty file at path; None when something stands there."""
    try:
        return os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        return None


def _replace_page(path: str, data: bytes) -> None:
    try:
        write_atomic(path, data, mode=_page_mode())
    except IsADirectoryError:
        # An empty folder where this page goes: one the last build's tree had (a
        # page's folder, made ahead in the stage by scripts/build.py) and that this
        # build writes as a file (Save_as: notes/foo). A build from nothing has no
        # folder there; a folder with anything in it is an error, as before.
        os.rmdir(path)
        write_atomic(path, data, mode=_page_mode())


def store_page(
    path: str, data: bytes, fingerprint: str, previous, reference: str | None
) -> tuple[list, bool]:
    """Write data to path unless the previous build's file (at `reference`: the
    same path, or the live tree of a staged build) holds exactly these bytes."""
    digest = hashlib.sha1(data).hexdigest()
    if previous and previous[1] == digest and still_there(reference, previous):
        return [fingerprint, digest, *previous[2:4]], False
    write_atomically(path, data)
    st = os.stat(path)
    return [fingerprint, digest, st.st_size, st.st_mtime_ns], True


FingerprintOf = Callable[[Any, dict, dict], str]


def render_jobs(jobs: list[RenderJob], fingerprint_of: FingerprintOf) -> list[Rendered]:
    results = []
    for job in jobs:
        # Pages come unfingerprinted: the ones whose inputs did not change since the
        # last build are kept, not rendered.
        fingerprint = fingerprint_of(job.template, job.context, job.localcontext)
        if job.previous and job.previous[0] == fingerprint and still_there(job.reference, job.previous):
            results.append(Rendered(job.name, list(job.previous), wrote=False, reused=True))
            continue
        # As Pelican's Writer does before rendering: Content objects resolve
        # {filename} links against the page's own site URL.
        if job.localcontext.get("localsiteurl"):
            job.context["localsiteurl"] = job.localcontext["localsiteurl"]
        data = job.template.render(job.localcontext).encode("utf-8")
        entry, wrote = store_page(job.path, data, fingerprint, job.previous, job.reference)
        results.append(Rendered(job.name, entry, wrote))
    return results


def fork_renderer(jobs: list[RenderJob], fingerprint_of: FingerprintOf) -> tuple[int, int]:
    """Render `jobs` in a forked child; return its pid and the pipe to collect() from."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: render, write the files, report the state entries, exit
        os.close(reader)
        die_with_parent()
        try:
            payload = pickle.dumps(("ok", render_jobs(jobs, fingerprint_of)))
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(writer, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(writer)
    return pid, reader


def collect(pid: int, reader: int) -> list[Rendered] | None:
    """A child's results, or None when it failed (its pages are then rendered here)."""
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
