"""Embeds the page CSP would block, turned into plain links; inline styles found.

Pure functions of a post's HTML (before Pelican resolves its links) and the CSP
options. `replace_blocked(html, options)` returns the new HTML and one `Embed`
per replaced element. The post is parsed with lxml (linear in its size; the
standard library's HTMLParser is quadratic on unclosed tags).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

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
    """Inline CSS (or code) the page CSP ignores."""

    tag: str  # the element; "style" / "script" for a <style> / inline <script> element
    style: str  # the style attribute's value, or "" for an element


def is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") or (not parts.scheme and url.strip().startswith("//"))


def _absolute(url: str) -> str:
    url = url.strip()
    return "https:" + url if url.startswith("//") else url


def _label(values: dict, url: str) -> str:
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


_MARKERS = ("<iframe", "<script", "<embed", "<object", "<style")
_SPACE = " \t\n\r\f"


def _attribute_values(lowered: str, name: str):
    """Where each `name=` value starts in `lowered`, after blanks and an opening quote.

    A linear scan with str.find; it also yields values of longer names that
    end in `name` (`data-src=`), which only makes the caller parse more.
    """
    at = lowered.find(name)
    while at != -1:
        i = at + len(name)
        while i < len(lowered) and lowered[i] in _SPACE:
            i += 1
        if i < len(lowered) and lowered[i] == "=":
            i += 1
            while i < len(lowered) and lowered[i] in _SPACE:
                i += 1
            if i < len(lowered) and lowered[i] in "\"'":
                i += 1
            yield i
        at = lowered.find(name, at + 1)


def _surely_local(lowered: str, start: int) -> bool:
    """Whether the URL starting at `start` is certainly on this site (a Pelican
    placeholder, a path, or a relative name with no scheme). Anything else —
    "//", a scheme, an entity, a backslash — counts as maybe external."""
    value = lowered[start : start + 256]
    for end, char in enumerate(value):
        if char in "\"' >\f":
            value = value[:end]
            break
    first = value[:1]
    if not first:
        return False  # a blank first (' https://…'): browsers and lxml strip it
    if first == "{":
        return True
    if first == "/":  # a path, unless "//", "/\\" or an entity ("/&#47;host") makes it a host
        second = value[1:2]
        return second.isalnum() or (second != "" and second in "._-~")
    if not (first.isalnum() or first in "._-"):
        return False
    for char in value:
        if char in "/?#":
            return True
        if char in ":&\\":
            return False
    return len(value) < 200


def may_hold_embeds(text: str) -> bool:
    """A cheap, conservative pre-check (case-insensitive, linear), so most posts
    are not parsed here: it may say yes for a post without a blocked embed or
    inline style, never no for one with them."""
    if not text or "<" not in text:
        return False
    lowered = text.lower()
    if any(marker in lowered for marker in _MARKERS):
        return True
    if any(True for _ in _attribute_values(lowered, "style")):
        return True
    return "<img" in lowered and any(not _surely_local(lowered, at) for at in _attribute_values(lowered, "src"))


def replace_blocked(text: str, options: dict) -> tuple[str, list[Embed], list[InlineStyle]]:
    """The post's HTML with each blocked embed replaced by a link; the embeds; the inline styles.

    A post without a blocked embed comes back as the very same string; one with
    them is re-serialised by lxml with each blocked element swapped for its link.
    """
    if not may_hold_embeds(text):
        return text, [], []
    return replace_embeds(text, options)


def replace_embeds(text: str, options: dict) -> tuple[str, list[Embed], list[InlineStyle]]:
    """replace_blocked() past its pre-check: the post is parsed."""
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return text, [], []
    styles = [
        InlineStyle("style", "") if el.tag == "style" else InlineStyle(el.tag, el.get("style") or "")
        for el in root.iter()
        if isinstance(el.tag, str) and (el.tag == "style" or el.get("style") is not None)
    ]
    # Inline code does not run either (script-src has no 'unsafe-inline'); JSON data blocks are inert.
    styles += [
        InlineStyle("script", "")
        for el in root.iter("script")
        if not el.get("src") and (el.text or "").strip() and "json" not in (el.get("type") or "")
    ]
    blocked = []
    for element in root.iter(*EMBED_ATTRS):
        attr, kind = EMBED_ATTRS[element.tag]
        url = (element.get(attr) or "").strip()
        if not url or not is_external(url) or allows(options, kind, _absolute(url)):
            continue
        if any(element in outer.iterancestors() for outer, _ in blocked):
            continue  # inside an embed already replaced
        absolute = _absolute(url)
        blocked.append(
            (element, Embed(element.tag, kind, absolute, urlsplit(absolute).hostname or "",
                            _label(dict(element.attrib), url)))  # fmt: skip
        )
    if not blocked:
        return text, [], styles
    for element, embed in blocked:
        link = lxml.html.fragment_fromstring(link_for(embed))
        link.tail = element.tail
        element.getparent().replace(element, link)
    pieces = [html_lib.escape(root.text or "", quote=False)]
    pieces += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(pieces), [embed for _, embed in blocked], styles
