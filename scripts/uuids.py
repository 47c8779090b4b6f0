"""Give every post and page a stable identity: `make uuids`.

Writes the id a post already has into its file: a post without a `Uuid:` is
known to the feeds and the send record by an id derived from its path
(connected/identity.py), and `make uuids` writes exactly that id, so adding
the line changes nothing anyone has seen; from then on the id travels with
the file through renames and title, slug or date edits (docs/identity.md).

Markdown files get a `Uuid: …` line at the end of their metadata header,
reST files a `:uuid: …` field in the field list after the title; every other
byte (BOM, line endings, a `---` fence, a missing final newline) stays as it
was, and the file is replaced atomically. Reports malformed Uuids, two files
sharing one (naming both) and HTML posts (whose `<meta>` it does not edit),
and then exits 1, because the build refuses them too.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from connected.errors import ConnectedError
from connected.files import hidden_under, write_atomic
from connected.header import MARKDOWN_SUFFIXES, RST_SUFFIXES, parse_header
from connected.identity import fallback_uuid, id_for_new_uuid_line, shared_uuid_problem

ROOT = Path(__file__).resolve().parent.parent
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = (*MARKDOWN_SUFFIXES, *RST_SUFFIXES, *HTML_SUFFIXES)
_BOM = b"\xef\xbb\xbf"


class UuidsError(ConnectedError):
    """The content cannot be scanned (missing directory, unreadable settings)."""


@dataclass
class Header:
    """Where a file's metadata header is, and the Uuid values in it."""

    insert_at: int  # byte offset where a new header line goes
    newline: bytes
    needs_newline_first: bool  # the last header line has no line ending
    uuids: list[str]
    has_header: bool
    syntax: str = "markdown"
    # reST only: a title without a field list gets one, set off by blank lines.
    blank_before: bool = False
    blank_after: bool = False


def _split(data: bytes) -> tuple[int, list[bytes], bytes]:
    """(offset after a BOM, lines with their endings, the file's line ending)."""
    offset = len(_BOM) if data.startswith(_BOM) else 0
    lines = data[offset:].splitlines(keepends=True)
    newline = b"\n"
    for raw in lines:
        if raw.endswith(b"\r\n"):
            newline = b"\r\n"
            break
        if raw.endswith((b"\n", b"\r")):
            newline = raw[-1:]
            break
    return offset, lines, newline


def read_header(data: bytes, syntax: str = "markdown") -> Header:
    """Locate the metadata header of a Markdown or reST file given as bytes.

    The header is read by connected/header.py (Python-Markdown's meta rules; for reST
    docutils' docinfo, the field list right after the title); this only turns its
    line numbers into the byte offset where a new line goes: after the last entry,
    or for a reST title without fields, right after the title.
    """
    offset, lines, newline = _split(data)
    header = parse_header(data[offset:].decode("utf-8"), syntax)

    def start_of(index: int) -> int:  # byte offset of line `index`
        return offset + sum(len(raw) for raw in lines[:index])

    def needs_newline(at: int) -> bool:
        return not data[:at].endswith((b"\n", b"\r"))

    if header.entries:
        insert_at = start_of(header.last_line)
        return Header(insert_at, newline, needs_newline(insert_at), header.values("uuid"), True, syntax)
    if header.title_end is None:  # no header at all (reST: not even a title)
        return Header(offset, newline, False, [], False, syntax)
    after_title = start_of(header.title_end)
    followed = header.title_end < len(header.lines) and header.lines[header.title_end].strip() != ""
    return Header(
        after_title, newline, needs_newline(after_title), [], True, syntax,
        blank_before=True, blank_after=followed,
    )  # fmt: skip


class _MetaFinder(HTMLParser):
    """The `<meta name="uuid" content="…">` values of an HTML post."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.uuids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            values = {name.lower(): value or "" for name, value in attrs}
            if values.get("name", "").lower() == "uuid":
                self.uuids.append(values.get("content", "").strip())


def read_html_uuids(data: bytes) -> list[str]:
    finder = _MetaFinder()
    finder.feed(data.decode("utf-8"))
    finder.close()
    return finder.uuids


def syntax_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in RST_SUFFIXES:
        return "rst"
    if suffix in HTML_SUFFIXES:
        return "html"
    return "markdown"


def add_uuid(data: bytes, new_uuid: str, syntax: str = "markdown") -> bytes:
    """`data` with a Uuid line (or reST field) added to its header; other bytes unchanged."""
    header = read_header(data, syntax)
    if not header.has_header:
        raise ValueError("has no metadata header (it must start with 'Title: …')")
    nl = header.newline
    text = f":uuid: {new_uuid}" if syntax == "rst" else f"Uuid: {new_uuid}"
    line = text.encode() + nl
    if header.blank_before:
        line = nl + line
    if header.blank_after:
        line = line + nl
    if header.needs_newline_first:
        line = nl + line
    return data[: header.insert_at] + line + data[header.insert_at :]


def write_atomically(path: Path, data: bytes) -> None:
    # Keep the post's own permissions: it is the writer's file, not ours.
    write_atomic(path, data, durable=True, mode=path.stat().st_mode & 0o7777)


def source_files(content: Path, subdirs: list[str]) -> list[Path]:
    files: set[Path] = set()
    for sub in subdirs:
        base = content / sub if sub else content
        if base.is_file() and base.suffix.lower() in SUFFIXES:
            files.add(base)
        elif base.is_dir():
            files.update(
                p for p in base.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not hidden_under(p, content)
            )  # fmt: skip
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


def relative_source_path(path: Path, content: Path) -> str:
    """The path Pelican calls `relative_source_path` (from which the fallback id comes)."""
    return os.path.relpath(path, content).replace(os.sep, "/")


@dataclass
class _Missing:
    path: Path
    shown: str
    relative: str
    data: bytes
    syntax: str


@dataclass
class _Kept:
    """A file that already has its one Uuid line (`uuid` empty and `problem` set when malformed)."""

    shown: str
    uuid: str = ""
    problem: str = ""


def _scan_file(path: Path, content: Path) -> _Missing | _Kept | str:
    """What one source file needs: a Uuid line written (_Missing), nothing (_Kept), or a fix (the problem)."""
    shown = _shown(path)
    relative = relative_source_path(path, content)
    syntax = syntax_of(path)
    data = path.read_bytes()
    try:
        if syntax == "html":
            values = read_html_uuids(data)
            header = None
        else:
            header = read_header(data, syntax)
            values = header.uuids
    except UnicodeDecodeError:
        return f"{shown}: is not UTF-8 text — save it as UTF-8"
    field = ":uuid:" if syntax == "rst" else "Uuid:"
    if len(values) > 1:
        return f"{shown}: has {len(values)} {field} lines — keep exactly one"
    if values and not values[0]:
        return (
            f"{shown}: has an empty {field} line — write '{field} {fallback_uuid(relative)}' "
            "there (the id this post already has)"
        )
    if values:
        try:
            return _Kept(shown, uuid=str(uuid.UUID(values[0])))
        except ValueError:
            return _Kept(
                shown,
                problem=f"{shown}: Uuid {values[0]!r} is not a UUID — fix it to look like "
                "3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b",
            )
    if syntax == "html":
        return (
            f"{shown}: make uuids does not edit HTML posts — add "
            f'<meta name="uuid" content="{fallback_uuid(relative)}"> to its <head> '
            "(the id this post already has)"
        )
    if not header.has_header:
        start = "a title, an underline and ':date: …'" if syntax == "rst" else "'Title: …'"
        return f"{shown}: has no metadata header — start it with {start}, then run make uuids again"
    return _Missing(path, shown, relative, data, syntax)


def run(content: Path, subdirs: list[str], out=sys.stdout, err=sys.stderr) -> int:
    """Write the missing Uuids under `content`; return the exit code."""
    if not content.is_dir():
        raise UuidsError(f"{content} is not a directory: pass --content or fix PATH in the settings")
    kept = 0
    problems: list[str] = []
    owners: dict[str, list[str]] = defaultdict(list)
    missing: list[_Missing] = []
    # First every Uuid the files already carry, so a path-derived id that another
    # file already owns is never written a second time.
    for path in source_files(content, subdirs):
        found = _scan_file(path, content)
        if isinstance(found, _Missing):
            missing.append(found)
        elif isinstance(found, _Kept):
            kept += 1
            if found.uuid:
                owners[found.uuid].append(found.shown)
            else:
                problems.append(found.problem)
        else:
            problems.append(found)
    taken = set(owners)
    added = 0
    for item in missing:
        new_uuid, is_old = id_for_new_uuid_line(item.relative, taken)
        taken.add(new_uuid)
        write_atomically(item.path, add_uuid(item.data, new_uuid, item.syntax))
        owners[new_uuid].append(item.shown)
        added += 1
        if is_old:
            why = "the id it already had"
        else:
            old = fallback_uuid(item.relative)
            why = f"a new id: the one derived from its path, {old}, is already the Uuid of {', '.join(owners[old])}"
        print(f"{item.shown}: added Uuid: {new_uuid} ({why})", file=out)
    for value, files in sorted(owners.items()):
        if len(files) > 1:
            problems.append(shared_uuid_problem(files, value))
    print(f"Added {added} Uuid{'' if added == 1 else 's'}; {kept} file{'' if kept == 1 else 's'} already had one.", file=out)
    for problem in problems:
        print(problem, file=err)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts uuids", description=__doc__.splitlines()[0])
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
