"""`make serve` (scripts/serve.py): the built site as it is, its 404 page, a busy port said."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from functools import partial
from http.server import ThreadingHTTPServer

import pytest

from scripts.serve import StaticHandler, main


def _site(tmp_path):
    out = tmp_path / "output"
    (out / "about").mkdir(parents=True)
    (out / "index.html").write_text("<h1>Home</h1>", encoding="utf-8")
    (out / "about" / "index.html").write_text("<h1>About</h1>", encoding="utf-8")
    (out / "404.html").write_text("<h1>Not here</h1>", encoding="utf-8")
    return out


def test_pages_and_the_sites_own_404(tmp_path):
    out = _site(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(StaticHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert urllib.request.urlopen(base + "/about/").read() == b"<h1>About</h1>"
        try:
            urllib.request.urlopen(base + "/nowhere/")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404 and exc.read() == b"<h1>Not here</h1>"
        else:
            raise AssertionError("a missing page answered 200")
    finally:
        server.shutdown()
        server.server_close()


def test_a_busy_port_is_one_line_with_the_fix(tmp_path, capsys):
    out = _site(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port), "--output", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"cannot listen on 127.0.0.1:{port}" in err and f"PORT={port + 1}" in err


def test_nothing_built_says_so(tmp_path, capsys):
    assert main(["--output", str(tmp_path / "nothing")]) == 1
    assert "run `make html` first" in capsys.readouterr().err


def test_a_port_out_of_range_is_refused_with_the_fix(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as info:
        main(["--port", "70000", "--output", str(_site(tmp_path))])
    assert info.value.code == 2 and "is not a port: use a number from 1 to 65535" in capsys.readouterr().err


def test_the_404_page_is_styled_and_its_links_work_at_any_depth(tmp_path):
    """A development build's 404 page uses relative URLs; served for /a/b/ in a real browser
    its stylesheet must load and its links must lead to the site's pages."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.conftest import build_site

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-setup` (it installs Debian's chromium)")
    out = build_site(tmp_path, "good_minimal", settings_file="pelicanconf.py")
    assert b"./theme/css/" in (out / "404.html").read_bytes()  # relative, as at the root
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(StaticHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    failed = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.on("response", lambda r: r.status >= 400 and r.url != base + "/nope/deeper/" and failed.append(r.url))
            response = page.goto(base + "/nope/deeper/")
            assert response.status == 404
            sheets = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
            links = page.evaluate("[...document.querySelectorAll('nav a[href]')].map(a => a.href)")
            skip = page.evaluate("document.querySelector('a.skip-link').href")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert sheets and all(href.startswith(base + "/theme/") and rules > 0 for href, rules in sheets), sheets
    internal = [link for link in links if not link.startswith(("mailto:", "https:"))]
    assert base + "/about/" in internal and all(link.startswith(base + "/") and "/nope/" not in link for link in internal), links
    assert skip == base + "/nope/deeper/#main"  # a link within the page stays within it
    assert failed == []


def test_the_404_rewrite_resolves_dots_keeps_fragments_and_reads_utf8(tmp_path):
    from scripts.serve import not_found_page

    page = '<!DOCTYPE html><html><head></head><body><a href="../x/">x</a><a href="#main">s</a>'
    page += '<img src="./i.png" alt=""><a href="https://e.x/a">e</a><p>Café</p></body></html>'
    (tmp_path / "404.html").write_bytes(page.encode("utf-8"))
    out = not_found_page(tmp_path).decode("utf-8")
    assert 'href="/x/"' in out and 'href="#main"' in out and 'src="/i.png"' in out
    assert 'href="https://e.x/a"' in out and "Café" in out
