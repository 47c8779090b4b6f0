"""Hostile posts (tests/data/hostile_site) in a real production build: every HTML a
feed carries is the sanitizer's output, readers can parse every feed, category
and tag feeds describe themselves in plain text, and a feed the build no
longer produces disappears."""

from __future__ import annotations

import json
import shutil

import feedparser
import lxml.html
import pytest

from tests.conftest import DATA, read_project_settings
from tests.kit.hostile_html import (
    FIXTURE,
    LAST_PARAGRAPH,
    ONLY_TAG,
    PAYLOADS,
    SUMMARY_PAYLOAD,
    executable_parts,
)
from tests.plugins.site_feeds.feeds_testkit import (
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

# Tags of one post get feeds here (the default TAG_MIN_POSTS is 2): these tests need them.
EVERY_TAG = {"SITE_FEEDS": {"TAG_MIN_POSTS": 1}}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hostile_feeds"), FIXTURE)


def test_every_feed_parses_with_feedparser_and_lxml(site):
    paths = atom_files(site) + rss_files(site)
    assert len(paths) >= 10
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
        xml(path)  # strict XML, no entities, no network
    assert len(load_json(site)["items"]) == 5


def test_no_feed_carries_anything_executable(site):
    fragments = list(entry_html_fragments(site))
    assert len(fragments) > 20
    for path, html in fragments:
        assert executable_parts(html) == [], (path.name, html[:300])
    # The test can fail: the raw payload post is full of it.
    raw = (DATA / FIXTURE / "posts" / "payloads.md").read_text(encoding="utf-8")
    assert len(executable_parts(raw.partition("\n\n")[2])) >= 15


def test_the_payload_post_keeps_its_harmless_text(site):
    items = {item["id"]: item for item in load_json(site)["items"]}
    html = items[f"urn:uuid:{PAYLOADS}"]["content_html"]
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    assert LAST_PARAGRAPH in doc.text_content()
    assert "markdown javascript link" in doc.text_content()
    # Sanitized first, then made absolute: the relative image survives, absolute.
    srcs = [img.get("src") for img in doc.iter("img") if img.get("src")]
    assert "https://your-name.example/images/small.png" in srcs
    for _tag, _attr, url in html_urls(html):
        assert is_exempt(url) or is_absolute_http(url), url


def test_a_hostile_summary_gives_a_clean_atom_summary(site):
    root = xml(site / "feeds" / "all.atom.xml")
    entry = next(
        e for e in root.iter(A + "entry") if e.findtext(A + "id").endswith(SUMMARY_PAYLOAD)
    )
    summary = entry.find(A + "summary")
    assert summary.get("type") == "html"
    assert "A summary with" in summary.text
    assert executable_parts(summary.text) == []
    assert "__pwned" not in summary.text and "<script" not in summary.text.lower()
    items = {item["id"]: item for item in load_json(site)["items"]}
    assert "__pwned" not in items[f"urn:uuid:{SUMMARY_PAYLOAD}"]["summary"]


def test_control_characters_in_a_body_do_not_break_the_feeds(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / FIXTURE, content)
    (content / "posts" / "controls.md").write_text(
        "Title: Control characters\nDate: 2026-09-11 08:00\nSummary: Controls in the body.\n"
        "Uuid: a6a6a6a6-6666-4666-8666-666666666666\n\n"
        "Bell\x07 and\x01 vertical\x0btab, form\x0cfeed, escape\x1b and U+FFFE\ufffe here.\n",
        encoding="utf-8",
    )
    # post_checks rejects control characters first; the feeds must hold on their own.
    plugins = [name for name in read_project_settings()["PLUGINS"] if name != "post_checks"]
    output = build(tmp_path, content, PLUGINS=plugins)
    for path in atom_files(output) + rss_files(output):
        assert feedparser.parse(path.read_bytes()).bozo == 0, path
        xml(path)
    text = (output / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert "Bell and vertical" in text and "formfeed" in text
    for ch in "\x07\x01\x0b\x0c\x1b\ufffe":
        assert ch not in text
    items = {i["id"]: i for i in load_json(output)["items"]}
    assert "\x07" not in items["urn:uuid:a6a6a6a6-6666-4666-8666-666666666666"]["content_html"]


def test_category_and_tag_feed_titles_and_descriptions_are_plain_text(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / FIXTURE, content)
    (content / "posts" / "marked-up-names.md").write_text(
        "Title: Names with markup\nDate: 2026-09-12 08:00\nSummary: Marked-up names.\n"
        "Category: <b>Bold</b> & Co\nTags: <i>italic</i> tag\n"
        "Uuid: a7a7a7a7-7777-4777-8777-777777777777\n\nBody.\n",
        encoding="utf-8",
    )
    output = build(tmp_path, content, **EVERY_TAG)
    group_feeds = [
        p for rel, p in feed_files(output).items() if "/category/" in rel or "/tag/" in rel
    ]
    described = set()
    for path in group_feeds:
        root = xml(path)
        channel = root.find("channel")
        if channel is not None:  # RSS: the channel's own title and description
            texts = [channel.findtext("title"), channel.findtext("description")]
        else:  # Atom: the feed's own title and subtitle
            texts = [root.findtext(A + "title"), root.findtext(A + "subtitle")]
        for text in texts:
            # A reader that reads it as HTML finds no element in it.
            assert text and "<" not in text and ">" not in text, (path.name, text)
            assert "&lt;" not in text, (path.name, text)
            described.add(text)
    assert any("Posts in Bold & Co" == t for t in described), described
    assert any("Posts tagged “italic tag”" == t for t in described), described


def _feeds_mentioning(output, needle: str) -> list[str]:
    return [rel for rel, path in feed_files(output).items() if needle in path.read_text("utf-8")]


@pytest.mark.parametrize("keep_cache", [True, False], ids=["with-reuse-cache", "cache-deleted"])
def test_unpublishing_the_only_post_of_a_tag_removes_its_feeds(tmp_path, keep_cache):
    output = build(tmp_path, FIXTURE, **EVERY_TAG)
    stale = {
        "feeds/tag/lonely-tag.atom.xml",
        "feeds/tag/lonely-tag.rss.xml",
        "feeds/category/solo.atom.xml",
        "feeds/category/solo.rss.xml",
    }
    assert stale <= set(feed_files(output))
    assert _feeds_mentioning(output, ONLY_TAG)
    # A file of the writer's that only looks like a feed path is not ours to delete.
    writers_file = output / "feeds" / "tag" / "kept.atom.xml"
    writers_file.write_text("<feed>not written by site_feeds</feed>", encoding="utf-8")

    post = tmp_path / "content" / "posts" / "only-tag.md"
    post.write_text("Status: draft\n" + post.read_text(encoding="utf-8"), encoding="utf-8")
    if not keep_cache:
        shutil.rmtree(tmp_path / "cache")
    output = build(tmp_path, FIXTURE, **EVERY_TAG)

    files = set(feed_files(output))
    assert not stale & files, stale & files
    assert _feeds_mentioning(output, ONLY_TAG) == []
    assert _feeds_mentioning(output, "only-tag") == []
    assert "feeds/tag/structure.atom.xml" in files  # the others are still there
    assert writers_file.read_text(encoding="utf-8").startswith("<feed>not written")
    state = json.loads((tmp_path / "cache" / "site_feeds" / "inputs.json").read_text("utf-8"))
    assert not stale & set(state["feeds"])
