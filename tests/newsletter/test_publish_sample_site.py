"""A fresh clone: the shipped send record + sample content → only the newest post goes out."""

import json
import subprocess

import pytest

from tests.newsletter.publish_project import ROOT, clear_mailchimp_env, make_project


def shipped_record_text() -> str:
    """The send record as committed: a `make publish` in this checkout changes
    the working copy, and this test is about what a fresh clone gets."""
    committed = subprocess.run(
        ["git", "show", "HEAD:send-record.json"], cwd=ROOT, capture_output=True, text=True
    )
    if committed.returncode == 0:
        return committed.stdout
    return (ROOT / "send-record.json").read_text(encoding="utf-8")  # not a git checkout


@pytest.fixture
def clone(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, content=str(ROOT / "content"))
    project.record_path.write_text(shipped_record_text(), encoding="utf-8")
    return project


def test_fresh_clone_sends_only_the_newest_then_nothing(clone):
    shipped = json.loads(shipped_record_text())
    assert {e["backend"] for e in shipped["posts"].values()} == {"baseline"}

    result = clone.publish()
    assert result.code == 0, result.text
    manifest = json.loads((clone.path / "build" / "editions" / "manifest.json").read_text())
    newsletter_posts = [p for p in manifest["posts"] if p["newsletter"]]
    newest = max(newsletter_posts, key=lambda p: p["date"])
    # The record ships listing every sample post but the newest.
    assert set(shipped["posts"]) == {p["uuid"] for p in newsletter_posts} - {newest["uuid"]}
    assert [m["X-Connected-Post"] for m in clone.messages()] == [newest["uuid"]]
    assert "Nothing was emailed" in result.out and "git add send-record.json" in result.out

    again = clone.publish()
    assert again.code == 0 and "No new posts" in again.out
    assert len(clone.eml_files()) == 1
