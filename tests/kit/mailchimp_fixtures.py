"""Fixtures for the publish, Mailchimp, digest and email tests: a fake Mailchimp server,
editions, backends. A pytest plugin that tests/conftest.py loads for the whole suite."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.backends.base import Edition
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID, FakeMailchimp

EMAIL_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><p><a href="https://example.com/{slug}/">View on the web</a></p>
<h1>{title}</h1><p>Body of {title}.</p>
<p>Reply to this email.</p>
<p><a href="*|UNSUB|*">Unsubscribe</a> · *|LIST:ADDRESSLINE|*</p></body></html>
"""


@pytest.fixture(autouse=True)
def no_settle_wait(monkeypatch):
    """One run at a time in the suite: no need for the two-machine settle wait (15 s by
    default). The race tests (test_publish_two_checkouts.py) set their own."""
    monkeypatch.setenv("MAILCHIMP_SETTLE_SECONDS", "0")


@pytest.fixture
def fake_mailchimp():
    """A running FakeMailchimp; fails the test if any request broke the API contract."""
    fake = FakeMailchimp().start()
    try:
        yield fake
    finally:
        fake.stop()
    fake.assert_no_violations()


def write_edition(directory: Path, n: int, *, html: str | None = None, **overrides) -> Edition:
    """An Edition whose files exist under directory (uuid ...000n, slug post-n)."""
    uuid = f"00000000-0000-4000-8000-{n:012d}"
    slug = f"post-{n}"
    title = f"Post number {n}"
    folder = directory / uuid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mailchimp.html").write_text(
        html if html is not None else EMAIL_HTML.format(title=title, slug=slug), encoding="utf-8"
    )
    (folder / "outbox.html").write_text("<p>outbox</p>", encoding="utf-8")
    (folder / "email.txt").write_text(f"{title}\n\nBody of {title}.\n", encoding="utf-8")
    fields = {
        "uuid": uuid,
        "title": title,
        "url": f"https://example.com/2026/{slug}/",
        "slug": slug,
        "date": datetime(2026, 11, n % 28 + 1, 9, tzinfo=UTC),
        "subject": f"Subject {n}",
        "preheader": f"Preheader {n}",
        "mode": "full",
        "audience_tag": None,
        "mailchimp_html": folder / "mailchimp.html",
        "outbox_html": folder / "outbox.html",
        "text": folder / "email.txt",
        "source_path": f"posts/{slug}.md",
    }
    fields.update(overrides)
    return Edition(**fields)


@pytest.fixture
def make_edition(tmp_path):
    def make(n: int = 1, **overrides) -> Edition:
        return write_edition(tmp_path / "editions", n, **overrides)

    return make


@pytest.fixture
def make_backend(fake_mailchimp):
    """Build a MailchimpBackend against the fake (a new instance = a new process)."""
    from scripts.backends.mailchimp import MailchimpBackend

    sleeps: list[float] = []

    def make(**overrides):
        options = {
            "api_key": fake_mailchimp.api_key,
            "audience_id": DEFAULT_LIST_ID,
            "api_url": fake_mailchimp.url,
            "from_name": "Ada Writer",
            "reply_to": "ada@example.com",
            "timeout": 5.0,  # generous: the machine may be busy; delay faults set less
            "backoff": 0.01,
            "sleep": sleeps.append,
        }
        options.update(overrides)
        return MailchimpBackend(**options)

    make.sleeps = sleeps
    return make
