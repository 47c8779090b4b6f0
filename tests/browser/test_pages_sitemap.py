"""sitemap.xml (pelican-sitemap) lists every published article and page, and
no draft or future-dated post; drafts reach no built file at all."""

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from tests.browser.site_pages import HIDDEN_POSTS

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def read_sources(content: Path, base_url: str):
    """(published URLs, unpublished slugs) of the posts and pages, read from source."""
    from pelican.contents import Article, Page
    from pelican.readers import Readers

    from tests.conftest import read_project_settings

    settings = read_project_settings(
        "publishconf.py", override={"PATH": str(content), "SITEURL": base_url}
    )
    readers = Readers(settings)
    published, unpublished = set(), set()
    now = datetime.now(UTC)
    for folder, content_class in (("posts", Article), ("pages", Page)):
        for path in sorted((content / folder).rglob("*")):
            if path.suffix not in (".md", ".markdown", ".rst", ".html"):
                continue
            item = readers.read_file(
                base_path=str(content),
                path=str(path.relative_to(content)),
                content_class=content_class,
                context={},
            )
            date = getattr(item, "date", None)
            future = date is not None and date.tzinfo is not None and date > now
            if item.status == "published" and not future:
                published.add(f"{base_url}/{item.url}")
            elif item.status != "hidden":
                unpublished.add(item.slug)
    return published, unpublished


def sitemap_locs(output: Path) -> list[str]:
    tree = etree.parse(str(output / "sitemap.xml"))
    return [loc.strip() for loc in tree.xpath("//sm:url/sm:loc/text()", namespaces=SITEMAP_NS)]


def test_sitemap_lists_published_posts_and_pages_only(built_site):
    locs = sitemap_locs(built_site.output)
    assert len(locs) == len(set(locs)), "duplicate sitemap entries"
    published, unpublished = read_sources(built_site.content, built_site.base_url)
    # The sample has 4-6 posts and an About page, plus our draft and future post.
    assert len(published) >= 5, published
    assert set(HIDDEN_POSTS) <= unpublished
    missing = sorted(published - set(locs))
    assert not missing, f"published but not in sitemap.xml: {missing}"
    leaked = sorted(loc for loc in locs for slug in unpublished if f"/{slug}/" in loc)
    assert not leaked, f"draft or future posts in sitemap.xml: {leaked}"
    assert f"{built_site.base_url}/" in locs, "the home page is missing from sitemap.xml"


def test_every_sitemap_url_is_a_built_page(built_site):
    locs = sitemap_locs(built_site.output)
    dead = []
    for loc in locs:
        assert loc.startswith(built_site.base_url + "/"), f"{loc} is not under SITEURL"
        rel = loc[len(built_site.base_url) + 1 :]
        target = built_site.output / rel
        if not (target.is_file() or (target / "index.html").is_file()):
            dead.append(loc)
    assert not dead, f"sitemap.xml lists pages that were not built: {dead}"


def test_drafts_reach_no_built_file(built_site):
    _, unpublished = read_sources(built_site.content, built_site.base_url)
    # Our planted posts by slug and title; the sample's own drafts by URL segment.
    needles = set(HIDDEN_POSTS)
    needles |= {text.split("\n", 1)[0].removeprefix("Title: ") for text in HIDDEN_POSTS.values()}
    needles |= {f"/{slug}/" for slug in unpublished}
    leaks = []
    for path in built_site.output.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            rel = path.relative_to(built_site.output)
            leaks += [f"{rel}: {needle}" for needle in sorted(needles) if needle in text]
    assert not leaks, f"draft or future posts leaked into the built site: {leaks}"
