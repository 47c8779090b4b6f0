"""The outbox backend writes complete, standard email messages (parsed with `email`)."""

from email.utils import parsedate_to_datetime

import lxml.html
import pytest

from tests.kit.publish_project import MIDDLE, NEWEST, OLD, clear_mailchimp_env, make_project

ADDRESS = "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia"


@pytest.fixture
def project(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    return make_project(tmp_path, record=[OLD, MIDDLE])


def test_publish_writes_one_complete_message(project):
    result = project.publish()
    assert result.code == 0, result.text
    files = project.eml_files()
    assert [f.name for f in files] == [f"2026-05-01-cafe-chats-{NEWEST}.eml"]
    raw = files[0].read_bytes()
    # Headers are 7-bit on the wire: the non-ASCII subject is RFC 2047 encoded.
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert b"Subject: =?utf-8?" in head
    assert b"\r\n" in raw  # policy=SMTP line endings

    (msg,) = project.messages()
    assert msg["Subject"] == "Café chats — what coffee taught me about referrals"
    assert msg["From"].addresses[0].addr_spec == "alex@your-name.example"
    assert msg["From"].addresses[0].display_name == "Alex Morgan"
    assert msg["Reply-To"].addresses[0].addr_spec == "alex@your-name.example"
    assert msg["To"].groups[0].display_name == "undisclosed-recipients"
    assert msg["To"].addresses == ()  # nobody is addressed: it stands in for the list
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["Message-ID"] == f"<{NEWEST}@your-name.example>"
    assert msg["List-Unsubscribe"].startswith("<mailto:alex@your-name.example?subject=")
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]

    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "A twenty-minute coffee" in text
    assert "https://your-name.example/2026/cafe-chats/" in text
    doc = lxml.html.fromstring(html)
    assert ADDRESS in " ".join(doc.text_content().split())
    hrefs = [a.get("href") for a in doc.iter("a") if a.get("href")]
    assert hrefs, "the HTML edition has links"
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
    assert "*|UNSUB|*" not in html  # the outbox edition, not Mailchimp's

    assert result.out.count("Nothing was emailed") == 1
    assert str(project.outbox) in result.out
    assert "MAILCHIMP_API_KEY" in result.out
    entry = project.record()["posts"][NEWEST]
    assert entry["backend"] == "outbox" and entry["status"] == "sent"
    assert entry["url"] == "https://your-name.example/2026/cafe-chats/"


def test_test_send_writes_marked_file_and_records_nothing(project):
    before = project.record_path.read_bytes()
    result = project.publish("--test-send", "me@example.org")
    assert result.code == 0, result.text
    assert project.eml_files() == []
    (msg,) = project.messages(tests=True)
    assert msg["Subject"] == "[TEST] Café chats — what coffee taught me about referrals"
    assert [a.addr_spec for a in msg["To"].addresses] == ["me@example.org"]
    assert msg["Message-ID"] != f"<{NEWEST}@your-name.example>"
    assert project.record_path.read_bytes() == before
    assert "Nothing was recorded" in result.out
    # The real publish afterwards still sends it.
    assert project.publish().code == 0
    assert len(project.eml_files()) == 1


def test_test_send_of_a_chosen_post(project):
    result = project.publish("--test-send", "me@example.org", "--post", "keeping-in-touch")
    assert result.code == 0, result.text
    (msg,) = project.messages(tests=True)
    assert msg["Subject"] == "[TEST] Keeping in touch without being a pest"


def test_refuses_without_postal_address(project):
    project.configure(pelican='NEWSLETTER["POSTAL_ADDRESS"] = ""\nAUTHOR_PROFILE["POSTAL_ADDRESS"] = ""')
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1
    assert "POSTAL_ADDRESS" in result.err
    assert "scripts/" not in result.err  # a message, not a traceback of ours
    assert project.eml_files() == []
    assert project.record_path.read_bytes() == before


def test_rerun_after_lost_record_finds_the_file(project):
    assert project.publish().code == 0
    first = project.eml_files()[0].read_bytes()
    # The machine died before the record was written: put the old record back.
    project.write_record([OLD, MIDDLE])
    result = project.publish()
    assert result.code == 0, result.text
    assert "not sent again" in result.out
    assert [f.read_bytes() for f in project.eml_files()] == [first]
    assert project.record()["posts"][NEWEST]["backend"] == "outbox"


def test_rename_after_crash_still_finds_the_file(project):
    assert project.publish().code == 0
    project.write_record([OLD, MIDDLE])
    post = project.post_file("newest.md")
    post.write_text(post.read_text().replace("Slug: cafe-chats", "Slug: coffee-chats"))
    assert project.publish().code == 0
    assert [f.name for f in project.eml_files()] == [f"2026-05-01-cafe-chats-{NEWEST}.eml"]


def test_test_send_of_an_already_sent_post_renders_its_edition(project):
    # OLD is in the send record, so a normal build skips its edition.
    assert project.publish("--dry-run").code == 0
    manifest = (project.path / "build" / "editions" / "manifest.json").read_text("utf-8")
    assert f'"uuid": "{OLD}"' in manifest
    assert not (project.path / "build" / "editions" / OLD).exists()
    result = project.publish("--test-send", "me@example.org", "--post", OLD)
    assert result.code == 0, result.text
    (msg,) = project.messages(tests=True)
    assert msg["Subject"].startswith("[TEST] ")
    assert msg.get_body(("html",)) is not None
