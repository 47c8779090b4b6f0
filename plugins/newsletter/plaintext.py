"""Plain text for email: subject/preheader lines, the text part, HTML to text.

All pure functions of their arguments. The text part is the post's Markdown
source (already readable as text) with its metadata header removed and its
links made absolute, since a mail client has no base URL to resolve them by.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable

import lxml.html

# Mailchimp's limit for subject lines and preview text.
MAX_LINE_CHARS = 150

# Inline markup people put in titles ("Why <em>not</em>"): stripped from the
# subject. Anything else in angle brackets ("Using <c> in prose") is literal
# text and stays, so a hostile title is never silently shortened.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|br|cite|code|del|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)"
    r"(?:\s[^<>]*)?/?>",
    re.I,
)
_META_LINE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ -]*:(?:\s|$)")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_INLINE_LINK = re.compile(r"(!?\[(?:[^\[\]]+|\[[^\]]*\])*\]\(\s*)(<[^>]*>|[^)\s]+)")
_REF_DEF = re.compile(r"^([ \t]{0,3}\[[^\]]+\]:[ \t]*)(<[^>]*>|\S+)", re.M)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_IMG = re.compile(r"<img\b([^>]*)>", re.I)
_EMBED = re.compile(r"<(iframe|video|audio)\b([^>]*)>(?:.*?</\1\s*>)?", re.I | re.S)
_ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.I | re.S)
_ATTR_VALUE = re.compile(r"""([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def plain_line(text: str, *, markup: bool = True) -> str:
    """One line of plain text: inline tags stripped, entities decoded, spaces collapsed.

    markup=True treats `text` as HTML (a rendered summary): every tag goes.
    markup=False treats it as a title-like string where only common inline
    tags are markup.
    """
    if not text:
        return ""
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
    lines = source.lstrip("\ufeff").splitlines()
    i = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                return "\n".join(lines[j + 1 :]).strip("\n")
        return source
    if not lines or not _META_LINE.match(lines[0]):
        return source.strip("\n")
    while i < len(lines) and lines[i].strip():
        if not (_META_LINE.match(lines[i]) or lines[i][:1] in (" ", "\t")):
            break  # not a header after all: keep everything from here
        i += 1
    return "\n".join(lines[i:]).strip("\n")


def absolutize_markdown(body: str, resolve: Callable[[str], str]) -> str:
    """Rewrite link and image URLs in Markdown with `resolve(url) -> absolute url`.

    Handles inline links/images, reference definitions and href/src in raw
    HTML; leaves fenced code blocks alone (a URL in sample code is text).
    """

    def fix(url: str) -> str:
        bracketed = url.startswith("<") and url.endswith(">")
        new = resolve(url[1:-1] if bracketed else url)
        return f"<{new}>" if bracketed else new

    def rewrite(chunk: str) -> str:
        chunk = _INLINE_LINK.sub(lambda m: m.group(1) + fix(m.group(2)), chunk)
        chunk = _REF_DEF.sub(lambda m: m.group(1) + fix(m.group(2)), chunk)
        return _raw_html_as_markdown(chunk, resolve)

    out: list[str] = []
    pending: list[str] = []
    fence: str | None = None
    for line in body.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                out.append(rewrite("".join(pending)))
                pending = []
                fence = match.group(1)
                out.append(line)
            else:
                pending.append(line)
        else:
            out.append(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
    out.append(rewrite("".join(pending)))
    return "".join(out)


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None))
        for m in _ATTR_VALUE.finditer(text)
    }


def _raw_html_as_markdown(chunk: str, resolve: Callable[[str], str]) -> str:
    """Raw HTML a post embeds, as Markdown a reader can follow in a text email."""
    chunk = _SCRIPT.sub("", chunk)

    def image(match: re.Match) -> str:
        attrs = _attrs(match.group(1))
        return f"![{attrs.get('alt', '')}]({resolve(attrs.get('src', ''))})"

    def embed(match: re.Match) -> str:
        attrs = _attrs(match.group(2))
        src = attrs.get("src") or attrs.get("poster")
        return f"[Watch or listen on the web]({resolve(src)})" if src else ""

    def anchor(match: re.Match) -> str:
        href = _attrs(match.group(1)).get("href")
        text = re.sub(r"<[^>]+>", "", match.group(2)).strip()
        return f"[{text}]({resolve(href)})" if href else text

    chunk = _EMBED.sub(embed, chunk)
    chunk = _IMG.sub(image, chunk)
    return _ANCHOR.sub(anchor, chunk)


_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre",
    "blockquote", "table", "tr", "figure", "figcaption", "hr", "dl",
}  # fmt: skip


def html_to_text(fragment: str, width: int = 72) -> str:
    """Readable text for an HTML fragment (used for summaries in excerpt mode)."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for link in root.iter("a"):
        href = link.get("href")
        text = link.text_content().strip()
        if href and not href.startswith("#") and href != text:
            link.tail = f" ({href})" + (link.tail or "")
    for img in root.iter("img"):
        img.tail = f"[{img.get('alt') or 'image'}]" + (img.tail or "")
    blocks: list[str] = []
    current: list[str] = [root.text or ""]
    for child in root:
        if not isinstance(child.tag, str):
            current.append(child.tail or "")
            continue
        if child.tag in _BLOCK_TAGS:
            blocks.append("".join(current))
            current = []
            text = child.text_content()
            if child.tag == "pre":
                blocks.append(text.rstrip())
            elif child.tag in ("ul", "ol"):
                items = [" ".join(li.text_content().split()) for li in child.iter("li")]
                blocks.append("\n".join(f"- {item}" for item in items))
            else:
                blocks.append(text)
            current.append(child.tail or "")
        else:
            current.append(child.text_content() + (child.tail or ""))
    blocks.append("".join(current))
    out = []
    for block in blocks:
        if "\n" in block.strip() and block.lstrip().startswith("- "):
            out.append(block.strip())
            continue
        words = " ".join(block.split())
        if words:
            out.append(
                textwrap.fill(words, width=width, break_long_words=False, break_on_hyphens=False)
            )
    return "\n\n".join(out)
