"""The theme against a hostile fixture tree (tests/data/theme_hostile/):
escaping of metadata, the two subscribe-box modes, preview images, the
syndicated canonical, the postal-address switch and drafts."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import build_site
from tests.theme.theme_site import SITEURL, canonical, html_pages, json_ld, meta, parse

HOSTILE = '<script>alert(1)</script> & "quotes"'
HOSTILE_PAGE = "2026/hostile-title/index.html"
FORM_URL = "https://example.us21.list-manage.com/subscribe/post?u=abc123&id=def456"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("theme_hostile"), "theme_hostile")


@pytest.fixture(scope="module")
def form_site(tmp_path_factory):
    return build_site(
        tmp_path_factory.mktemp("theme_hostile_form"),
        "theme_hostile",
        overrides={
            "SUBSCRIBE": {"FORM_URL": FORM_URL, "HONEYPOT_NAME": ""},
            "AUTHOR_PROFILE": {"SHOW_ADDRESS": True},
        },
    )


def test_hostile_title_is_text_everywhere(site):
    doc = parse(site / HOSTILE_PAGE)
    assert doc.findtext(".//title").startswith(HOSTILE + " · ")
    assert doc.xpath("//h1")[0].text_content() == HOSTILE
    assert len(doc.xpath("//h1/*")) == 0  # no element was injected into the heading
    for prop in ("og:title", "og:image:alt"):
        assert meta(doc, prop=prop) == HOSTILE
    assert meta(doc, name="twitter:title") == HOSTILE
    (data,) = json_ld(doc)
    assert data["headline"] == HOSTILE
    # The only scripts are the JSON-LD block and our own site.js.
    scripts = doc.xpath("//script")
    assert [s.get("type") for s in scripts if not s.get("src")] == ["application/ld+json"]
    assert [s.get("src") for s in scripts if s.get("src")] == [SITEURL + "/theme/js/site.js"]
    raw = (site / HOSTILE_PAGE).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in raw
    assert "\\u003cscript\\u003e" in raw  # tojson escaped the title inside the JSON-LD


def test_hostile_title_in_share_and_reply_links(site):
    doc = parse(site / HOSTILE_PAGE)
    url = SITEURL + "/2026/hostile-title/"
    reply = urlsplit(doc.xpath("//a[text()='Reply by email']/@href")[0])
    assert reply.scheme == "mailto"
    assert parse_qs(reply.query) == {"subject": ["Re: " + HOSTILE]}
    share = [h for h in doc.xpath("//section[@class='share']//a/@href") if h.startswith("mailto:")]
    query = parse_qs(urlsplit(share[0]).query)
    assert query["subject"] == [HOSTILE]
    assert query["body"] == [HOSTILE + "\n\n" + url]
    # No raw space, quote or angle bracket leaks into a mailto: URL.
    for href in doc.xpath("//a[starts-with(@href, 'mailto:')]/@href"):
        assert not set(href) & set(' <>"'), href


def test_hostile_title_in_listings(site):
    for rel in [
        "index.html",
        "archives/index.html",
        "category/tests/index.html",
        "tag/escaping/index.html",
    ]:
        doc = parse(site / rel)
        links = doc.xpath("//main//a[@href=$h]", h=SITEURL + "/2026/hostile-title/")
        assert links and links[0].text_content() == HOSTILE, rel
        assert doc.xpath("//main//script") == [], rel
    # Neighbours link to it by title, as text.
    doc = parse(site / "2026/first-published-elsewhere/index.html")
    assert doc.xpath("//a[@rel='next']")[0].text_content() == HOSTILE


def test_summary_markup_is_stripped_from_descriptions(site):
    doc = parse(site / HOSTILE_PAGE)
    # connected.smart_punctuation (MARKDOWN in the settings) curls the summary's quotes.
    expected = "A summary with markup & \u201cquotes\u201d that must be stripped."
    assert meta(doc, name="description") == expected
    assert meta(doc, prop="og:description") == expected
    assert json_ld(doc)[0]["description"] == expected


def test_hostile_tag_name_is_text(site):
    doc = parse(site / HOSTILE_PAGE)
    tags = [a.text_content() for a in doc.xpath("//a[@rel='tag']")]
    assert "<b>bold</b>" in tags
    assert doc.xpath("//a[@rel='tag']/b") == []


def test_post_without_image_gets_its_own_card(site):
    # plugins/social_cards draws one per post without Image: (tests/theme has the rest).
    doc = parse(site / HOSTILE_PAGE)
    card = meta(doc, prop="og:image")
    assert card.startswith(SITEURL + "/images/social/") and card.endswith(".png")
    assert (site / card.removeprefix(SITEURL + "/")).is_file()
    assert (meta(doc, prop="og:image:width"), meta(doc, prop="og:image:height")) == ("1200", "630")
    assert json_ld(doc)[0]["image"]["url"] == card


def test_post_image_metadata_is_absolute_with_its_size(site):
    doc = parse(site / "2026/post-with-image/index.html")
    assert meta(doc, prop="og:image") == SITEURL + "/images/card.png"
    assert (meta(doc, prop="og:image:width"), meta(doc, prop="og:image:height")) == ("1000", "500")
    assert meta(doc, name="twitter:image") == SITEURL + "/images/card.png"
    image = json_ld(doc)[0]["image"]
    assert (image["width"], image["height"]) == (1000, 500)


def test_syndicated_canonical(site):
    doc = parse(site / "2026/first-published-elsewhere/index.html")
    original = "https://medium.com/@your-name-example/first-published-elsewhere-0a1b2c3d4e5f"
    assert canonical(doc) == original
    assert meta(doc, prop="og:url") == original
    line = doc.xpath("//p[@class='post-syndicated']")[0]
    assert line.text_content().strip() == "Originally published at Medium."
    assert line.xpath("a/@href") == [original]
    assert json_ld(doc)[0]["url"] == SITEURL + "/2026/first-published-elsewhere/"


def test_subscribe_box_without_form_url(site):
    doc = parse(site / HOSTILE_PAGE)
    (box,) = doc.xpath("//section[@id='subscribe']")
    assert box.xpath(".//form") == [] and box.xpath(".//input") == []
    mail = box.xpath(".//a[starts-with(@href, 'mailto:')]/@href")
    assert mail and urlsplit(mail[0]).path == "alex@your-name.example"
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert csp.endswith("form-action 'self'")


def test_subscribe_box_with_form_url(form_site):
    for rel in ["index.html", HOSTILE_PAGE]:
        doc = parse(form_site / rel)
        (box,) = doc.xpath("//section[@id='subscribe']")
        (form,) = box.xpath(".//form")
        assert form.get("action") == FORM_URL
        assert form.get("method") == "post"
        (email,) = form.xpath(".//input[@type='email']")
        assert email.get("required") is not None
        assert email.get("autocomplete") == "email"
        assert email.get("name") == "EMAIL"
        label = form.xpath(".//label[@for=$i]", i=email.get("id"))
        assert label and label[0].text_content().strip()
        assert form.xpath(".//button[@type='submit']")
        (honeypot,) = form.xpath(".//input[@name='b_abc123_def456']")
        assert honeypot.get("tabindex") == "-1"
        wrapper = honeypot.getparent()
        assert wrapper.get("aria-hidden") == "true"
        assert "visually-hidden" in wrapper.get("class").split()
        assert honeypot.get("style") is None and wrapper.get("style") is None
        assert "unsubscribe in one click" in box.text_content()
        csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
        assert "form-action 'self' https://example.us21.list-manage.com" in csp
    css = (form_site / "theme/css/site.css").read_text(encoding="utf-8")
    assert ".visually-hidden" in css


def test_honeypot_name_setting_wins(tmp_path):
    out = build_site(
        tmp_path,
        "theme_hostile",
        overrides={"SUBSCRIBE": {"FORM_URL": FORM_URL, "HONEYPOT_NAME": "b_custom_name"}},
    )
    doc = parse(out / "index.html")
    assert doc.xpath("//form//input[@name='b_custom_name'][@tabindex='-1']")


def test_postal_address_only_when_enabled(site, form_site):
    address = "100 Example Street"
    for path in html_pages(site):
        assert address not in path.read_text(encoding="utf-8"), path
    for path in html_pages(form_site):
        doc = parse(path)
        assert address in doc.xpath("//footer//address")[0].text_content(), path


def test_drafts_absent(site):
    assert not (site / "drafts").exists()
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            assert "unfinished-draft-xyzzy" not in path.read_text(encoding="utf-8"), path


def test_json_ld_is_valid_json_on_every_article(site):
    for rel in [
        HOSTILE_PAGE,
        "2026/post-with-image/index.html",
        "2026/first-published-elsewhere/index.html",
    ]:
        for script in parse(site / rel).xpath("//script[@type='application/ld+json']"):
            data = json.loads(script.text)
            assert data["@type"] == "BlogPosting" and data["author"]["@type"] == "Person"
