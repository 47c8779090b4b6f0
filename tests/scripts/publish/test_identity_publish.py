"""A post's identity never changes under it: no sequence of `make uuids`, renames and
title, slug or date edits sends a post twice (docs/identity.md).

Real builds and real `python -m scripts.publish` runs (in process) of a throw-away
project, against the outbox and against the fake Mailchimp (real client over HTTP).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import feedparser
import pytest

from connected.identity import fallback_uuid
from tests.conftest import run_cli
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    NOT_FOR_NEWSLETTER,
    OLD,
    Project,
    clear_mailchimp_env,
    make_project,
    use_fake_mailchimp,
)

FRESH = "posts/fresh.md"
FRESH_ID = fallback_uuid(FRESH)
FRESH_TEXT = (
    "Title: A fresh post\n"
    "Date: 2026-05-02 08:00\n"
    "Slug: fresh-post\n"
    "Summary: Written by hand, without a Uuid.\n"
    "\n"
    "The body of a post written by hand.\n"
)
NO_UUID = "posts/fresh.md: not mailed — its file has no Uuid: line"


def uuids(project: Project):
    result = run_cli("-m", "scripts.uuids", "--settings", str(project.path / "pelicanconf.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def feed_ids(project: Project) -> dict[str, str]:
    """{entry title: entry id} of the built site's Atom feed."""
    feed = feedparser.parse((project.path / "output" / "feeds" / "all.atom.xml").read_bytes())
    assert feed.bozo == 0
    return {entry.title: entry.id for entry in feed.entries}


def manifest_post(project: Project, source_path: str) -> dict:
    data = json.loads((project.path / "build" / "editions" / "manifest.json").read_text("utf-8"))
    (post,) = [p for p in data["posts"] if p["source_path"] == source_path]
    return post


def rename_and_edit(project: Project, old: str, new: str) -> Path:
    """Move a post to another name (and folder) and change its title, slug and date."""
    source = project.path / "content" / old
    target = project.path / "content" / new
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text("utf-8")
    text = text.replace("Title: A fresh post", "Title: A fresh post, retitled")
    text = text.replace("Slug: fresh-post", "Slug: fresh-post-renamed")
    text = text.replace("Date: 2026-05-02 08:00", "Date: 2026-05-03 18:30")
    target.write_text(text, encoding="utf-8")
    source.unlink()
    return target


@pytest.fixture
def outbox_project(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, record=[OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER])
    project.post_file("fresh.md").write_text(FRESH_TEXT, encoding="utf-8")
    return project


@pytest.fixture
def mailchimp_project(tmp_path, monkeypatch, fake_mailchimp):
    use_fake_mailchimp(monkeypatch, fake_mailchimp)
    project = make_project(tmp_path, record=[OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER])
    project.configure_own_identity()
    project.post_file("fresh.md").write_text(FRESH_TEXT, encoding="utf-8")
    return project


def campaigns(fake) -> list:
    return list(fake.campaigns_titled(f"connected:{FRESH_ID}", include_deleted=True))


def test_the_whole_sequence_sends_once_through_the_outbox(outbox_project):
    project = outbox_project
    before = project.post_file("fresh.md").read_bytes()

    refused = project.publish()
    assert refused.code == 1, refused.text
    assert NO_UUID in refused.err
    assert "run `make uuids`" in refused.err.splitlines()[-1]
    assert project.eml_files() == []
    assert set(project.record()["posts"]) == {OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER}
    # The rest was still built: the post is on the site, and its feed id is the path-derived one.
    assert (project.path / "output" / "2026" / "fresh-post" / "index.html").is_file()
    assert feed_ids(project)["A fresh post"] == f"urn:uuid:{FRESH_ID}"
    entry = manifest_post(project, FRESH)
    assert entry["uuid"] == FRESH_ID and entry["uuid_in_file"] is False
    assert manifest_post(project, "posts/newest.md")["uuid_in_file"] is True

    added = uuids(project)
    assert f"posts/fresh.md: added Uuid: {FRESH_ID} (the id it already had)" in added.stdout
    after = project.post_file("fresh.md").read_bytes()
    summary = b"Summary: Written by hand, without a Uuid.\n"
    assert after == before.replace(summary, summary + f"Uuid: {FRESH_ID}\n".encode())

    sent = project.publish()
    assert sent.code == 0, sent.text
    assert NO_UUID not in sent.text
    (eml,) = project.eml_files()
    assert FRESH_ID[:8] in eml.name
    assert feed_ids(project)["A fresh post"] == f"urn:uuid:{FRESH_ID}"  # the feed id never changed
    record = project.record()["posts"]
    assert len(record) == 5
    assert record[FRESH_ID]["status"] == "sent" and record[FRESH_ID]["source_path"] == FRESH

    again = project.publish()
    assert again.code == 0 and "No new posts to send." in again.out, again.text
    assert len(project.eml_files()) == 1

    moved = rename_and_edit(project, FRESH, "posts/2026/renamed-later.md")
    second = uuids(project)
    assert "Added 0 Uuids" in second.stdout
    assert f"Uuid: {FRESH_ID}".encode() in moved.read_bytes()
    last = project.publish()
    assert last.code == 0 and "No new posts to send." in last.out, last.text
    assert len(project.eml_files()) == 1
    assert len(project.record()["posts"]) == 5
    assert feed_ids(project)["A fresh post, retitled"] == f"urn:uuid:{FRESH_ID}"


def test_the_whole_sequence_makes_one_campaign_in_mailchimp(mailchimp_project, fake_mailchimp):
    project = mailchimp_project
    refused = project.publish()
    assert refused.code == 1 and NO_UUID in refused.err, refused.text
    assert campaigns(fake_mailchimp) == []
    assert fake_mailchimp.campaigns == {}

    uuids(project)
    sent = project.publish()
    assert sent.code == 0, sent.text
    (campaign,) = campaigns(fake_mailchimp)
    assert campaign.sends == 1
    assert project.record()["posts"][FRESH_ID]["campaign_id"] == campaign.doc["id"]

    rename_and_edit(project, FRESH, "posts/elsewhere.md")
    uuids(project)
    last = project.publish()
    assert last.code == 0 and "No new posts to send." in last.out, last.text
    assert len(fake_mailchimp.campaigns) == 1  # no second campaign, not even a draft one
    assert sum(c.sends for c in fake_mailchimp.campaigns.values()) == 1
    assert len(project.record()["posts"]) == 5


def write_legacy_record(project: Project, key: str, **entry) -> None:
    """A record as the code before this change wrote it: no source_path."""
    record = project.record()
    record["posts"][key] = {"status": "sent", "at": "2026-05-02T09:00:00+00:00", "backend": "outbox", **entry}
    project.record_path.write_text(json.dumps(record), encoding="utf-8")


def test_record_with_the_path_derived_id_is_not_resent_after_uuids(outbox_project):
    project = outbox_project
    write_legacy_record(project, FRESH_ID, title="A fresh post", url="https://your-name.example/2026/fresh-post/")
    before = project.record_path.read_text("utf-8")
    uuids(project)
    result = project.publish()
    assert result.code == 0 and "No new posts to send." in result.out, result.text
    assert project.eml_files() == []
    assert project.record_path.read_text("utf-8") == before  # found by its own id: nothing to change


def test_record_made_before_random_uuids_is_recognised_and_follows_the_post(outbox_project):
    """The old `make uuids` wrote a random Uuid after the post was sent under its path id."""
    project = outbox_project
    write_legacy_record(project, FRESH_ID, title="A fresh post", url="https://your-name.example/2026/fresh-post/")
    random_id = str(uuid.uuid4())
    path = project.post_file("fresh.md")
    path.write_text(FRESH_TEXT.replace("Summary:", f"Uuid: {random_id}\nSummary:"), encoding="utf-8")

    dry = project.publish("--dry-run")
    assert dry.code == 0 and "Would send nothing" in dry.out, dry.text
    assert FRESH_ID in project.record()["posts"]  # a dry run changes nothing

    result = project.publish()
    assert result.code == 0, result.text
    assert (
        f"posts/fresh.md: not sent again — the send record lists it as sent on 2026-05-02 under an older id, "
        f"{FRESH_ID} (same path-derived id); that entry now carries its current id, {random_id}. "
        "A different post? rename its file."
    ) in result.out
    assert project.eml_files() == []
    posts = project.record()["posts"]
    assert FRESH_ID not in posts and posts[random_id]["previous_ids"] == [FRESH_ID]
    assert len(posts) == 5

    # From now on its own id carries it through a rename and a new slug.
    rename_and_edit(project, FRESH, "posts/moved/again.md")
    uuids(project)
    later = project.publish()
    assert later.code == 0 and "No new posts to send." in later.out, later.text
    assert project.eml_files() == [] and len(project.record()["posts"]) == 5


def test_a_renamed_file_is_recognised_by_its_url(outbox_project):
    """Sent under the id of its old path; since renamed (same slug), then `make uuids`."""
    project = outbox_project
    old_id = fallback_uuid("posts/old-name.md")
    write_legacy_record(project, old_id, title="A fresh post", url="https://your-name.example/2026/fresh-post/")
    uuids(project)  # writes fallback_uuid("posts/fresh.md"), which the record does not know
    result = project.publish()
    assert result.code == 0, result.text
    assert f"under an older id, {old_id} (same URL)" in result.out
    assert project.eml_files() == []
    assert project.record()["posts"][FRESH_ID]["previous_ids"] == [old_id]


def test_a_post_whose_uuid_was_changed_by_hand_is_recognised_by_its_source_path(outbox_project):
    project = outbox_project
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    write_legacy_record(project, first, url="https://elsewhere.example/old/", source_path=FRESH)
    path = project.post_file("fresh.md")
    path.write_text(FRESH_TEXT.replace("Summary:", f"Uuid: {second}\nSummary:"), encoding="utf-8")
    result = project.publish()
    assert result.code == 0, result.text
    assert f"under an older id, {first} (same source path)" in result.out
    assert project.eml_files() == []


def test_an_old_entry_matching_two_posts_sends_neither(outbox_project):
    """A renamed post (same URL) and a new file in its old place: which one was sent is unknown."""
    project = outbox_project
    write_legacy_record(project, FRESH_ID, url="https://your-name.example/2026/fresh-post/")
    project.post_file("moved.md").write_text(FRESH_TEXT, encoding="utf-8")
    project.post_file("fresh.md").write_text(
        FRESH_TEXT.replace("fresh-post", "a-new-one").replace("A fresh post", "A new one"), encoding="utf-8"
    )
    uuids(project)
    result = project.publish()
    assert result.code == 0, result.text
    assert project.eml_files() == []
    # fresh.md now carries FRESH_ID itself (an exact match); moved.md is found by its URL.
    (line,) = [line for line in result.out.splitlines() if "not sent again" in line]
    assert line == (
        f"posts/moved.md: not sent again — the send record lists it as sent on 2026-05-02 under an older "
        f"id, {FRESH_ID} (same URL); that entry also stands for another current post, so neither is sent. "
        "A different post? give it its own Slug."
    )
    assert set(project.record()["posts"]) == {OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER, FRESH_ID}


def test_post_option_names_the_missing_uuid(outbox_project):
    project = outbox_project
    result = project.publish("--post", "fresh-post")
    assert result.code == 1
    assert re.search(r"POST=fresh-post: .* is not sendable: its file has no Uuid: line — run `make uuids`", result.err)
    assert project.eml_files() == []


def test_baseline_then_uuids_keeps_the_post_recorded(tmp_path, monkeypatch):
    """BASELINE=all on a site with a Uuid-less post records its path id, which make uuids then writes."""
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path)
    project.post_file("fresh.md").write_text(FRESH_TEXT, encoding="utf-8")
    base = project.publish("--baseline", "all")
    assert base.code == 0, base.text
    assert project.record()["posts"][FRESH_ID]["source_path"] == FRESH
    uuids(project)
    after = project.publish()
    assert after.code == 0 and "No new posts to send." in after.out, after.text
    assert project.eml_files() == []


def test_baseline_all_but_newest_leaves_out_a_uuidless_newest_and_says_when_it_goes(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path)
    project.post_file("fresh.md").write_text(FRESH_TEXT, encoding="utf-8")  # the newest post
    base = project.publish("--baseline", "all-but-newest")
    assert base.code == 1, base.text
    assert "Left out of the baseline, so it is sent once its file has a Uuid: line (make uuids)" in base.out
    assert NO_UUID in base.err
    assert project.eml_files() == [] and FRESH_ID not in project.record()["posts"]
    uuids(project)
    sent = project.publish()
    assert sent.code == 0, sent.text
    (eml,) = project.eml_files()
    assert FRESH_ID[:8] in eml.name


def test_the_rest_is_still_sent_when_one_post_is_withheld(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, record=[OLD, MIDDLE, NOT_FOR_NEWSLETTER])  # NEWEST is new
    project.post_file("fresh.md").write_text(FRESH_TEXT, encoding="utf-8")
    result = project.publish()
    assert result.code == 1, result.text
    assert NO_UUID in result.err
    (eml,) = project.eml_files()
    assert NEWEST[:8] in eml.name
    assert set(project.record()["posts"]) == {OLD, MIDDLE, NOT_FOR_NEWSLETTER, NEWEST}
    assert project.record()["posts"][NEWEST]["source_path"] == "posts/newest.md"
