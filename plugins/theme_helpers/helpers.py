"""Theme helpers for the Connected theme.

- Jinja filters: ``absolute_url`` (against the configured SITEURL, never the
  per-page relative one), ``uri_quote`` (RFC 3986 percent-encoding for query
  values and mailto: headers), ``url_origin`` (scheme://host for the CSP).
- Per-article values: ``reading_minutes``, ``newer_article`` / ``older_article``
  (published posts only) and ``social_image`` (absolute URL + pixel size for
  Open Graph, falling back to AUTHOR_PROFILE["DEFAULT_IMAGE"]).
- Escaping filters (Pelican leaves Jinja autoescaping off, so every value
  from a post's header is escaped for where it lands): ``safe_url`` for a URL
  in an attribute (only relative, http(s), mailto and tel URLs pass, anything
  else becomes "#"; the result is attribute-escaped), ``checked_url`` (the
  same test, unescaped, for JSON-LD via ``tojson``), ``canonical_url`` (a
  post's Original_url when it is https, else its own URL) and
  ``sanitize_html`` (connected.sanitize, the one allow-list, for Summary HTML
  on listings).
- ``smart_text`` (curly quotes and dashes for plain text such as titles,
  which Markdown never sees) and ``initials`` (the monogram shown when there is no photo).
- robots.txt: the static copy gets the absolute sitemap URL filled in.
"""

import functools
import inspect
import logging
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from markupsafe import Markup, escape
from pelican import signals

from connected.files import path_inside
from connected.images import image_size
from connected.memo import TextMemo, hash_text
from connected.sanitize import is_safe_url, sanitize_html
from connected.social_image import initials
from connected.typography import smart_text
from connected.urls import url_on_site

logger = logging.getLogger(__name__)

WORDS_PER_MINUTE = 230
ROBOTS_PLACEHOLDER = "{SITEURL}"


def register():
    signals.initialized.connect(open_memo)
    signals.generator_init.connect(add_jinja_helpers)
    signals.article_generator_finalized.connect(annotate_articles)
    signals.page_generator_finalized.connect(annotate_pages)
    signals.finalized.connect(finish)


# --- pure helpers ---------------------------------------------------------------


def uri_quote(value) -> str:
    """Percent-encode everything but unreserved characters (spaces become %20, not +)."""
    return quote(str(value), safe="")


def checked_url(url) -> str:
    """`url` if a browser following it runs no script (relative, http, https,
    mailto, tel), else "#". Not escaped: for tojson and further filters."""
    text = str(url or "")
    return _checked(text) if text else ""


# Every page asks for the same navigation, tag and feed URLs (43,000 calls in a
# 1000-post build, a few thousand distinct URLs).
@functools.lru_cache(maxsize=8192)
def _checked(text: str) -> str:
    # min(): the smallest character, so "< ' '" asks for any control character.
    if min(text) < " " or not is_safe_url(text):
        return "#"
    return text


def safe_url(url) -> Markup:
    """checked_url(), escaped for a double-quoted attribute."""
    return escape(checked_url(url))


def is_https_url(url) -> bool:
    parts = urlsplit(str(url or "").strip())
    return parts.scheme == "https" and bool(parts.netloc) and checked_url(url) != "#"


def canonical_url(content, siteurl: str) -> str:
    """The canonical URL of a post: its https Original_url, else its own absolute URL."""
    original = getattr(content, "original_url", None)
    if original and is_https_url(original):
        return checked_url(str(original).strip())
    return checked_url(url_on_site(siteurl, getattr(content, "url", "")))


def sanitized(html) -> Markup:
    """Summary HTML for a listing, through the one sanitizer (connected/sanitize.py)."""
    return Markup(sanitize_html(str(html or "")))


def url_origin(url: str) -> str:
    """scheme://host[:port] of a URL, or "" when it has none."""
    parts = urlsplit(str(url or ""))
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def honeypot_name(subscribe: dict) -> str:
    """The signup form's honeypot field name.

    SUBSCRIBE["HONEYPOT_NAME"] when set; otherwise Mailchimp's b_<u>_<id>,
    built from the u= and id= parameters of SUBSCRIBE["FORM_URL"].
    """
    subscribe = subscribe or {}
    if subscribe.get("HONEYPOT_NAME"):
        return str(subscribe["HONEYPOT_NAME"])
    query = parse_qs(urlsplit(str(subscribe.get("FORM_URL") or "")).query)
    if query.get("u") and query.get("id"):
        return f"b_{query['u'][0]}_{query['id'][0]}"
    return "b_website"


def strip_tags(html: str) -> str:
    """``html`` without its comments and tags, as markupsafe's striptags removes them.

    Comments first, then any tag, leftmost first. A scan with str.find rather than
    the regex ``<!--.*?-->|<[^>]*>``: that one rescans to the end for every
    unclosed ``<!--`` (80 KB of them took 35 s); here each search starts where the
    last one ended, and a failed search for ``-->`` is remembered, so it is linear.
    """
    out = []
    pos, no_close_from = 0, len(html)
    while True:
        start = html.find("<", pos)
        if start < 0:
            out.append(html[pos:])
            break
        out.append(html[pos:start])
        end = -1
        if html.startswith("<!--", start) and start + 4 < no_close_from:
            close = html.find("-->", start + 4)
            if close < 0:
                no_close_from = start + 4
            else:
                end = close + 3
        if end < 0:
            close = html.find(">", start + 1)
            if close < 0:  # no tag can end after this point: the rest is text
                out.append(html[start:])
                break
            end = close + 1
        pos = end
    return "".join(out)


def reading_minutes(html: str) -> int:
    """Whole minutes to read the text of ``html`` at WORDS_PER_MINUTE, at least 1."""
    # Runs for every post on every build: one linear scan and str.split is about
    # 3x cheaper than Markup.striptags, which also unescapes and re-joins the text.
    text = strip_tags(html or "")
    if "&" in text:
        # An entity such as &nbsp; separates words once unescaped.
        text = unescape(text)
    return max(1, round(len(text.split()) / WORDS_PER_MINUTE))


def social_image(image_meta: str | None, settings: dict) -> dict:
    """Absolute URL and size of a post's preview image (or the default one)."""
    profile = settings.get("AUTHOR_PROFILE", {})
    ref = image_meta or profile.get("DEFAULT_IMAGE", "")
    if not ref:
        return {}
    siteurl = settings.get("SITEURL", "")
    if urlsplit(ref).scheme:
        if not is_https_url(ref) and not ref.startswith("http://"):
            return {}  # post_checks names the bad Image: line
        return {"url": ref, "width": None, "height": None}
    rel = re.sub(r"^\{static\}", "", ref).lstrip("/")
    try:
        # Image: ../../etc/passwd must not make us read outside content/.
        source = path_inside(Path(settings["PATH"]), rel)
        found = source.is_file()
    except (ValueError, OSError):
        return {}  # post_checks names the bad Image: line
    if not found:
        # A warning, not a failure: the page is still correct without a preview
        # image, and post_checks owns failing the build on bad metadata.
        logger.warning(
            "theme_helpers: image %r not found under %s; fix the post's Image: metadata or "
            'AUTHOR_PROFILE["DEFAULT_IMAGE"] (a path inside content/, e.g. images/card.png)',
            ref,
            settings["PATH"],
        )
        return {}
    size = image_size(source) or (None, None)
    return {"url": url_on_site(siteurl, rel), "width": size[0], "height": size[1]}


# --- signal handlers --------------------------------------------------------------


def add_jinja_helpers(generator):
    """Filters and the configured (absolute) site URL for every template."""
    siteurl = generator.settings.get("SITEURL", "")
    generator.env.filters["absolute_url"] = lambda url: url_on_site(siteurl, url)
    generator.env.filters["uri_quote"] = uri_quote
    generator.env.filters["url_origin"] = url_origin
    generator.env.filters["honeypot_name"] = honeypot_name
    generator.env.filters["safe_url"] = safe_url
    generator.env.filters["checked_url"] = checked_url
    generator.env.filters["canonical_url"] = lambda content: canonical_url(content, siteurl)
    generator.env.filters["sanitize_html"] = sanitized
    generator.env.filters["smart_text"] = smart_text
    generator.env.filters["initials"] = initials
    generator.env.globals["ABSOLUTE_SITEURL"] = siteurl.rstrip("/")
    # Listing pages (index, archives, tags…) preview with the default image.
    generator.env.globals["DEFAULT_SOCIAL_IMAGE"] = social_image(None, generator.settings)


# This build's reading times, by post HTML (see open_memo); None outside a build.
_reading: TextMemo | None = None


def open_memo(pelican) -> None:
    """initialized: the reading times earlier builds worked out, so an
    unchanged post is not scanned again."""
    global _reading
    cache = pelican.settings.get("CACHE_PATH")
    path = Path(cache) / "theme_helpers" / "reading-minutes.json" if cache else None
    # The rule's own code is in the salt: a change to it recomputes every reading time.
    rule = inspect.getsource(strip_tags) + inspect.getsource(reading_minutes)
    _reading = TextMemo(path, salt=f"reading_minutes {WORDS_PER_MINUTE} {hash_text(rule)}")


def finish(pelican) -> None:
    """finalized: the robots.txt sitemap line, and the reading times for the next build."""
    fill_robots_txt(pelican)
    if _reading is not None:
        _reading.save()


def _annotate(content, settings, images: dict):
    # _content is the HTML before {static}/{filename} links are resolved; reading
    # .content here would resolve (and memoise) them before the static files are
    # known, leaving {static} links broken in the page.
    html = getattr(content, "_content", "") or ""
    content.reading_minutes = _reading.get(html, reading_minutes) if _reading else reading_minutes(html)
    # Most posts share the default image: its file is looked at once per build.
    image = content.metadata.get("image")
    if image not in images:
        images[image] = social_image(image, settings)
    content.social_image = dict(images[image])


def annotate_articles(generator):
    """Reading time, preview image and newer/older neighbours of published posts.

    Runs on article_generator_finalized: drafts and future posts are already
    separated out, so neighbours never point at a post that is not published.
    """
    published = sorted(generator.articles, key=lambda a: a.date, reverse=True)
    images: dict = {}
    for index, article in enumerate(published):
        article.newer_article = published[index - 1] if index > 0 else None
        article.older_article = published[index + 1] if index + 1 < len(published) else None
    for article in (
        list(generator.articles)
        + list(generator.translations)
        + list(generator.drafts)
        + list(getattr(generator, "drafts_translations", []))
        + list(getattr(generator, "hidden_articles", []))
    ):
        if not hasattr(article, "newer_article"):
            article.newer_article = article.older_article = None
        _annotate(article, generator.settings, images)


def annotate_pages(generator):
    images: dict = {}
    for page in (
        list(generator.pages)
        + list(getattr(generator, "hidden_pages", []))
        + list(getattr(generator, "draft_pages", []))
    ):
        _annotate(page, generator.settings, images)


def fill_robots_txt(pelican):
    """Put the absolute sitemap URL into output/robots.txt.

    Static files are copied verbatim, and the Sitemap: line must be absolute,
    so the copy is rewritten once the build is done. With no SITEURL (the
    development build) the Sitemap: line is dropped.
    """
    robots = Path(pelican.output_path) / "robots.txt"
    if not robots.is_file():
        return
    text = robots.read_text(encoding="utf-8")
    if ROBOTS_PLACEHOLDER not in text:
        return
    siteurl = pelican.settings.get("SITEURL", "").rstrip("/")
    if siteurl and urlsplit(siteurl).scheme:
        text = text.replace(ROBOTS_PLACEHOLDER, siteurl)
    else:
        text = "".join(
            line for line in text.splitlines(keepends=True) if ROBOTS_PLACEHOLDER not in line
        )
    # Unlink first: the output copy may be a link to the source (STATIC_CREATE_LINKS).
    robots.unlink()
    robots.write_text(text, encoding="utf-8")
    logger.debug("theme_helpers: wrote %s", robots)
