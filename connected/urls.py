"""Absolute URLs for HTML that leaves the site: feed entries and email editions.

Feed readers and mail clients have no base URL for a post, so every link and
image in its HTML must be absolute. `absolutize_html` rewrites URL-valued
attributes against the post's own absolute URL (so `../images/x.png` resolves
the way the browser would resolve it on the post page).

Why a small tokenizer instead of lxml's `make_links_absolute`: lxml mangles
`srcset` (treats it as one URL), ignores `poster`, resolves Mailchimp merge tags
(`*|UNSUB|*`) into nonsense and re-serialises the whole document (entities,
self-closing SVG tags, conditional comments in email templates). Here only the
attribute values that change are rewritten; every other byte of the input is
kept as it was, so the output is deterministic and the email templates survive.

Rules (the contract in docs/ARCHITECTURE.md):
- resolved with `urllib.parse.urljoin` against `base_url`: href, src, srcset and
  imagesrcset (each candidate, descriptors kept), poster, action, formaction,
  cite, background, longdesc, xlink:href, `<object data>`, and `url(...)` in
  `style` attributes and `<style>` elements;
- left untouched: URLs that already have a scheme (https:, mailto:, tel:, data:,
  sms: …), `#fragment`-only URLs, and anything holding a Mailchimp merge tag
  (`*|…|*`);
- a URL attribute whose value a browser would read as `javascript:` or
  `vbscript:` (spaces, tabs or newlines inside the scheme included) is dropped,
  because `urljoin` would otherwise turn "java\tscript:" into a clean
  "javascript:" URL: resolving never makes a URL more dangerous;
- markup inside comments (including Outlook conditional comments) and inside
  raw-text elements (`<textarea>`, `<title>` …) is not touched.

Not a sanitizer: script, event handlers and the rest are the business of
connected/sanitize.py, whose output is what this function is given
(`sanitize_html(html, base_url)` runs both, in that order). On that output
(every tag complete, attribute values quoted, no comments, no raw-text
elements) each scan below reads every character once.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin, urlsplit

__all__ = ["absolute_url", "absolutize_html", "is_absolute"]

# Attributes holding one URL, on any element.
_URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "poster",
        "action",
        "formaction",
        "cite",
        "background",
        "longdesc",
        "xlink:href",
    }
)
# Attributes holding a srcset candidate list.
_SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
_DANGEROUS_SCHEMES = ("javascript:", "vbscript:")

# What the scan stops at, so that the regex engine (not Python) skips the
# thousands of plain tags in a post (<p>, <span class="k"> from code highlighting):
# - comments and CDATA (skipped whole: markup inside is left alone);
# - raw-text elements (script, style, textarea …), whose content is not markup;
# - start tags having at least one attribute we may rewrite or drop.
# Quoted values are consumed whole, so a ">" or a name inside quotes counts for
# nothing; the possessive tail keeps a malformed tag from backtracking.
_VALUE_CHUNK = r"""(?:[^>"']|"[^"]*"|'[^']*')"""
_REWRITTEN_NAMES = (
    r"(?:href|src|srcset|imagesrcset|poster|action|formaction|cite|background|longdesc"
    r"|data|style|xlink:href)"
)
_MARKUP = re.compile(
    r"<(?:!--.*?-->"
    r"|!\[CDATA\[.*?\]\]>"
    r"|(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes)(?=[\s/>])"
    rf"(?P<rawattrs>{_VALUE_CHUNK}*+)>"
    rf"|(?P<tag>[A-Za-z][^\s/>]*+)(?P<attrs>{_VALUE_CHUNK}*?(?<=[\s\"'/]){_REWRITTEN_NAMES}"
    rf"\s*={_VALUE_CHUNK}*+)>)",
    re.S | re.I,
)
_ATTR = re.compile(
    r"([^\s\"'>/=][^\s\"'>/=]*)"  # name
    r"(?:(\s*=\s*)(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"  # = value
)
# Only semicolon-terminated references are decoded: in attribute values HTML
# keeps "&copy=2" literally (legacy rule), and so must we.
_CHAR_REF = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s)\"']*))\s*\)", re.I)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_STRIP_IN_SCHEME = re.compile(r"[\t\n\r]")


def is_absolute(url: str) -> bool:
    """True if `url` names its own scheme (`https:`, `mailto:`, `data:` …)."""
    url = url.strip()
    return bool(_SCHEME.match(url))


def _keep_as_is(url: str) -> bool:
    stripped = url.strip()
    return (
        stripped.startswith("#")
        or ("*|" in stripped and "|*" in stripped)
        or bool(_SCHEME.match(stripped))
    )


def _is_dangerous(url: str) -> bool:
    # Browsers ignore leading spaces and tabs/newlines inside a scheme
    # ("java\tscript:"), so compare the way they read it.
    squashed = _STRIP_IN_SCHEME.sub("", url.strip()).lower()
    return squashed.startswith(_DANGEROUS_SCHEMES)


def _check_base(base: str) -> None:
    parts = urlsplit(base)
    if not (parts.scheme and parts.netloc):
        raise ValueError(
            f"base URL {base!r} is not absolute: pass the post's full URL "
            "(scheme and host, e.g. 'https://example.com/2026/slug/')"
        )


def absolute_url(base: str, url: str) -> str:
    """Resolve one `url` against the absolute `base`.

    URLs with a scheme (including mailto:, tel:, data:), `#fragment`-only URLs
    and Mailchimp merge tags come back unchanged; everything else is joined
    with `urljoin` (so "" gives `base`). Raises ValueError if `base` is not an
    absolute URL, because a relative base would silently produce relative output.
    """
    _check_base(base)
    return _resolve(base, url)


def _resolve(base: str, url: str) -> str:
    if _keep_as_is(url):
        return url
    return urljoin(base, url.strip())


def _unescape_attr(raw: str) -> str:
    if "&" not in raw:
        return raw
    return _CHAR_REF.sub(lambda m: html_lib.unescape(m.group(0)), raw)


def _escape_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _resolve_srcset(base: str, srcset: str) -> str:
    """Resolve each candidate URL of a srcset, keeping descriptors and spacing.

    Follows the HTML parsing rule: a candidate URL runs to the next whitespace;
    trailing commas end it; otherwise its descriptors run to the next comma
    outside parentheses. So URLs containing commas (w_100,h_50) survive.
    """
    out: list[str] = []
    i, n, last = 0, len(srcset), 0
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        if i >= n:
            break
        start = i
        while i < n and not srcset[i].isspace():
            i += 1
        end = i
        while end > start and srcset[end - 1] == ",":
            end -= 1
        url = srcset[start:end]
        if end == i:  # no trailing comma: skip the descriptors up to the next comma
            depth = 0
            while i < n:
                ch = srcset[i]
                if ch == "(":
                    depth += 1
                elif ch == ")" and depth:
                    depth -= 1
                elif ch == "," and not depth:
                    break
                i += 1
        out.append(srcset[last:start])
        out.append(_resolve(base, url))
        last = end
    out.append(srcset[last:])
    return "".join(out)


def _resolve_css(base: str, css: str) -> str:
    def replace(match: re.Match) -> str:
        url = next(g for g in match.groups() if g is not None)
        if _is_dangerous(url):
            return "url()"
        return f"url('{_resolve(base, url)}')" if url else match.group(0)

    return _CSS_URL.sub(replace, css)


def _rewrite_value(base: str, tag: str, name: str, value: str) -> str | None:
    """The new value of attribute `name`, or None to drop the attribute."""
    if name in _URL_ATTRS or (name == "data" and tag == "object"):
        if _is_dangerous(value):
            return None
        return _resolve(base, value)
    if name in _SRCSET_ATTRS:
        return _resolve_srcset(base, value)
    if name == "style" and "url(" in value.lower():
        return _resolve_css(base, value)
    return value


def _rewrite_attrs(base: str, tag: str, attrs: str) -> str:
    pieces: list[str] = []
    last = 0
    for match in _ATTR.finditer(attrs):
        name = match.group(1).lower()
        if match.group(2) is None:
            continue
        raw = next(g for g in match.groups()[2:] if g is not None)
        value = _unescape_attr(raw)
        new = _rewrite_value(base, tag, name, value)
        if new == value:
            continue
        pieces.append(attrs[last : match.start()])
        if new is None:
            pieces[-1] = pieces[-1].rstrip()
        else:
            pieces.append(f'{match.group(1)}="{_escape_attr(new)}"')
        last = match.end()
    if not pieces:
        return attrs
    pieces.append(attrs[last:])
    return "".join(pieces)


def _find_close(html: str, tag: str, pos: int) -> int:
    """Index just past `</tag ...>` at or after pos (end of input if absent)."""
    match = re.compile(rf"</{re.escape(tag)}[\s/>]", re.I).search(html, pos)
    if not match:
        return len(html)
    gt = html.find(">", match.start())
    return len(html) if gt < 0 else gt + 1


def absolutize_html(html: str, base_url: str) -> str:
    """Return `html` with every URL attribute resolved against `base_url`.

    Works on fragments (a post body) and whole documents (an email). See the
    module docstring for exactly what is rewritten and kept. Meant for the
    output of connected.sanitize.sanitize_html (it removes no script). Raises
    ValueError if `base_url` is not absolute.
    """
    _check_base(base_url)
    if "<" not in html:
        return html
    out: list[str] = []
    pos = 0
    search = _MARKUP.search
    # search() from `scan` rather than finditer(): after a <script> or raw-text
    # element the scan must restart at its end, not at a match found inside it.
    scan = 0
    while (match := search(html, scan)) is not None:
        raw = match.group("raw")
        tag = raw or match.group("tag")
        if tag is None:  # a comment or CDATA section: keep as is
            scan = match.end()
            continue
        tag = tag.lower()
        out.append(html[pos : match.start()])
        attrs = match.group("rawattrs" if raw else "attrs")
        new_attrs = _rewrite_attrs(base_url, tag, attrs) if attrs else attrs
        if new_attrs is attrs:
            out.append(match.group(0))
        else:
            out.append(f"<{match.group('raw' if raw else 'tag')}{new_attrs}>")
        pos = scan = match.end()
        if raw:
            close = _find_close(html, tag, pos)
            text = html[pos:close]
            if tag == "style" and "url(" in text.lower():
                text = _resolve_css(base_url, text)
            out.append(text)
            pos = scan = close
    out.append(html[pos:])
    return "".join(out)
