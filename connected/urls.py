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
(`sanitize_html(html, base_url)` runs both, in that order). The scanner
below reads each character once, with no regex over the markup, so its time
is linear in the input whatever the input holds.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

__all__ = ["absolute_url", "absolutize_html", "is_absolute", "url_on_site"]

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

# Raw-text elements: their content is not markup and is skipped (CSS in <style>
# has its url(...) resolved).
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
)
_SPACE = " \t\n\r\f"
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
# Only semicolon-terminated references are decoded: in attribute values HTML
# keeps "&copy=2" literally (legacy rule), and so must we.
_CHAR_REF = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Possessive, and an unquoted URL stops at "(": each url( costs one short scan.
_CSS_URL = re.compile(r"url\(\s*+(?:\"([^\"]*+)\"|'([^']*+)'|([^\s()\"']*+))\s*+\)", re.I)
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


@lru_cache(maxsize=64)  # a build checks the one SITEURL for each of its posts
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


def url_on_site(siteurl: str, url: str) -> str:
    """A site-relative `url` joined to SITEURL ("" in development gives "/url"); a URL
    with a scheme comes back unchanged. Unlike `absolute_url`, the base may be empty and
    a path is always taken from the site root, never from the current page."""
    url = str(url or "")
    if urlsplit(url).scheme:
        return url
    return siteurl.rstrip("/") + "/" + url.lstrip("/")


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


def _scan_tag(html: str, pos: int, base: str, tag: str) -> tuple[int, list[str] | None]:
    """Read the attributes of the start tag whose name ends at `pos`.

    Returns (index just past ">", pieces of the rewritten tag or None if no
    attribute changed); (-1, None) when the tag never ends (malformed input is
    left as it is). Every character is read once: no regex, no backtracking.
    """
    n = len(html)
    pieces: list[str] = []
    last = pos
    while pos < n:
        ch = html[pos]
        if ch == ">":
            if not pieces:
                return pos + 1, None
            pieces.append(html[last : pos + 1])
            return pos + 1, pieces
        if ch in _SPACE or ch == "/":
            pos += 1
            continue
        name_start = pos
        pos += 1  # the first character may be "=" (HTML's rule); the rest may not
        while pos < n and html[pos] not in _SPACE and html[pos] not in "/>=":
            pos += 1
        name = html[name_start:pos]
        after_name = pos
        while pos < n and html[pos] in _SPACE:
            pos += 1
        if pos >= n or html[pos] != "=":
            pos = after_name  # an attribute without a value
            continue
        pos += 1
        while pos < n and html[pos] in _SPACE:
            pos += 1
        if pos >= n:
            return -1, None
        if html[pos] in "\"'":
            close = html.find(html[pos], pos + 1)
            if close < 0:
                return -1, None
            raw, pos = html[pos + 1 : close], close + 1
        else:
            value_start = pos
            while pos < n and html[pos] not in _SPACE and html[pos] != ">":
                pos += 1
            raw = html[value_start:pos]
        value = _unescape_attr(raw)
        new = _rewrite_value(base, tag, name.lower(), value)
        if new == value:
            continue
        head = html[last:name_start]
        if new is None:
            pieces.append(head.rstrip())  # drop the attribute and the space before it
        else:
            pieces.append(f'{head}{name}="{_escape_attr(new)}"')
        last = pos
    return -1, None


def _find_close(html: str, lowered: str, tag: str, pos: int) -> int:
    """Index just past `</tag ...>` at or after pos (end of input if absent)."""
    needle = "</" + tag
    while (found := lowered.find(needle, pos)) >= 0:
        after = found + len(needle)
        if after >= len(html) or html[after] in _SPACE or html[after] in "/>":
            gt = html.find(">", after)
            return len(html) if gt < 0 else gt + 1
        pos = after
    return len(html)


def absolutize_html(html: str, base_url: str) -> str:
    """Return `html` with every URL attribute resolved against `base_url`.

    Works on fragments (a post body) and whole documents (an email). See the
    module docstring for exactly what is rewritten and kept. Meant for the
    output of connected.sanitize.sanitize_html (it removes no script). Linear
    in the length of `html` whatever it holds. Raises ValueError if
    `base_url` is not absolute.
    """
    _check_base(base_url)
    if "<" not in html:
        return html
    out: list[str] = []
    n = len(html)
    lowered = html.translate(_ASCII_LOWER)  # str.lower() may change the length
    pos = kept = 0
    last_gt = html.rfind(">")
    while (lt := html.find("<", pos)) >= 0 and lt < last_gt:
        if html.startswith("<!--", lt) or html.startswith("<![CDATA[", lt):
            end = html.find("-->" if html[lt + 2] == "-" else "]]>", lt + 4)
            if end < 0:
                break  # an unclosed comment runs to the end: leave it alone
            pos = end + 3
            continue
        start = lt + 1
        if not (start < n and html[start].isascii() and html[start].isalpha()):
            pos = start
            continue
        name_end = start
        while name_end < n and html[name_end] not in _SPACE and html[name_end] not in "/>":
            name_end += 1
        tag = html[start:name_end].lower()
        end, pieces = _scan_tag(html, name_end, base_url, tag)
        if end < 0:
            break  # a tag that never ends: leave the rest as it is
        if pieces is not None:
            out.append(html[kept:name_end])
            out.extend(pieces)
            kept = end
        pos = end
        if tag in _RAW_TEXT:
            close = _find_close(html, lowered, tag, pos)
            if tag == "style" and "url(" in lowered[pos:close]:
                out.append(html[kept:pos])
                out.append(_resolve_css(base_url, html[pos:close]))
                kept = close
            pos = close
    out.append(html[kept:])
    return "".join(out)
