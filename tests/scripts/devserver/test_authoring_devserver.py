"""`make devserver`: serves on 127.0.0.1, rebuilds on save, survives a content error."""

import json
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from lxml import html as lxml_html

from tests.conftest import DATA, ROOT, sample_settings
from tests.scripts.devserver import devserver_kit as kit


def fetch(url: str) -> tuple[int, str]:
    return kit.fetch(url, timeout=5)


def wait_for(predicate, what: str):
    return kit.wait_for(predicate, timeout=30.0, what=what)


def article_title(base: str) -> str:
    status, body = fetch(base + "2026/following-up/")
    assert status == 200
    return lxml_html.fromstring(body).findtext(".//h1").strip()


def test_devserver_rebuilds_on_save_and_keeps_last_good_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / "good_minimal", content)
    port = kit.free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "scripts.devserver", "--port", str(port),
            "-s", str(sample_settings(tmp_path)),
            "--content", str(content), "--output", str(tmp_path / "output"),
            "-e", "NEWSLETTER=" + json.dumps({"EDITIONS_PATH": str(tmp_path / "editions")}),
            "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: any("Serving http://localhost" in line for line in lines), what="the server")
        assert fetch(base)[0] == 200
        assert article_title(base) == "Following up after an interview"
        assert fetch(base + "no/such/page/")[0] == 404

        post = content / "posts" / "first-note.md"
        post.write_text(post.read_text().replace("Title: Following up after an interview", "Title: Saved again"))
        wait_for(lambda: article_title(base) == "Saved again", what="the rebuild")

        post.write_text(post.read_text().replace("Date: 2026-10-02 09:30", "Date: 2026-02-30 09:30"))
        wait_for(lambda: any("Still serving the last good build" in line for line in lines), what="the error")
        problem = [line for line in lines if "first-note.md: date '2026-02-30 09:30' is not a date" in line]
        assert len(problem) == 1, "".join(lines)
        assert not any("Traceback" in line for line in lines)
        assert article_title(base) == "Saved again"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError("the devserver did not stop on Ctrl-C; its output:\n" + "".join(lines)) from None
    assert code == 0, lines
    reader.join(timeout=5)
    assert any("Stopped." in line for line in lines)
    assert not any("Traceback" in line for line in lines), lines
    assert not [p for p in Path(tmp_path).iterdir() if p.suffix in (".tmp", ".old")]
