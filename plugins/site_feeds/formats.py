"""The three feed formats, as pure functions of (feed description, entries) -> bytes.

Atom 1.0 and RSS 2.0 come from one feedgen FeedGenerator (feedgen serialises
with lxml, so titles with < & " and emoji are escaped correctly). JSON Feed 1.1
is written by hand: feedgen has no JSON writer.

Determinism: feedgen stamps `updated`/`lastBuildDate` with the current time and
the generator with its version; both are overridden here (updated = newest
entry), so the same content gives byte-identical files on any machine.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .entries import Entry

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "Connected site_feeds (python-feedgen)"
# A feed with no entries still needs an `updated`; a fixed date keeps it stable.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FeedInfo:
    """Feed-level values; URLs absolute. A None URL means that format is off."""

    title: str
    subtitle: str
    home_url: str
    language: str
    author: str
    author_url: str
    icon: str | None
    atom_url: str | None = None
    rss_url: str | None = None
    json_url: str | None = None


class _RenderedOnceEntry(FeedEntry):
    """A FeedEntry that builds its Atom <entry> and RSS <item> elements once per build.

    A post is listed by the all-posts feeds, its category's and each of its
    tags'. Handing the same element to the next feed is safe because every
    feed is serialised (atom_str/rss_str) before the next one is built: lxml
    moves the element into the new tree, and the old tree is never used again.
    """

    _atom_element = None
    _rss_element = None

    def atom_entry(self, extensions=True):
        if self._atom_element is None:
            element = super().atom_entry(extensions)
            # feedgen 1.0 drops rel/type from entry links; a missing rel means
            # "alternate" (RFC 4287 §4.2.7.2), but strict readers like it said.
            for link in element.findall("link"):  # feedgen builds unqualified names
                link.set("rel", link.get("rel", "alternate"))
                if link.get("rel") == "alternate":
                    link.set("type", link.get("type", "text/html"))
            self._atom_element = element
        return self._atom_element

    def rss_entry(self, extensions=True):
        if self._rss_element is None:
            self._rss_element = super().rss_entry(extensions)
        return self._rss_element


def feed_updated(entries: list[Entry]) -> dt.datetime:
    return max((e.updated for e in entries), default=EMPTY_FEED_UPDATED)


def _feedgen_entry(entry: Entry, content_is_summary: bool) -> FeedEntry:
    """One FeedEntry per post per build, reused by every feed that lists the post."""
    cached = entry.extra.get("feedgen")
    if cached is not None:
        return cached
    fe = _RenderedOnceEntry()
    # dc:creator carries the author in RSS, whose <author> must be an email.
    fe.load_extension("dc", atom=False, rss=True)
    fe.id(entry.id)  # also the RSS guid, isPermaLink="false"
    fe.title(entry.title)
    fe.link(href=entry.url, rel="alternate", type="text/html")
    fe.published(entry.published)
    fe.updated(entry.updated)
    for name in entry.authors:
        fe.author(name=name)
        fe.dc.dc_creator(name)
    for term in entry.terms:
        fe.category(term=term)
    if entry.summary_html:
        fe.summary(entry.summary_html, type="html")  # Atom <summary>, RSS <description>
    if not content_is_summary:
        fe.content(entry.content_html, type="html")  # Atom <content>, RSS content:encoded
    elif not entry.summary_html:
        fe.summary(entry.content_html or entry.title, type="html")
    entry.extra["feedgen"] = fe
    return fe


def atom_and_rss(
    info: FeedInfo, entries: list[Entry], content_is_summary: bool = False
) -> dict[str, bytes]:
    """{"atom": bytes, "rss": bytes} for the formats whose URL is set in `info`."""
    fg = FeedGenerator()
    fg.id(info.atom_url or info.rss_url or info.home_url)
    fg.title(info.title)
    fg.subtitle(info.subtitle or info.title)  # also the required RSS <description>
    fg.language(info.language)
    fg.generator(GENERATOR)
    fg.docs("https://www.rssboard.org/rss-specification")
    if info.author:
        fg.author(name=info.author, uri=info.author_url)
    if info.icon:
        fg.icon(info.icon)
        fg.image(url=info.icon, title=info.title, link=info.home_url)
    fg.updated(feed_updated(entries))  # also the RSS <lastBuildDate>
    for entry in entries:
        fg.add_entry(_feedgen_entry(entry, content_is_summary), order="append")
    out = {}
    for kind, url, mime, render in (
        ("atom", info.atom_url, "application/atom+xml", fg.atom_str),
        ("rss", info.rss_url, "application/rss+xml", fg.rss_str),
    ):
        if not url:
            continue
        # The alternate link goes last: feedgen uses the last link as RSS <link>.
        fg.link(
            [
                {"href": url, "rel": "self", "type": mime},
                {"href": info.home_url, "rel": "alternate", "type": "text/html"},
            ],
            replace=True,
        )
        out[kind] = render(pretty=True, encoding="UTF-8", xml_declaration=True)
    return out


def json_feed(info: FeedInfo, entries: list[Entry]) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), keys in spec order."""
    feed: dict = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.json_url,
    }
    if info.subtitle:
        feed["description"] = info.subtitle
    if info.icon:
        feed["icon"] = info.icon
        feed["favicon"] = info.icon
    if info.author:
        feed["authors"] = [{"name": info.author, "url": info.author_url}]
    feed["language"] = info.language
    items = []
    for entry in entries:
        item = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
        }
        if entry.summary_text:
            item["summary"] = entry.summary_text
        item["date_published"] = entry.published.isoformat()
        item["date_modified"] = entry.updated.isoformat()
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.terms:
            item["tags"] = list(entry.terms)
        items.append(item)
    feed["items"] = items
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
