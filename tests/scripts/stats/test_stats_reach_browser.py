"""The report with web and feed figures in headless Chromium: offline, no console errors,
axe 0, no overflow at 375 px; the docs' screenshots of it on request.

    STATS_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/scripts/stats/test_stats_reach_browser.py
"""

import pytest

from tests.scripts.stats.logs_testkit import known_logs
from tests.scripts.stats.stats_testkit import ROOT, CannedAccount, make_stats_project
from tests.scripts.stats.test_stats_browser import AXE_JS, CHROMIUM, SCREENSHOTS, visit

pytestmark = pytest.mark.skipif(not CHROMIUM or not __import__("pathlib").Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (make test-setup)")


@pytest.fixture
def reach_report(tmp_path, fake_mailchimp):
    project = make_stats_project(tmp_path, 30, stats='{"ACCESS_LOGS": ["logs/access.log*"]}')
    known_logs(project.path / "logs")
    account = CannedAccount(fake_mailchimp, project)
    project.write_record(account.record_entries())
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    return project.report_path


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reach_report_renders_offline_and_fits_a_phone(reach_report, browser, scheme):
    url = reach_report.as_uri()
    for width in (375, 1280):
        page, errors, requests = visit(browser, url, width, scheme)
        assert errors == []
        assert requests == [url], "the report loads nothing besides itself"
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{overflow}px wide at a {width}px viewport"
        assert page.locator("#reach-posts tbody tr").count() == 30
        for chart in ("chart-views", "chart-sources", "chart-feeds"):
            box = page.locator(f"svg#{chart}").bounding_box()
            assert box and box["width"] > 200 and box["x"] + box["width"] <= width
        page.close()


@pytest.fixture
def sample_report(tmp_path):
    """The shipped sample (no Mailchimp) with the provided sample logs: web and feeds only."""
    import io
    from datetime import UTC, datetime

    from scripts.stats import run
    from tests.conftest import make_sample_project

    project = make_sample_project(tmp_path / "site", record=True)
    target = tmp_path / "reach.html"
    code = run(root=project, settings_file="publishconf.py", output=str(target), env={},
               access_logs=[str(ROOT / "tests" / "data" / "access_logs" / "access.log*")],
               clock=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC), out=io.StringIO(), err=io.StringIO())
    assert code == 0
    return target


def test_sample_reach_report_in_chromium(sample_report, browser):
    url = sample_report.as_uri()
    for width in (375, 1280):
        page, errors, requests = visit(browser, url, width)
        assert errors == [] and requests == [url]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator("#reach-posts tbody tr").count() == 5
        if SCREENSHOTS:
            # The docs show the reach section: cards, method, charts, then the per-post table.
            target = ROOT / SCREENSHOTS
            target.mkdir(parents=True, exist_ok=True)
            top = page.evaluate("document.getElementById('reach').getBoundingClientRect().top + scrollY")
            height = 1500 if width > 600 else 3000
            page.screenshot(path=str(target / f"stats-reach-{width}.png"), full_page=True,
                            clip={"x": 0, "y": top - 10, "width": width, "height": height})
        page.close()


@pytest.mark.parametrize("which", ["reach_report", "sample_report"])
@pytest.mark.skipif(not AXE_JS.is_file(), reason="needs node_modules/axe-core (make test-setup)")
def test_reach_report_has_no_axe_violations(which, browser, request):
    reach_report = request.getfixturevalue(which)
    failures = []
    for scheme in ("light", "dark"):
        context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport={"width": 375, "height": 900})
        page = context.new_page()
        page.goto(reach_report.as_uri())
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
