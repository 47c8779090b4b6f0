"""Every page type at 375 and 1280 px: no sideways scroll, no console errors,
no requests to other hosts, no Content-Security-Policy violations."""

import pytest

from tests.browser.site_pages import OVERFLOW_REPORT, PAGE_TYPES, WIDTHS

# Every URL the markup asks the browser to load (not plain links, canonical or
# feed alternates, nor the signup form's action): all must be on the site's host.
RESOURCE_URLS = """() => {
  const urls = [];
  const loading = 'link[rel~="stylesheet"], link[rel~="icon"], link[rel~="preload"],'
    + ' link[rel~="prefetch"], link[rel~="preconnect"], link[rel~="dns-prefetch"],'
    + ' link[rel~="modulepreload"], link[rel~="manifest"], link[rel~="apple-touch-icon"]';
  for (const el of document.querySelectorAll(loading)) urls.push(el.href);
  for (const el of document.querySelectorAll('script[src], img[src], iframe[src], embed[src],'
      + ' source[src], video[src], audio[src], track[src], input[type=image][src]')) urls.push(el.src);
  for (const el of document.querySelectorAll('video[poster]')) urls.push(el.poster);
  for (const el of document.querySelectorAll('object[data]')) urls.push(el.data);
  for (const el of document.querySelectorAll('img[srcset], source[srcset]'))
    for (const part of el.srcset.split(',')) urls.push(new URL(part.trim().split(/\\s+/)[0], document.baseURI).href);
  return urls.filter((u) => new URL(u).host !== location.host);
}"""


def test_every_page_type_was_built(built_site):
    missing = [kind for kind in PAGE_TYPES if not built_site.pages.get(kind)]
    assert not missing, f"no built page of type(s) {missing}; found {built_site.pages}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_fits_and_loads_cleanly(web, built_site, kind, width):
    paths = built_site.pages.get(kind)
    assert paths, f"no built page of type {kind!r}"
    page = web.new_page(width=width)
    overflowing = {}
    missing_csp = []
    offsite = {}
    for path in paths:
        response = page.goto(built_site.url(path), wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        metrics = page.evaluate(OVERFLOW_REPORT)
        if (
            metrics["scrollWidth"] > metrics["clientWidth"]
            or metrics["bodyScrollWidth"] > metrics["clientWidth"]
            or metrics["masked"]
        ):
            overflowing[path] = metrics
        if urls := page.evaluate(RESOURCE_URLS):
            offsite[path] = urls
        csp = page.locator('meta[http-equiv="Content-Security-Policy"]')
        if csp.count() != 1:
            missing_csp.append(path)
    assert not overflowing, f"horizontal overflow at {width}px: {overflowing}"
    assert not missing_csp, f"pages without a Content-Security-Policy meta tag: {missing_csp}"
    assert not offsite, f"markup loads resources from other hosts: {offsite}"
    assert web.recorder.external_requests == [], "requests to other hosts"
    assert web.recorder.console_errors == [], "console errors (CSP violations included)"


def test_recorder_catches_external_requests(web, built_site):
    """The check above can fail: an off-site image is recorded (and blocked).

    CSP is bypassed here, otherwise it would stop the request before the router.
    """
    page = web.new_page(bypass_csp=True)
    page.goto(built_site.url("/"), wait_until="load")
    page.evaluate(
        """() => new Promise((resolve) => {
          const img = document.createElement('img');
          img.onerror = img.onload = resolve;
          img.src = 'https://cdn.example.com/pixel.png';
          document.body.append(img);
        })"""
    )
    assert web.recorder.external_requests == ["https://cdn.example.com/pixel.png"]


def test_recorder_catches_csp_violations(web, built_site):
    """The check above can fail: an inline script is refused and reported."""
    page = web.new_page()
    page.goto(built_site.url("/"), wait_until="load")
    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.inlineRan = true';
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert any("CSP violation" in message for message in web.recorder.console_errors)
    assert page.evaluate("() => window.inlineRan === true") is False


def test_overflow_check_detects_a_wide_element(web, built_site):
    """The check above can fail: a 600px element at 375px is found and named."""
    page = web.new_page(width=375)
    page.goto(built_site.url("/"), wait_until="load")
    page.evaluate(
        "() => { const d = document.createElement('div'); d.className = 'too-wide';"
        " d.style.width = '600px'; d.textContent = 'x'; document.querySelector('main').append(d); }"
    )
    metrics = page.evaluate(OVERFLOW_REPORT)
    assert metrics["scrollWidth"] > metrics["clientWidth"] == 375
    assert any("div.too-wide" in culprit for culprit in metrics["culprits"])
