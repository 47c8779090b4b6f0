"""`make preview-email` in digest mode, run as a user would (a real process)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import html

from tests.conftest import run_cli
from tests.scripts.digest.digest_project import add_post, digest_project


def _preview(project, *extra: str):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return run_cli(
        "-m", "scripts.preview_email", "--settings", str(project.path / "publishconf.py"), *extra, env=env
    )


def test_preview_shows_the_next_digest_in_digest_mode(tmp_path):
    project = digest_project(tmp_path)
    for n in (1, 2):
        add_post(project, n, f"2026-11-2{n + 3} 10:00")
    add_post(project, 3, "2026-11-26 10:00", meta="Newsletter: no")
    result = _preview(project)  # no POST=: digest mode previews the digest
    assert result.returncode == 0, result.stderr
    path = Path(re.search(r"^Email preview: file://(\S+)$", result.stdout, re.M).group(1))
    assert path.name == "digest.outbox.html"
    doc = html.document_fromstring(path.read_bytes())
    assert [h.text_content() for h in doc.xpath("//h2")] == ["Digest post 2", "Digest post 1"]
    assert re.search(r"^Subject:       Alex Morgan: 2 new posts since ", result.stdout, re.M)
    assert "digest of 2 post(s)" in result.stdout
    # Nothing recorded, nothing sent.
    assert "kind" not in project.record_path.read_text() and not project.outbox.exists()
    by_name = _preview(project, "--post", "digest")
    assert by_name.returncode == 0 and "digest of 2 post(s)" in by_name.stdout


def test_preview_of_a_digest_with_nothing_new_says_so(tmp_path):
    project = digest_project(tmp_path)
    result = _preview(project, "--post", "digest")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "preview-email: no new post waits for a digest: every published post is sent or has 'Newsletter: no'."
    )
