"""The W3C Nu HTML checker (vnu.jar) finds no errors in any built page."""

from tests.browser.html_checker import describe, run_vnu


def test_every_built_page_is_valid_html(built_site):
    files = sorted(built_site.output.rglob("*.html"))
    # The sample site has a dozen or more pages; a near-empty build is a failure.
    assert len(files) >= 10, files
    errors = run_vnu(files)
    assert errors == [], f"{len(errors)} HTML errors:\n" + describe(errors, built_site.output)


def test_vnu_reports_errors(tmp_path):
    """The check above can fail: a broken page gives errors with a line number."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html lang=en><title>x</title><p><div></p>", encoding="utf-8")
    errors = run_vnu([bad])
    assert errors and all("lastLine" in m for m in errors)
