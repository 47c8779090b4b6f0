"""`make devserver`: a warm worker rebuilds on save, the browser reloads by itself
over server-sent events, a build error shows as an overlay while the last good
page keeps being served, and no reload script ever reaches output/ or a
production build.

Every test starts the real devserver (a subprocess) on a free port against a
fixture site copied into tmp_path, and talks to it over HTTP or with Chromium.
"""

from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import DATA, ROOT, run_cli
from tests.scripts.devserver.devserver_kit import fetch, free_port, wait_for

POST_URL = "2026/following-up/"
OLD_TITLE = "Title: Following up after an interview"
RELOAD_SRC = "/__connected/reload.js"


class DevServer:
    def __init__(self, tmp_path: Path, settings: str = "pelicanconf.py"):
        self.content = tmp_path / "content"
        if not self.content.exists():
            shutil.copytree(DATA / "good_minimal", self.content)
        self.output = tmp_path / "output"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        newsletter = {
            "EDITIONS_PATH": str(tmp_path / "editions"),
            "RECORD_PATH": str(tmp_path / "send-record.json"),
            "OUTBOX_PATH": str(tmp_path / "outbox"),
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "scripts.devserver", "--port", str(self.port), "-s", settings,
                "--content", str(self.content), "--output", str(self.output),
                "-e", "NEWSLETTER=" + json.dumps(newsletter),
                "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
            ],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: any("Serving http://" in line for line in self.lines), what="the server")

    def _read(self):
        for line in iter(self.process.stdout.readline, ""):
            self.lines.append(line)

    @property
    def post(self) -> Path:
        return self.content / "posts" / "first-note.md"

    def set_title(self, title: str) -> None:
        text = self.post.read_text(encoding="utf-8")
        first, rest = text.split("\n", 1)
        assert first.startswith("Title: ")
        self.post.write_text(f"Title: {title}\n{rest}", encoding="utf-8")

    def title(self) -> str:
        status, body = fetch(self.base + POST_URL)
        assert status == 200
        return lxml_html.fromstring(body).findtext(".//h1").strip()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the devserver did not stop on Ctrl-C; its output:\n" + "".join(self.lines)) from None


@pytest.fixture
def devserver(tmp_path):
    server = DevServer(tmp_path)
    yield server
    code = server.stop()
    assert code == 0, "".join(server.lines)
    assert not any("Traceback" in line for line in server.lines), "".join(server.lines)


class EventStream:
    """Reads /__connected/events in a thread; each `state` event goes to a queue."""

    def __init__(self, base: str):
        self.events: queue.Queue = queue.Queue()
        self.response = urllib.request.urlopen(base + "__connected/events", timeout=60)
        assert self.response.headers["Content-Type"] == "text/event-stream"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        kind = None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "state":
                    self.events.put(json.loads(line[6:]))
        except (OSError, ValueError):
            pass

    def next(self, timeout: float = 60.0) -> dict:
        return self.events.get(timeout=timeout)

    def close(self):
        self.response.close()


def test_an_edit_is_served_and_announced_on_the_event_stream(devserver):
    assert devserver.title() == "Following up after an interview"
    status, body = fetch(devserver.base + POST_URL)
    page = lxml_html.fromstring(body)
    # The served page carries the reload script; the file in output/ does not.
    assert page.xpath(f"//script[@src='{RELOAD_SRC}']")
    on_disk = (devserver.output / POST_URL / "index.html").read_text(encoding="utf-8")
    assert RELOAD_SRC not in on_disk
    status, script = fetch(devserver.base + RELOAD_SRC.lstrip("/"))
    assert status == 200 and "EventSource" in script
    # The 404 page reloads too.
    status, missing = fetch(devserver.base + "no/such/page/")
    assert status == 404 and RELOAD_SRC in missing

    stream = EventStream(devserver.base)
    first = stream.next()
    assert first["problems"] == []
    devserver.set_title("Saved again")
    event = stream.next()
    assert event["build"] == first["build"] + 1 and event["problems"] == []
    assert devserver.title() == "Saved again"
    stream.close()


def test_a_body_edit_is_previewed_and_the_build_gives_the_same_page(devserver):
    stream = EventStream(devserver.base)
    first = stream.next()
    built = devserver.output / POST_URL / "index.html"
    devserver.post.write_text(devserver.post.read_text(encoding="utf-8") + "\nA previewed sentence.\n", encoding="utf-8")
    preview = stream.next()
    assert preview["build"] == first["build"] + 1
    status, body = fetch(devserver.base + POST_URL)
    assert status == 200 and "A previewed sentence." in body
    wait_for(lambda: any("Preview of 2026/following-up/index.html" in line for line in devserver.lines), what="the preview")
    wait_for(lambda: "A previewed sentence." in built.read_text(encoding="utf-8"), what="the full build")
    wait_for(lambda: any("Built " in line for line in devserver.lines[-3:]), what="the build's summary")
    # The preview was the page the build made, byte for byte: no second reload.
    assert not any("differs from its preview" in line for line in devserver.lines)
    assert fetch(devserver.base + POST_URL)[1] == body
    served = lxml_html.fromstring(body)
    on_disk = lxml_html.fromstring(built.read_bytes())
    for script in served.xpath(f"//script[@src='{RELOAD_SRC}']"):
        script.drop_tree()
    assert lxml_html.tostring(served) == lxml_html.tostring(on_disk)
    time.sleep(0.5)
    later = [stream.events.get_nowait() for _ in range(stream.events.qsize())]
    assert all(event["build"] == preview["build"] for event in later), later
    stream.close()


def test_a_broken_post_is_reported_and_the_last_good_page_kept(devserver):
    stream = EventStream(devserver.base)
    good = stream.next()
    devserver.post.write_text(
        devserver.post.read_text(encoding="utf-8").replace("Date: 2026-10-02 09:30", "Date: 2026-02-30 09:30"),
        encoding="utf-8",
    )
    event = stream.next()
    assert event["build"] == good["build"]  # no reload: nothing new to show
    assert len(event["problems"]) == 1
    assert "first-note.md: date '2026-02-30 09:30' is not a date" in event["problems"][0]
    assert devserver.title() == "Following up after an interview"
    wait_for(lambda: any("Still serving the last good build" in line for line in devserver.lines))
    # A fix clears the error and reloads.
    devserver.post.write_text(
        devserver.post.read_text(encoding="utf-8").replace("Date: 2026-02-30 09:30", "Date: 2026-10-02 09:30"),
        encoding="utf-8",
    )
    fixed = stream.next()
    if fixed["problems"]:  # the fixed post was previewed before its build cleared the error
        fixed = stream.next()
    assert fixed["problems"] == [] and fixed["build"] == good["build"] + 1
    stream.close()


def test_a_settings_edit_takes_effect(tmp_path):
    settings = tmp_path / "site_settings.py"
    settings.write_text(
        "from connected.site_settings import settings_in\n"
        f"globals().update(settings_in({str(ROOT / 'pelicanconf.py')!r}))\n"
        f"PATH = {str(ROOT / 'content')!r}\nTHEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\nSITENAME = 'First name'\n",
        encoding="utf-8",
    )
    server = DevServer(tmp_path, settings=str(settings))
    try:
        def sitename() -> str:
            return fetch(server.base)[1]

        assert "First name" in sitename()
        settings.write_text(settings.read_text(encoding="utf-8").replace("First name", "Second name"), encoding="utf-8")
        wait_for(lambda: "Second name" in sitename(), what="the settings edit")
        assert any("fresh worker" in line for line in server.lines)
    finally:
        assert server.stop() == 0


def test_production_output_has_no_reload_script(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    newsletter = {"EDITIONS_PATH": str(tmp_path / "editions"), "RECORD_PATH": str(tmp_path / "record.json")}
    result = run_cli(
        "-m", "scripts.build", "-s", "publishconf.py",
        "--content", str(tmp_path / "content"), "--output", str(tmp_path / "output"),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = [p for p in (tmp_path / "output").rglob("*") if p.is_file()]
    assert len(files) > 10
    assert not [p for p in files if b"__connected" in p.read_bytes()]


# --- in Chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.browser.site_pages import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test-setup)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_page_reloads_by_itself_and_shows_a_build_error(devserver, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(devserver.base + POST_URL)
    assert page.inner_text("h1").strip() == "Following up after an interview"
    page.wait_for_function("() => typeof EventSource !== 'undefined'")
    page.evaluate("window.__notReloaded = true")
    time.sleep(0.3)  # let the event stream connect

    devserver.set_title("Reloaded by itself")
    page.wait_for_function(
        "() => document.querySelector('h1') && document.querySelector('h1').textContent.includes('Reloaded by itself')",
        timeout=60_000,
    )
    assert page.evaluate("window.__notReloaded === undefined")  # a real reload, not a patch

    devserver.post.write_text(
        devserver.post.read_text(encoding="utf-8").replace("Date: 2026-10-02 09:30", "Date: 2026-02-30 09:30"),
        encoding="utf-8",
    )
    overlay = page.wait_for_selector("#connected-build-error", timeout=60_000)
    text = overlay.inner_text()
    assert "first-note.md: date '2026-02-30 09:30' is not a date" in text
    assert page.inner_text("h1").strip() == "Reloaded by itself"  # the last good page
    # A reload while the error stands still shows it.
    page.reload()
    page.wait_for_selector("#connected-build-error", timeout=30_000)
    assert not [e for e in errors if "Content Security Policy" in e or "CSP" in e], errors
    page.close()
