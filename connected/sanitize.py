"""The one HTML sanitizer: every HTML fragment that leaves the site's own pages.

Feed content and summaries, the email editions (HTML part, links of the text
part, Mailchimp content) and post summaries shown on listings all pass through
`sanitize_html`. It is nh3 (the ammonia HTML5 sanitizer), so the markup is
parsed the way a browser parses it: `<!-->`, raw-text elements inside SVG and
MathML, `srcdoc`, `<meta http-equiv>` and other parser tricks never survive as
something a browser would run. SVG and MathML are dropped (their content too):
no reviewed allow-list for them exists here.

Callers that rewrite URLs (connected/urls.py) run on this function's output,
so they never see markup that a browser would read differently: pass
`base_url` and `sanitize_html` runs the absolutizer on its own output.

Characters XML 1.0 cannot carry (C0 controls other than tab/newline/CR, NUL,
lone surrogates, U+FFFE/U+FFFF) are removed first: feeds are XML, and the same
bytes go to email. `xml_text` does the same for plain-text values (titles,
names). The allow-list is documented in docs/safety.md.
"""

from __future__ import annotations

import functools
import sys

import nh3

from connected.urls import absolutize_html

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "URL_SCHEMES",
    "is_safe_url",
    "sanitize_html",
    "xml_text",
]

# Code points outside XML 1.0's Char production: lxml refuses them ("All strings
# must be XML compatible") and HTML parsers treat them as errors.
_XML_INVALID = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]
)

# Elements a post body, a summary or an email edition may carry.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "blockquote",
        "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details",
        "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "mark",
        "ol", "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small",
        "source", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
        "audio", "video", "track",
    }
)  # fmt: skip

# Removed together with everything inside them (not only the tags).
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "svg", "math", "iframe", "object", "embed", "template", "noscript",
     "textarea", "select", "button", "form", "frame", "frameset", "noembed", "noframes",
     "xmp", "title", "head", "meta", "link", "base"}
)  # fmt: skip

_GLOBAL_ATTRIBUTES = {"class", "id", "title", "lang", "dir"}
ALLOWED_ATTRIBUTES = {
    "*": _GLOBAL_ATTRIBUTES,
    "a": {"href", "hreflang", "name"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "audio": {"src", "controls", "preload"},
    "video": {"src", "poster", "controls", "preload", "width", "height"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "abbr": {"title"},
}

# Only with sanitize_html(..., embeds=True): the one URL each embed shows.
_EMBED_ATTRIBUTES = {"iframe": {"src"}, "object": {"data"}, "embed": {"src"}}

# http, https, mailto, tel; data: only for images (checked in _filter).
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "data"})
_URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "poster", "cite"})
_DATA_IMAGE = "data:image/"


def _filter(element: str, attribute: str, value: str) -> str | None:
    """Check every URL-valued attribute ourselves, srcset candidates included.

    nh3 checks the schemes of href and src (not of cite, and never of srcset
    candidates); here every URL attribute must be relative or http(s)/mailto/
    tel, and data: URLs are kept only as raster image sources.
    """
    if attribute == "srcset":
        for candidate in value.split(","):
            url = candidate.strip().partition(" ")[0]
            if not (is_safe_url(url) or _is_data_image(url)):
                return None
        return value
    if attribute in _URL_ATTRIBUTES or (element == "object" and attribute == "data"):
        if value.lstrip().lower().startswith("data:"):
            image_source = element in {"img", "source"} and attribute == "src"
            return value if image_source and _is_data_image(value) else None
        return value if is_safe_url(value) else None
    return value


def _is_data_image(url: str) -> bool:
    # SVG images may carry script when opened directly: raster images only.
    head = url.lstrip().lower()[:40]
    return head.startswith(_DATA_IMAGE) and "svg" not in head


# Browsers ignore control characters and spaces inside a scheme ("java\tscript:"):
# they are deleted before the scheme is read (one C-level translate per URL).
_BELOW_AND_SPACE = dict.fromkeys(range(0x21))


def is_safe_url(url: str) -> bool:
    """True if `url` is relative or uses http, https, mailto or tel."""
    probe = url.translate(_BELOW_AND_SPACE).lower()
    scheme, sep, _ = probe.partition(":")
    if not sep or "/" in scheme or "?" in scheme or "#" in scheme:
        return True  # relative: no scheme before the first ':'
    return scheme in {"http", "https", "mailto", "tel"}


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (linear: one translate)."""
    return text.translate(_XML_INVALID) if text else ""


def sanitize_html(html: str, base_url: str | None = None, *, embeds: bool = False) -> str:
    """Return `html` with only the allow-listed elements, attributes and URL schemes.

    With `base_url` (an absolute URL: the post's own address), relative URLs in
    the sanitized output are then resolved against it (connected/urls.py), for
    HTML read where there is no base URL: feeds and email.

    embeds=True keeps `<iframe src>`, `<object data>` and `<embed src>` (that
    one attribute only, its URL checked like any other; srcdoc and the rest
    go) for a caller that replaces each with a link to what it shows, as the
    email editions do (plugins/newsletter/body.py). Never for HTML shown as is.
    """
    if not html:
        return ""
    if len(html) <= _REMEMBERED_LENGTH:
        return _sanitize_remembered(html, base_url, embeds)
    return _sanitize(html, base_url, embeds)


# The same summary is cleaned for every listing page and feed that shows it (five
# times a post on the sample), and the answer is a pure function of the arguments.
# Whole posts (feeds, editions) are cleaned once each: not kept, so a long-running
# devserver does not hold every post's HTML.
_REMEMBERED_LENGTH = 4096


@functools.lru_cache(maxsize=4096)
def _sanitize_remembered(html: str, base_url: str | None, embeds: bool) -> str:
    return _sanitize(html, base_url, embeds)


def _checked(element: str, attribute: str, value: str) -> str | None:
    # Looked up on each call, so the filter is always this module's _filter.
    return _filter(element, attribute, value)


@functools.cache
def _cleaner(embeds: bool) -> nh3.Cleaner:
    """One nh3 sanitizer per kind, built once: nh3.clean() converts the allow-lists for
    Rust on every call. Measured on the bench's posts (8.8 KB of HTML on average):
    0.28-0.31 ms a post with the Cleaner, against 0.37-0.39 ms."""
    tags, dropped = set(ALLOWED_TAGS), set(_DROPPED_WITH_CONTENT)
    attributes = {key: set(value) for key, value in ALLOWED_ATTRIBUTES.items()}
    if embeds:
        tags |= set(_EMBED_ATTRIBUTES)
        dropped -= set(_EMBED_ATTRIBUTES)
        attributes.update({key: set(value) for key, value in _EMBED_ATTRIBUTES.items()})
    return nh3.Cleaner(
        tags=tags, clean_content_tags=dropped, attributes=attributes, attribute_filter=_checked,
        url_schemes=set(URL_SCHEMES), strip_comments=True, link_rel=None,
    )  # fmt: skip


def _sanitize(html: str, base_url: str | None, embeds: bool) -> str:
    # nh3 cannot pass an exception on: one raised in the attribute filter (a Ctrl-C's
    # KeyboardInterrupt, which Python raises at the filter's first line when the
    # signal came while Rust was parsing) goes to sys.unraisablehook, the attribute is
    # dropped and cleaning carries on. Caught here and raised again once nh3 returns,
    # or a stopped build would go on to the end.
    raised: list[BaseException] = []
    previous = sys.unraisablehook

    def catch(unraisable) -> None:
        if unraisable.exc_value is not None:
            raised.append(unraisable.exc_value)

    sys.unraisablehook = catch
    try:
        clean = _cleaner(embeds).clean(xml_text(html))
    finally:
        sys.unraisablehook = previous
    if raised:
        raise raised[0]
    return clean if base_url is None else absolutize_html(clean, base_url)
