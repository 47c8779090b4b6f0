"""The new pages and pieces in Chromium: photo and monogram render, nothing
overflows at 375 px, axe 0 and vnu 0 on home, article, About, /subscribe/ and
/subscribe/thanks/, with and without the photo and the signup form."""

import pytest
from lxml import html as lxml_html

from tests.browser.conftest import BrowserSession, _run_axe
from tests.browser.html_checker import describe, run_vnu
from tests.browser.site_pages import OVERFLOW_REPORT, VIEWPORTS, WIDTHS

NEW_PAGES = ["/", "/about/", "/subscribe/", "/subscribe/thanks/"]


def _article_path(site) -> str:
    file = sorted(site.output.glob("[0-9][0-9][0-9][0-9]/*/index.html"))[0]
    return "/" + file.parent.relative_to(site.output).as_posix() + "/"


def _pages(site) -> list[str]:
    return NEW_PAGES + [_article_path(site)]


@pytest.fixture(params=["face_site", "plain_site"])
def site(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def web(browser, site):
    session = BrowserSession(browser, site)
    yield session
    session.close()


def test_no_horizontal_overflow_and_no_console_errors(web, site):
    page = web.new_page(width=375)
    problems = []
    for path in _pages(site):
        for width in WIDTHS:
            page.set_viewport_size(VIEWPORTS[width])
            page.goto(site.url(path), wait_until="load")
            report = page.evaluate(OVERFLOW_REPORT)
            if report["scrollWidth"] > report["clientWidth"] or report["masked"]:
                problems.append(f"{path} at {width}px: {report}")
    assert problems == []
    assert web.recorder.console_errors == []  # no CSP refusals (no inline styles)
    assert web.recorder.external_requests == []


def test_photo_or_monogram_renders(web, site):
    page = web.new_page(width=375)
    has_photo = (site.output / "images" / "profile").is_dir()
    for path, selector, size in [
        ("/", ".intro .avatar", 64),  # 96 px on wide screens, 64 px on a phone
        (_article_path(site), ".byline .avatar", 48),
        ("/about/", ".about-header .avatar", 96),
    ]:
        page.goto(site.url(path), wait_until="load")
        box = page.locator(selector).bounding_box()
        assert box and round(box["width"]) == round(box["height"]) == size, (path, box)
        if has_photo:
            loaded = page.evaluate(
                f"() => {{ const i = document.querySelector('{selector} img');"
                " return [i.complete, i.naturalWidth, i.currentSrc]; }"
            )
            assert loaded[0] and loaded[1] >= size and loaded[2].endswith(".webp"), loaded
        else:
            text = page.locator(selector).inner_text()
            colours = page.evaluate(
                f"() => {{ const s = getComputedStyle(document.querySelector('{selector}'));"
                " return [s.backgroundColor, s.color, s.borderTopLeftRadius]; }"
            )
            assert text == "AM" and colours[0] != colours[1] and colours[2] == "50%", colours


def test_axe_finds_nothing_on_the_new_pages(web, site):
    page = web.new_page(width=375, bypass_csp=True)
    failures = []
    for path in _pages(site):
        page.goto(site.url(path), wait_until="load")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for width in WIDTHS:
                page.set_viewport_size(VIEWPORTS[width])
                failures += [f"{path} {width}px {scheme}: {line}" for line in _run_axe(page)]
    assert failures == [], "\n".join(failures)


def test_vnu_finds_nothing_on_the_new_pages(site):
    files = []
    for path in _pages(site):
        files.append(site.output / path.lstrip("/") / "index.html")
    errors = run_vnu(files)
    assert errors == [], describe(errors, site.output)


def test_subscribe_pages(face_site, plain_site):
    with_form = lxml_html.parse(str(face_site.output / "subscribe" / "index.html")).getroot()
    (form,) = with_form.xpath("//form[contains(@class, 'subscribe-form')]")
    assert form.get("action").startswith("https://example.us21.list-manage.com/")
    assert with_form.xpath("//a[@type='application/rss+xml']")  # the feeds too
    assert len(with_form.xpath("//section[@class='subscribe-recent']//article")) == 3
    home = lxml_html.parse(str(face_site.output / "index.html")).getroot()
    (hero,) = home.xpath("//section[@class='intro']//section[@id='subscribe']//form")
    assert hero.xpath(".//input[@id='hero-email']")
    assert "about once a month" in hero.getparent().text_content()
    assert len(home.xpath("//form")) == 1  # the hero's form replaces the box at the bottom
    without = lxml_html.parse(str(plain_site.output / "subscribe" / "index.html")).getroot()
    assert not without.xpath("//form")
    assert without.xpath("//a[@type='application/rss+xml']")
    assert without.xpath("//a[starts-with(@href, 'mailto:')]")
    thanks = lxml_html.parse(str(plain_site.output / "subscribe" / "thanks" / "index.html")).getroot()
    assert "check your inbox" in thanks.xpath("//h1")[0].text_content()
    assert thanks.xpath("//meta[@name='robots']/@content") == ["noindex"]


def test_topics_is_marked_on_tag_and_category_pages(plain_site):
    for rel in ["tags/index.html", *[p.relative_to(plain_site.output).as_posix() for p in plain_site.output.glob("tag/*/index.html")][:1], *[p.relative_to(plain_site.output).as_posix() for p in plain_site.output.glob("category/*/index.html")][:1]]:
        doc = lxml_html.parse(str(plain_site.output / rel)).getroot()
        (topics,) = [a for a in doc.xpath("//nav[@class='site-nav']//a") if a.text_content() == "Topics"]
        assert topics.get("aria-current") in ("page", "true"), rel
    index = lxml_html.parse(str(plain_site.output / "index.html")).getroot()
    (topics,) = [a for a in index.xpath("//nav[@class='site-nav']//a") if a.text_content() == "Topics"]
    assert topics.get("aria-current") is None
