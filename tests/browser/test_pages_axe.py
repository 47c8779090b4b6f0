"""axe-core finds no accessibility violations on any page type, at both widths,
in both the light and the dark colour scheme (contrast differs between them)."""

import pytest

from tests.browser.site_pages import PAGE_TYPES, VIEWPORTS, WIDTHS

SCHEMES = ["light", "dark"]
ALL_PAGES_OF = {"index", "index-page-2", "article", "syndicated-article", "page"}


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_axe_reports_no_violations(web, built_site, run_axe, kind):
    paths = built_site.pages.get(kind)
    assert paths, f"no built page of type {kind!r}"
    # bypass_csp: the page's CSP rightly refuses the injected axe script.
    # Pages with writers' content differ from one another; listings share one layout.
    if kind not in ALL_PAGES_OF:
        paths = paths[:1]
    page = web.new_page(width=WIDTHS[0], bypass_csp=True)
    failures = []
    for path in paths:
        page.goto(built_site.url(path), wait_until="load")
        # One load per page; width and scheme change in place (axe re-runs on
        # the re-laid-out page), which keeps 4 runs per page affordable.
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            dark = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
            assert dark is (scheme == "dark")
            for width in WIDTHS:
                page.set_viewport_size(VIEWPORTS[width])
                assert page.evaluate("() => window.innerWidth") == width
                failures += [f"{path} {width}px {scheme}: {line}" for line in run_axe(page)]
        page.set_viewport_size(VIEWPORTS[WIDTHS[0]])
    assert failures == [], "axe violations:\n" + "\n".join(failures)


def test_axe_finds_a_planted_violation(web, built_site, run_axe):
    """The check above can fail: an image without alt text is reported."""
    page = web.new_page(bypass_csp=True)
    page.goto(built_site.url("/"), wait_until="load")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/missing.png';"
        " document.querySelector('main').append(img); }"
    )
    violations = run_axe(page)
    assert any(line.startswith("image-alt") for line in violations), violations
