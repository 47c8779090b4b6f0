"""Feed behaviour across builds and settings: order, caps, identity, determinism, errors."""

import shutil

import feedparser
import pytest

from tests.conftest import DATA
from tests.plugins.site_feeds.feeds_testkit import (
    DRAFT,
    FIRST,
    FIXTURE,
    FUTURE,
    HIDDEN,
    OLDER,
    SITE,
    A,
    atom_files,
    build,
    feed_files,
    load_json,
    rss_files,
    xml,
)

NEVER_LISTED = {
    DRAFT: "draft-post",
    FUTURE: "future-post",
    HIDDEN: "hidden-post",
}


def atom_ids(path):
    return [e.findtext(A + "id") for e in xml(path).findall(A + "entry")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("behaviour"))


def test_newest_first_everywhere(site):
    for path in atom_files(site) + rss_files(site):
        dates = [e.published_parsed for e in feedparser.parse(path.read_bytes()).entries]
        assert dates == sorted(dates, reverse=True), path
    ids = atom_ids(site / "feeds/all.atom.xml")
    assert ids[0] == "urn:uuid:" + FIRST and ids[2] == "urn:uuid:" + OLDER and len(ids) == 3


def test_drafts_hidden_and_future_posts_never_appear(site):
    for rel, path in feed_files(site).items():
        data = path.read_text(encoding="utf-8")
        for uuid, slug in NEVER_LISTED.items():
            assert uuid not in data, (rel, slug)
            assert slug not in data, (rel, slug)
        assert "must not be syndicated" not in data


def test_max_items_is_honoured(tmp_path):
    out = build(tmp_path, SITE_FEEDS={"MAX_ITEMS": 2})
    assert len(atom_ids(out / "feeds/all.atom.xml")) == 2
    assert len(xml(out / "feeds/all.rss.xml").findall("channel/item")) == 2
    assert [i["id"] for i in load_json(out)["items"]][0] == "urn:uuid:" + FIRST
    assert len(load_json(out)["items"]) == 2
    for path in atom_files(out):
        assert 1 <= len(atom_ids(path)) <= 2
    # Careers has 2 listed posts, both kept; the oldest post fell off the all-feeds.
    assert "urn:uuid:" + OLDER not in atom_ids(out / "feeds/all.atom.xml")


def test_same_content_gives_byte_identical_feeds(site, tmp_path):
    again = build(tmp_path / "elsewhere")
    first, second = feed_files(site), feed_files(again)
    assert set(first) == set(second)
    for rel in first:
        assert first[rel].read_bytes() == second[rel].read_bytes(), rel


def test_editing_title_date_and_slug_keeps_entry_ids(tmp_path):
    before = build(tmp_path / "before")
    ids_before = atom_ids(before / "feeds/all.atom.xml")
    edited = tmp_path / "edited"
    shutil.copytree(DATA / FIXTURE, edited)
    first = edited / "posts/career/first-post.md"
    text = first.read_text(encoding="utf-8")
    text = text.replace("Title: Links of every kind", "Title: A brand new title")
    text = text.replace("Date: 2026-03-10 09:00", "Date: 2026-01-15 07:00")
    text = text.replace("Slug: links-of-every-kind", "Slug: brand-new-slug")
    first.write_text(text, encoding="utf-8")
    hostile = edited / "posts/hostile.md"  # no Uuid: id comes from its path
    text = hostile.read_text(encoding="utf-8")
    text = text.replace("Slug: hostile-title", "Slug: calmer-slug")
    text = text.replace("Date: 2026-02-01 08:00", "Date: 2026-02-02 08:00")
    text = text.replace('"quotes"', "no quotes")
    hostile.write_text(text, encoding="utf-8")
    after = build(tmp_path / "after", content=edited)
    entries = {
        e.findtext(A + "id"): e for e in xml(after / "feeds/all.atom.xml").findall(A + "entry")
    }
    assert set(entries) == set(ids_before)
    renamed = entries["urn:uuid:" + FIRST]
    assert renamed.findtext(A + "title") == "A brand new title"
    assert renamed.find(A + "link").get("href") == SITE + "/2026/brand-new-slug/"
    hostile_id = next(i for i in ids_before if i not in ("urn:uuid:" + FIRST, "urn:uuid:" + OLDER))
    assert "no quotes" in entries[hostile_id].findtext(A + "title")


@pytest.mark.parametrize(
    ("bad", "key"),
    [
        ({"MAX_ITEM": 5}, "MAX_ITEM"),
        ({"MAX_ITEMS": 0}, "MAX_ITEMS"),
        ({"CONTENT": "everything"}, "CONTENT"),
        ({"TAG_ATOM": "feeds/tag.atom.xml"}, "TAG_ATOM"),
        ({"ALL_RSS": "/feeds/all.rss.xml"}, "ALL_RSS"),
        ({"ALL_RSS": "feeds/all.atom.xml"}, "ALL_ATOM"),
        ({"DEV_SITEURL": "localhost:8000"}, "DEV_SITEURL"),
    ],
)
def test_bad_setting_fails_the_build_naming_the_key(tmp_path, bad, key):
    with pytest.raises(ValueError, match=rf"SITE_FEEDS\['{key}'\]"):
        build(tmp_path, SITE_FEEDS=bad)


def test_feeds_can_be_switched_off(tmp_path):
    out = build(
        tmp_path, SITE_FEEDS={"TAG_ATOM": None, "TAG_RSS": "", "ALL_JSON": None, "ALL_RSS": None}
    )
    assert set(feed_files(out)) == {
        "feeds/all.atom.xml",
        "feeds/category/careers.atom.xml",
        "feeds/category/careers.rss.xml",
        "feeds/category/writing.atom.xml",
        "feeds/category/writing.rss.xml",
    }


def test_summary_mode_carries_only_summaries(tmp_path):
    out = build(tmp_path, SITE_FEEDS={"CONTENT": "summary"})
    for entry in xml(out / "feeds/all.atom.xml").findall(A + "entry"):
        assert entry.find(A + "content") is None
        assert entry.findtext(A + "summary")
    for item in xml(out / "feeds/all.rss.xml").findall("channel/item"):
        assert item.find("{http://purl.org/rss/1.0/modules/content/}encoded") is None
        assert item.findtext("description")
    older = next(i for i in load_json(out)["items"] if i["id"] == "urn:uuid:" + OLDER)
    assert older["content_html"].startswith("<p>A summary with an image")
    assert "body of the older post" not in older["content_html"]


def test_icon_is_absolute_in_every_format(tmp_path):
    out = build(tmp_path, SITE_FEEDS={"ICON": "images/photo.png"})
    icon = SITE + "/images/photo.png"
    assert xml(out / "feeds/all.atom.xml").findtext(A + "icon") == icon
    assert xml(out / "feeds/all.rss.xml").findtext("channel/image/url") == icon
    assert load_json(out)["icon"] == icon
    assert feedparser.parse((out / "feeds/all.rss.xml").read_bytes()).bozo == 0


def test_development_build_points_feeds_at_dev_siteurl(tmp_path):
    out = build(tmp_path, settings_file="pelicanconf.py")
    atom = xml(out / "feeds/all.atom.xml")
    assert atom.findtext(A + "id") == "http://localhost:8000/feeds/all.atom.xml"
    first = load_json(out)["items"][0]
    assert first["url"] == "http://localhost:8000/2026/links-of-every-kind/"
    assert 'src="http://localhost:8000/images/photo.png"' in first["content_html"]
    other = build(
        tmp_path / "port",
        settings_file="pelicanconf.py",
        SITE_FEEDS={"DEV_SITEURL": "http://127.0.0.1:9000/"},
    )
    assert load_json(other)["feed_url"] == "http://127.0.0.1:9000/feeds/all.json"


def test_siteurl_with_a_trailing_slash(tmp_path):
    out = build(tmp_path, SITEURL=SITE + "/")
    feed = load_json(out)
    assert feed["feed_url"] == SITE + "/feeds/all.json"
    assert feed["items"][0]["url"] == SITE + "/2026/links-of-every-kind/"
    assert f'src="{SITE}/images/photo.png"' in feed["items"][0]["content_html"]
