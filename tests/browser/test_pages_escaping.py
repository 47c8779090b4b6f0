"""A title full of markup shows as text on its own page and in every listing,
and no script from it runs."""

import json

import pytest

from tests.browser.site_pages import HOSTILE_POST, HOSTILE_TITLE

SLUG = HOSTILE_POST[0]

# Script elements other than JSON-LD whose code mentions the planted alert.
PLANTED_SCRIPTS = """() => [...document.querySelectorAll('script')]
  .filter((s) => s.type !== 'application/ld+json' && s.textContent.includes('alert('))
  .length"""
# The title's <b>bold</b>, had it become an element.
PLANTED_BOLD = "() => [...document.querySelectorAll('b')].some((b) => b.textContent === 'bold')"


def _hostile_article(built_site) -> str:
    paths = [p for p in built_site.pages["article"] if p.endswith(f"/{SLUG}/")]
    assert len(paths) == 1, f"the post with a hostile title was not built: {built_site.pages}"
    return paths[0]


def test_hostile_title_is_text_on_the_article(web, built_site):
    page = web.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(built_site.url(_hostile_article(built_site)), wait_until="load")
    assert page.locator("h1").first.inner_text().strip() == HOSTILE_TITLE
    assert HOSTILE_TITLE in page.title()
    assert not page.evaluate(PLANTED_BOLD), "the title's <b> became markup"
    assert page.evaluate(PLANTED_SCRIPTS) == 0
    ld = page.evaluate(
        "() => [...document.querySelectorAll('script[type=\"application/ld+json\"]')]"
        ".map((s) => s.textContent)"
    )
    assert ld, "no JSON-LD on the article"
    assert any(json.loads(text).get("headline") == HOSTILE_TITLE for text in ld), ld
    og_title = page.locator('meta[property="og:title"]').get_attribute("content")
    assert og_title == HOSTILE_TITLE
    assert dialogs == []
    assert web.recorder.console_errors == []


@pytest.mark.parametrize("kind", ["index", "archives", "category", "tag"])
def test_hostile_title_is_text_in_listings(web, built_site, kind):
    page = web.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    article = _hostile_article(built_site)
    found = False
    for path in built_site.pages[kind]:
        page.goto(built_site.url(path), wait_until="load")
        links = page.locator(f'main a[href$="{article}"]')
        texts = [links.nth(i).inner_text().strip() for i in range(links.count())]
        if texts:
            found = True
            assert HOSTILE_TITLE in texts, texts
        assert page.evaluate(PLANTED_SCRIPTS) == 0, path
        assert not page.evaluate(PLANTED_BOLD), f"{path}: the title's <b> became markup"
    assert found, f"no {kind} page links to the post"
    assert dialogs == []
