"""A fresh clone: the shipped send record + sample content → only the newest post goes out."""

import json
import shutil

import pytest

from tests.newsletter.publish_project import ROOT, clear_mailchimp_env, make_project


@pytest.fixture
def clone(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, content=str(ROOT / "content"))
    shutil.copy(ROOT / "send-record.json", project.record_path)
    return project


def test_fresh_clone_sends_only_the_newest_then_nothing(clone):
    shipped = json.loads((ROOT / "send-record.json").read_text(encoding="utf-8"))
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
