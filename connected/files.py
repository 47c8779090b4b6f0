"""Atomic file replacement, shared by the scripts and the plugins.

A reader (or a crash) sees either the old file or the new one, never half of
one: write a temporary file in the same directory, then os.replace() it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, durable: bool = False, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically.

    durable: fsync the file before the rename (records that must survive a
    power cut). mode: permission bits for the new file; mkstemp's default
    (0o600) otherwise.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes, *, durable: bool = False) -> bool:
    """`write_atomic` unless `path` already holds exactly `data`; True if written.

    An unchanged file keeps its mtime, so rsync, browsers and incremental builds see no change.
    Creates the parent folders.
    """
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, durable=durable)
    return True


def path_inside(base: Path, *parts: str) -> Path:
    """`base / parts…`, refusing any result outside `base` (absolute parts, `..`, links).

    Every path built from post data (slugs, Uuids, titles) goes through this, so
    a hostile `Slug: ../../x` can never make us write outside our directories.
    Raises ValueError naming the offending path.
    """
    base = Path(base).resolve()
    candidate = base.joinpath(*parts).resolve()
    if candidate != base and base not in candidate.parents:
        raise ValueError(f"{'/'.join(parts)!r} would be written outside {base}")
    return candidate


def hidden_under(path: Path, root: Path) -> bool:
    """Whether `path` is, or lies in, a file or folder under `root` whose name starts with a
    dot: the build reads none of them (IGNORE_FILES = [".*"] in pelicanconf.py), so neither
    do the scripts that look for posts (make uuids, make newpost)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts
    return any(part.startswith(".") and part not in (".", "..") for part in parts)
