"""The sample site as shipped (tests/data/sample_site) built with publishconf: every page type,
head tags, JSON-LD, CSP and hygiene, links between posts, drafts kept out."""

import re
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.conftest import SAMPLE_CONTENT, build_site
from tests.theme.theme_site import (
    HOST,
    SITEURL,
    article_files,
    canonical,
    html_pages,
    json_ld,
    meta,
    parse,
    url_to_file,
)

DRAFT_SLUG = "thank-you-at-end-of-project"
SYNDICATED = "2026/keeping-in-touch-with-former-colleagues/index.html"
WITH_IMAGE = "2026/network-before-you-need-it/index.html"
EVENT_ATTR = re.compile(r"^on[a-z]+$")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("theme_sample"))


def test_every_page_type_is_built(site):
    expected = [
        "index.html",
        "archives/index.html",
        "categories/index.html",
        "tags/index.html",
        "about/index.html",
        "404.html",
        "category/networking/index.html",
        "tag/referrals/index.html",
        SYNDICATED,
        WITH_IMAGE,
    ]
    for rel in expected:
        assert (site / rel).is_file(), rel
    assert len(article_files(site)) == 5


def test_every_page_has_landmarks_skip_link_and_lang(site):
    for path in html_pages(site):
        doc = parse(path)
        assert doc.get("lang") == "en", path
        assert len(doc.xpath("//main")) == 1, path
        assert doc.xpath("//main/@id") == ["main"], path
        assert len(doc.xpath("//body/header")) == 1, path
        assert len(doc.xpath("//body/footer")) == 1, path
        assert doc.xpath("//nav[@aria-label='Main']"), path
        skip = doc.xpath("//body/a[1]")[0]
        assert skip.get("href") == "#main" and "skip" in skip.text_content().lower(), path
        assert len(doc.xpath("//h1")) == 1, path
        title = doc.findtext(".//title")
        assert title and title.strip(), path


def test_head_tags_on_articles(site):
    for path in article_files(site):
        doc = parse(path)
        url = canonical(doc)
        assert url and url.startswith("https://"), path
        assert meta(doc, prop="og:type") == "article"
        assert meta(doc, prop="og:url") == url
        assert meta(doc, prop="og:title") == doc.xpath("//h1")[0].text_content()
        description = meta(doc, name="description")
        assert description and "<" not in description and len(description) > 40
        assert meta(doc, prop="og:description") == description
        assert meta(doc, prop="og:site_name") == "Alex Morgan"
        image = meta(doc, prop="og:image")
        assert image.startswith(SITEURL + "/images/"), image
        assert url_to_file(site, image).is_file()
        assert int(meta(doc, prop="og:image:width")) >= 600
        assert int(meta(doc, prop="og:image:height")) >= 315
        assert meta(doc, name="twitter:card") == "summary_large_image"
        assert meta(doc, name="twitter:image") == image
        published = datetime.fromisoformat(meta(doc, prop="article:published_time"))
        assert published.tzinfo is not None


def test_listing_pages_are_websites_with_the_default_image(site):
    for rel in [
        "index.html",
        "archives/index.html",
        "tags/index.html",
        "category/writing/index.html",
    ]:
        doc = parse(site / rel)
        assert meta(doc, prop="og:type") == "website", rel
        assert canonical(doc) == SITEURL + "/" + rel.removesuffix("index.html"), rel
        assert meta(doc, prop="og:image") == SITEURL + "/images/social-default.png"
        assert (meta(doc, prop="og:image:width"), meta(doc, prop="og:image:height")) == (
            "1200",
            "630",
        )
        assert meta(doc, name="description")


def test_post_image_metadata_wins_over_the_default(site):
    doc = parse(site / WITH_IMAGE)
    assert meta(doc, prop="og:image") == SITEURL + "/images/network-map.png"
    assert (meta(doc, prop="og:image:width"), meta(doc, prop="og:image:height")) == ("1200", "630")
    # The diagram in the body: from content/images, with size and alt text.
    img = doc.xpath("//main//figure/img")[0]
    assert img.get("src") == SITEURL + "/images/network-map.svg"
    assert (img.get("width"), img.get("height")) == ("800", "450")
    assert len(img.get("alt")) > 40
    assert url_to_file(site, img.get("src")).is_file()


def test_json_ld_blogposting_with_person_author(site):
    for path in article_files(site):
        doc = parse(path)
        (data,) = json_ld(doc)
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "BlogPosting"
        assert data["headline"] == doc.xpath("//h1")[0].text_content()
        assert datetime.fromisoformat(data["datePublished"]).tzinfo is not None
        assert datetime.fromisoformat(data["dateModified"]) >= datetime.fromisoformat(
            data["datePublished"]
        )
        author = data["author"]
        assert author["@type"] == "Person" and author["name"] == "Alex Morgan"
        assert author["url"] == SITEURL + "/about/"
        assert "https://www.linkedin.com/in/your-name-example/" in author["sameAs"]
        assert data["image"]["url"] == meta(doc, prop="og:image")
        assert data["mainEntityOfPage"]["@id"] == canonical(doc)
    # Only articles carry a BlogPosting.
    assert json_ld(parse(site / "index.html")) == []


def test_csp_and_no_inline_code_or_style(site):
    for path in html_pages(site):
        doc = parse(path)
        csp = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert len(csp) == 1, path
        directives = dict(d.strip().split(" ", 1) for d in csp[0].split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["img-src"] == "'self' data:"
        assert directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'self'"
        assert directives["form-action"] == "'self'"  # no FORM_URL in the sample
        assert doc.xpath("//style") == [], path
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            assert "style" not in el.attrib, (path, el.tag)
            assert not [a for a in el.attrib if EVENT_ATTR.match(a)], (path, el.tag)
        for script in doc.xpath("//script"):
            if script.get("src"):
                assert urlsplit(script.get("src")).netloc == HOST
                assert not (script.text or "").strip()
            else:
                assert script.get("type") == "application/ld+json", path


def test_nothing_is_loaded_from_other_hosts(site):
    for path in html_pages(site):
        doc = parse(path)
        for el in doc.xpath("//*[@src or @href or @action or @srcset or @poster]"):
            if el.tag == "a":
                continue  # share, profile and syndication links are navigation, not loads
            if el.tag == "link" and el.get("rel") == "canonical":
                continue  # a syndicated post's canonical is the original
            for attr in ("src", "href", "action", "poster"):
                value = el.get(attr)
                if value:
                    host = urlsplit(value).netloc
                    assert host in ("", HOST), (path, el.tag, value)


def test_internal_links_resolve(site):
    for path in html_pages(site):
        doc = parse(path)
        for href in doc.xpath("//a/@href | //link/@href | //img/@src | //script/@src"):
            parts = urlsplit(href)
            if parts.scheme in ("mailto",) or parts.netloc not in (HOST,):
                continue
            assert url_to_file(site, href).is_file(), (path, href)


def test_prev_next_links_follow_date_order(site):
    posts = sorted(
        article_files(site),
        key=lambda p: parse(p).xpath("//article//time/@datetime")[0],
        reverse=True,
    )
    for index, path in enumerate(posts):
        doc = parse(path)
        prev = doc.xpath("//nav[@aria-label='More posts']//a[@rel='prev']/@href")
        nxt = doc.xpath("//nav[@aria-label='More posts']//a[@rel='next']/@href")
        if index + 1 < len(posts):
            assert url_to_file(site, prev[0]) == posts[index + 1]
        else:
            assert prev == []
        if index > 0:
            assert url_to_file(site, nxt[0]) == posts[index - 1]
        else:
            assert nxt == []


def test_article_details(site):
    for path in article_files(site):
        doc = parse(path)
        url = SITEURL + "/" + str(path.parent.relative_to(site)) + "/"
        stamp = doc.xpath("//article/header//time/@datetime")[0]
        assert re.search(r"[+-]\d\d:\d\d$", stamp), stamp
        words = len(doc.xpath("//div[@class='prose']")[0].text_content().split())
        minutes = max(1, round(words / 230))
        assert f"{minutes} min read" in doc.xpath("//p[@class='post-meta']")[0].text_content()
        assert doc.xpath("//a[@rel='tag']"), path
        assert doc.xpath("//p[@class='post-kicker']/a/@href")[0].startswith(SITEURL + "/category/")
        share = doc.xpath("//section[@class='share']//a/@href")
        linkedin = [
            h for h in share if h.startswith("https://www.linkedin.com/sharing/share-offsite/")
        ]
        assert parse_qs(urlsplit(linkedin[0]).query)["url"] == [url]
        email = [h for h in share if h.startswith("mailto:")][0]
        query = parse_qs(urlsplit(email).query)
        assert url in query["body"][0]
        copy = doc.xpath("//a[@data-copy-link]")[0]
        assert copy.get("href") == url and copy.text_content() == "Copy link"
        reply = doc.xpath("//a[text()='Reply by email']/@href")[0]
        parts = urlsplit(reply)
        assert parts.scheme == "mailto" and parts.path == "alex@your-name.example"
        title = doc.xpath("//h1")[0].text_content()
        assert parse_qs(parts.query)["subject"] == ["Re: " + title]


def test_syndicated_post_points_to_the_original(site):
    doc = parse(site / SYNDICATED)
    original = (
        "https://medium.com/@your-name-example/keeping-in-touch-with-former-colleagues-3f2a9c1b7d10"
    )
    assert canonical(doc) == original
    line = doc.xpath("//p[@class='post-syndicated']")[0]
    assert line.text_content().startswith("Originally published at Medium")
    assert line.xpath("a/@href") == [original]
    # Non-syndicated posts are their own canonical.
    other = parse(site / WITH_IMAGE)
    assert canonical(other) == SITEURL + "/2026/network-before-you-need-it/"
    assert other.xpath("//p[@class='post-syndicated']") == []


def test_subscribe_box_without_form_url_offers_email(site):
    for rel in ["index.html", WITH_IMAGE]:
        box = parse(site / rel).xpath("//section[@id='subscribe']")
        assert len(box) == 1, rel
        assert box[0].xpath(".//form") == [], rel
        assert box[0].xpath(".//a[starts-with(@href, 'mailto:alex@your-name.example')]"), rel
    # Not on the About page or listings other than the index.
    assert parse(site / "about/index.html").xpath("//section[@id='subscribe']") == []


def test_about_page_is_a_profile(site):
    doc = parse(site / "about/index.html")
    # Markdown (connected.smart_punctuation) curls apostrophes: compare with the typed ones.
    text = doc.xpath("//main")[0].text_content().replace("\u2019", "'")
    for needle in ["Engineering manager", "What I'm looking for", "alex@your-name.example"]:
        assert needle.lower() in text.lower(), needle
    hrefs = doc.xpath("//main//a/@href")
    assert "https://www.linkedin.com/in/your-name-example/" in hrefs
    assert "https://github.com/your-name-example" in hrefs
    # SHOW_ADDRESS is False in the sample settings: no postal address anywhere.
    for path in html_pages(site):
        assert "100 Example Street" not in path.read_text(encoding="utf-8"), path


def test_drafts_stay_out_of_production(site):
    assert not (site / "drafts").exists()
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            assert DRAFT_SLUG not in path.read_text(encoding="utf-8"), path


def test_404_is_not_indexed(site):
    doc = parse(site / "404.html")
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert canonical(doc) is None
    assert doc.xpath("//main//a[@href=$h]", h=SITEURL + "/")


def test_robots_txt_has_absolute_sitemap(site):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert "Sitemap: https://your-name.example/sitemap.xml" in lines
    assert not [line for line in lines if "{SITEURL}" in line]


def test_sample_content_meets_the_brief():
    posts = sorted((SAMPLE_CONTENT / "posts").glob("*.md"))
    dates, uuids, published = [], [], 0
    for post in posts:
        head = post.read_text(encoding="utf-8").split("\n\n", 1)[0]
        fields = dict(line.split(": ", 1) for line in head.splitlines())
        for key in ("Title", "Date", "Category", "Tags", "Slug", "Summary", "Uuid"):
            assert fields.get(key), (post.name, key)
        uuids.append(fields["Uuid"])
        if fields.get("Status") == "draft":
            continue
        published += 1
        date = datetime.strptime(fields["Date"], "%Y-%m-%d %H:%M")
        assert date < datetime(2026, 11, 20), post.name
        dates.append(date)
    assert published == 5
    assert len(set(dates)) == len(dates)
    assert max(dates) == datetime(2026, 11, 19, 9, 0)
    assert len(set(uuids)) == len(uuids)


def test_dev_build_uses_relative_urls(tmp_path):
    out = build_site(tmp_path, settings_file="pelicanconf.py")
    doc = parse(out / "2026/interview-follow-up/index.html")
    css = doc.xpath("//link[@rel='stylesheet']/@href")[0]
    assert (
        not urlsplit(css).netloc
        and (out / "2026/interview-follow-up" / unquote(css)).resolve().is_file()
    )
    # Drafts are previewable in development only.
    assert (out / "drafts" / DRAFT_SLUG / "index.html").is_file()


def test_index_pagination(tmp_path):
    out = build_site(tmp_path, overrides={"DEFAULT_PAGINATION": 2})
    pages = [out / "index.html", out / "page/2/index.html", out / "page/3/index.html"]
    assert all(p.is_file() for p in pages)
    assert not (out / "page/4").exists()
    seen = []
    for number, path in enumerate(pages, start=1):
        doc = parse(path)
        expected = SITEURL + "/" if number == 1 else f"{SITEURL}/page/{number}/"
        assert canonical(doc) == expected
        nav = doc.xpath("//nav[@class='pagination']")[0]
        assert f"Page {number} of 3" in nav.text_content()
        older = nav.xpath(".//a[@rel='next']/@href")
        newer = nav.xpath(".//a[@rel='prev']/@href")
        assert older == ([f"{SITEURL}/page/{number + 1}/"] if number < 3 else [])
        if number > 1:
            assert url_to_file(out, newer[0]) == pages[number - 2]
            assert doc.findtext(".//title").startswith(f"Page {number} · ")
        else:
            assert newer == []
        seen += doc.xpath("//main//article[@class='card']/*[@class='card-title']/a/@href")
    # Every published post appears exactly once across the pages.
    assert len(seen) == len(set(seen)) == 5
