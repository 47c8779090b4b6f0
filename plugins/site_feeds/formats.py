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
from lxml import etree

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


class _LinkedEntry(FeedEntry):
    """A FeedEntry whose Atom links say their rel and type.

    feedgen 1.0 drops rel/type from entry links; a missing rel means
    "alternate" (RFC 4287 §4.2.7.2), but strict readers like it said.
    """

    def atom_entry(self, extensions=True):
        element = super().atom_entry(extensions)
        for link in element.findall("link"):  # feedgen builds unqualified names
            link.set("rel", link.get("rel", "alternate"))
            if link.get("rel") == "alternate":
                link.set("type", link.get("type", "text/html"))
        return element


def feed_updated(entries: list[Entry]) -> dt.datetime:
    return max((e.updated for e in entries), default=EMPTY_FEED_UPDATED)


def _feedgen_entry(entry: Entry, content_is_summary: bool) -> FeedEntry:
    """One FeedEntry per post per build, reused by every feed that lists the post."""
    cached = entry.extra.get("feedgen")
    if cached is not None:
        return cached
    fe = _LinkedEntry()
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


# Where the entries go in a pretty-printed feed: they are the last children of
# <feed> (Atom) and of <channel> (RSS), so they sit right before these lines.
_ENTRIES_END = {"atom": b"</feed>", "rss": b"  </channel>"}
_ENTRIES_START = {"atom": b"\n  <entry>", "rss": b"\n    <item>"}
# The root namespaces feedgen 1.0 gives each format (feed.py _create_atom/_create_rss).
ATOM_NS = "http://www.w3.org/2005/Atom"
_RSS_NSMAP = {"atom": ATOM_NS, "content": "http://purl.org/rss/1.0/modules/content/"}


def _entry_xml(entry: Entry, content_is_summary: bool, kind: str) -> bytes:
    """The post's pretty-printed <entry> (Atom) or <item> (RSS), serialised once per build.

    A post is listed by the all-posts feeds, its category's and each of its
    tags', and its full content is most of every feed's bytes; serialising it
    once and splicing the bytes into each feed is what keeps feeds cheap. The
    element is serialised inside a root like the one feedgen writes (same
    namespaces, same depth), so its indentation and namespace declarations are
    exactly those it has inside a real feed.
    """
    key = ("xml", kind, content_is_summary)
    cached = entry.extra.get(key)
    if cached is not None:
        return cached
    fe = _feedgen_entry(entry, content_is_summary)
    if kind == "atom":
        root = etree.Element("feed", xmlns=ATOM_NS)
        root.append(fe.atom_entry())
    else:
        root = etree.Element("rss", version="2.0", nsmap=_RSS_NSMAP)
        etree.SubElement(root, "channel").append(fe.rss_entry())
    data = etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=False)
    begin = data.index(_ENTRIES_START[kind]) + 1
    xml = entry.extra[key] = data[begin : data.rindex(_ENTRIES_END[kind])]
    return xml


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
        # The feed without its entries, then each entry's bytes spliced in
        # where feedgen would have put them.
        shell = render(pretty=True, encoding="UTF-8", xml_declaration=True)
        cut = shell.rindex(_ENTRIES_END[kind])
        body = b"".join(_entry_xml(e, content_is_summary, kind) for e in entries)
        out[kind] = shell[:cut] + body + shell[cut:]
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
