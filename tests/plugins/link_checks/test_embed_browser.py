"""In Chromium: an embed from an allowed host loads in its iframe with no CSP
violation, while a host the setting does not name is refused (so the check can fail)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading

import pytest

from tests.browser.site_pages import CHROMIUM
from tests.conftest import DATA, build_site

CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextlib.contextmanager
def serve(directory):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_allowed_embed_loads_without_csp_violation(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-setup`")
    from playwright.sync_api import sync_playwright

    embeds = tmp_path / "embeds"
    embeds.mkdir()
    (embeds / "embed.html").write_text(
        "<!doctype html><title>Embedded</title><p id=hello>embedded player</p>", encoding="utf-8"
    )
    (tmp_path / "output").mkdir()
    content = tmp_path / "content"
    shutil.copytree(DATA / "links_site", content)
    with serve(embeds) as embed_origin, serve(embeds) as other_origin, serve(tmp_path / "output") as site:
        (content / "posts" / "local-embed.md").write_text(
            "Title: Local embed\nDate: 2026-03-04 09:00\nSlug: local-embed\nSummary: An iframe.\n"
            "Uuid: a1a1a1a1-0000-4000-8000-000000000004\n\n"
            f'<iframe src="{embed_origin}/embed.html" title="The local player"></iframe>\n',
            encoding="utf-8",
        )
        build_site(tmp_path, content, overrides={"SITEURL": site, "CSP": {"EMBED_HOSTS": [embed_origin]}})
        errors: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            try:
                context = browser.new_context()
                context.add_init_script(CSP_LISTENER)
                page = context.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"{site}/2026/local-embed/", wait_until="load")
                csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
                assert f"frame-src 'self' {embed_origin}" in csp
                iframe = page.locator(".prose iframe")
                assert iframe.count() == 1
                frame = iframe.element_handle().content_frame()
                assert frame.locator("#hello").inner_text() == "embedded player"
                assert [e for e in errors if "Content Security Policy" in e or "CSP violation" in e] == []

                # The control: a host the setting does not name is refused and reported.
                page.evaluate(
                    "(url) => { const f = document.createElement('iframe'); f.src = url;"
                    " document.body.append(f); }",
                    f"{other_origin}/embed.html",
                )
                page.wait_for_timeout(500)
                assert [e for e in errors if "frame-src" in e and other_origin in e], errors
            finally:
                browser.close()
