"""`make publish` end to end against the fake Mailchimp (real client, real HTTP on 127.0.0.1)."""

import json
import os
import shutil
from pathlib import Path

import pytest

import scripts.publish
from scripts import unschedule
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    OLD,
    make_project,
    publish_killed_at_save,
    use_fake_mailchimp,
)
from tests.scripts.publish.test_publish_deploy import web  # noqa: F401 - the live site fixture


@pytest.fixture
def project(tmp_path, monkeypatch, fake_mailchimp):
    use_fake_mailchimp(monkeypatch, fake_mailchimp)
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    project.configure_own_identity()
    return project


def sends(fake, uuid: str) -> int:
    return sum(c.sends for c in fake.campaigns_titled(f"connected:{uuid}", include_deleted=True))


def assert_key_nowhere(key: str, project, *outputs: str) -> None:
    for text in outputs:
        assert key not in text
    for directory in ("output", "build", "outbox"):
        base = project.path / directory
        # A retired tree (build/editions.retired-*) is deleted in the background while
        # the walk runs: a folder or file gone before it is read held nothing to find.
        for folder, _, files in os.walk(base):
            for name in files:
                path = Path(folder, name)
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue
                assert key.encode() not in data, path
    assert key not in project.record_path.read_text()


def test_one_new_post_at_most_seven_requests_then_none(project, fake_mailchimp):
    result = project.publish()
    assert result.code == 0, result.text
    # Six, plus the re-read of the election that keeps two machines from both sending.
    assert len(fake_mailchimp.requests) <= 7, [f"{r.method} {r.path}" for r in fake_mailchimp.requests]
    assert sends(fake_mailchimp, NEWEST) == 1
    assert sends(fake_mailchimp, OLD) == sends(fake_mailchimp, MIDDLE) == 0
    entry = project.record()["posts"][NEWEST]
    (campaign,) = fake_mailchimp.campaigns_titled(f"connected:{NEWEST}")
    assert entry["backend"] == "mailchimp" and entry["status"] == "sent"
    assert entry["campaign_id"] == campaign.doc["id"]
    assert "Nothing was emailed" not in result.out
    assert project.eml_files() == []

    count = len(fake_mailchimp.requests)
    again = project.publish()
    assert again.code == 0 and "No new posts" in again.out
    assert len(fake_mailchimp.requests) == count  # nothing new: no request at all
    assert_key_nowhere(fake_mailchimp.api_key, project, result.text, again.text)


def test_dry_run_makes_no_request(project, fake_mailchimp):
    result = project.publish("--dry-run")
    assert result.code == 0, result.text
    assert fake_mailchimp.requests == []
    assert f"Mailchimp audience {DEFAULT_LIST_ID}" in result.out
    assert fake_mailchimp.api_key not in result.text


def test_check_talks_to_mailchimp_and_sends_nothing(project, fake_mailchimp):
    result = project.publish("--check")
    assert result.code == 0, result.text
    assert "Configuration OK" in result.out
    assert fake_mailchimp.live_campaigns() == []
    assert fake_mailchimp.api_key not in result.text


def test_rejected_key_is_reported_without_the_key(project, fake_mailchimp, monkeypatch):
    wrong = "ffffffffffffffffffffffffffffffff-us99"
    monkeypatch.setenv("MAILCHIMP_API_KEY", wrong)
    result = project.publish()
    assert result.code == 1
    assert "API key" in result.err
    assert wrong not in result.text
    assert "safe" in result.err
    assert NEWEST not in project.record()["posts"]


def _deploy_to(project, www: Path, url: str) -> Path:
    """An rsync deploy into www (served at url), which stays empty unless the run deploys."""
    deploy = f'DEPLOY = {{"TARGET": "rsync", "RSYNC_DESTINATION": "{www}/"}}'
    project.configure(publish=f'SITEURL = "{url}"\n{deploy}')
    return www


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed")
@pytest.mark.parametrize("refused", ["key", "audience"])
def test_a_refused_key_or_audience_stops_before_the_deploy(project, fake_mailchimp, monkeypatch, web, refused):  # noqa: F811
    """A revoked key must not let the new post go online while its email fails."""
    www = _deploy_to(project, *web)
    if refused == "key":
        monkeypatch.setenv("MAILCHIMP_API_KEY", "ffffffffffffffffffffffffffffffff-us99")
    else:
        monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", "nosuchlist")
    result = project.publish()
    assert result.code == 1, result.text
    (line,) = [line for line in result.err.splitlines() if "Nothing was deployed or sent" in line]
    assert ("MAILCHIMP_API_KEY" if refused == "key" else "MAILCHIMP_AUDIENCE_ID") in line
    assert list(www.iterdir()) == []  # not deployed
    assert fake_mailchimp.live_campaigns() == [] and NEWEST not in project.record()["posts"]
    # One look (the audience check, and for an unknown audience the list of the key's audiences).
    assert {r.method for r in fake_mailchimp.requests} == {"GET"}


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed")
def test_mailchimp_not_answering_the_check_does_not_hold_the_deploy(project, fake_mailchimp, monkeypatch, web):  # noqa: F811
    """Only a definite refusal stops the run before the deploy; a dropped check is retried
    by the sends, which then go out as usual."""
    monkeypatch.setattr(scripts.publish, "LIVE_FIRST_DELAY", 0.05)
    www = _deploy_to(project, *web)
    fake_mailchimp.inject("GET", rf"/lists/{DEFAULT_LIST_ID}", "drop_before")
    result = project.publish()
    assert result.code == 0, result.text
    assert fake_mailchimp.requests[0].fault == "drop_before"  # the check went unanswered
    assert (www / "index.html").is_file()
    assert sends(fake_mailchimp, NEWEST) == 1


def test_missing_audience_names_the_variable(project, monkeypatch):
    monkeypatch.delenv("MAILCHIMP_AUDIENCE_ID")
    result = project.publish("--check")
    assert result.code == 1
    assert "MAILCHIMP_AUDIENCE_ID" in result.err


def test_crash_before_record_then_rerun_makes_no_second_campaign(project, fake_mailchimp, monkeypatch):
    # The record is also saved after the create (its "pending" campaign id); the
    # crash this test wants comes at the save that records the send.
    publish_killed_at_save(project, monkeypatch, lambda record: NEWEST in record["posts"])
    assert sends(fake_mailchimp, NEWEST) == 1
    assert NEWEST not in project.record()["posts"]
    result = project.publish()
    assert result.code == 0, result.text
    assert sends(fake_mailchimp, NEWEST) == 1
    assert len(fake_mailchimp.campaigns_titled(f"connected:{NEWEST}", include_deleted=True)) == 1
    assert project.record()["posts"][NEWEST]["campaign_id"]


def test_send_dropped_after_mailchimp_acted_is_not_repeated(project, fake_mailchimp):
    fake_mailchimp.inject("POST", r"/campaigns/\w+/actions/send", "drop_after")
    result = project.publish()
    # Whether this run could confirm the send or stopped, a re-run sends nothing more.
    if result.code != 0:
        assert "safe" in result.err
        assert project.publish().code == 0
    assert sends(fake_mailchimp, NEWEST) == 1
    assert project.record()["posts"][NEWEST]["status"] == "sent"


def test_test_send_records_nothing(project, fake_mailchimp):
    before = project.record_path.read_bytes()
    result = project.publish("--test-send", "me@example.org")
    assert result.code == 0, result.text
    assert [t["test_emails"] for t in fake_mailchimp.test_sends] == [["me@example.org"]]
    assert fake_mailchimp.live_campaigns() == []  # the throwaway campaign was deleted
    assert sends(fake_mailchimp, NEWEST) == 0
    assert project.record_path.read_bytes() == before


def test_schedule_unschedule_release(project, fake_mailchimp):
    project.configure(pelican='NEWSLETTER["SCHEDULE_DELAY_MINUTES"] = 60')
    result = project.publish()
    assert result.code == 0, result.text
    entry = project.record()["posts"][NEWEST]
    assert entry["status"] == "scheduled"
    (campaign,) = fake_mailchimp.campaigns_titled(f"connected:{NEWEST}")
    assert campaign.doc["status"] == "schedule"
    assert "make unschedule" in result.out

    code = unschedule.main(["--root", str(project.path)])
    assert code == 0
    entry = project.record()["posts"][NEWEST]
    assert entry["status"] == "held"
    assert fake_mailchimp.campaigns_titled(f"connected:{NEWEST}") == []
    assert sends(fake_mailchimp, NEWEST) == 0

    held = project.publish()
    assert held.code == 0 and "No new posts" in held.out
    assert fake_mailchimp.campaigns_titled(f"connected:{NEWEST}") == []

    project.configure(pelican='NEWSLETTER["SCHEDULE_DELAY_MINUTES"] = 0')
    released = project.publish("--release", "cafe-chats")
    assert released.code == 0, released.text
    assert sends(fake_mailchimp, NEWEST) == 1
    assert project.record()["posts"][NEWEST]["status"] == "sent"
    assert json.loads(project.record_path.read_text())["version"] == 1


def test_dry_run_test_send_sends_nothing(project, fake_mailchimp):
    result = project.publish("--dry-run", "--test-send", "me@example.org")
    assert result.code == 0, result.text
    assert "would test-send" in result.out
    assert fake_mailchimp.requests == []
