"""The one reader of a post's raw metadata header (Markdown and reST), and the suffixes of each.

Used by plugins/post_checks (the checks), scripts/uuids.py (where a Uuid line goes),
scripts/newpost.py (a Slug already taken), scripts/init.py and scripts/import_blog (a
post's Uuid) and the newsletter's text part.

Pelican hands us metadata already processed: dates parsed (by dateutil, which
reads `01/12/2026` as 12 January), repeated keys merged into lists, keys
lower-cased, defaults filled in. The checks need what the writer typed, with
line numbers, so they read the header text here the way the readers do:

- Markdown: Python-Markdown's `meta` extension — an optional `---` line,
  then `Key: value` lines (up to 3 leading spaces), indented lines continuing
  the previous key, ending at the first blank line, `---`/`...`, or any other line.
- reST: docutils' docinfo, the field list that comes first after the document
  title (an optional overline, the text, its underline), or first in a file
  without a title: `:key: value` lines, indented lines continuing the previous
  field, blank lines allowed between fields (docutils reads them as one list).

Both are linear scans; the key patterns have no nested quantifiers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# The file suffixes Pelican's Markdown and reST readers take (lower case, with the dot).
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
RST_SUFFIXES = (".rst",)

# The patterns of Python-Markdown's meta extension (markdown/extensions/meta.py).
_MD_KEY = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_MD_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_MD_BEGIN = re.compile(r"^-{3}(\s.*)?$")
_MD_END = re.compile(r"^(-{3}|\.{3})(\s.*)?$")
_FENCE_SCAN = 1000  # lines looked at for the closing --- of a broken header
# A docinfo field: ':name: body' (docutils field names may hold spaces), and a section
# adornment (one punctuation character repeated).
_RST_FIELD = re.compile(r"^:(?P<key>[^:\s][^:]*):(?:\s+(?P<value>.*))?$")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")


@dataclass
class Entry:
    """One `Key: value` line of the header (and its continuation lines)."""

    key: str  # as written
    value: str  # the first line's value, stripped
    line: int  # 1-based line of the key
    continued: list[str] = field(default_factory=list)  # continuation lines' values
    # The key as the readers match it; worked out once (every check asks for it).
    name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        self.name = self.key.strip().lower()


@dataclass
class Header:
    """A source file's header as written, and the rest of its text."""

    syntax: str  # "markdown", "rst" or "other"
    entries: list[Entry]
    lines: list[str]  # the whole file, split on "\n" only
    body_start: int  # index into `lines` of the first line after the header
    error: str | None = None  # why the file could not be read as text
    # reST only: index into `lines` just after the document title (None: no title); a
    # field list added to a file that has none goes there.
    title_end: int | None = None

    def first(self, name: str) -> Entry | None:
        return self._first_by_name.get(name)

    @cached_property
    def _first_by_name(self) -> dict[str, Entry]:
        # A header is read once and asked for a dozen keys by the checks.
        found: dict[str, Entry] = {}
        for entry in self.entries:
            found.setdefault(entry.name, entry)
        return found

    def get(self, name: str) -> str | None:
        entry = self.first(name)
        return None if entry is None else entry.value

    def values(self, name: str) -> list[str]:
        """The value of every `name` line (a key written twice gives two)."""
        return [entry.value for entry in self.entries if entry.name == name]

    @property
    def fenced(self) -> bool:
        """Whether a Markdown header opens with a `---` line, as YAML front matter does
        (Python-Markdown's meta extension reads it, but as `Key: value` lines, not YAML)."""
        return self.syntax == "markdown" and bool(self.lines) and bool(_MD_BEGIN.match(self.lines[0]))

    @property
    def fence_break(self) -> tuple[int, list[int]] | None:
        """For a header opened with `---` that ends before its closing `---` (at a blank line,
        a comment, a YAML list item or a key written `key : value`): the 1-based line where
        it ended, and the indexes of the lines after it that are the post's text although
        they were meant as header — up to the closing `---` (or `...`), or, with none, the
        first paragraph. None when the header closes as it should."""
        if not self.fenced or self.body_start < 1 or _MD_END.match(self.lines[self.body_start - 1]):
            return None
        ended = self.body_start - 1 if not self.lines[self.body_start - 1].strip() else self.body_start
        limit = min(len(self.lines), ended + 1 + _FENCE_SCAN)
        for index in range(ended + 1, limit):
            if _MD_END.match(self.lines[index]):
                return ended + 1, list(range(ended, index))
        gap, index = [], ended
        while index < limit and not self.lines[index].strip():
            index += 1
        while index < limit and self.lines[index].strip():
            gap.append(index)
            index += 1
        return ended + 1, gap

    @property
    def last_line(self) -> int:
        """Index into `lines` just after the last entry and its continuation lines (0: none)."""
        if not self.entries:
            return 0
        last = self.entries[-1]
        return last.line + len(last.continued)

    def body(self) -> str:
        """The text after the header, without the blank lines around it."""
        return "\n".join(self.lines[self.body_start :]).strip("\n")


def syntax_of(path: str) -> str:
    lower = str(path).lower()
    if lower.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if lower.endswith(RST_SUFFIXES):
        return "rst"
    return "other"


def split_lines(text: str) -> list[str]:
    # str.splitlines() also splits on \x0b, \x0c, \x1c-\x1e, \x85 and \u2028:
    # the readers split on newlines only, and so must the line numbers we print.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_header(path: Path) -> Header:
    """The header of the file at `path` (never raises for unreadable text)."""
    text = read_text(path)
    return text if isinstance(text, Header) else parse_header(text, syntax_of(str(path)))


# A build reads each post's file once: fast_build's Markdown cache key, post_checks,
# link_checks and the newsletter's render cache all ask here (three reads of 1000 posts
# were ~0.1 s of a one-post build).
# Keyed by the file's stat, which a save changes; emptied when a build starts and ends
# (fast_build, at Pelican's initialized and finalized), so a long-lived process (the
# devserver) never trusts a stamp from an earlier build.
_READ: dict[str, tuple[tuple[int, int, int, int], bytes]] = {}


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes, read once per build (OSError as open() raises it)."""
    key = os.fspath(path)
    info = os.stat(key)
    stamp = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
    hit = _READ.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(key, "rb") as handle:
        data = handle.read()
    _READ[key] = (stamp, data)
    return data


def forget_reads(*_args, **_kwargs) -> None:
    _READ.clear()


def source_text(path: Path | str) -> str:
    """The file's text as `read_text` gives it, or "" when it cannot be read as text
    (for a value computed from the source that has nothing to say of an unreadable file)."""
    text = read_text(path)
    return "" if isinstance(text, Header) else text


def read_text(path: Path) -> str | Header:
    """The file's text as the readers take it (UTF-8, a BOM dropped), or, when it cannot
    be read as text, an empty Header whose `error` says why."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        return Header(syntax_of(str(path)), [], [], 0, error="is not UTF-8 text — save the file as UTF-8")
    except OSError as exc:
        return Header(syntax_of(str(path)), [], [], 0, error=f"cannot be opened ({exc.strerror or exc})")


def parse_header(text: str, syntax: str) -> Header:
    lines = split_lines(text)
    if syntax == "rst":
        title_end = _rst_title_end(lines)
        entries, end = _rst_entries(lines, title_end or 0)
        if not entries and title_end is None:
            end = 0  # neither a title nor fields: the whole file is body
        return Header(syntax, entries, lines, end, title_end=title_end)
    if syntax == "markdown":
        entries, end = _markdown_entries(lines)
    else:
        entries, end = [], 0
    return Header(syntax, entries, lines, end)


def _markdown_entries(lines: list[str]) -> tuple[list[Entry], int]:
    entries: list[Entry] = []
    index = 0
    if lines and _MD_BEGIN.match(lines[0]):
        index = 1
    while index < len(lines):
        # Python-Markdown expands tabs (4 columns) before its meta extension reads the
        # header: a tab-indented line continues the value above, as there.
        line = lines[index].expandtabs(4) if "\t" in lines[index] else lines[index]
        if line.strip() == "" or _MD_END.match(line):
            return entries, index + 1
        match = _MD_KEY.match(line)
        if match:
            entries.append(Entry(match["key"], match["value"].strip(), index + 1))
        else:
            more = _MD_MORE.match(line)
            if not (more and entries):
                return entries, index
            entries[-1].continued.append(more["value"].strip())
        index += 1
    return entries, index


def _blank(lines: list[str], index: int) -> bool:
    return index >= len(lines) or not lines[index].strip()


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _rst_title_end(lines: list[str]) -> int | None:
    """The index just after the document title (after blank lines, an optional overline,
    the text, its underline), or None when the file does not start with a title."""
    index = _skip_blank(lines, 0)
    over = _RST_ADORNMENT.match(lines[index]) if index < len(lines) else None
    if (
        over
        and index + 2 < len(lines)
        and not _blank(lines, index + 1)
        and _RST_ADORNMENT.match(lines[index + 2])
        and lines[index + 2][0] == lines[index][0]  # docutils: overline and underline match
    ):
        return index + 3
    if (
        index + 1 < len(lines)
        and not _blank(lines, index)
        and not _RST_FIELD.match(lines[index])
        and _RST_ADORNMENT.match(lines[index + 1])
    ):
        return index + 2
    return None


def _rst_entries(lines: list[str], start: int) -> tuple[list[Entry], int]:
    """The docinfo fields: the field list that is the first thing after the title (or, in a
    file without one, the first thing in it), and the index just after them (just after
    the blank lines before where they would be, when there are none)."""
    index = _skip_blank(lines, start)
    entries: list[Entry] = []
    while index < len(lines) and (match := _RST_FIELD.match(lines[index])):
        entries.append(Entry(match["key"], (match["value"] or "").strip(), index + 1))
        index += 1
        while not _blank(lines, index) and lines[index][:1] in (" ", "\t"):
            entries[-1].continued.append(lines[index].strip())
            index += 1
        following = _skip_blank(lines, index)
        if following < len(lines) and _RST_FIELD.match(lines[following]):
            index = following  # blank lines between the fields of one list
    return entries, index
