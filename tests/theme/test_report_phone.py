"""The reach report's per-post figures at 375 px: one card per post, each
labelled figure on one line (not the 4–6 wrapped lines of a squeezed table)."""

from pathlib import Path

import pytest

from tests.scripts.stats.conftest import account, fake_mailchimp, project  # noqa: F401 - fixtures

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (make test-setup)")

MEASURE = """() => {
  const lineHeight = (el) => parseFloat(getComputedStyle(el).lineHeight) || 20;
  const rows = [...document.querySelectorAll('table.posts tbody tr, #other-posts tbody tr')];
  return rows.map((tr) => {
    const cells = [...tr.children].map((td) => ({
      cls: td.className, lines: Math.round(td.getBoundingClientRect().height / lineHeight(td)),
      right: td.getBoundingClientRect().right,
    }));
    return {table: tr.closest('table').id || tr.closest('table').className,
            display: getComputedStyle(tr).display, cells};
  });
}"""


def test_per_post_rows_are_cards_with_one_line_figures(project, account):  # noqa: F811
    from playwright.sync_api import sync_playwright

    # Two posts that did not go through Mailchimp: the report's second table.
    entries = account.record_entries()
    entries["0b5e1c3a-8d1e-4f7e-9a55-000000000001"] = {
        "status": "sent", "at": "2026-11-20T09:00:00+00:00", "backend": "outbox",
        "title": "A post written to the local outbox with a rather long title", "url": "https://example.com/a/",
    }
    entries["0b5e1c3a-8d1e-4f7e-9a55-000000000002"] = {
        "status": "sent", "at": "2026-01-01T00:00:00+00:00", "backend": "baseline", "title": "An archive post",
    }
    project.write_record(entries)
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 375, "height": 900})
            page.goto(project.report_path.as_uri(), wait_until="load")
            rows = page.evaluate(MEASURE)
        finally:
            browser.close()
    assert rows, "the report has no per-post rows"
    assert {r["table"] for r in rows} == {"posts", "other-posts"}
    for row in rows:
        assert row["display"] == "grid", row  # a card, not a table row
        for cell in row["cells"]:
            assert cell["right"] <= 375, row
            if "num" in cell["cls"].split() or "date" in cell["cls"].split():
                # "label ... value" on one line (padding may round up to 2).
                assert cell["lines"] <= 2, row
