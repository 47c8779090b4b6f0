"""A real production build of tests/data/feeds_site: every feed is valid and absolute."""

import datetime as dt
import email.utils
import json

import feedparser
import jsonschema
import lxml.html
import pytest

from tests.plugins.site_feeds.feeds_testkit import (
    DC_NS,
    EXPECTED_FILES,
    FIRST,
    HOSTILE_TITLE,
    OLDER,
    SCHEMA,
    SITE,
    A,
    atom_files,
    build,
    entry_html_fragments,
    feed_files,
    html_urls,
    is_absolute_http,
    is_exempt,
    load_json,
    rss_files,
    xml,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("feeds_site"))


def rfc3339(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def test_exactly_the_expected_feeds_and_no_pelican_feeds(site):
    assert set(feed_files(site)) == EXPECTED_FILES
    # Pelican's own feeds (feeds/all.atom.xml at the Pelican default paths,
    # feeds/<slug>.atom.xml, feeds/all-en.atom.xml …) must not appear anywhere.
    stray = [
        rel
        for rel in (p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
        if (rel.startswith("feeds/") or rel.endswith((".atom.xml", ".rss.xml", ".atom", ".rss")))
        and rel not in EXPECTED_FILES
    ]
    assert stray == []


def test_feedparser_reads_every_feed_without_errors(site):
    for path in atom_files(site) + rss_files(site):
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
        expected = "atom10" if path.name.endswith(".atom.xml") else "rss20"
        assert parsed.version == expected
        for entry in parsed.entries:
            assert entry.id.startswith("urn:uuid:")
            assert entry.link.startswith(SITE + "/")


def test_atom_has_every_rfc4287_required_element(site):
    for path in atom_files(site):
        feed = xml(path)
        assert feed.tag == A + "feed"
        for name in ("id", "title", "updated"):
            (el,) = feed.findall(A + name)
            assert el.text and el.text.strip(), (path, name)
        feed_updated = rfc3339(feed.findtext(A + "updated"))
        self_links = [link for link in feed.findall(A + "link") if link.get("rel") == "self"]
        assert [link.get("href") for link in self_links] == [
            SITE + "/" + path.relative_to(site).as_posix()
        ]
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
        assert feed.findtext(A + "subtitle")
        feed_has_author = feed.find(A + "author/" + A + "name") is not None
        entries = feed.findall(A + "entry")
        assert entries
        newest = max(rfc3339(e.findtext(A + "updated")) for e in entries)
        assert feed_updated == newest, path  # never the build time
        for entry in entries:
            for name in ("id", "title", "updated"):
                (el,) = entry.findall(A + name)
                assert el.text and el.text.strip(), (path, name)
            assert entry.findtext(A + "id").startswith("urn:uuid:")
            published = rfc3339(entry.findtext(A + "published"))
            assert rfc3339(entry.findtext(A + "updated")) >= published
            # RFC 4287 §4.1.1: an entry needs an author unless the feed has one;
            # ours carry their own.
            assert feed_has_author
            assert entry.findtext(A + "author/" + A + "name") == "Alex Morgan"
            # Said explicitly, though a missing rel would mean "alternate".
            alternates = [
                link for link in entry.findall(A + "link") if link.get("rel") == "alternate"
            ]
            assert len(alternates) == 1
            assert is_absolute_http(alternates[0].get("href"))
            assert entry.find(A + "content") is not None or entry.find(A + "summary") is not None
            assert [c.get("term") for c in entry.findall(A + "category")]


def test_rss_has_every_rss2_required_element(site):
    for path in rss_files(site):
        rss = xml(path)
        assert rss.tag == "rss" and rss.get("version") == "2.0"
        (channel,) = rss.findall("channel")
        for name in ("title", "link", "description"):
            assert channel.findtext(name), (path, name)
        assert is_absolute_http(channel.findtext("link"))
        self_link = channel.find("{http://www.w3.org/2005/Atom}link")
        assert self_link.get("rel") == "self"
        assert self_link.get("href") == SITE + "/" + path.relative_to(site).as_posix()
        assert channel.findtext("language") == "en"
        items = channel.findall("item")
        assert items
        dates = []
        for item in items:
            assert item.findtext("title") or item.findtext("description")
            pub = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
            assert pub.tzinfo is not None
            dates.append(pub)
            (guid,) = item.findall("guid")
            # The guid is the urn:uuid id, not a URL, so isPermaLink must be false.
            assert guid.text.startswith("urn:uuid:")
            assert guid.get("isPermaLink") == "false"
            assert is_absolute_http(item.findtext("link"))
            assert item.findtext(f"{{{DC_NS}}}creator") == "Alex Morgan"
            assert [c.text for c in item.findall("category")]
        assert dates == sorted(dates, reverse=True)
        last_build = email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))
        assert last_build >= max(dates)


def test_rss_guid_equals_atom_id_for_the_same_post(site):
    atom = xml(site / "feeds/all.atom.xml")
    rss = xml(site / "feeds/all.rss.xml")
    atom_ids = [e.findtext(A + "id") for e in atom.findall(A + "entry")]
    rss_ids = [i.findtext("guid") for i in rss.findall("channel/item")]
    json_ids = [i["id"] for i in load_json(site)["items"]]
    assert atom_ids == rss_ids == json_ids
    assert atom_ids[0] == "urn:uuid:" + FIRST and atom_ids[-1] == "urn:uuid:" + OLDER


def test_json_feed_matches_the_1_1_schema(site):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    feed = load_json(site)
    jsonschema.Draft202012Validator(schema).validate(feed)
    assert feed["feed_url"] == SITE + "/feeds/all.json"
    assert feed["home_page_url"] == SITE + "/"
    for item in feed["items"]:
        assert rfc3339(item["date_modified"]) >= rfc3339(item["date_published"])


@pytest.mark.parametrize(
    "breakage",
    [
        lambda f: f.pop("version"),
        lambda f: f.update(version="https://jsonfeed.org/version/1"),
        lambda f: f["items"][0].pop("id"),
        lambda f: f["items"][0].update(id=7),
        lambda f: f["items"][0].pop("content_html"),
        lambda f: f["items"][0].update(date_published="10 March 2026"),
        lambda f: f["items"][0].update(url="../2026/x/"),
        lambda f: f["items"][0].update(authors=[{}]),
    ],
)
def test_the_json_schema_can_fail(site, breakage):
    schema = json.loads(SCHEMA.read_text())
    feed = load_json(site)
    breakage(feed)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(feed, schema)


def test_no_relative_url_anywhere_in_any_feed(site):
    checked = exempt = 0
    # XML level: every attribute of every element, and the URL-valued texts.
    for path in atom_files(site) + rss_files(site):
        for el in xml(path).iter():
            for name, value in el.attrib.items():
                if name in ("href", "src", "url", "uri", "domain"):
                    assert is_absolute_http(value), (path, el.tag, name, value)
                    checked += 1
            local = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
            if local in ("uri", "icon", "logo", "url") or (local == "link" and el.text):
                assert is_absolute_http(el.text.strip()), (path, el.tag, el.text)
                checked += 1
    # HTML inside entries: every URL attribute of every element.
    for path, html in entry_html_fragments(site):
        for tag, attr, url in html_urls(html):
            if is_exempt(url):
                exempt += 1
                continue
            assert is_absolute_http(url), (path, tag, attr, url)
            checked += 1
    assert checked > 100 and exempt > 10  # the walk really saw the fixture's links


def test_first_post_content_is_absolute_and_safe(site):
    feed = load_json(site)
    (item,) = [i for i in feed["items"] if i["id"] == "urn:uuid:" + FIRST]
    root = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
    img_srcs = {img.get("alt"): img for img in root.iter("img")}
    assert img_srcs["Network map"].get("src") == SITE + "/images/photo.png"  # {static}
    srcset = img_srcs["srcset image"]
    assert srcset.get("src") == SITE + "/images/photo.png"  # ../../images/photo.png
    assert srcset.get("srcset") == f"{SITE}/images/photo.png 1x, {SITE}/images/photo-2x.png 2x"
    assert img_srcs["pixel"].get("src").startswith("data:image/gif;base64,")
    (video,) = root.iter("video")
    assert video.get("poster") == SITE + "/images/poster.png"
    assert video.find("source").get("src") == SITE + "/2026/links-of-every-kind/clip.mp4"
    hrefs = {a.text: a.get("href") for a in root.iter("a")}
    assert hrefs["a relative link"] == SITE + "/2026/other/"
    assert hrefs["static image link"] == SITE + "/images/photo.png"
    assert hrefs["link to another post"] == SITE + "/2025/older-post/"  # {filename}
    assert hrefs["mail"] == "mailto:alex@your-name.example"
    assert hrefs["call"] == "tel:+441234567"
    assert hrefs["jump"] == "#section-two"
    assert hrefs["unsubscribe"] == "*|UNSUB|*"
    assert hrefs["archive"] == "*|ARCHIVE|*"
    assert list(root.iter("script")) == []
    assert "feeds must not carry this" not in item["content_html"]
    assert "Café & crème — naïve 🎉 text." in root.text_content()


def test_summary_metadata_links_are_absolute(site):
    atom = xml(site / "feeds/category/writing.atom.xml")
    (entry,) = atom.findall(A + "entry")
    summary = lxml.html.fragment_fromstring(entry.findtext(A + "summary"), create_parent="div")
    assert summary.find(".//img").get("src") == SITE + "/images/photo.png"
    assert summary.find(".//a").get("href") == SITE + "/about/"


def test_hostile_title_round_trips_as_text(site):
    for path in (site / "feeds/all.atom.xml", site / "feeds/all.rss.xml"):
        titles = [e.title for e in feedparser.parse(path.read_bytes()).entries]
        assert HOSTILE_TITLE in titles, path
        root = xml(path)
        assert not [el for el in root.iter() if el.tag in ("script", A + "script")]
        texts = [el.text for el in root.iter(A + "title", "title")]
        assert HOSTILE_TITLE in texts
    assert HOSTILE_TITLE in [i["title"] for i in load_json(site)["items"]]


def test_entries_carry_author_categories_tags_and_dates(site):
    atom = xml(site / "feeds/all.atom.xml")
    first = atom.find(A + "entry")
    assert [c.get("term") for c in first.findall(A + "category")] == [
        "Careers",
        "networking",
        "LinkedIn",
    ]
    assert first.findtext(A + "published") == "2026-03-10T09:00:00+00:00"
    assert first.findtext(A + "updated") == "2026-03-12T18:30:00+00:00"  # Modified:
    assert atom.findtext(A + "updated") == "2026-03-12T18:30:00+00:00"
    writing = xml(site / "feeds/category/writing.atom.xml")
    assert writing.findtext(A + "updated") == "2025-11-20T07:15:00+00:00"
    assert writing.findtext(A + "title") == "Alex Morgan · Writing"
    links = {link.get("rel"): link.get("href") for link in writing.findall(A + "link")}
    assert links["alternate"] == SITE + "/category/writing/"
    item = load_json(site)["items"][0]
    assert item["tags"] == ["Careers", "networking", "LinkedIn"]
    assert item["authors"] == [{"name": "Alex Morgan"}]
