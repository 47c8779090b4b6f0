"""With a Mailchimp signup URL configured, the subscribe box is a real form: it
fits, passes axe and vnu, loads nothing from Mailchimp, and the CSP allows
posting to it (and nowhere else)."""

import pytest

from tests.browser.html_checker import describe, run_vnu
from tests.browser.site_pages import OVERFLOW_REPORT, SIGNUP_FORM, VIEWPORTS, WIDTHS

FORM_ORIGIN = "https://example.us21.list-manage.com"


@pytest.mark.parametrize("kind", ["index", "article"])
def test_signup_form_page_is_clean(form_web, form_site, run_axe, kind):
    page = form_web.new_page(width=WIDTHS[0])
    path = form_site.pages[kind][0]
    page.goto(form_site.url(path), wait_until="load")
    form = page.locator("form.subscribe-form")
    assert form.count() == 1, "no signup form although SUBSCRIBE['FORM_URL'] is set"
    assert form.get_attribute("action") == SIGNUP_FORM["FORM_URL"]
    assert page.locator(f'input[name="{SIGNUP_FORM["HONEYPOT_NAME"]}"]').count() == 1
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["form-action"] == ["'self'", FORM_ORIGIN], csp
    for width in WIDTHS:
        page.set_viewport_size(VIEWPORTS[width])
        metrics = page.evaluate(OVERFLOW_REPORT)
        assert metrics["scrollWidth"] <= metrics["clientWidth"], (width, metrics)
    assert form_web.recorder.external_requests == []
    assert form_web.recorder.console_errors == []

    axe_page = form_web.new_page(width=WIDTHS[0], bypass_csp=True)
    axe_page.goto(form_site.url(path), wait_until="load")
    failures = []
    for scheme in ("light", "dark"):
        axe_page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            axe_page.set_viewport_size(VIEWPORTS[width])
            failures += [f"{width}px {scheme}: {line}" for line in run_axe(axe_page)]
    assert failures == [], "axe violations:\n" + "\n".join(failures)


def test_signup_form_keyboard_skips_the_honeypot(form_web, form_site):
    page = form_web.new_page(width=375)
    page.goto(form_site.url(form_site.pages["article"][0]), wait_until="load")
    page.locator("#subscribe-email").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.type]")
    assert focused == ["BUTTON", "submit"], focused


def test_signup_form_pages_are_valid_html(form_site):
    files = [
        form_site.output / "index.html",
        *form_site.output.glob("[0-9][0-9][0-9][0-9]/*/index.html"),
    ]
    errors = run_vnu(files)
    assert errors == [], describe(errors, form_site.output)
