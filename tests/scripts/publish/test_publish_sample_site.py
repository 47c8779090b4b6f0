"""A fresh clone: the shipped send record + sample content → only the newest post goes out.

"Shipped" is tests/data/sample_site (the sample as the project ships it), never the
working copy, whose content and record the writer makes their own (`make init`).
"""

import json

import pytest

from tests.conftest import SAMPLE_CONTENT, SAMPLE_RECORD
from tests.kit.publish_project import clear_mailchimp_env, make_project


def shipped_record_text() -> str:
    return SAMPLE_RECORD.read_text(encoding="utf-8")


@pytest.fixture
def clone(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, content=str(SAMPLE_CONTENT))
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
