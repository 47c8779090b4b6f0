"""Hostile header values in real Chromium, JavaScript on and the CSP bypassed
(issue 11 "Done when"): the theme alone (post_checks off, see
tests/kit/second_wall_site.py) must leave nothing that runs — no dialog, no
planted script element, no on* handler, no javascript: link — and the fuzz
corpus's built pages (tests/plugins/post_checks/test_fuzz_corpus.py) the same on a sample.
"""

from __future__ import annotations

import functools
import http.server
import json
import random
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import DATA, run_cli, sample_settings
from tests.kit.hostile_corpus import generate
from tests.kit.second_wall_site import build_hostile_site

PROBE = """() => ({
  planted: [...document.querySelectorAll('script')]
    .filter((s) => s.type !== 'application/ld+json' && !(s.src || '').endsWith('/theme/js/site.js')).length,
  handlers: [...document.querySelectorAll('*')]
    .filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
  jsLinks: [...document.querySelectorAll('[href],[src],[action]')]
    .filter((e) => ['href', 'src', 'action'].some((n) => (e.getAttribute(n) || '').replace(/[\\s\\x00-\\x20]/g, '').toLowerCase().startsWith('javascript:'))).length,
})"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@pytest.fixture(scope="module")
def port():
    # Bind once to learn a free port, then build for it (SITEURL must be known at build time).
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    number = server.server_address[1]
    server.server_close()
    return number


def _visit_all(browser, base_url: str, paths: list[str]) -> list[str]:
    context = browser.new_context(bypass_csp=True, java_script_enabled=True)
    problems = []
    try:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in paths:
            page.goto(base_url + path, wait_until="load")
            # Would fire an injected onmouseover/onfocus handler.
            page.evaluate(
                "() => document.querySelectorAll('*').forEach((e) => {"
                " e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
                " e.dispatchEvent(new FocusEvent('focus')); })"
            )
            found = page.evaluate(PROBE)
            if any(found.values()):
                problems.append(f"{path}: {found}")
        problems.extend(f"dialog: {message}" for message in dialogs)
    finally:
        context.close()
    return problems


def _url_paths(output: Path) -> list[str]:
    paths = []
    for file in sorted(output.rglob("*.html")):
        rel = file.relative_to(output).as_posix()
        paths.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return paths


def test_hostile_header_values_run_nothing_in_chromium(browser, tmp_path, port):
    base_url = f"http://127.0.0.1:{port}"
    output = build_hostile_site(tmp_path, base_url)
    server = _serve_on(output, port)
    try:
        paths = [quote(p, safe="/") for p in _url_paths(output)]
        assert len(paths) > 15
        assert _visit_all(browser, base_url, paths) == []
    finally:
        server.shutdown()
        server.server_close()


def test_fuzz_corpus_sample_runs_nothing_in_chromium(browser, tmp_path, port):
    base_url = f"http://127.0.0.1:{port}"
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    for relative, text in generate(7, 120, escape_dir=str(tmp_path / "escape")).items():
        (tmp_path / "content" / relative).write_bytes(text.encode("utf-8"))
    newsletter = {"EDITIONS_PATH": str(tmp_path / "build" / "editions")}
    args = [
        "-m", "scripts.build", "-s", str(sample_settings(tmp_path / "project", "publishconf.py")),
        "--content", str(tmp_path / "content"), "--output", str(tmp_path / "output"),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
        "-e", "SITEURL=" + json.dumps(base_url),
    ]  # fmt: skip
    first = run_cli(*args, timeout=600)
    assert first.returncode == 1
    for name in set(re.findall(r"posts/fuzz-\d{3}\.md", first.stderr)):
        (tmp_path / "content" / name).unlink()
    second = run_cli(*args, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    output = tmp_path / "output"
    paths = [quote(p, safe="/") for p in _url_paths(output)]
    sample = random.Random(7).sample(paths, min(25, len(paths)))
    server = _serve_on(output, port)
    try:
        assert _visit_all(browser, base_url, sorted(sample)) == []
    finally:
        server.shutdown()
        server.server_close()


def _serve_on(output: Path, port: int):
    handler = functools.partial(_Quiet, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
