"""The theme alone keeps hostile header values inert (issue 11 item 2).

plugins/post_checks rejects these values; here it is switched off, so the
build reaches the templates with them, and every page is parsed back: no
planted script, no on* attribute, no javascript: URL; the canonical URL never
takes an unsafe Original_url; Summary HTML on listings is sanitized.
"""

import json

import pytest
from lxml import html as lxml_html

from tests.kit.second_wall_site import build_hostile_site, executable_bits

SITEURL = "https://wall.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_hostile_site(tmp_path_factory.mktemp("second-wall"), SITEURL)


def pages(site):
    return sorted(site.rglob("*.html"))


def test_the_hostile_posts_were_built(site):
    built = {p.relative_to(site).as_posix() for p in pages(site)}
    assert '2026/x"><script>alert(1)</script>/index.html' in built
    assert '2026/y" onmouseover="alert(2)/index.html' in built
    # ARTICLE_LANG_SAVE_AS is {date:%Y}/{slug}-{lang}/index.html: the hostile Lang is in the path.
    assert '2026/lang-post-"><script>alert(3)</script>/index.html' in built


def test_no_page_holds_anything_executable(site):
    found = []
    for page in pages(site):
        doc = lxml_html.parse(str(page)).getroot()
        found.extend(executable_bits(doc, page.relative_to(site).as_posix(), SITEURL + "/theme/js/site.js"))
    assert found == [], found[:20]


@pytest.mark.parametrize("listing", ["index.html", "archives/index.html", "tag/escaping/index.html"])
def test_hostile_slugs_stay_inside_their_href(site, listing):
    doc = lxml_html.parse(str(site / listing)).getroot()
    hrefs = doc.xpath("//main//a/@href")
    assert SITEURL + '/2026/x"><script>alert(1)</script>/' in hrefs
    assert SITEURL + '/2026/y" onmouseover="alert(2)/' in hrefs
    assert doc.xpath("//*[@onmouseover]") == []


def test_translation_url_from_a_hostile_lang_is_one_attribute(site):
    doc = lxml_html.parse(str(site / "index.html")).getroot()
    lang_links = [h for h in doc.xpath("//main//a/@href") if "lang-post-" in h]
    assert lang_links == [SITEURL + '/2026/lang-post-"><script>alert(3)</script>/']


def test_unsafe_original_url_never_becomes_the_canonical(site):
    doc = lxml_html.parse(str(site / "2026/original-js/index.html")).getroot()
    own = SITEURL + "/2026/original-js/"
    assert doc.xpath("//link[@rel='canonical']/@href") == [own]
    assert doc.xpath("//meta[@property='og:url']/@content") == [own]
    (ld,) = [json.loads(s.text) for s in doc.xpath("//script[@type='application/ld+json']")]
    assert ld["mainEntityOfPage"]["@id"] == own
    assert doc.xpath("//p[@class='post-syndicated']/a/@href") == ["#"]


def test_summary_html_on_listings_goes_through_the_sanitizer(site):
    for listing in ("index.html", "tag/escaping/index.html"):
        doc = lxml_html.parse(str(site / listing)).getroot()
        card = [c for c in doc.xpath("//article[@class='card']") if "summary-html" in lxml_html.tostring(c, encoding="unicode")]
        (summary,) = card[0].xpath(".//div[@class='card-summary']")
        assert summary.xpath(".//img/@src") == ["x"]
        assert summary.xpath(".//*[@onerror]") == [] and summary.xpath(".//script") == []
        assert all(not h.startswith("javascript:") for h in summary.xpath(".//a/@href"))


def test_unsafe_settings_urls_become_hash(site):
    doc = lxml_html.parse(str(site / "index.html")).getroot()
    # Page 1 has one form, the hero's (class "subscribe-form hero-form").
    assert doc.xpath("//form[contains(concat(' ', @class, ' '), ' subscribe-form ')]/@action") == ["#"]
    assert doc.xpath("//input[@id='hero-hp']/@name") == ['"><script>alert(11)</script>']
    footer = doc.xpath("//nav[@class='footer-links']//a/@href")
    assert "#" in footer and not any(h.startswith("javascript:") for h in footer)


def test_unsafe_image_is_left_out_of_previews(site):
    doc = lxml_html.parse(str(site / "2026/image-js/index.html")).getroot()
    images = doc.xpath("//meta[@property='og:image']/@content")
    assert all(not i.startswith("javascript:") for i in images)
