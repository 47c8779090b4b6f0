"""Weekly digest mode end to end with the outbox: `make publish` at chosen moments
(CONNECTED_NOW), messages parsed with the `email` module, the send record read back."""

from urllib.parse import urlsplit

import lxml.html
import pytest

from tests.kit.publish_project import clear_mailchimp_env, publish_killed_at_save
from tests.scripts.digest.digest_project import (
    AFTER_SEND,
    ARCHIVE,
    BEFORE_SEND,
    NEXT_SEND,
    add_post,
    digest_project,
)


def has_digest_entry(record: dict) -> bool:
    return any(e.get("kind") == "digest" for e in record["posts"].values())


@pytest.fixture(autouse=True)
def _no_mailchimp(monkeypatch):
    clear_mailchimp_env(monkeypatch)


def at(monkeypatch, moment: str) -> None:
    monkeypatch.setenv("CONNECTED_NOW", moment)


def digest_entries(record: dict) -> dict:
    return {u: e for u, e in record["posts"].items() if e.get("kind") == "digest"}


def html_of(message) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(message.get_body(("html",)).get_content())


def test_one_digest_with_every_new_post_newest_first(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    uuids = [add_post(project, n, f"2026-11-{23 + n} 10:00") for n in (1, 2, 3)]
    add_post(project, 4, "2026-11-25 12:00", meta="Image: images/social-default.png")
    uuids.append("d1000000-0000-4000-8000-000000000004")
    at(monkeypatch, BEFORE_SEND)
    early = project.publish()
    assert early.code == 0, early.text
    assert project.eml_files() == [] and "Next weekly digest: 2026-11-30 09:00 GMT, holding 4 post(s)" in early.out

    at(monkeypatch, AFTER_SEND)
    result = project.publish()
    assert result.code == 0, result.text
    [message] = project.messages()
    assert message["Subject"] == "Alex Morgan: 4 new posts since 23 November 2026"
    doc = html_of(message)
    titles = [h.text_content() for h in doc.xpath("//h2")]
    assert titles == ["Digest post 3", "Digest post 4", "Digest post 2", "Digest post 1"]  # newest first
    reads = doc.xpath("//a[normalize-space()='Read on the site →']/@href")
    assert reads == [f"https://your-name.example/2026/digest-post-{n}/" for n in (3, 4, 2, 1)]
    for href in doc.xpath("//a/@href") + doc.xpath("//img/@src"):
        assert urlsplit(href).scheme in ("https", "mailto"), href
    [image] = doc.xpath("//img/@src")
    assert image == "https://your-name.example/images/social-default.png"
    assert "Summary of digest post 2." in doc.text_content()
    text = message.get_body(("plain",)).get_content()
    assert text.count("Read on the site: https://your-name.example/2026/digest-post-") == 4
    assert "1 May 2026" not in text  # nothing from the archive

    record = project.record()
    [(digest, entry)] = digest_entries(record).items()
    assert message["X-Connected-Post"] == digest
    assert sorted(entry["digest_posts"]) == sorted(uuids)
    for uuid in uuids:
        assert record["posts"][uuid]["digest"] == digest and record["posts"][uuid]["status"] == "sent"
    assert "pending" not in record
    again = project.publish()
    assert again.code == 0 and len(project.eml_files()) == 1
    assert "this period's digest is already sent" in again.out


def test_post_at_the_send_moment_is_in_it_one_second_later_waits(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    on_time = add_post(project, 1, "2026-11-30 09:00")
    late = add_post(project, 2, "2026-11-30 09:00:01")
    at(monkeypatch, AFTER_SEND)
    assert project.publish().code == 0
    [message] = project.messages()
    assert [h.text_content() for h in html_of(message).xpath("//h2")] == ["Digest post 1"]
    record = project.record()
    assert on_time in record["posts"] and late not in record["posts"]
    # The next week's digest takes the later post, under a new identity.
    at(monkeypatch, NEXT_SEND)
    assert project.publish().code == 0
    assert len(project.messages()) == 2
    assert late in project.record()["posts"]
    assert len(digest_entries(project.record())) == 2


def test_newsletter_now_goes_alone_at_once_and_no_stays_out(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    regular = add_post(project, 1, "2026-11-24 10:00")
    urgent = add_post(project, 2, "2026-11-25 10:00", meta="Newsletter: now")
    never = add_post(project, 3, "2026-11-26 10:00", meta="Newsletter: no")
    at(monkeypatch, "2026-11-26T12:00:00+00:00")  # mid-week: no digest is due
    result = project.publish()
    assert result.code == 0, result.text
    [single] = project.messages()
    assert single["X-Connected-Post"] == urgent and "digest" not in project.record()["posts"][urgent]
    assert regular not in project.record()["posts"]
    at(monkeypatch, AFTER_SEND)
    assert project.publish().code == 0
    messages = project.messages()
    assert len(messages) == 2
    [digest] = [m for m in messages if m["X-Connected-Post"] != urgent]
    assert [h.text_content() for h in html_of(digest).xpath("//h2")] == ["Digest post 1"]
    assert never not in project.record()["posts"]
    assert "Digest post 3" not in digest.get_body(("plain",)).get_content()


def test_a_week_without_posts_sends_nothing(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    at(monkeypatch, AFTER_SEND)
    result = project.publish()
    assert result.code == 0, result.text
    assert project.eml_files() == [] and "no new post waits for it yet" in result.out
    assert digest_entries(project.record()) == {}


def test_first_digest_mode_run_never_mails_the_archive(tmp_path, monkeypatch):
    project = digest_project(tmp_path, record=None)
    at(monkeypatch, AFTER_SEND)
    refused = project.publish()
    assert refused.code == 1 and "There is no send record" in refused.err
    assert project.eml_files() == []
    baseline = project.publish("--baseline", "all")
    assert baseline.code == 0, baseline.text
    assert project.eml_files() == [] and digest_entries(project.record()) == {}
    assert set(ARCHIVE) <= set(project.record()["posts"])


def test_dry_run_says_what_and_when_and_sends_nothing(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    add_post(project, 1, "2026-11-24 10:00")
    at(monkeypatch, AFTER_SEND)
    due = project.publish("--dry-run")
    assert due.code == 0
    assert "1 post(s), due 2026-11-30 09:00 GMT, goes now:" in due.out
    assert "“Digest post 1” (2026-11-24, digest-post-1," in due.out
    assert project.eml_files() == [] and digest_entries(project.record()) == {}
    at(monkeypatch, "2026-11-26T12:00:00+00:00")
    waits = project.publish("--dry-run")
    assert "Next weekly digest: 2026-11-30 09:00 GMT, holding 1 post(s) so far:" in waits.out


def test_crash_between_send_and_record_records_the_same_digest(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    first = [add_post(project, n, f"2026-11-2{n} 10:00") for n in (4, 5)]
    at(monkeypatch, AFTER_SEND)
    publish_killed_at_save(project, monkeypatch, has_digest_entry)
    assert len(project.eml_files()) == 1
    # A post written after the crash, dated before the send moment, must not be recorded
    # as if it had been in the digest that went out.
    backdated = add_post(project, 6, "2026-11-27 10:00")
    result = project.publish()
    assert result.code == 0, result.text
    assert "found done by an earlier or another run, not sent again" in result.out
    record = project.record()
    [(digest, entry)] = digest_entries(record).items()
    assert sorted(entry["digest_posts"]) == sorted(first)
    assert backdated not in record["posts"] and len(project.eml_files()) == 1
    at(monkeypatch, NEXT_SEND)
    assert project.publish().code == 0
    assert project.record()["posts"][backdated]["digest"] != digest
    assert len(project.eml_files()) == 2


def test_oversized_digest_switches_to_excerpts(tmp_path, monkeypatch):
    long_summary = " ".join(f"word{i}" for i in range(1200))
    project = digest_project(tmp_path, extra='NEWSLETTER["MAX_HTML_BYTES"] = 30_000')
    for n in range(1, 7):
        add_post(project, n, f"2026-11-24 1{n}:00")
        path = project.post_file(f"digest-{n}.md")
        path.write_text(path.read_text().replace(f"Summary of digest post {n}.", long_summary))
    at(monkeypatch, AFTER_SEND)
    result = project.publish()
    assert result.code == 0, result.text
    assert "sending short excerpts instead" in result.out
    [message] = project.messages()
    html = message.get_body(("html",)).get_content()
    assert len(html.encode()) <= 30_000
    assert "word29…" in html and "word30" not in html


def test_test_send_of_the_next_digest_records_nothing(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    for n in (1, 2):
        add_post(project, n, f"2026-11-2{n + 3} 10:00")
    at(monkeypatch, "2026-11-26T12:00:00+00:00")
    before = project.record_path.read_bytes()
    result = project.publish("--test-send", "me@example.org", "--post", "digest")
    assert result.code == 0, result.text
    assert "Nothing was recorded: the digest goes at 2026-11-30 09:00 GMT." in result.out
    [message] = project.messages(tests=True)
    assert [h.text_content() for h in html_of(message).xpath("//h2")] == ["Digest post 2", "Digest post 1"]
    assert project.record_path.read_bytes() == before and project.eml_files() == []


def test_a_planned_digest_is_finished_even_after_switching_back_to_each(tmp_path, monkeypatch):
    project = digest_project(tmp_path)
    uuids = [add_post(project, n, f"2026-11-2{n} 10:00") for n in (4, 5)]
    at(monkeypatch, AFTER_SEND)
    publish_killed_at_save(project, monkeypatch, has_digest_entry)
    project.configure(pelican='NEWSLETTER["CADENCE"] = "each"')
    alone = project.publish("--post", "digest-post-4")
    assert alone.code == 1
    assert "is in a digest that an earlier run planned and may have sent" in alone.err
    result = project.publish()
    assert result.code == 0, result.text
    assert len(project.eml_files()) == 1  # the digest, found; no single emails
    record = project.record()
    [digest] = digest_entries(record)
    assert {record["posts"][u]["digest"] for u in uuids} == {digest}
