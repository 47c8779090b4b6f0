"""A post's HTML made fit for email: sanitized, absolute links, sized images.

Mail clients resolve nothing (no base URL), run no script, play no embeds, and
Outlook lays images out from their width/height attributes alone; this module
turns a post body into HTML that survives all of that. Only the post's own
HTML goes through here (and so through the sanitizer); the email template
around it (theme/templates/email/: Outlook conditional comments, merge tags)
is ours and is never sanitized.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
from markupsafe import escape

from connected.images import image_size
from connected.sanitize import is_safe_url, sanitize_html

logger = logging.getLogger(__name__)

# (absolute image URL) -> (width, height) in pixels, or None if unknown.
ImageSize = Callable[[str], "tuple[int, int] | None"]

# The card is 600px wide with 40px padding each side: images wider than the
# text column would overflow in Outlook, which ignores max-width.
CONTENT_WIDTH = 520
# Embeds the sanitizer keeps for us (embeds=True) with only their URL: each becomes a link.
_EMBED_TAGS = ("iframe", "object", "embed")
_EMBED_LINK_TEXT = "Watch or listen on the web"


def static_image_lookup(settings: dict, siteurl: str, static_content: dict | None = None):
    """A function mapping an absolute image URL on this site to its (w, h), or None.

    Looks the URL up among Pelican's static files (whose URL may differ from
    their source path), then under PATH; other hosts are unknown.
    """
    content_root = Path(settings.get("PATH") or ".")
    by_url = {}
    for static in (static_content or {}).values():
        url = getattr(static, "url", None)
        source = getattr(static, "source_path", None)
        if url and source:
            by_url[url.lstrip("/")] = Path(source)
    prefix = siteurl.rstrip("/") + "/"

    def lookup(src: str) -> tuple[int, int] | None:
        if not src.startswith(prefix):
            return None
        rel = unquote(urlsplit(src).path[len(urlsplit(prefix).path) :])
        path = by_url.get(rel) or content_root / rel
        if ".." in Path(rel).parts:
            return None  # stay inside the content directory
        return image_size(path, svg=False) if path.is_file() else None

    return lookup


def _int_attr(value: str | None) -> int | None:
    # "120", " 120px ": a plain scan, no regex (attribute values come from posts).
    text = (value or "").strip()
    text = text.removesuffix("px").rstrip()
    return int(text) if text.isascii() and text.isdigit() else None


def _embed_link(src: str | None, post_url: str) -> str:
    src = (src or "").strip()
    href = src if src and is_safe_url(src) else post_url
    return f'<p><a href="{escape(href)}">{_EMBED_LINK_TEXT}</a></p>'


# Added to the edition's links to the site, so `make stats` can tell visits from the
# email in the server's access logs (scripts/access_logs.py EMAIL_MARKERS): no tracker.
NEWSLETTER_MARKER = "ref=newsletter"


def with_newsletter_marker(url: str, site_url: str) -> str:
    """`url` with ?ref=newsletter when it points into the site at `site_url`; other URLs as they are."""
    prefix = site_url.rstrip("/") + "/"
    if not site_url or not (url == site_url.rstrip("/") or url.startswith(prefix)):
        return url
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if NEWSLETTER_MARKER in query.split("&"):
        return url
    query = f"{query}&{NEWSLETTER_MARKER}" if query else NEWSLETTER_MARKER
    return f"{path}?{query}{hash_}{fragment}"


_SEMANTIC_TAGS = {
    **dict.fromkeys(
        ("article", "aside", "details", "figcaption", "figure", "footer", "header", "main",
         "nav", "section", "summary"),
        "div",
    ),
    "mark": "span",
    "time": "span",
}  # fmt: skip


def prepare_body(fragment: str, post_url: str, image_size: ImageSize, site_url: str = "") -> str:
    """Post HTML made safe for email: sanitized, absolute URLs, embeds as links, sized images.

    The sanitizer (connected/sanitize.py, keeping embeds' URLs) runs first and
    the URL absolutizer on its output; the lxml pass below only edits that
    clean tree (embeds to links, sizes, in-page links) and adds no post markup.
    site_url: links into the site get the newsletter marker (see NEWSLETTER_MARKER).
    """
    fragment = sanitize_html(fragment, post_url, embeds=True)
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for media in list(root.iter(*_EMBED_TAGS, "video", "audio")):
        # Mail clients do not play embeds or media: offer a link instead.
        src = media.get("src") or media.get("data") or media.get("poster")
        link = lxml.html.fragment_fromstring(_embed_link(src, post_url))
        link.tail = media.tail
        media.getparent().replace(media, link)
    for link in root.iter("a"):
        # In-page anchors do not work in most mail clients: point them at the web page.
        if (link.get("href") or "").startswith("#"):
            link.set("href", post_url + link.get("href"))
        if site_url and link.get("href"):
            link.set("href", with_newsletter_marker(link.get("href"), site_url))
    for img in root.iter("img"):
        _size_image(img, image_size)
    for element in root.iter(*_SEMANTIC_TAGS):
        # Outlook for Windows and Yahoo do not know HTML5's semantic elements
        # (caniemail: html-semantics): the same content in a div or span, with
        # the old name as a class for email.css (.figure, .figcaption).
        name = element.tag
        element.tag = _SEMANTIC_TAGS[name]
        element.set("class", " ".join([name, *(element.get("class") or "").split()]))
    parts = [escape(root.text or "")]
    parts += [lxml.html.tostring(child, encoding="unicode", method="html") for child in root]
    return "".join(parts)


def _raster_instead_of_svg(img, image_size: ImageSize) -> None:
    # Gmail and Outlook do not show SVG images: use a PNG/JPEG/GIF of the same
    # name next to it when the post ships one.
    src = img.get("src") or ""
    if not src.lower().endswith(".svg"):
        return
    for ext in (".png", ".jpg", ".jpeg", ".gif"):
        candidate = src[:-4] + ext
        if image_size(candidate):
            img.set("src", candidate)
            if img.get("srcset"):
                del img.attrib["srcset"]
            return
    logger.warning(
        "newsletter: %s is an SVG, which Gmail and Outlook do not show: add a PNG of the same "
        "name next to it", src,
    )  # fmt: skip


def _size_image(img, image_size: ImageSize) -> None:
    _raster_instead_of_svg(img, image_size)
    if img.get("alt") is None:
        img.set("alt", "")
    width, height = _int_attr(img.get("width")), _int_attr(img.get("height"))
    if not (width and height):
        natural = image_size(img.get("src") or "")
        if natural:
            if width:
                height = round(natural[1] * width / natural[0])
            elif height:
                width = round(natural[0] * height / natural[1])
            else:
                width, height = natural
    if width and height:
        if width > CONTENT_WIDTH:
            width, height = CONTENT_WIDTH, max(1, round(height * CONTENT_WIDTH / width))
        img.set("width", str(width))
        img.set("height", str(height))
    else:
        logger.debug("newsletter: no size for image %s", img.get("src"))
    style = (img.get("style") or "").strip().rstrip(";")
    img.set("style", (style + "; " if style else "") + "max-width:100%; height:auto")
