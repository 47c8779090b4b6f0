"""What leaves the site runs no script, even where no CSP protects it.

The hostile fixture (tests/data/hostile_site: the payloads of issue 11 in post
bodies and in a Summary) is built with publishconf; then the JSON feed's
content_html, the Atom <content> and <summary>, and the outbox and Mailchimp
HTML editions are each loaded into real headless Chromium with JavaScript on
and no Content-Security-Policy (`page.set_content` on a blank page). Every
payload sets `window.__pwned` and calls alert(); the page is hovered, focused
and clicked all over; no dialog may open and `__pwned` must stay unset. The
same harness run on the raw, unsanitized payloads does fire: the probe works.
"""

from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.conftest import DATA, build_site
from tests.kit.hostile_html import FIXTURE, PAYLOADS

ATOM = "{http://www.w3.org/2005/Atom}"

# Hover, focus and click every element; links that would leave the page are
# stopped (the page must stay to be inspected), javascript: ones are not.
PROVOKE = """async () => {
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href], area[href]');
    if (a && !/^\\s*javascript:/i.test(a.getAttribute('href'))) e.preventDefault();
  }, true);
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'animationstart']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (typeof el.focus === 'function') el.focus();
    if (typeof el.click === 'function') el.click();
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  return window.__pwned === undefined ? null : String(window.__pwned);
}"""


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile_browser")
    output = build_site(tmp, FIXTURE)
    return output, tmp / "build" / "editions"


@pytest.fixture
def run_in_chromium(browser):
    contexts = []

    def run(html: str) -> dict:
        context = browser.new_context(java_script_enabled=True)
        contexts.append(context)
        requests: list[str] = []

        def block(route):
            requests.append(route.request.url)
            route.abort()

        context.route("**/*", block)  # nothing loads from anywhere; onerror fires
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        document = (
            html
            if html.lstrip().lower().startswith("<!doctype")
            else (
                f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{html}</body></html>"
            )
        )
        page.set_content(document, wait_until="load")
        page.wait_for_timeout(200)
        pwned = page.evaluate(PROVOKE)
        page.wait_for_timeout(100)
        return {"dialogs": dialogs, "pwned": pwned, "url": page.url, "errors": errors}

    yield run
    for context in contexts:
        context.close()


def _assert_inert(result: dict, where: str) -> None:
    assert result["dialogs"] == [], (where, result)
    assert result["pwned"] is None, (where, result)
    assert not result["url"].lower().startswith("javascript:"), (where, result)


def test_the_probe_fires_on_the_raw_payloads(run_in_chromium):
    raw = (DATA / FIXTURE / "posts" / "payloads.md").read_text(encoding="utf-8")
    body = raw.partition("\n\n")[2]
    result = run_in_chromium(body)
    assert result["dialogs"] or result["pwned"], result


def test_json_feed_content_runs_nothing(hostile_build, run_in_chromium):
    output, _ = hostile_build
    items = json.loads((output / "feeds" / "all.json").read_text(encoding="utf-8"))["items"]
    assert len(items) == 5
    assert any(item["id"].endswith(PAYLOADS) for item in items)
    for item in items:
        _assert_inert(run_in_chromium(item["content_html"]), item["id"])


def test_atom_content_and_summaries_run_nothing(hostile_build, run_in_chromium):
    output, _ = hostile_build
    root = etree.parse(str(output / "feeds" / "all.atom.xml")).getroot()
    pieces = [
        (entry.findtext(ATOM + "id"), el.tag, el.text or "")
        for entry in root.iter(ATOM + "entry")
        for el in entry
        if el.tag in (ATOM + "content", ATOM + "summary")
    ]
    assert len(pieces) == 10
    for entry_id, tag, html in pieces:
        _assert_inert(run_in_chromium(html), (entry_id, tag))


@pytest.mark.parametrize("edition", ["outbox.html", "mailchimp.html"])
def test_email_editions_run_nothing(hostile_build, run_in_chromium, edition):
    _, editions = hostile_build
    files = sorted(editions.glob(f"*/{edition}"))
    assert len(files) == 5
    for path in files:
        _assert_inert(run_in_chromium(path.read_text(encoding="utf-8")), path.parent.name)
