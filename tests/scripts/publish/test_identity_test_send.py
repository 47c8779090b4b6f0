"""`make publish TEST_SEND=…` tells the truth about whether the post goes out later.

Each message is checked against what the next real `make publish` then does.
Real builds, real `scripts.publish` runs, outbox backend.
"""

from __future__ import annotations

import json
import uuid

import pytest

from connected.identity import fallback_uuid
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    NOT_FOR_NEWSLETTER,
    OLD,
    Project,
    clear_mailchimp_env,
    make_project,
)

ADDRESS = "me@example.com"
STILL_GOES = "Nothing was recorded: the post will still go out with the next `make publish`."


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    clear_mailchimp_env(monkeypatch)
    return make_project(tmp_path, record=[OLD, MIDDLE, NOT_FOR_NEWSLETTER])


def set_entry(project: Project, key: str, **entry) -> None:
    record = project.record()
    record["posts"][key] = {"at": "2026-05-01T08:00:00+00:00", **entry}
    project.record_path.write_text(json.dumps(record), encoding="utf-8")


def do_test_send(project: Project, post: str | None = "cafe-chats"):
    args = ["--test-send", ADDRESS] + (["--post", post] if post else [])
    result = project.publish(*args)
    assert result.code == 0, result.text
    assert len(project.eml_files(tests=True)) >= 1
    return result.out.strip().splitlines()[-1]




def newest_sent(project: Project) -> bool:
    return any(NEWEST[:8] in path.name for path in project.eml_files())


def test_a_new_post_will_still_go_out_and_does(project):
    assert do_test_send(project) == STILL_GOES
    assert project.eml_files() == []  # the test send went to a -TEST file only
    result = project.publish()
    assert result.code == 0, result.text
    assert newest_sent(project)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"status": "sent", "backend": "outbox"},
            "Nothing was recorded. The post was sent on 2026-05-01 (outbox) and will not be sent again.",
        ),
        (
            {"status": "sent", "backend": "baseline"},
            "Nothing was recorded. The post was marked as already sent by a baseline on 2026-05-01, "
            "so it will not be sent again.",
        ),
        (
            {"status": "held", "backend": "mailchimp", "campaign_id": "c1"},
            "Nothing was recorded. The post is held (unscheduled): it goes out only after "
            "`make publish RELEASE=cafe-chats`.",
        ),
        (
            {"status": "scheduled", "backend": "mailchimp", "campaign_id": "c1"},
            "Nothing was recorded. The post is already scheduled for 2026-05-01 08:00 UTC; "
            "`make unschedule` before then stops it.",
        ),
    ],
    ids=["sent", "baseline", "held", "scheduled"],
)
def test_a_recorded_post_says_what_applies_and_is_not_sent(project, entry, message):
    set_entry(project, NEWEST, **entry)
    assert do_test_send(project) == message
    result = project.publish()
    assert result.code == 0 and "No new posts to send." in result.out, result.text
    assert project.eml_files() == []


def test_a_post_recorded_under_an_older_id_says_sent(project):
    """Sent under its path id; the old `make uuids` then wrote a random Uuid into the file."""
    set_entry(project, fallback_uuid("posts/newest.md"), status="sent", backend="outbox")
    path = project.post_file("newest.md")
    path.write_text(path.read_text("utf-8").replace(NEWEST, str(uuid.uuid4())), encoding="utf-8")
    assert do_test_send(project) == (
        "Nothing was recorded. The post was sent on 2026-05-01 (outbox) and will not be sent again."
    )
    result = project.publish()
    assert result.code == 0 and "not sent again" in result.out, result.text
    assert project.eml_files() == []


def test_a_post_without_uuid_line_says_make_uuids(project):
    path = project.post_file("newest.md")
    path.write_text(path.read_text("utf-8").replace(f"Uuid: {NEWEST}\n", ""), encoding="utf-8")
    assert do_test_send(project) == (
        "Nothing was recorded. Its file has no Uuid: line, so `make publish` will not mail it: run "
        "`make uuids` and commit; after that it goes out with the next `make publish`."
    )
    result = project.publish()
    assert result.code == 1 and "posts/newest.md: not mailed" in result.err, result.text
    assert project.eml_files() == []


def test_a_post_with_newsletter_no_says_never(project):
    assert do_test_send(project, "housekeeping") == (
        "Nothing was recorded. The post has 'Newsletter: no': `make publish` never mails it."
    )


def test_without_a_send_record_it_names_the_baseline_choice(project):
    project.record_path.unlink()
    line = do_test_send(project)
    assert line.startswith("Nothing was recorded. There is no send record yet (send-record.json)")
    assert "BASELINE=all" in line
    result = project.publish()
    assert result.code == 1 and "BASELINE=all" in result.err
    assert project.eml_files() == []


def test_a_draft_cannot_be_test_sent_and_says_why(project):
    result = project.publish("--test-send", ADDRESS, "--post", "salary-talks")
    assert result.code == 1
    assert (
        "POST=salary-talks: no published post has that slug or Uuid (a draft or a future-dated post is not "
        "published: it cannot be test-sent, and `make publish` does not mail it until it is)."
    ) in result.err
    assert project.eml_files(tests=True) == []


def test_dry_run_test_send_says_the_same(project):
    set_entry(project, NEWEST, status="sent", backend="outbox")
    result = project.publish("--test-send", ADDRESS, "--post", "cafe-chats", "--dry-run")
    assert result.code == 0, result.text
    assert result.out.strip().splitlines()[-1] == (
        "Nothing was recorded. The post was sent on 2026-05-01 (outbox) and will not be sent again."
    )
    assert project.eml_files(tests=True) == []
