"""From Pelican articles to feed entries: what a feed says about one post.

`Entry` holds everything the three formats need, already absolute and
timezone-aware, so the format writers stay simple. Building an entry (content
with absolute URLs) is the costly step; `EntryCache` builds each post once per
build, however many feeds (all, its category, each tag) list it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import lxml.html
from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)

from connected.identity import post_uuid
from connected.pelican_content import resolved_html
from connected.published import is_published
from connected.sanitize import sanitize_html, xml_text

from .settings import FeedSettings


@dataclass(frozen=True)
class Entry:
    uuid: str
    title: str  # plain text
    url: str  # absolute
    published: dt.datetime
    updated: dt.datetime  # Modified: if given, else published; never before published
    authors: tuple[str, ...]
    terms: tuple[str, ...]  # category first, then tags
    content_html: str  # sanitized, absolute URLs; full post or summary per SITE_FEEDS["CONTENT"]
    summary_html: str  # sanitized, absolute URLs
    summary_text: str
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # renderings, per build

    @property
    def id(self) -> str:
        return "urn:uuid:" + self.uuid


def aware(value: dt.datetime) -> dt.datetime:
    """A timezone-aware datetime to the second (feeds never show build-time precision)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.replace(microsecond=0)


# Pelican's intrasite link markers ({static}, {filename}, |static| …) left in HTML.
_UNRESOLVED = re.compile(r"""(?:href|src|poster|data|cite|action)\s*=\s*["'][{|]\w+[}|]""")
_MARKER_STARTS = ('"{', "'{", '"|', "'|")


def resolved_content(article, siteurl: str) -> str:
    """The post's HTML with {filename}/{static} links resolved against `siteurl`.

    In production `siteurl` is SITEURL, the key Pelican memoizes the article
    page's content under, so the feeds and the page share one resolution
    (whichever asks first computes it). A plugin that reads `article.content`
    before the static files are known (e.g. on article_generator_finalized)
    leaves a memo with unresolved {static} links; then they are resolved afresh.
    """
    html = article.get_content(siteurl)
    # Every marker the pattern finds starts with a quote and { or |: a plain
    # substring test rules most posts out far faster than the regex scan.
    if any(q in html for q in _MARKER_STARTS) and _UNRESOLVED.search(html):
        html = resolved_html(article, siteurl)
    return html


def _summary_html(article, settings: FeedSettings, content_html: str) -> str:
    """The post's summary, sanitized, with absolute URLs.

    Not `article.summary`: Pelican computes it from links relative to whichever
    page was being written last. A `Summary:` metadata field had its {static}
    links resolved against SITEURL (site-root-relative in development), so it
    is made absolute against the site root. Otherwise the summary is cut, the
    way Pelican cuts it, from `content_html`, the already absolute content.
    """
    if "summary" in article.metadata:
        return sanitize_html(str(article.metadata["summary"] or ""), settings.site_root + "/")
    content = content_html
    pelican = article.settings
    max_paragraphs = pelican.get("SUMMARY_MAX_PARAGRAPHS")
    if max_paragraphs is not None:
        content = truncate_html_paragraphs(content, max_paragraphs)
    if pelican.get("SUMMARY_MAX_LENGTH") is not None:
        content = truncate_html_words(
            content, pelican["SUMMARY_MAX_LENGTH"], pelican.get("SUMMARY_END_SUFFIX", "…")
        )
    # Cut from sanitized HTML, sanitized again: truncation only closes tags,
    # but what leaves the site is always the sanitizer's own output.
    return sanitize_html(strip_toc_elements_from_html(content))


def _text(html: str) -> str:
    if not html.strip():
        return ""
    text = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    return " ".join(text.split())


def build_entry(article, settings: FeedSettings) -> Entry:
    url = settings.url_for(article.url)
    # {filename}/{static} links resolve against the absolute site root; what
    # is left relative is relative to the post's own URL. Sanitized first, then
    # made absolute: the URL rewriter only ever sees the sanitizer's output.
    full_html = sanitize_html(resolved_content(article, settings.content_siteurl), url)
    summary_html = _summary_html(article, settings, full_html)
    content_html = full_html if settings.content == "full" else summary_html
    published = aware(article.date)
    modified = getattr(article, "modified", None)
    updated = max(aware(modified), published) if modified else published
    authors = tuple(xml_text(str(a)) for a in getattr(article, "authors", ()) if str(a)) or (
        (settings.author,) if settings.author else ()
    )
    terms = []
    category = getattr(article, "category", None)
    if category is not None:
        terms.append(str(category))
    for tag in getattr(article, "tags", ()) or ():
        if str(tag) not in terms:
            terms.append(str(tag))
    return Entry(
        uuid=post_uuid(article),
        title=xml_text(str(article.title)),
        url=url,
        published=published,
        updated=updated,
        authors=authors,
        terms=tuple(xml_text(t) for t in terms),
        content_html=content_html,
        summary_html=summary_html,
        summary_text=_text(summary_html),
    )


class EntryCache:
    """One Entry per article for the duration of one build (never module-level)."""

    def __init__(self, settings: FeedSettings):
        self.settings = settings
        self._entries: dict[int, Entry] = {}

    def get(self, article) -> Entry:
        key = id(article)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = build_entry(article, self.settings)
        return entry


class Listing:
    """The site's listed posts in feed order (newest first), computed once per build.

    Ties on date are broken by source path, so the order never depends on the
    order Pelican read the files in.
    """

    def __init__(self, articles, now: dt.datetime):
        listed = [a for a in articles if is_published(a, now)]
        listed.sort(key=lambda a: (aware(a.date), a.relative_source_path or ""), reverse=True)
        self.ordered = listed
        self._rank = {id(a): i for i, a in enumerate(listed)}

    def newest(self, posts, max_items: int | None) -> list:
        """The listed members of `posts`, newest first, at most max_items of them."""
        rank = self._rank
        ranked = sorted(rank[id(a)] for a in posts if id(a) in rank)
        if max_items is not None:
            ranked = ranked[:max_items]
        return [self.ordered[i] for i in ranked]
