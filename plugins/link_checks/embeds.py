"""Embeds the page CSP would block, turned into plain links; inline styles found.

Pure functions of a post's HTML (before Pelican resolves its links) and the CSP
options. `replace_blocked(html, options)` returns the new HTML and one `Embed`
per replaced element; every other byte of the post is kept as it was: the scan
(the standard library's HTML parser, linear in the input) only finds where each
blocked element starts and ends, and those spans are spliced.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from .csp import allows

# Elements that load something from elsewhere, the attribute naming it, and
# the CSP allow-list kind ("object": never allowed, object-src 'none').
EMBED_ATTRS = {
    "iframe": ("src", "frame"),
    "script": ("src", "script"),
    "img": ("src", "image"),
    "embed": ("src", "object"),
    "object": ("data", "object"),
}
_VOID = frozenset({"img", "embed"})
WHAT = {"iframe": "iframe", "script": "script", "img": "image", "embed": "embed", "object": "object"}


@dataclass(frozen=True)
class Embed:
    tag: str
    kind: str
    url: str
    host: str
    label: str


@dataclass(frozen=True)
class InlineStyle:
    tag: str
    style: str  # the attribute's value, or "" for a <style> element


def is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") or (not parts.scheme and url.strip().startswith("//"))


class _Scanner(HTMLParser):
    def __init__(self, text: str, options: dict):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.options = options
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.spans: list[tuple[int, int, Embed]] = []
        self.styles: list[InlineStyle] = []
        self.open: tuple[str, int, Embed, int] | None = None  # tag, start, embed, depth

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "style" in values:
            self.styles.append(InlineStyle(tag, values.get("style") or ""))
        if tag == "style":
            self.styles.append(InlineStyle("style", ""))
        if self.open is not None:
            if tag == self.open[0]:
                self.open = (*self.open[:3], self.open[3] + 1)
            return
        spec = EMBED_ATTRS.get(tag)
        if spec is None:
            return
        url = (values.get(spec[0]) or "").strip()
        if not url or not is_external(url) or allows(self.options, spec[1], _absolute(url)):
            return
        embed = Embed(tag, spec[1], _absolute(url), urlsplit(_absolute(url)).hostname or "", _label(tag, values, url))
        start = self._offset()
        text = self.get_starttag_text() or ""
        if tag in _VOID or text.endswith("/>"):
            self.spans.append((start, start + len(text), embed))
        else:
            self.open = (tag, start, embed, 0)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.open is not None and self.open[0] == tag and self.open[3] == 0:
            # <iframe … /> has no end tag to wait for.
            _, start, embed, _ = self.open
            self.spans.append((start, start + len(self.get_starttag_text() or ""), embed))
            self.open = None

    def handle_endtag(self, tag):
        if self.open is None or tag != self.open[0]:
            return
        name, start, embed, depth = self.open
        if depth:
            self.open = (name, start, embed, depth - 1)
            return
        end = self._offset()
        close = self.text.find(">", end)
        self.spans.append((start, (close + 1) if close >= 0 else len(self.text), embed))
        self.open = None


def _absolute(url: str) -> str:
    url = url.strip()
    return "https:" + url if url.startswith("//") else url


def _label(tag: str, values: dict, url: str) -> str:
    for name in ("title", "alt", "aria-label"):
        text = " ".join((values.get(name) or "").split())
        if text:
            return text
    return urlsplit(_absolute(url)).hostname or url


def link_for(embed: Embed) -> str:
    """The plain link that stands in for a blocked embed."""
    href = embed.url
    if embed.tag == "script" and href.endswith(".js"):
        href = href[:-3]  # a gist's page, not its loader script
    return (
        f'<a class="embed-link" href="{html_lib.escape(href, quote=True)}">'
        f"{html_lib.escape(embed.label, quote=False)}</a>"
    )


def scan(text: str, options: dict) -> tuple[list[tuple[int, int, Embed]], list[InlineStyle]]:
    """(blocked embed spans, inline styles) of a post's HTML."""
    if not text or ("<" not in text):
        return [], []
    scanner = _Scanner(text, options)
    scanner.feed(text)
    scanner.close()
    if scanner.open is not None:
        # An embed never closed (<iframe src=…> at the end of the post): up to the end.
        _, start, embed, _ = scanner.open
        scanner.spans.append((start, len(text), embed))
    return scanner.spans, scanner.styles


def replace_blocked(text: str, options: dict) -> tuple[str, list[Embed], list[InlineStyle]]:
    """The post's HTML with each blocked embed replaced by a link; the embeds; the inline styles."""
    spans, styles = scan(text, options)
    if not spans:
        return text, [], styles
    pieces, last = [], 0
    for start, end, embed in spans:
        pieces += [text[last:start], link_for(embed)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), [embed for _, _, embed in spans], styles
