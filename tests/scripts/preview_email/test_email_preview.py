"""`make preview-email` (scripts/preview_email.py), run as a user would."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from lxml import html

from tests.conftest import DATA, run_cli, sample_settings


def _run(tmp_path: Path, *extra: str):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return run_cli(
        "-m",
        "scripts.preview_email",
        "--settings",
        str(sample_settings(tmp_path / "project", "publishconf.py")),
        "--content",
        str(DATA / "email_site"),
        "--editions",
        str(tmp_path / "editions"),
        *extra,
        env=env,
    )


def test_preview_writes_the_newest_post_and_says_where(tmp_path):
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.search(r"^Email preview: file://(\S+)$", result.stdout, re.M)
    assert match, result.stdout
    path = Path(match.group(1))
    assert path.is_file() and path.parent == tmp_path / "preview-email"
    assert "Subject:       The newest post" in result.stdout
    assert "Preheader:     The newest post has no Uuid" in result.stdout
    doc = html.document_fromstring(path.read_bytes())
    assert doc.find(".//title").text_content() == "The newest post"
    manifest = json.loads((tmp_path / "editions" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posts"][0]["slug"] == "the-newest-post"


def test_preview_one_post_by_slug_or_uuid_reusing_a_fresh_manifest(tmp_path):
    first = _run(tmp_path, "--post", "hostile-title")
    assert first.returncode == 0, first.stderr
    assert 'Subject:       Tom & Jerry <c> say "hi" — 5 > 3 🎉' in first.stdout
    manifest = tmp_path / "editions" / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    second = _run(tmp_path, "--post", "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c03", "--edition", "mailchimp")
    assert second.returncode == 0, second.stderr
    assert manifest.stat().st_mtime_ns == stamp  # fresh: no rebuild
    assert "mode: excerpt" in second.stdout
    path = Path(re.search(r"file://(\S+)", second.stdout).group(1))
    assert path.name == "a-post-with-its-own-subject.mailchimp.html"
    assert "*|UNSUB|*" in path.read_text(encoding="utf-8")


def test_preview_unknown_post_names_the_choices(tmp_path):
    result = _run(tmp_path, "--post", "no-such-post")
    assert result.returncode == 1
    assert "no published post with slug or uuid 'no-such-post'" in result.stderr
    assert "the-newest-post" in result.stderr
    assert "Traceback" not in result.stderr


def test_switching_settings_file_rebuilds_with_that_sites_urls(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    common = ["--content", str(DATA / "email_site"), "--editions", str(tmp_path / "editions")]
    settings = str(sample_settings(tmp_path / "project", "pelicanconf.py"))
    dev = run_cli("-m", "scripts.preview_email", "--settings", settings, *common, env=env)
    assert dev.returncode == 0, dev.stderr
    manifest = tmp_path / "editions" / "manifest.json"
    assert json.loads(manifest.read_text("utf-8"))["generated_for"] == "pelicanconf"
    prod = _run(tmp_path)
    assert prod.returncode == 0, prod.stderr
    data = json.loads(manifest.read_text("utf-8"))
    assert data["generated_for"] == "publishconf"
    assert data["posts"][0]["url"].startswith("https://your-name.example/")


def test_a_future_dated_post_is_previewed_as_scheduled_not_as_a_draft(tmp_path):
    """No Status: draft line: only its date holds it back, and the note says when it goes."""
    result = _run(tmp_path, "--post", "a-post-from-the-future")
    assert result.returncode == 0, result.stderr
    (note,) = [line for line in result.stdout.splitlines() if line.startswith("Note:")]
    assert "dated 2099-01-01 09:00: not published or sent before then" in note
    assert "Status: draft" not in note


def test_a_draft_is_previewed_from_a_build_of_its_own(tmp_path):
    """The daily loop: `make newpost`, then `make preview-email POST=<the draft>` before
    publishing. Its edition never lands in the editions `make publish` reads."""
    result = _run(tmp_path, "--post", "a-draft")
    assert result.returncode == 0, result.stderr
    assert "Subject:       A draft" in result.stdout
    assert "a draft: not sent until its Status: draft line is deleted" in result.stdout
    assert "Done: Processed" not in result.stdout  # Pelican's own line is about the throwaway site
    path = Path(re.search(r"^Email preview: file://(\S+)$", result.stdout, re.M).group(1))
    assert path.parent == tmp_path / "preview-email"
    doc = html.document_fromstring(path.read_bytes())
    assert doc.find(".//title").text_content() == "A draft" and "Not yet." in doc.text_content()
    manifest = json.loads((tmp_path / "editions" / "manifest.json").read_text(encoding="utf-8"))
    assert "drafts" not in manifest
    assert "4d5e6f70-8192-4a3b-9c4d-5e6f7a8b9c05" not in {p["uuid"] for p in manifest["posts"]}
    assert not (tmp_path / "editions" / "4d5e6f70-8192-4a3b-9c4d-5e6f7a8b9c05").exists()
    by_uuid = _run(tmp_path, "--post", "4d5e6f70-8192-4a3b-9c4d-5e6f7a8b9c05")
    assert by_uuid.returncode == 0 and "Subject:       A draft" in by_uuid.stdout


def test_neither_a_post_nor_a_draft_says_so(tmp_path):
    result = _run(tmp_path, "--post", "nowhere-at-all")
    assert result.returncode == 1
    assert "no published post with slug or uuid 'nowhere-at-all'" in result.stderr
    assert "nor a draft" in result.stderr
