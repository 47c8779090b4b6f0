"""Give every post and page a stable identity: `make uuids`.

Adds `Uuid: <uuid4>` to the metadata header of every Markdown post/page in
content/ that has none, leaving every other byte of the file as it was (the
file is replaced atomically). Reports malformed Uuids and two files sharing
one (naming both) and then exits 1, because the build refuses them too.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from connected.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown"}

# Python-Markdown's meta extension: "Key: value" lines from the first line,
# indented continuation lines, optionally fenced by --- … (--- or ...).
_KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_MORE_LINE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_BEGIN = re.compile(r"^-{3}(\s.*)?$")
_END = re.compile(r"^(-{3}|\.{3})(\s.*)?$")
_BOM = b"\xef\xbb\xbf"


class UuidsError(Exception):
    """The content cannot be scanned (missing directory, unreadable settings)."""


@dataclass
class Header:
    """Where a file's metadata header is, and the Uuid values in it."""

    insert_at: int  # byte offset where a new header line goes
    newline: bytes
    needs_newline_first: bool  # the last header line has no line ending
    uuids: list[str]
    has_header: bool


def read_header(data: bytes) -> Header:
    """Locate the metadata header of a Markdown file given as bytes."""
    offset = len(_BOM) if data.startswith(_BOM) else 0
    lines = data[offset:].splitlines(keepends=True)
    newline = b"\r\n" if lines and lines[0].endswith(b"\r\n") else b"\n"
    position = offset
    insert_at = offset
    uuids: list[str] = []
    seen_key = False
    fenced = False
    for index, raw in enumerate(lines):
        text = raw.decode("utf-8").rstrip("\r\n")
        if index == 0 and _BEGIN.match(text):
            fenced = True
            position += len(raw)
            insert_at = position
            continue
        if fenced and _END.match(text):
            break
        match = _KEY_LINE.match(text)
        if match:
            seen_key = True
            if match["key"].lower() == "uuid":
                uuids.append(match["value"].strip())
        elif not (seen_key and _MORE_LINE.match(text)):
            break
        position += len(raw)
        insert_at = position
    last = data[:insert_at]
    needs_newline = bool(seen_key) and not last.endswith((b"\n", b"\r"))
    return Header(insert_at, newline, needs_newline, uuids, seen_key)


def add_uuid(data: bytes, new_uuid: str) -> bytes:
    """`data` with a `Uuid:` line appended to its header; other bytes unchanged."""
    header = read_header(data)
    if not header.has_header:
        raise ValueError("has no metadata header (it must start with 'Title: …')")
    line = f"Uuid: {new_uuid}".encode() + header.newline
    if header.needs_newline_first:
        line = header.newline + line
    return data[: header.insert_at] + line + data[header.insert_at :]


def write_atomically(path: Path, data: bytes) -> None:
    # Keep the post's own permissions: it is the writer's file, not ours.
    write_atomic(path, data, durable=True, mode=path.stat().st_mode & 0o7777)


def source_files(content: Path, subdirs: list[str]) -> list[Path]:
    files: set[Path] = set()
    for sub in subdirs:
        base = content / sub if sub else content
        if base.is_file() and base.suffix.lower() in MARKDOWN_SUFFIXES:
            files.add(base)
        elif base.is_dir():
            files.update(
                p for p in base.rglob("*")
                if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES and not p.name.startswith(".")
            )
    return sorted(files)


def settings_paths(settings_file: Path) -> tuple[Path, list[str]]:
    """The content directory and the article/page folders named in the settings."""
    from pelican.settings import get_settings_from_file

    try:
        settings = get_settings_from_file(str(settings_file))
    except Exception as exc:
        raise UuidsError(f"cannot read {settings_file}: {exc}") from None
    content = Path(settings.get("PATH", "content"))
    if not content.is_absolute():
        content = settings_file.parent / content
    subdirs = list(settings.get("ARTICLE_PATHS", [""])) + list(settings.get("PAGE_PATHS", ["pages"]))
    return content, subdirs


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def run(content: Path, subdirs: list[str], out=sys.stdout, err=sys.stderr) -> int:
    """Add missing Uuids under `content`; return the exit code."""
    if not content.is_dir():
        raise UuidsError(f"{content} is not a directory: pass --content or fix PATH in the settings")
    added = kept = 0
    problems: list[str] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for path in source_files(content, subdirs):
        shown = _shown(path)
        data = path.read_bytes()
        try:
            header = read_header(data)
        except UnicodeDecodeError:
            problems.append(f"{shown}: is not UTF-8 text — save it as UTF-8")
            continue
        if len(header.uuids) > 1:
            problems.append(f"{shown}: has {len(header.uuids)} Uuid: lines — keep exactly one")
            continue
        if header.uuids:
            kept += 1
            try:
                owners[str(uuid.UUID(header.uuids[0]))].append(shown)
            except ValueError:
                problems.append(
                    f"{shown}: Uuid {header.uuids[0]!r} is not a UUID — fix it to look like "
                    "3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b"
                )
            continue
        if not header.has_header:
            problems.append(f"{shown}: has no metadata header — start it with 'Title: …', then run make uuids again")
            continue
        new_uuid = str(uuid.uuid4())
        write_atomically(path, add_uuid(data, new_uuid))
        owners[new_uuid].append(shown)
        added += 1
        print(f"{shown}: added Uuid: {new_uuid}", file=out)
    for value, files in sorted(owners.items()):
        if len(files) > 1:
            problems.append(
                f"{' and '.join(files)}: share Uuid {value} — delete the Uuid: line of the "
                "newer copy and run make uuids again"
            )
    print(f"Added {added} Uuid{'' if added == 1 else 's'}; {kept} file{'' if kept == 1 else 's'} already had one.", file=out)
    for problem in problems:
        print(problem, file=err)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.uuids", description=__doc__.splitlines()[0])
    parser.add_argument("-s", "--settings", default=str(ROOT / "pelicanconf.py"), help="settings file (for PATH, ARTICLE_PATHS, PAGE_PATHS)")
    parser.add_argument("--content", help="content directory (default: PATH from the settings)")
    args = parser.parse_args(argv)
    try:
        content, subdirs = settings_paths(Path(args.settings).resolve())
        if args.content:
            content = Path(args.content)
        return run(content, subdirs)
    except UuidsError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
