"""Every URL a post's HTML loads or links to, as written, with its source line.

Pure: `references(html, source_text)` parses the post's HTML (as the reader
produced it, before Pelican resolves `{static}`/`{filename}`) with lxml and
returns one `Reference` per URL-valued attribute, srcset candidates one by one.
The line is where the URL first appears in the source file (a plain substring
search), or 0 when it cannot be found there (the Markdown reader rewrote it).
"""

from __future__ import annotations

import html as html_lib
from bisect import bisect_right
from dataclasses import dataclass

import lxml.etree
import lxml.html

# (tag, attribute) -> what the writer is told it is.
URL_ATTRS = {
    ("a", "href"): "link",
    ("area", "href"): "link",
    ("link", "href"): "link",
    ("img", "src"): "image",
    ("img", "srcset"): "image",
    ("source", "src"): "image",
    ("source", "srcset"): "image",
    ("input", "src"): "image",
    ("video", "poster"): "image",
    ("video", "src"): "video",
    ("audio", "src"): "audio",
    ("track", "src"): "subtitles",
    ("iframe", "src"): "embed",
    ("embed", "src"): "embed",
    ("object", "data"): "embed",
    ("script", "src"): "script",
}
_TAGS = frozenset(tag for tag, _ in URL_ATTRS)
# Pelican replaces {static}/{filename} only in these attributes (its INTRASITE
# regex); anywhere else such a link reaches the page as written.
PELICAN_RESOLVES = frozenset({"href", "src", "poster", "data", "cite", "formaction", "action"})


@dataclass(frozen=True)
class Reference:
    kind: str  # link, image, video, audio, subtitles, embed, script
    tag: str
    attr: str
    url: str  # as written in the post
    line: int  # in the source file; 0 = not found

    def as_list(self) -> list:
        return [self.kind, self.tag, self.attr, self.url, self.line]

    @classmethod
    def from_list(cls, values: list) -> Reference:
        return cls(*values)


def srcset_urls(value: str) -> list[str]:
    """The URL of each srcset candidate (the HTML standard's splitting, linear)."""
    urls, i, n = [], 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        trailing_commas = url.endswith(",")
        url = url.rstrip(",")
        if url:
            urls.append(url)
        if trailing_commas:
            continue
        depth = 0  # skip the descriptors, up to a comma outside parentheses
        while i < n and not (value[i] == "," and depth == 0):
            depth += value[i] == "("
            depth -= value[i] == ")" and depth > 0
            i += 1
    return urls


class SourceLines:
    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_of(self, needle: str) -> int:
        if not needle or not self.text:
            return 0
        for form in (needle, html_lib.escape(needle, quote=True), html_lib.escape(needle, quote=False)):
            index = self.text.find(form)
            if index >= 0:
                return bisect_right(self.starts, index)
        return 0


def references(html: str, source_text: str = "") -> list[Reference]:
    """Every URL in `html`, in document order, each once per (attribute, URL)."""
    if not html or not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    lines = SourceLines(source_text)
    found: list[Reference] = []
    seen = set()
    for element in root.iter(*_TAGS):
        tag = element.tag
        for attr, raw in element.attrib.items():
            kind = URL_ATTRS.get((tag, attr))
            if kind is None:
                continue
            if tag == "source" and element.getparent() is not None:
                parent = element.getparent().tag
                if parent in ("video", "audio"):
                    kind = parent
            urls = srcset_urls(raw) if attr == "srcset" else [raw.strip()]
            for url in urls:
                key = (kind, attr, url)
                if not url or key in seen:
                    continue
                seen.add(key)
                found.append(Reference(kind, tag, attr, url, lines.line_of(url)))
    return found
