"""The theme side of feeds: autodiscovery links on every page, "Follow by RSS" in the box."""

from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from tests.plugins.site_feeds.feeds_testkit import SITE, build

ALL_TYPES = {
    "application/atom+xml": "feeds/all.atom.xml",
    "application/rss+xml": "feeds/all.rss.xml",
    "application/feed+json": "feeds/all.json",
}


@pytest.fixture(scope="module", params=["publishconf.py", "pelicanconf.py"])
def built(request, tmp_path_factory):
    out = build(tmp_path_factory.mktemp("theme"), settings_file=request.param)
    base = SITE + "/" if request.param == "publishconf.py" else "http://dev.invalid/"
    return out, base


def pages(out):
    return [p for p in sorted(out.rglob("*.html")) if "drafts" not in p.parts]


def page_url(out, base, path):
    rel = path.relative_to(out).as_posix()
    return base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def feed_links(out, base, path):
    doc = lxml.html.parse(str(path)).getroot()
    found = []
    for link in doc.xpath("//head/link[@rel='alternate'][@type]"):
        url = urljoin(page_url(out, base, path), link.get("href"))
        assert url.startswith(base), (path, url)
        found.append((link.get("type"), url[len(base) :], link.get("title")))
    return found


def test_every_page_links_the_all_posts_feeds_and_they_exist(built):
    out, base = built
    checked = 0
    for path in pages(out):
        links = feed_links(out, base, path)
        by_target = {target: kind for kind, target, _ in links}
        for kind, target in ALL_TYPES.items():
            assert by_target.get(target) == kind, (path, links)
        for _kind, target, title in links:
            assert (out / target).is_file(), (path, target)
            assert title
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize(
    ("page", "group_feeds"),
    [
        ("category/careers/index.html", "feeds/category/careers"),
        ("tag/networking/index.html", "feeds/tag/networking"),
    ],
)
def test_category_and_tag_pages_link_their_own_feeds(built, page, group_feeds):
    out, base = built
    links = feed_links(out, base, out / page)
    targets = {(kind, target) for kind, target, _ in links}
    assert ("application/atom+xml", group_feeds + ".atom.xml") in targets
    assert ("application/rss+xml", group_feeds + ".rss.xml") in targets
    assert all((out / target).is_file() for _, target in targets)


def test_a_tag_below_tag_min_posts_has_no_feed_and_no_link(built):
    # LinkedIn tags one post; SITE_FEEDS["TAG_MIN_POSTS"] defaults to 2.
    out, base = built
    targets = {target for _, target, _ in feed_links(out, base, out / "tag/linkedin/index.html")}
    assert not any(t.startswith("feeds/tag/") for t in targets)
    assert not list((out / "feeds" / "tag").glob("linkedin.*"))
    assert (out / "feeds" / "tag" / "networking.atom.xml").is_file()


def test_article_pages_link_only_the_all_posts_feeds(built):
    out, base = built
    links = feed_links(out, base, out / "2026/links-of-every-kind/index.html")
    assert {target for _, target, _ in links} == set(ALL_TYPES.values())


def test_subscribe_box_has_a_visible_follow_by_rss_link(built):
    out, base = built
    doc = lxml.html.parse(str(out / "index.html")).getroot()
    (follow,) = [a for a in doc.xpath("//a") if a.text_content().strip() == "Follow by RSS"]
    assert follow.xpath("ancestor::*[@id='subscribe']")
    url = urljoin(page_url(out, base, out / "index.html"), follow.get("href"))
    assert urlsplit(url).path.endswith("/feeds/all.rss.xml")
    assert (out / "feeds/all.rss.xml").is_file()


def test_switched_off_feeds_are_not_linked(tmp_path):
    out = build(tmp_path, SITE_FEEDS={"ALL_JSON": None, "TAG_ATOM": None, "TAG_RSS": None})
    links = feed_links(out, SITE + "/", out / "tag/networking/index.html")
    assert {target for _, target, _ in links} == {"feeds/all.atom.xml", "feeds/all.rss.xml"}
