"""The report in headless Chromium: no console errors, no requests, fits 375 px, screenshots."""

import os
from pathlib import Path

import pytest

from tests.scripts.stats.conftest import CHROMIUM
from tests.scripts.stats.stats_testkit import ROOT

# The README's screenshot is refreshed on request only, so tests never write into the repo:
#   STATS_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/scripts/stats/test_stats_browser.py
SCREENSHOTS = os.environ.get("STATS_SCREENSHOTS")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (make test-setup)")


def visit(browser, url, width, scheme="light"):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, requests


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_report_renders_offline_and_fits_a_phone(project, account, browser, tmp_path, scheme):
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    url = project.report_path.as_uri()
    for width in (375, 1280):
        page, errors, requests = visit(browser, url, width, scheme)
        assert errors == []
        assert requests == [url], "the report loads nothing besides itself"
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{overflow}px wide at a {width}px viewport"
        # Chart text stays legible: its font size times the chart's scale, on screen.
        smallest = page.evaluate(
            """Math.min(...[...document.querySelectorAll('svg.chart text')].map(t => {
                 const svg = t.ownerSVGElement;
                 const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                 return parseFloat(getComputedStyle(t).fontSize) * scale;
               }))"""
        )
        assert smallest >= 10, f"smallest chart text is {smallest:.1f}px at {width}px"
        # Every chart has an accessible name and a data-table fallback.
        assert page.evaluate(
            "[...document.querySelectorAll('svg.chart')].every(s => s.getAttribute('role') === 'img'"
            " && s.querySelector('title') && s.querySelector('desc'))"
        )
        shot = tmp_path / f"stats-{scheme}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        if SCREENSHOTS and scheme == "light":
            # The README shows the first screenful (summary and charts), not all 30 rows.
            target = ROOT / SCREENSHOTS
            target.mkdir(parents=True, exist_ok=True)
            page.set_viewport_size({"width": width, "height": 1600 if width > 600 else 2400})
            page.screenshot(path=str(target / f"stats-{width}.png"))
        page.close()


AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not AXE_JS.is_file(), reason="needs node_modules/axe-core (make test-setup)")
def test_report_has_no_axe_violations(project, account, browser):
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    failures = []
    for scheme in ("light", "dark"):
        # bypass_csp: the report's CSP rightly refuses the injected axe script.
        context = browser.new_context(bypass_csp=True, color_scheme=scheme,
                                      viewport={"width": 375, "height": 900})
        page = context.new_page()
        page.goto(project.report_path.as_uri())
        page.add_script_tag(path=str(AXE_JS))
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            found = page.evaluate(
                "async () => (await axe.run(document)).violations"
                ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
            )
            failures += [f"{scheme} {width}px {line}" for line in found]
        context.close()
    assert failures == []
