"""Email editions built by plugins/newsletter from tests/data/email_site.

One real production build (publishconf) of the fixture site per module; every
test parses what the build wrote: manifest.json with json, the HTML editions
with lxml, the text parts as text.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree, html

from tests.conftest import build_site

SITEURL = "https://your-name.example"
POSTAL = "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia"
UUIDS = {
    "newest": str(uuid.uuid5(uuid.NAMESPACE_URL, "connected:posts/newest.md")),
    "huge": "7081a2b3-c4d5-4e6f-8a7b-8c9d0e1f2a08",
    "private": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e04",
    "overrides": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c03",
    "hostile": "5e0c1d2a-7b3f-4c8e-9d1a-2f3b4c5d6e02",
    "first": "0b8f6a52-4c1e-4d0f-9a53-0c2f4e7d1a01",
}
NOT_PUBLISHED = {
    "4d5e6f70-8192-4a3b-9c4d-5e6f7a8b9c05",  # draft
    "5e6f7081-92a3-4b4c-8d5e-6f7a8b9c0d06",  # hidden
    "6f708192-a3b4-4c5d-9e6f-7a8b9c0d1e07",  # future
}
ENTRY_KEYS = {
    "uuid", "title", "url", "slug", "date", "source_path", "newsletter", "subject",
    "preheader", "mode", "audience_tag", "files", "uuid_in_file", "blockers", "digest",
    "newsletter_now",
}  # fmt: skip
URL_ATTRS = ("href", "src", "poster", "background")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("email_site")
    handler = _Records()
    logger = logging.getLogger("newsletter")
    logger.addHandler(handler)
    try:
        build_site(tmp, "email_site")
    finally:
        logger.removeHandler(handler)
    editions = tmp / "build" / "editions"
    manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    return {
        "tmp": tmp,
        "editions": editions,
        "manifest": manifest,
        "posts": {post["uuid"]: post for post in manifest["posts"]},
        "logs": [r.getMessage() for r in handler.records if r.levelno >= logging.WARNING],
    }


def edition_file(site, key: str, which: str) -> Path:
    return site["editions"] / site["posts"][UUIDS[key]]["files"][which]


def all_html(site):
    for post in site["manifest"]["posts"]:
        for which in ("mailchimp_html", "outbox_html"):
            yield post, which, (site["editions"] / post["files"][which]).read_bytes()


def parse(data: bytes):
    return html.document_fromstring(data)


class _Balance(HTMLParser):
    """Every non-void element closed, in order (css-inline serialises them all)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def test_manifest_lists_exactly_the_published_posts_newest_first(site):
    manifest = site["manifest"]
    assert manifest["version"] == 1
    assert manifest["siteurl"] == SITEURL
    assert manifest["generated_for"] == "publishconf"
    order = [post["uuid"] for post in manifest["posts"]]
    assert order == list(UUIDS.values())
    assert not NOT_PUBLISHED & set(order)
    dates = [post["date"] for post in manifest["posts"]]
    assert dates == sorted(dates, reverse=True)
    for post in manifest["posts"]:
        assert set(post) == ENTRY_KEYS
        assert post["url"].startswith(SITEURL + "/") and post["url"].endswith(f"/{post['slug']}/")
        assert post["files"]["mailchimp_html"] == f"{post['uuid']}/mailchimp.html"
        assert post["files"]["outbox_html"] == f"{post['uuid']}/outbox.html"
        assert post["files"]["text"] == f"{post['uuid']}/email.txt"
        for rel in post["files"].values():
            assert (site["editions"] / rel).is_file(), rel
    # Nothing was written for drafts, hidden or future posts.
    dirs = {p.name for p in site["editions"].iterdir() if p.is_dir()}
    assert dirs == set(UUIDS.values())


def test_manifest_flags(site):
    posts = site["posts"]
    assert posts[UUIDS["private"]]["newsletter"] is False
    assert all(posts[UUIDS[k]]["newsletter"] is True for k in UUIDS if k != "private")
    assert posts[UUIDS["overrides"]]["mode"] == "excerpt"
    assert posts[UUIDS["overrides"]]["audience_tag"] == "engineers"
    assert posts[UUIDS["huge"]]["mode"] == "excerpt"
    assert posts[UUIDS["first"]]["mode"] == "full"
    assert posts[UUIDS["first"]]["audience_tag"] is None
    assert posts[UUIDS["newest"]]["source_path"] == "posts/newest.md"
    # newest.md has no Uuid: line (its id is path-derived); the others carry theirs.
    assert posts[UUIDS["newest"]]["uuid_in_file"] is False
    assert all(posts[UUIDS[k]]["uuid_in_file"] is True for k in UUIDS if k != "newest")
    assert posts[UUIDS["hostile"]]["url"] == f"{SITEURL}/2026/hostile-title/"
    assert posts[UUIDS["first"]]["date"] == "2026-10-01T09:00:00+01:00"


def test_html_is_well_formed(site):
    for post, which, data in all_html(site):
        parser = etree.HTMLParser(recover=False)
        etree.fromstring(data, parser)  # raises on mismatched tags
        balance = _Balance()
        balance.feed(data.decode("utf-8"))
        assert balance.errors == [], (post["slug"], which, balance.errors[:3])
        assert balance.stack == [], (post["slug"], which, balance.stack)
        assert data.decode("utf-8").startswith("<!DOCTYPE html>")


def test_no_relative_url_anywhere(site):
    for post, which, data in all_html(site):
        doc = parse(data)
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            for attr in URL_ATTRS:
                value = element.get(attr)
                if value is None:
                    continue
                ok = re.match(r"^(https?://|mailto:)", value) or value == "*|UNSUB|*"
                assert ok, (post["slug"], which, element.tag, attr, value)
            for attr in ("srcset", "imagesrcset"):
                if element.get(attr):
                    for candidate in element.get(attr).split(","):
                        assert candidate.split()[0].startswith("https://"), candidate


def test_images_have_absolute_src_size_and_alt(site):
    seen = {}
    for _post, _which, data in all_html(site):
        for img in parse(data).iter("img"):
            assert img.get("src", "").startswith(SITEURL + "/"), img.get("src")
            assert img.get("alt") is not None
            width, height = int(img.get("width")), int(img.get("height"))
            assert 0 < width <= 520 and height > 0
            assert "max-width: 100%" in img.get("style")
            seen[img.get("src").rsplit("/", 1)[-1]] = (width, height, img.get("alt"))
    # Sizes come from the image files (PNG, JPEG, GIF headers) or the img attributes,
    # scaled down to the 520px text column.
    assert seen["wide.png"] == (520, 347, "Wide chart")
    assert seen["photo.jpg"] == (520, 390, "")
    assert seen["small.png"] == (300, 200, "Small, relative")
    assert seen["badge.gif"] == (40, 20, "Badge with width only")
    # Gmail and Outlook show no SVG: the PNG of the same name is used instead.
    assert seen["diagram.png"] == (400, 100, "Diagram")
    assert not any(name.endswith(".svg") for name in seen)


def test_view_on_the_web_link_comes_first(site):
    for post, _which, data in all_html(site):
        body = parse(data).body
        first_link = next(body.iter("a"))
        assert first_link.text_content().strip() == "View on the web"
        assert first_link.get("href") == post["url"] + "?ref=newsletter"  # marked for make stats


def test_footers_mailchimp_merge_tags_versus_outbox_address(site):
    for post, which, data in all_html(site):
        text = data.decode("utf-8")
        doc = parse(data)
        unsubscribe = [a for a in doc.iter("a") if a.text_content().strip() == "Unsubscribe"]
        assert len(unsubscribe) == 1
        assert "reply" in doc.text_content().lower()
        assert "You are receiving this because you subscribed to Alex Morgan" in text
        if which == "mailchimp_html":
            assert unsubscribe[0].get("href") == "*|UNSUB|*"
            assert "*|LIST:ADDRESSLINE|*" in text
            assert POSTAL not in text
        else:
            assert "*|" not in text, post["slug"]
            assert unsubscribe[0].get("href") == "mailto:alex@your-name.example?subject=Unsubscribe"
            address = doc.find_class("address")[0].text_content()
            assert address == POSTAL


def test_css_inlined_and_media_rules_kept(site):
    for post, _which, data in all_html(site):
        doc = parse(data)
        styles = "".join(s.text_content() for s in doc.iter("style"))
        assert "@media only screen and (max-width: 620px)" in styles
        assert "prefers-color-scheme: dark" in styles
        # Plain rules were inlined and not kept: only @media blocks remain.
        assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", styles).strip() == ""
        card = doc.find_class("card")[0]
        assert "background-color: #ffffff" in card.get("style")
        paragraphs = doc.find_class("content")[0].iter("p")
        assert all("margin" in (p.get("style") or "") for p in paragraphs), post["slug"]
        # The charset declaration stays near the top (browsers look in the first 1024 bytes).
        assert data.index(b'<meta charset="utf-8">') < 100


def test_sizes_under_the_gmail_limit(site):
    for post, which, data in all_html(site):
        assert len(data) < 100_000, (post["slug"], which, len(data))


def test_scripts_and_embeds_stripped(site):
    for _post, _which, data in all_html(site):
        doc = parse(data)
        assert not list(doc.iter("script", "iframe", "video", "object", "embed", "form"))
    hostile = parse(edition_file(site, "hostile", "outbox_html").read_bytes())
    links = {a.get("href") for a in hostile.iter("a")}
    assert "https://www.youtube.com/embed/abc123" in links  # the iframe became a link
    # in-page anchors go to the web page; links to the site carry the newsletter marker
    assert f"{SITEURL}/2026/hostile-title/?ref=newsletter#images" in links
    assert f"{SITEURL}/2026/first-steps-in-keeping-in-touch/?ref=newsletter" in links  # {filename} and ../
    assert "https://www.youtube.com/embed/abc123" in links  # other sites' links are left alone
    assert f"{SITEURL}/about/?ref=newsletter" in links  # reference link
    assert f"{SITEURL}/tag/habits/?ref=newsletter" in links  # {tag}


def test_hostile_title_is_plain_text_everywhere(site):
    title = 'Tom & Jerry <c> say "hi" — 5 > 3 🎉'
    post = site["posts"][UUIDS["hostile"]]
    assert post["subject"] == title and post["title"] == title
    for which in ("mailchimp_html", "outbox_html"):
        doc = parse(edition_file(site, "hostile", which).read_bytes())
        assert doc.find(".//title").text_content() == title
        assert doc.find_class("title")[0].text_content() == title
        assert not list(doc.iter("c"))
    text = edition_file(site, "hostile", "text").read_text(encoding="utf-8")
    assert f"\n{title}\n" in text


def test_subject_and_preheader_overrides_are_plain_and_short(site):
    post = site["posts"][UUIDS["overrides"]]
    assert post["subject"].startswith("Read this & tell me what you think")
    assert len(post["subject"]) <= 150 and post["subject"].endswith("…")
    assert "<" not in post["subject"] and "&amp;" not in post["subject"]
    assert post["preheader"] == "A custom preheader & no tags"
    doc = parse(edition_file(site, "overrides", "outbox_html").read_bytes())
    assert "A custom preheader & no tags" in doc.find_class("preheader")[0].text_content()
    assert "display: none" in doc.find_class("preheader")[0].get("style")
    for entry in site["manifest"]["posts"]:
        for key in ("subject", "preheader"):
            value = entry[key]
            assert value and len(value) <= 150
            assert value == " ".join(value.split())
            assert not re.search(r"</?(?:em|b|strong|i|a|span|p|code)\b|&[a-z]+;", value), value


def test_excerpt_mode_links_to_the_rest(site):
    post = site["posts"][UUIDS["overrides"]]
    doc = parse(edition_file(site, "overrides", "outbox_html").read_bytes())
    content = doc.find_class("content")[0].text_content()
    assert "The short version" in content and "long version" not in content
    more = [a for a in doc.iter("a") if "Read the rest on the web" in a.text_content()]
    assert len(more) == 1 and more[0].get("href") == post["url"] + "?ref=newsletter"
    text = edition_file(site, "overrides", "text").read_text(encoding="utf-8")
    assert f"Read the rest on the web → {post['url']}" in text
    assert "long version" not in text


def test_huge_post_falls_back_to_excerpt_with_a_warning(site):
    warnings = [m for m in site["logs"] if "posts/huge.md" in m]
    assert len(warnings) == 1 and "excerpt" in warnings[0] and "MAX_HTML_BYTES" in warnings[0]
    data = edition_file(site, "huge", "mailchimp_html").read_bytes()
    assert len(data) < 20_000
    doc = parse(data)
    assert "The whole thing is too long for one email." in doc.find_class("content")[0].text_content()
    assert any("Read the rest on the web" in a.text_content() for a in doc.iter("a"))
    source = (site["tmp"] / "content" / "posts" / "huge.md").read_bytes()
    assert len(source) > 100_000


def test_plain_text_parts(site):
    for post in site["manifest"]["posts"]:
        text = (site["editions"] / post["files"]["text"]).read_text(encoding="utf-8")
        assert text.startswith(f"View on the web: {post['url']}?ref=newsletter\n")
        assert "*|" not in text
        assert "Unsubscribe: mailto:alex@your-name.example?subject=Unsubscribe" in text
        assert text.rstrip().endswith(POSTAL)
        assert "Title:" not in text and "Uuid:" not in text  # metadata header stripped
        mailchimp = (site["editions"] / post["files"]["mailchimp_text"]).read_text(encoding="utf-8")
        assert "Unsubscribe: *|UNSUB|*" in mailchimp and "*|LIST:ADDRESSLINE|*" in mailchimp
    # The text part is made from the rendered HTML (it used to be the Markdown
    # source, whose link regex could hang): links read "text (absolute URL)".
    text = edition_file(site, "hostile", "text").read_text(encoding="utf-8")
    prose, _, _ = text.partition("Code keeps")  # sample code keeps its text as written
    urls = re.findall(r"\((\S+)\)", prose)
    assert len(urls) >= 10
    for url in urls:
        assert re.match(r"^(https://|mailto:)", url), url
    assert "{static}" not in text and "{filename}" not in text
    assert "Wide chart (https://your-name.example/images/wide.png)" in text
    # Links into the site carry the newsletter marker (make stats counts those visits).
    # (The marker makes these lines longer, so the text part may wrap them: fold white space.)
    folded = " ".join(text.split())
    assert "fragment (https://your-name.example/2026/hostile-title/?ref=newsletter#images)" in folded
    assert "reference link (https://your-name.example/about/?ref=newsletter)" in folded
    assert "<script" not in text and "<iframe" not in text and "no script in email" not in text
    # link_checks turned the blocked iframe into a link to it when the post was read.
    assert "www.youtube.com (https://www.youtube.com/embed/abc123)" in text
    assert "Code keeps [this](relative/link) as written." in text


def test_unchanged_content_gives_identical_files_and_changes_rerender_only_that_post(tmp_path):
    build_site(tmp_path, "email_site")
    editions = tmp_path / "build" / "editions"
    files = sorted(p for p in editions.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

    build_site(tmp_path, "email_site")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert after == before  # same bytes, not even rewritten
    assert sorted(p for p in editions.rglob("*") if p.is_file()) == files

    post = tmp_path / "content" / "posts" / "first-steps.md"
    post.write_text(post.read_text(encoding="utf-8").replace("one person", "one friend"))
    build_site(tmp_path, "email_site")
    changed = {p for p in files if p.read_bytes() != before[p][0]}
    first = editions / UUIDS["first"]
    assert {p for p in changed if p.parent.name != "editions"} == {
        first / "mailchimp.html", first / "outbox.html", first / "email.txt", first / "mailchimp.txt",
    }  # fmt: skip
    assert "one friend" in (first / "email.txt").read_text(encoding="utf-8")

    # A post taken back to draft loses its edition and its manifest entry.
    post.write_text("Status: draft\n" + post.read_text(encoding="utf-8"))
    build_site(tmp_path, "email_site")
    manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    assert UUIDS["first"] not in {p["uuid"] for p in manifest["posts"]}
    assert not first.exists()


def test_development_build_points_at_the_local_server(tmp_path):
    # A development build renders only the editions `make publish` would send
    # (the newest MAX_PER_RUN unrecorded posts): raise it so every post's is there.
    build_site(tmp_path, "email_site", settings_file="pelicanconf.py", overrides={"NEWSLETTER": {"MAX_PER_RUN": 50}})
    editions = tmp_path / "build" / "editions"
    manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generated_for"] == "pelicanconf"
    assert manifest["siteurl"] == "http://localhost:8000"
    assert {p["uuid"] for p in manifest["posts"]} == set(UUIDS.values())  # drafts still left out
    doc = parse((editions / UUIDS["hostile"] / "outbox.html").read_bytes())
    assert all(img.get("src").startswith("http://localhost:8000/images/") for img in doc.iter("img"))


def test_max_html_bytes_setting_is_honoured(tmp_path):
    handler = _Records()
    logging.getLogger("newsletter").addHandler(handler)
    try:
        # Between the two posts' sizes; the masthead, signature and "Forwarded this?"
        # (theme/templates/email) add about 2 KB to every edition.
        build_site(tmp_path, "email_site", overrides={"NEWSLETTER": {"MAX_HTML_BYTES": 9_000}})
    finally:
        logging.getLogger("newsletter").removeHandler(handler)
    manifest = json.loads((tmp_path / "build" / "editions" / "manifest.json").read_text())
    modes = {p["uuid"]: p["mode"] for p in manifest["posts"]}
    assert modes[UUIDS["hostile"]] == "excerpt"  # ~10.5 KB in full
    assert modes[UUIDS["first"]] == "full"  # ~7 KB
    warned = " ".join(r.getMessage() for r in handler.records)
    assert "posts/hostile.md" in warned and "posts/first-steps.md" not in warned


def test_newsletter_marker_goes_on_links_to_the_site_only():
    from plugins.newsletter.body import with_newsletter_marker

    site = "https://example.com/blog"
    assert with_newsletter_marker("https://example.com/blog/a/", site) == "https://example.com/blog/a/?ref=newsletter"
    assert with_newsletter_marker("https://example.com/blog/a/?x=1#h", site) == (
        "https://example.com/blog/a/?x=1&ref=newsletter#h")
    assert with_newsletter_marker("https://example.com/blog/a/?ref=newsletter", site).count("ref=") == 1
    assert with_newsletter_marker("https://example.com/other/", site) == "https://example.com/other/"
    assert with_newsletter_marker("https://example.org/blog/a/", site) == "https://example.org/blog/a/"
    assert with_newsletter_marker("mailto:a@example.com", site) == "mailto:a@example.com"
