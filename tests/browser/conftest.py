"""Fixtures for the browser, accessibility and HTML-validity tests.

One real production build of the sample site (plus a draft and a future-dated
post, which must stay out of it, and a post with markup in its title) is made once per session, served from
127.0.0.1 by a threaded http.server, and visited with Debian's chromium through
Playwright's bundled driver. Every request to another host is blocked and
recorded, so a test can assert that a page loads nothing from elsewhere.
"""

import contextlib
import functools
import http.server
import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from tests.browser.site_pages import (
    AXE_JS,
    CHROMIUM,
    HIDDEN_POSTS,
    HOSTILE_POST,
    ROOT,
    SIGNUP_FORM,
    VIEWPORTS,
)
from tests.conftest import SAMPLE_CONTENT, build_site

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A small page size so the sample posts spread over at least two index pages.
PAGINATION = 2

# Chromium logs most CSP refusals as console errors itself; this init script
# (which the page's CSP does not govern) reports every violation event too.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@dataclass
class BuiltSite:
    output: Path
    base_url: str
    content: Path
    # page type -> list of URL paths ("/2024/slug/") of that type
    pages: dict[str, list[str]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


def _canonical(path: Path) -> str | None:
    tree = lxml_html.parse(str(path))
    hrefs = tree.xpath("//head/link[@rel='canonical']/@href")
    return hrefs[0] if hrefs else None


def _url_path(output: Path, file: Path) -> str:
    rel = file.relative_to(output).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return "/" + rel


def classify_pages(output: Path, base_url: str) -> dict[str, list[str]]:
    """Sort every built HTML page into the theme's page types."""
    pages: dict[str, list[str]] = {
        "index": ["/"] if (output / "index.html").is_file() else [],
        "index-page-2": ["/page/2/"] if (output / "page/2/index.html").is_file() else [],
        "article": [],
        "syndicated-article": [],
        "page": [],
        "archives": ["/archives/"] if (output / "archives/index.html").is_file() else [],
        "categories": ["/categories/"] if (output / "categories/index.html").is_file() else [],
        "tags": ["/tags/"] if (output / "tags/index.html").is_file() else [],
        "category": [],
        "tag": [],
        "404": ["/404.html"] if (output / "404.html").is_file() else [],
    }
    pages["index"] += [
        _url_path(output, f)
        for f in sorted(output.glob("page/*/index.html"))
        if f.parent.name != "2"
    ]
    for file in sorted(output.glob("[0-9][0-9][0-9][0-9]/*/index.html")):
        canonical = _canonical(file) or ""
        kind = "article" if canonical.startswith(base_url) else "syndicated-article"
        pages[kind].append(_url_path(output, file))
    for kind in ("category", "tag"):
        files = [*output.glob(f"{kind}/*/index.html"), *output.glob(f"{kind}/*/page/*/index.html")]
        pages[kind] = [_url_path(output, f) for f in sorted(files)]
    known = {"page", "archives", "categories", "tags", "category", "tag", "drafts", "theme"}
    for file in sorted(output.glob("*/index.html")):
        name = file.parent.name
        if name not in known and not name.isdigit():
            pages["page"].append(_url_path(output, file))
    return pages


@contextlib.contextmanager
def _serve_build(tmp: Path, extra_posts: dict[str, str], overrides: dict):
    """Build the shipped sample's content (plus extra_posts) into tmp with publishconf and serve it."""
    output = tmp / "output"
    output.mkdir()
    # Bind first (port 0 = any free port) so the build knows its SITEURL.
    handler = functools.partial(_QuietHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"

    content = tmp / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    for slug, text in extra_posts.items():
        (content / "posts" / f"{slug}.md").write_text(text, encoding="utf-8")

    # pelican-sitemap keeps its state in a module global that a failed
    # build elsewhere in this process leaves behind; start it clean.
    from pelican.plugins.sitemap import sitemap

    sitemap.generator._main_pelican = None
    sitemap.generator.page_queue = []

    build_site(tmp, content=content, overrides={"SITEURL": base_url, **overrides})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield BuiltSite(
            output=output,
            base_url=base_url,
            content=content,
            pages=classify_pages(output, base_url),
        )
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """The sample site built with publishconf, served on a free local port."""
    extra = {**HIDDEN_POSTS, HOSTILE_POST[0]: HOSTILE_POST[1]}
    overrides = {"DEFAULT_PAGINATION": PAGINATION}
    with _serve_build(tmp_path_factory.mktemp("browser-site"), extra, overrides) as site:
        yield site


@pytest.fixture(scope="session")
def form_site(tmp_path_factory) -> BuiltSite:
    """The sample site with a Mailchimp signup form configured (SUBSCRIBE)."""
    overrides = {"SUBSCRIBE": SIGNUP_FORM}
    with _serve_build(tmp_path_factory.mktemp("browser-form-site"), {}, overrides) as site:
        yield site


# Module scope, not session: Playwright's sync API allows one running instance
# per thread, so ours must stop before other folders' browser tests start theirs.
# One launch per test module costs about a second.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-setup` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageRecorder:
    """What a page did that it should not: console errors and off-site requests."""

    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


class BrowserSession:
    """Opens contexts on the built site; every context blocks other hosts."""

    def __init__(self, browser, site: BuiltSite):
        self.browser = browser
        self.site = site
        self.recorder = PageRecorder()
        self._contexts = []
        self._own_host = urlsplit(site.base_url).netloc

    def new_page(self, width: int = 1280, color_scheme: str = "light", **context_args):
        viewport = VIEWPORTS.get(width, {"width": width, "height": 800})
        context = self.browser.new_context(
            viewport=viewport, color_scheme=color_scheme, **context_args
        )
        self._contexts.append(context)
        context.route("**/*", self._route)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on(
            "pageerror", lambda error: self.recorder.console_errors.append(f"pageerror: {error}")
        )
        return page

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self._own_host:
            self.recorder.external_requests.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _on_console(self, message):
        if message.type == "error":
            location = message.location or {}
            self.recorder.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def close(self):
        for context in self._contexts:
            context.close()
        self._contexts = []


@pytest.fixture
def web(browser, built_site) -> BrowserSession:
    """Fresh contexts and a fresh recorder for one test; closed afterwards."""
    browser_session = BrowserSession(browser, built_site)
    yield browser_session
    browser_session.close()


@pytest.fixture
def form_web(browser, form_site) -> BrowserSession:
    """Like `web`, on the build with a signup form."""
    browser_session = BrowserSession(browser, form_site)
    yield browser_session
    browser_session.close()


def _describe_axe(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        where = "; ".join(
            " ".join(str(part) for part in node["target"])
            + ": "
            + node["failureSummary"].replace("\n", " ")
            for node in nodes[:5]
        )
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(nodes)} nodes): "
            f"{violation['help']} -- {where}"
        )
    return lines


def _run_axe(page) -> list[str]:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} is missing: run `make test-setup`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    return _describe_axe(json.loads(result)["violations"])


@pytest.fixture(scope="session")
def run_axe():
    """run_axe(page) -> one line per axe-core violation on the loaded page (all default rules).

    The page's context needs bypass_csp=True: the CSP forbids the injected script.
    """
    return _run_axe
