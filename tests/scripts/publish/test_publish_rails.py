"""`make publish` safety rails and post selection, with the outbox backend and real builds."""

from datetime import UTC, datetime

import pytest

from scripts.publish import quarter_hour_after
from tests.kit.publish_project import (
    DRAFT,
    FUTURE,
    MIDDLE,
    NEWEST,
    NOT_FOR_NEWSLETTER,
    OLD,
    clear_mailchimp_env,
    make_project,
)

PUBLISHED = {OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER}


@pytest.fixture(autouse=True)
def _no_mailchimp(monkeypatch):
    clear_mailchimp_env(monkeypatch)


def sent_uuids(project) -> list[str]:
    return [m["X-Connected-Post"] for m in project.messages()]


def test_first_run_without_record_refuses_to_mail_the_archive(tmp_path):
    project = make_project(tmp_path)
    result = project.publish()
    assert result.code == 1
    assert "make publish BASELINE=all " in result.err
    assert "make publish BASELINE=all-but-newest" in result.err
    assert "Café chats" in result.err  # names the newest, the one all-but-newest would send
    assert not project.record_path.exists()
    assert project.eml_files() == []


def test_baseline_all_marks_everything_and_sends_nothing(tmp_path):
    project = make_project(tmp_path)
    result = project.publish("--baseline", "all")
    assert result.code == 0, result.text
    posts = project.record()["posts"]
    assert set(posts) == PUBLISHED
    assert {e["backend"] for e in posts.values()} == {"baseline"}
    assert project.eml_files() == []
    assert "git add send-record.json" in result.out
    again = project.publish()
    assert again.code == 0 and "No new posts" in again.out
    assert project.eml_files() == []


def test_baseline_all_but_newest_sends_only_the_newest(tmp_path):
    project = make_project(tmp_path)
    result = project.publish("--baseline", "all-but-newest")
    assert result.code == 0, result.text
    posts = project.record()["posts"]
    assert posts[NEWEST]["backend"] == "outbox"
    assert {u for u, e in posts.items() if e["backend"] == "baseline"} == PUBLISHED - {NEWEST}
    assert sent_uuids(project) == [NEWEST]


def test_more_new_posts_than_the_cap_refuses_naming_them(tmp_path):
    project = make_project(tmp_path, record=[])
    project.configure(pelican='NEWSLETTER["MAX_PER_RUN"] = 2')
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1
    for title in ("Notes from my first year managing", "Keeping in touch", "Café chats"):
        assert title in result.err
    assert "MAX_PER_RUN" in result.err and "BASELINE=all" in result.err
    assert project.eml_files() == []
    assert project.record_path.read_bytes() == before


def test_only_published_newsletter_posts_are_sent_oldest_first(tmp_path):
    project = make_project(tmp_path, record=[])
    result = project.publish()
    assert result.code == 0, result.text
    files = [f.name for f in project.eml_files()]
    assert files == [
        f"2026-01-10-first-year-managing-{OLD}.eml",
        f"2026-03-05-keeping-in-touch-{MIDDLE}.eml",
        f"2026-05-01-cafe-chats-{NEWEST}.eml",
    ]
    posts = project.record()["posts"]
    assert set(posts) == {OLD, MIDDLE, NEWEST}
    for never in (DRAFT, FUTURE, NOT_FOR_NEWSLETTER):
        assert never not in posts
    # Sent oldest first: the record times never go backwards.
    times = [posts[u]["at"] for u in (OLD, MIDDLE, NEWEST)]
    assert times == sorted(times)


@pytest.mark.parametrize("value", ["no", "false", "off", "No"])
def test_newsletter_no_variants_are_never_sent(tmp_path, value):
    project = make_project(tmp_path, record=[OLD, MIDDLE, NEWEST])
    post = project.post_file("not-for-newsletter.md")
    post.write_text(post.read_text().replace("Newsletter: no", f"Newsletter: {value}"))
    result = project.publish()
    assert result.code == 0, result.text
    assert "No new posts" in result.out
    assert project.eml_files() == []


def test_second_publish_sends_nothing_and_leaves_the_record(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    assert project.publish().code == 0
    record = project.record_path.read_bytes()
    files = project.eml_files()
    result = project.publish()
    assert result.code == 0
    assert "No new posts to send" in result.out
    assert "send-record.json changed" not in result.out
    assert project.record_path.read_bytes() == record
    assert project.eml_files() == files


def test_editing_a_sent_post_does_not_send_it_again(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    assert project.publish().code == 0
    post = project.post_file("newest.md")
    text = post.read_text()
    text = text.replace("Title: Café chats", "Title: Coffee chats").replace("Date: 2026-05-01", "Date: 2026-05-02")
    post.write_text(text.replace("Slug: cafe-chats", "Slug: coffee-chats"))
    result = project.publish()
    assert result.code == 0, result.text
    assert "No new posts" in result.out
    assert len(project.eml_files()) == 1


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    project = make_project(tmp_path, record=[OLD])
    before = project.record_path.read_bytes()
    result = project.publish("--dry-run")
    assert result.code == 0, result.text
    assert "Would send “Keeping in touch without being a pest”" in result.out
    assert "subject:  Café chats — what coffee taught me about referrals" in result.out
    assert result.out.count("outbox →") == 2
    assert "when:     now" in result.out
    assert not project.outbox.exists()
    assert project.record_path.read_bytes() == before
    assert "send-record.json changed" not in result.out


def test_dry_run_baseline_writes_nothing(tmp_path):
    project = make_project(tmp_path)
    result = project.publish("--dry-run", "--baseline", "all-but-newest")
    assert result.code == 0, result.text
    assert "Would mark 3 existing post(s)" in result.out
    assert "Would send “Café chats" in result.out
    assert not project.record_path.exists()
    assert not project.outbox.exists()


def test_post_option_sends_only_that_post(tmp_path):
    project = make_project(tmp_path, record=[OLD])
    result = project.publish("--post", "keeping-in-touch")
    assert result.code == 0, result.text
    assert sent_uuids(project) == [MIDDLE]
    again = project.publish("--post", MIDDLE)
    assert again.code == 1 and "recorded as sent" in again.err


def test_held_post_waits_until_released(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    record = project.record()
    record["posts"][NEWEST] = {"status": "held", "at": "2026-05-01T08:00:00+00:00", "backend": "mailchimp",
                               "url": "https://your-name.example/2026/cafe-chats/"}
    project.record_path.write_text(__import__("json").dumps(record))
    result = project.publish()
    assert result.code == 0 and "No new posts" in result.out
    assert project.eml_files() == []
    wrong = project.publish("--release", "keeping-in-touch")
    assert wrong.code == 1 and "only held posts can be released" in wrong.err
    released = project.publish("--release", "cafe-chats")
    assert released.code == 0, released.text
    assert sent_uuids(project) == [NEWEST]
    assert project.record()["posts"][NEWEST]["status"] == "sent"


def test_scheduled_delay_with_outbox_writes_now(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    project.configure(pelican='NEWSLETTER["SCHEDULE_DELAY_MINUTES"] = 30')
    dry = project.publish("--dry-run")
    assert "scheduled for" in dry.out
    result = project.publish()
    assert result.code == 0, result.text
    assert project.record()["posts"][NEWEST]["status"] == "sent"


def test_corrupt_record_stops_before_anything(tmp_path):
    project = make_project(tmp_path)
    project.record_path.write_text("{not json")
    result = project.publish()
    assert result.code == 1
    assert str(project.record_path) in result.err and "not valid JSON" in result.err
    assert project.record_path.read_text() == "{not json"
    assert project.eml_files() == []


def test_check_flags_the_samples_placeholders(tmp_path):
    project = make_project(tmp_path, record=[])
    result = project.publish("--check")
    assert result.code == 1
    for name in ("SITEURL", "FROM_EMAIL", "REPLY_TO", "POSTAL_ADDRESS"):
        assert name in result.err
    assert "Configuration OK" not in result.out


def test_mailchimp_send_refuses_placeholders_before_any_request(tmp_path, monkeypatch, fake_mailchimp):
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake_mailchimp.api_key)
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", next(iter(fake_mailchimp.lists)))
    monkeypatch.setenv("MAILCHIMP_API_URL", fake_mailchimp.url)
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1
    assert "placeholder" in result.err and "SITEURL" in result.err
    assert fake_mailchimp.requests == []
    assert project.record_path.read_bytes() == before


def test_outbox_send_with_placeholders_goes_ahead_with_a_note(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    result = project.publish()
    assert result.code == 0, result.text
    assert "Note: SITEURL" in result.out
    assert len(project.eml_files()) == 1


def test_check_reports_ok_and_problems(tmp_path):
    project = make_project(tmp_path, record=[])
    project.configure_own_identity()
    ok = project.publish("--check")
    assert ok.code == 0, ok.text
    assert "Configuration OK" in ok.out and "outbox" in ok.out
    assert not (project.path / "output").exists()  # check builds nothing
    project.configure(pelican='NEWSLETTER["POSTAL_ADDRESS"] = ""\nAUTHOR_PROFILE["POSTAL_ADDRESS"] = ""',
                      publish='SITEURL = ""')
    bad = project.publish("--check")
    assert bad.code == 1
    assert "POSTAL_ADDRESS" in bad.err and "SITEURL" in bad.err


def test_bad_newsletter_setting_is_a_message(tmp_path):
    project = make_project(tmp_path, record=[])
    project.configure(pelican='NEWSLETTER["MAX_PER_RUN"] = 0')
    result = project.publish()
    assert result.code == 1
    assert "MAX_PER_RUN" in result.err
    assert "scripts/" not in result.err


@pytest.mark.parametrize(
    "now, minutes, expected",
    [
        (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 15, datetime(2026, 11, 20, 9, 15, tzinfo=UTC)),
        (datetime(2026, 11, 20, 9, 1, tzinfo=UTC), 15, datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        (datetime(2026, 11, 20, 9, 44, 59, tzinfo=UTC), 1, datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        (datetime(2026, 11, 20, 23, 50, tzinfo=UTC), 20, datetime(2026, 11, 21, 0, 15, tzinfo=UTC)),
    ],
)
def test_schedule_rounds_up_to_the_quarter_hour(now, minutes, expected):
    assert quarter_hour_after(now, minutes) == expected


def test_unschedule_with_nothing_scheduled(tmp_path, capsys):
    from scripts import unschedule

    project = make_project(tmp_path, record=[OLD])
    assert unschedule.main(["--root", str(project.path)]) == 0
    assert "Nothing is scheduled" in capsys.readouterr().out


def test_unschedule_needs_the_mailchimp_key(tmp_path, capsys):
    from scripts import unschedule

    project = make_project(tmp_path, record=[OLD])
    project.write_record([NEWEST], status="scheduled", backend="mailchimp")
    before = project.record_path.read_bytes()
    assert unschedule.main(["--root", str(project.path)]) == 1
    err = capsys.readouterr().err
    assert "MAILCHIMP_API_KEY is not set" in err
    assert project.record_path.read_bytes() == before


def test_no_build_refuses_editions_from_a_development_build(tmp_path):
    from scripts.build import build_site

    project = make_project(tmp_path, record=[OLD, MIDDLE])
    build_site("pelicanconf.py", root=project.path, overrides={"OUTPUT_PATH": str(project.path / "output")})
    result = project.publish("--no-build")
    assert result.code == 1
    assert "development build" in result.err and "SITEURL" in result.err
    assert project.eml_files() == []
    # A production build fixes it.
    assert project.publish().code == 0
    assert len(project.eml_files()) == 1


def test_build_failure_stops_before_sending(tmp_path):
    project = make_project(tmp_path, content="bad_uuid", record=[])
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1
    assert "The build failed" in result.err and "bad-uuid.md" in result.err
    assert "safe" in result.err
    assert project.eml_files() == []
    assert project.record_path.read_bytes() == before
