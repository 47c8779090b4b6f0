"""What the previous build wrote, and what this one writes (CACHE_PATH/fast_build/).

pages.json maps each page's name to [fingerprint, sha1 of its bytes, size,
mtime_ns] as the last finished build left it; kept.json lists, for a staged
build, the pages scripts/build.py must carry over from the live tree.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time

from pelican.utils import sanitised_join

from connected.files import write_atomic

from .fingerprint import STAGE_SETTING, code_digest, local_sources
from .render_pool import still_there

logger = logging.getLogger(__name__)

STATE_VERSION = 2


def joined_inside(base: str, name: str) -> str:
    """Pelican's `sanitised_join(base, name)` — the same path, the same refusal of a
    name that leaves `base` — without two abspath() calls per page: asked twice
    for every page of every build (30,000 times at 10,000 posts)."""
    if os.sep != "/" or not os.path.isabs(base):
        return sanitised_join(base, name)
    root = _normal_base(base)
    joined = os.path.normpath(os.path.join(root, name))
    if not joined.startswith(root):
        raise RuntimeError(f"Attempted to break out of output directory to {joined}")
    return joined


@functools.lru_cache(maxsize=16)
def _normal_base(base: str) -> str:
    return os.path.normpath(base)


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
        return joined_inside(self.reference, name)

    def reusable(self, name: str, fingerprint: str) -> bool:
        entry = self.previous.get(name)
        return bool(entry) and entry[0] == fingerprint and still_there(self.reference_file(name), entry)

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
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    write_atomic(path, text.encode("utf-8"))
