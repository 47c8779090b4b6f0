"""Plain text for email: subject/preheader lines, the text part, HTML to text.

All pure functions of their arguments. The text part is made from the
post's rendered HTML, the very HTML of the email's HTML part (sanitized, URLs
absolute), with a real parser (lxml) walked once, element by element, with no
recursion and no regex: its time is linear in the size of the post whatever
the post holds (docs/safety.md › The text part lists the rules).
"""

from __future__ import annotations

import html
import re
import textwrap

import lxml.etree
import lxml.html

from connected.header import parse_header
from connected.sanitize import is_safe_url, sanitize_html, xml_text
from connected.urls import absolute_url

# Mailchimp's limit for subject lines and preview text.
MAX_LINE_CHARS = 150

# Inline markup people put in titles ("Why <em>not</em>"): stripped from the
# subject. Anything else in angle brackets ("Using <c> in prose") is literal
# text and stays, so a hostile title is never silently shortened.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|br|cite|code|del|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)"
    r"(?:\s[^<>]*+)?/?>",  # possessive: a tag without ">" costs one scan, no backtracking
    re.I,
)


def plain_line(text: str, *, markup: bool = True) -> str:
    """One line of plain text: inline tags stripped, entities decoded, spaces collapsed.

    markup=True treats `text` as HTML (a rendered summary): every tag goes.
    markup=False treats it as a title-like string where only common inline
    tags are markup.
    """
    if not text:
        return ""
    text = xml_text(text)
    if markup:
        text = lxml.html.fragment_fromstring(text, create_parent="div").text_content()
    else:
        text = html.unescape(_INLINE_TAG.sub("", text))
    return " ".join(text.split())


def truncate(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """`text` cut to at most `limit` characters, on a word boundary, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-—") + "…"


def strip_metadata_header(source: str) -> str:
    """The Markdown body without Pelican's `Key: value` header (or a `---` block)."""
    return parse_header(source.lstrip("\ufeff"), "markdown").body()


# --- HTML to text ------------------------------------------------------------
# Elements that start a new paragraph of text.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "details", "div",
        "dl", "dd", "dt", "figcaption", "figure", "footer", "header", "hgroup", "li", "ol",
        "p", "section", "summary", "table", "tbody", "tfoot", "thead", "ul",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Links whose target is a place on the page they sit in: their text is enough.
_IN_PAGE_CLASSES = ("footnote-ref", "footnote-backref", "headerlink", "toclink")
_LINE_BREAK = "\x00"  # <br> inside a paragraph; NUL never survives xml_text


class _TextBuilder:
    """Collects blocks of text while an lxml tree is walked once (see html_to_text)."""

    def __init__(self, width: int, base_url: str | None):
        self.width = width
        self.base_url = base_url
        self.blocks: list[tuple[str, str]] = []  # (kind, text)
        self.inline: list[str] = []
        self.containers: list[dict] = []  # blockquotes, list items, definitions
        self.lists: list[dict] = []  # open <ul>/<ol>: kind and item counter
        self.links: list[tuple[str | None, int]] = []  # (url to show, inline index)
        self.cells: list[list[str]] = []  # open table rows
        self.cell_starts: list[int] = []
        self.heading_start: int | None = None
        self.pre = 0

    # -- text ------------------------------------------------------------------
    def text(self, value: str | None) -> None:
        if value:
            self.inline.append(value)

    def _collapse(self, raw: str) -> list[str]:
        lines = [" ".join(line.split()) for line in raw.split(_LINE_BREAK)]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def _prefixes(self) -> tuple[str, str]:
        first = rest = ""
        for container in self.containers:
            marker = container["marker"]
            if container["kind"] == "quote":
                first += marker
                rest += marker
            elif not container["used"]:
                first += marker
                rest += " " * len(marker)
                container["used"] = True
            else:
                first += " " * len(marker)
                rest += " " * len(marker)
        return first, rest

    def flush(self, kind: str = "text") -> None:
        """End the current paragraph (if it has any text) and store it as a block."""
        if self.cell_starts or self.heading_start is not None:
            self.inline.append(" ")  # blocks inside a table cell or heading: same line
            return
        raw = "".join(self.inline)
        self.inline.clear()
        if kind == "pre":
            lines = raw.replace(_LINE_BREAK, "\n").strip("\n").split("\n")
            lines = [line.rstrip() for line in lines]
            if not any(lines):
                return
        else:
            lines = self._collapse(raw)
            if not lines:
                return
        self.add_block(kind, lines)

    def add_block(self, kind: str, lines: list[str]) -> None:
        first, rest = self._prefixes()
        if any(c["kind"] != "quote" for c in self.containers):
            kind = "list" if kind != "pre" else "list-pre"
        out: list[str] = []
        for line in lines:
            if kind in ("pre", "list-pre", "row", "rule") or not line:
                wrapped = [line]
            else:
                wrapped = textwrap.wrap(
                    line,
                    width=max(20, self.width - len(rest)),
                    break_long_words=False,
                    break_on_hyphens=False,
                ) or [""]
            for piece in wrapped:
                out.append((first if not out else rest) + piece)
        self.blocks.append((kind, "\n".join(out).rstrip()))

    # -- links and images ------------------------------------------------------
    def url(self, value: str | None) -> str | None:
        """The absolute, safe URL to print for `value`, or None."""
        value = (value or "").strip()
        if not value or value.startswith("#") or not is_safe_url(value):
            return None
        if self.base_url:
            try:
                value = absolute_url(self.base_url, value)
            except ValueError:
                return None
        return (
            value if value.lower().startswith(("http://", "https://", "mailto:", "tel:")) else None
        )

    def start(self, el) -> None:
        tag = el.tag
        if tag in _HEADINGS:
            self.flush()
            self.heading_start = len(self.inline)
        elif tag == "pre":
            self.flush()
            self.pre += 1
        elif tag == "br":
            self.inline.append("\n" if self.pre else _LINE_BREAK)
        elif tag == "hr":
            self.flush()
            self.add_block("rule", ["-" * 24])
        elif tag == "img":
            url = self.url(el.get("src"))
            alt = " ".join((el.get("alt") or "").split())
            label = alt or "Image"
            self.inline.append(f"{label} ({url})" if url else alt)
        elif tag == "a":
            classes = (el.get("class") or "").split()
            shown = (
                None if any(c in _IN_PAGE_CLASSES for c in classes) else self.url(el.get("href"))
            )
            self.links.append((shown, len(self.inline)))
        elif tag == "tr":
            self.flush()
            self.cells.append([])
        elif tag in ("td", "th") and self.cells:
            self.cell_starts.append(len(self.inline))
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag == "blockquote":
                self.containers.append({"kind": "quote", "marker": "> "})
            elif tag in ("ul", "ol"):
                start = el.get("start")
                count = int(start) - 1 if start and start.strip().isdigit() else 0
                self.lists.append({"kind": tag, "count": count})
            elif tag == "li":
                current = self.lists[-1] if self.lists else {"kind": "ul", "count": 0}
                current["count"] += 1
                marker = f"{current['count']}. " if current["kind"] == "ol" else "- "
                self.containers.append({"kind": "li", "marker": marker, "used": False})
            elif tag == "dd":
                self.containers.append({"kind": "dd", "marker": "    ", "used": True})

    def end(self, el) -> None:
        tag = el.tag
        if tag in _HEADINGS and self.heading_start is not None:
            self._end_heading(tag)
        elif tag == "pre":
            self.pre -= 1
            if not self.pre:
                self.flush("pre")
        elif tag == "a" and self.links:
            self._end_link()
        elif tag in ("td", "th") and self.cell_starts:
            self._end_cell()
        elif tag == "tr" and self.cells:
            row = self.cells.pop()
            self.flush()
            if any(row):
                self.add_block("row", [" | ".join(row)])
        elif tag in _BLOCK_TAGS:
            self._end_block(tag)

    def _end_heading(self, tag: str) -> None:
        title = " ".join("".join(self.inline[self.heading_start :]).replace(_LINE_BREAK, " ").split())
        del self.inline[self.heading_start :]
        self.heading_start = None
        self.flush()
        if title:
            underline = ["=" * len(title)] if tag == "h1" else ["-" * len(title)] if tag == "h2" else []
            self.add_block("heading", [title, *underline])

    def _end_link(self) -> None:
        shown, begin = self.links.pop()
        label = " ".join("".join(self.inline[begin:]).split())
        if shown and label != shown and label != shown.removeprefix("mailto:"):
            self.inline.append(f" ({shown})")
        elif shown and not label:
            self.inline.append(shown)

    def _end_cell(self) -> None:
        begin = self.cell_starts.pop()
        cell = " ".join("".join(self.inline[begin:]).replace(_LINE_BREAK, " ").split())
        del self.inline[begin:]
        if self.cells:
            self.cells[-1].append(cell)

    def _end_block(self, tag: str) -> None:
        self.flush()
        if tag == "blockquote" and self.containers:
            self.containers.pop()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("li", "dd") and self.containers:
            self.containers.pop()

    def result(self) -> str:
        self.flush()
        out: list[str] = []
        previous = None
        for kind, text in self.blocks:
            if out:
                tight = (previous == kind == "row") or (
                    previous in ("list", "list-pre") and kind in ("list", "list-pre")
                )
                out.append("\n" if tight else "\n\n")
            out.append(text)
            previous = kind
        return "".join(out)


def html_to_text(fragment: str, width: int = 72, base_url: str | None = None) -> str:
    """Readable plain text for an HTML fragment: the text part of an email.

    The fragment is sanitized first (so comments such as `<!-- more -->`,
    script and everything else the allow-list refuses never reach the text),
    then parsed with lxml and walked once, iteratively. Paragraphs are
    separated by blank lines; headings stand on their own lines (h1 and h2
    underlined); <pre> keeps its line breaks; list items start with "- " (or
    "1. " in numbered lists); links read "text (URL)" with the URL absolute
    (against `base_url`) and only for http, https, mailto and tel; images read
    "alt (URL)"; table rows read "cell | cell".
    """
    clean = sanitize_html(fragment or "")
    if not clean.strip():
        return ""
    root = lxml.html.fragment_fromstring(clean, create_parent="div")
    builder = _TextBuilder(width, base_url)
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if el is root:
            if event == "start":
                builder.text(el.text)
            continue
        if not isinstance(el.tag, str):  # comment or processing instruction
            if event == "end":
                builder.text(el.tail)
            continue
        if event == "start":
            builder.start(el)
            builder.text(el.text)
        else:
            builder.end(el)
            builder.text(el.tail)
    return builder.result()
