"""Keyboard use: the first Tab lands on a visible skip link that moves focus to
<main>, every focusable element shows a focus indicator, and the article's copy
link copies the post's URL (or, without JavaScript, is a plain link to it)."""

import pytest

from tests.browser.site_pages import WIDTHS

FOCUSED = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {tag: el.tagName, href: el.getAttribute('href'), text: el.textContent.trim(),
          top: box.top, left: box.left, right: box.right, bottom: box.bottom,
          width: box.width, height: box.height, opacity: style.opacity,
          visibility: style.visibility, clip: style.clipPath + ' ' + style.clip,
          outline: style.outlineStyle + ' ' + style.outlineWidth, shadow: style.boxShadow,
          innerWidth: window.innerWidth, innerHeight: window.innerHeight};
}"""

# A focus indicator: an outline or a box-shadow while focused.
HAS_FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
  return outline || style.boxShadow !== 'none';
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["index", "article", "page", "404"])
def test_first_tab_focuses_a_visible_skip_link(web, built_site, kind, width):
    path = built_site.pages[kind][0]
    page = web.new_page(width=width)
    page.goto(built_site.url(path), wait_until="load")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "A" and (focused["href"] or "").startswith("#"), focused
    assert "skip" in focused["text"].lower(), focused
    # Visible: a real box inside the viewport, not the 1px "visually hidden" clip.
    assert focused["width"] >= 20 and focused["height"] >= 10, focused
    assert focused["top"] >= 0 and focused["left"] >= 0, focused
    assert focused["right"] <= focused["innerWidth"], focused
    assert focused["bottom"] <= focused["innerHeight"], focused
    assert float(focused["opacity"]) > 0.9 and focused["visibility"] == "visible", focused
    assert page.evaluate(HAS_FOCUS_RING), f"skip link has no focus indicator: {focused}"
    target_id = focused["href"][1:]
    page.keyboard.press("Enter")
    active = page.evaluate(
        "(id) => { const t = document.getElementById(id); const a = document.activeElement;"
        " return {exists: !!t, isMain: !!t && (t.tagName === 'MAIN' || !!t.closest('main')),"
        " focusInside: !!t && (t === a || t.contains(a))}; }",
        target_id,
    )
    assert active == {"exists": True, "isMain": True, "focusInside": True}, active
    assert web.recorder.console_errors == []


@pytest.mark.parametrize("kind", ["index", "article"])
def test_every_focusable_element_shows_focus(web, built_site, kind):
    page = web.new_page(width=1280)
    page.goto(built_site.url(built_site.pages[kind][0]), wait_until="load")
    total = page.evaluate(
        "() => document.querySelectorAll('a[href], button, input:not([type=hidden]),"
        ' select, textarea, [tabindex]:not([tabindex="-1"])\').length'
    )
    assert total > 5
    without_ring = []
    seen = set()
    for _ in range(total + 5):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        key = (focused["tag"], focused["href"], focused["text"], focused["top"])
        if key in seen or focused["tag"] == "BODY":
            break
        seen.add(key)
        if not page.evaluate(HAS_FOCUS_RING):
            without_ring.append(f"{focused['tag']} {focused['href']} {focused['text'][:40]!r}")
    assert len(seen) >= 5, "Tab reached too few elements"
    assert without_ring == [], "focused elements without a visible focus indicator"


def _copy_link(page):
    # The server renders <a class="copy-link" data-copy-link>; site.js swaps in a <button>.
    link = page.locator(".copy-link")
    assert link.count() == 1, "the article has no copy-link control"
    return link


def test_copy_link_copies_the_post_url(web, built_site):
    path = built_site.pages["article"][0]
    page = web.new_page(width=375)
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=built_site.base_url
    )
    page.goto(built_site.url(path), wait_until="load")
    page.evaluate("() => navigator.clipboard.writeText('nothing yet')")
    link = _copy_link(page)
    assert link.evaluate("(el) => el.tagName") == "BUTTON", "site.js did not enhance the link"
    link.click()
    # site.js fills the live region once the copy has settled, either way.
    status = page.locator(".copy-status")
    assert status.count() == 1, "no live region announces the result"
    page.wait_for_function(
        "() => document.querySelector('.copy-status').textContent.trim() !== ''", timeout=5000
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == built_site.url(path)
    assert "copied" in status.inner_text().lower()
    assert page.url == built_site.url(path), "clicking copy-link navigated away"
    assert web.recorder.console_errors == []


def test_copy_link_without_javascript_is_a_link_to_the_post(web, built_site):
    path = built_site.pages["article"][0]
    page = web.new_page(width=375, java_script_enabled=False)
    page.goto(built_site.url(path), wait_until="load")
    link = _copy_link(page)
    assert link.evaluate("(el) => el.tagName") == "A"
    assert link.get_attribute("href") == built_site.url(path)
    link.click()
    page.wait_for_load_state("load")
    assert page.url == built_site.url(path)
