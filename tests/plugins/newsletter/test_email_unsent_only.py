"""Editions are rendered only for posts the send record lacks (NEWSLETTER["EDITIONS"])."""

import json

import pytest

from tests.conftest import build_site


def _manifest(tmp_path):
    return json.loads((tmp_path / "build" / "editions" / "manifest.json").read_text("utf-8"))


def _first_build(tmp_path):
    build_site(tmp_path, "email_site")
    return _manifest(tmp_path)["posts"]


def test_recorded_posts_are_listed_but_not_rendered(tmp_path):
    posts = _first_build(tmp_path)
    assert len(posts) >= 2 and all(p["files"] for p in posts)
    recorded, pending = posts[1], posts[0]
    (tmp_path / "send-record.json").write_text(
        json.dumps({"version": 1, "posts": {recorded["uuid"]: {"status": "sent",
                    "at": "2026-01-01T00:00:00+00:00", "backend": "baseline"}}}),
        encoding="utf-8",
    )
    build_site(tmp_path, "email_site")
    by_uuid = {p["uuid"]: p for p in _manifest(tmp_path)["posts"]}
    assert set(by_uuid) == {p["uuid"] for p in posts}
    assert by_uuid[recorded["uuid"]]["files"] is None
    assert by_uuid[recorded["uuid"]]["title"] == recorded["title"]
    assert not (tmp_path / "build" / "editions" / recorded["uuid"]).exists()
    assert by_uuid[pending["uuid"]]["files"]["outbox_html"] == f"{pending['uuid']}/outbox.html"
    assert (tmp_path / "build" / "editions" / pending["uuid"] / "outbox.html").is_file()


def test_editions_all_renders_recorded_posts_too(tmp_path):
    posts = _first_build(tmp_path)
    record = {p["uuid"]: {"status": "sent", "at": "2026-01-01T00:00:00+00:00",
                          "backend": "baseline"} for p in posts}
    (tmp_path / "send-record.json").write_text(json.dumps({"version": 1, "posts": record}))
    build_site(tmp_path, "email_site", overrides={"NEWSLETTER": {"EDITIONS": "all"}})
    assert all(p["files"] for p in _manifest(tmp_path)["posts"])


def test_bad_editions_value_names_the_key(tmp_path):
    from connected.newsletter_settings import SettingsError

    with pytest.raises(SettingsError, match="EDITIONS"):
        build_site(tmp_path, "email_site", overrides={"NEWSLETTER": {"EDITIONS": "some"}})
