"""connected/publishing.py, send_record's hold/release/pending and connected/editions.py,
called directly: the decisions `make publish` takes, on small inputs, without a subprocess.

The end-to-end runs (build, deploy, backends, crashes) are in test_publish_*.py; here each
rule gets the inputs that make it decide one way or the other, and the test asserts the
decision (which posts, which entry, which message), not that it ran.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from connected.editions import Edition, ManifestError, read_manifest
from connected.identity import fallback_uuid
from connected.publishing import (
    PublishError,
    baseline_posts,
    blocked_message,
    check_cap,
    delivery_words,
    held_uuid,
    live_status,
    no_record_error,
    only_post,
    placeholder_problems,
    quarter_hour_after,
    schedule_time,
    sendable,
    split_for_digest,
)
from connected.send_record import hold, load_record, release, save_record, set_pending

A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
D = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
AT = "2026-11-01T09:00:00+00:00"


def post(uuid: str, day: int, **fields) -> dict:
    slug = fields.pop("slug", f"post-{uuid[0]}")
    return {
        "uuid": uuid,
        "title": f"Title {uuid[0]}",
        "slug": slug,
        "date": f"2026-11-{day:02d}T09:00:00+00:00",
        "url": f"https://blog.test/2026/{slug}/",
        "source_path": f"posts/{slug}.md",
        "newsletter": True,
        "uuid_in_file": True,
        **fields,
    }


def record(**posts) -> dict:
    return {"version": 1, "posts": {k: {"status": "sent", "at": AT, "backend": "outbox", **v} for k, v in posts.items()}}


# --- select -------------------------------------------------------------------------------------
def test_sendable_splits_new_withheld_and_recorded_posts():
    posts = [
        post(A, 1),
        post(B, 2, uuid_in_file=False),
        post(C, 3, newsletter=False),
        post(D, 4),
    ]
    found = sendable(record(**{D: {}}), posts, dry_run=False)
    assert [p["uuid"] for p in found.new] == [A]
    assert [p["uuid"] for p in found.withheld] == [B]
    assert found.recognised == [] and not found.moved


def test_a_post_recorded_under_its_path_id_is_not_new_and_its_entry_moves_outside_a_dry_run():
    old = fallback_uuid("posts/post-a.md")
    posts = [post(A, 1)]
    dry = record(**{old: {"source_path": "posts/post-a.md"}})
    found = sendable(dry, posts, dry_run=True)
    assert found.new == [] and not found.moved
    assert list(dry["posts"]) == [old]  # a dry run changes nothing
    assert found.recognised[0].startswith("posts/post-a.md: not sent again")
    assert f"under an older id, {old} (same path-derived id)" in found.recognised[0]

    real = record(**{old: {"source_path": "posts/post-a.md"}})
    found = sendable(real, posts, dry_run=False)
    assert found.moved
    assert list(real["posts"]) == [A]
    assert real["posts"][A]["previous_ids"] == [old]
    assert f"that entry now carries its current id, {A}" in found.recognised[0]


def test_post_option_names_why_a_post_is_not_sendable():
    posts = [post(A, 1), post(B, 2)]
    rec = record(**{B: {}})
    new = sendable(rec, posts, dry_run=True).new
    assert only_post(rec, posts, new, "post-a") is posts[0]
    assert only_post(rec, posts, new, A.upper()) is posts[0]  # a Uuid in any case
    with pytest.raises(PublishError, match="POST=post-b: .* is not sendable: it is recorded as sent") as err:
        only_post(rec, posts, new, "post-b")
    assert err.value.retry_safe is False
    with pytest.raises(PublishError, match="POST=nope: no published post has that slug or Uuid"):
        only_post(rec, posts, new, "nope")


def test_digest_mode_keeps_only_newsletter_now_posts_for_one_by_one():
    posts = [post(A, 1), post(B, 2, newsletter_now=True), post(C, 3)]
    alone, digest = split_for_digest(posts)
    assert [p["uuid"] for p in alone] == [B]
    assert [p["uuid"] for p in digest] == [A, C]


def test_more_new_posts_than_the_cap_refuses_and_names_them():
    posts = [post(A, 1), post(B, 2), post(C, 3)]
    check_cap(posts, 3)  # at the cap: fine
    with pytest.raises(PublishError) as err:
        check_cap(posts, 2)
    message = str(err.value)
    assert message.startswith("3 posts are new, more than NEWSLETTER['MAX_PER_RUN'] = 2; nothing was sent.")
    assert all(p["uuid"] in message for p in posts)
    assert "BASELINE=all" in message and err.value.retry_safe is False


def test_blocked_message_lists_each_broken_link():
    message = blocked_message(post(A, 1, blockers=["broken link /x", "missing image /y.png"]))
    assert "it has 2 broken link(s) or image(s):\n  - broken link /x\n  - missing image /y.png\n" in message


def test_without_a_record_the_error_names_the_newest_newsletter_post():
    posts = [post(A, 1), post(B, 5, newsletter=False), post(C, 3)]
    message = str(no_record_error(__import__("pathlib").Path("send-record.json"), posts))
    assert "every one of the 3 published post(s) would count as new" in message
    assert message.endswith(f"(the newest is “Title c” (2026-11-03, post-c, {C}))")


# --- baseline and release ------------------------------------------------------------------------
def test_baseline_all_marks_every_unrecorded_post_and_all_but_newest_leaves_the_newest_out():
    posts = [post(A, 1), post(B, 2), post(C, 9, newsletter=False), post(D, 3)]
    rec = record(**{A: {}})
    marked, newest = baseline_posts(rec, posts, "all")
    assert [p["uuid"] for p in marked] == [B, C, D] and newest is None
    marked, newest = baseline_posts(rec, posts, "all-but-newest")
    # C is newer, but has Newsletter: no: the newest *newsletter* post is left out.
    assert newest["uuid"] == D
    assert [p["uuid"] for p in marked] == [B, C]


def test_release_finds_a_held_post_by_slug_uuid_or_the_slug_of_its_recorded_url():
    rec = record(**{A: {"status": "held", "title": "Held A", "url": "https://blog.test/2026/gone/"}, B: {}})
    posts = [post(A, 1), post(B, 2)]
    assert held_uuid(rec, posts, "post-a") == A
    assert held_uuid(rec, posts, A.upper()) == A
    assert held_uuid(rec, [], "gone") == A  # the post no longer builds
    with pytest.raises(PublishError, match=r"RELEASE=post-b: that post is recorded as sent, .*Held posts: Held A \(a"):
        held_uuid(rec, posts, "post-b")
    with pytest.raises(PublishError, match="RELEASE=zzz: that post is not in the send record"):
        held_uuid(rec, posts, "zzz")
    release(rec, A)
    assert list(rec["posts"]) == [B]
    with pytest.raises(ValueError):
        release(rec, B)  # a sent entry is never released


# --- release time --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "minutes", "expected"),
    [
        ("2026-11-01T10:07:00+00:00", 0, "2026-11-01T10:15:00+00:00"),
        ("2026-11-01T10:15:00+00:00", 0, "2026-11-01T10:15:00+00:00"),
        ("2026-11-01T10:15:01+00:00", 30, "2026-11-01T11:00:00+00:00"),
        ("2026-11-01T23:50:00+01:00", 20, "2026-11-01T23:15:00+00:00"),
    ],
)
def test_quarter_hour_after_rounds_up_in_utc(now, minutes, expected):
    assert quarter_hour_after(datetime.fromisoformat(now), minutes) == datetime.fromisoformat(expected)


def test_no_delay_means_send_now():
    now = datetime(2026, 11, 1, 10, 7, tzinfo=UTC)
    assert schedule_time(0, now) is None
    assert schedule_time(10, now) == datetime(2026, 11, 1, 10, 30, tzinfo=UTC)


# --- the live check ------------------------------------------------------------------------------
class _Answers(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        code = self.server.codes.pop(0) if self.server.codes else 200
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Answers))
    httpd.codes = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def test_live_status_waits_with_doubling_delays_until_200(server):
    server.codes = [404, 503]
    waits = []
    url = f"http://127.0.0.1:{server.server_port}/2026/a/"
    assert live_status(url, attempts=5, first_delay=0.5, timeout=2, sleep=waits.append) is None
    assert waits == [0.5, 1.0]


def test_live_status_reports_the_last_answer_after_the_last_try(server):
    server.codes = [404] * 3
    waits = []
    url = f"http://127.0.0.1:{server.server_port}/2026/a/"
    assert live_status(url, attempts=3, first_delay=0.1, timeout=2, sleep=waits.append) == "HTTP 404"
    assert waits == [0.1, 0.2]  # no wait after the last try


# --- placeholders --------------------------------------------------------------------------------
def test_placeholders_name_each_sample_value_and_own_values_pass(tmp_path):
    settings = {"SITEURL": "https://your-name.example", "SITENAME": "Alex Morgan", "AUTHOR": "Sam"}
    newsletter = {"FROM_NAME": "Alex Morgan", "FROM_EMAIL": "hi@your-name.example", "POSTAL_ADDRESS": "1 Example Street"}
    problems = placeholder_problems(settings, newsletter, settings_file="publishconf.py", root=tmp_path)
    assert problems[0] == "SITEURL in publishconf.py is still the sample's https://your-name.example: set your site's address."
    assert problems[1].startswith("SITENAME, NEWSLETTER['FROM_NAME'] are still the sample's 'Alex Morgan'")
    assert problems[2].startswith("NEWSLETTER['FROM_EMAIL'] is the sample's hi@your-name.example")
    assert problems[3].startswith("AUTHOR_PROFILE['POSTAL_ADDRESS'] in pelicanconf.py is the sample's made-up address")
    assert len(problems) == 4
    own = placeholder_problems(
        {"SITEURL": "https://sam.dev", "SITENAME": "Sam"}, {"FROM_EMAIL": "sam@sam.dev"},
        settings_file="publishconf.py", root=tmp_path, site=True,
    )
    assert own == []


def test_site_placeholders_find_the_sample_about_page_image_and_links(tmp_path):
    (tmp_path / "content" / "pages").mkdir(parents=True)
    (tmp_path / "content" / "pages" / "about.md").write_text("I worked at Northwind Logistics.\n", encoding="utf-8")
    (tmp_path / "content" / "pages" / "now.md").write_text("My own words.\n", encoding="utf-8")
    (tmp_path / "content" / "card.png").write_bytes(b"sample image bytes")
    import hashlib

    settings = {
        "SITEURL": "https://sam.dev",
        "PATH": "content",
        "AUTHOR_PROFILE": {
            "DEFAULT_IMAGE": "card.png",
            "LINKEDIN_URL": "https://www.linkedin.com/in/your-name-example",
            "LINKS": [("GitHub", "https://github.com/sam")],
        },
    }
    sample = {hashlib.sha256(b"sample image bytes").hexdigest()}
    problems = placeholder_problems(
        settings, {}, settings_file="publishconf.py", root=tmp_path, site=True, sample_images=sample
    )
    assert len(problems) == 3
    assert problems[0].startswith("AUTHOR_PROFILE['LINKEDIN_URL'] is still the sample's")
    assert problems[1].startswith(f"{tmp_path / 'content' / 'card.png'} is still the sample's social image")
    assert problems[2] == f"{tmp_path / 'content' / 'pages' / 'about.md'} is still the sample's About text: write your own."
    # Without site=True only what reaches subscribers counts.
    assert placeholder_problems(settings, {}, settings_file="publishconf.py", root=tmp_path, sample_images=sample) == []


# --- what a delivery did -------------------------------------------------------------------------
@dataclass
class _Delivery:
    status: str
    campaign_id: str | None = None
    detail: dict = field(default_factory=dict)
    at: datetime = datetime(2026, 11, 1, 10, 15, tzinfo=UTC)


def test_delivery_words():
    assert delivery_words(_Delivery("sent", detail={"path": "outbox/a.eml"})) == ("Sent", "outbox/a.eml", "")
    done, where, again = delivery_words(_Delivery("scheduled", "c1", {"reused": True}))
    assert (done, where) == ("Scheduled for 2026-11-01 10:15 UTC", "campaign c1")
    assert again == " (found done by an earlier or another run, not sent again)"
    assert "another run" in delivery_words(_Delivery("sent", "c1", {"other_run": True, "reused": True}))[2]


# --- the send record's own operations ------------------------------------------------------------
def test_hold_holds_every_scheduled_entry_of_the_campaign_and_nothing_else(tmp_path):
    digest = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"
    rec = record(**{
        digest: {"status": "scheduled", "campaign_id": "c1", "kind": "digest"},
        A: {"status": "scheduled", "campaign_id": "c1", "digest": digest},
        B: {"status": "scheduled", "campaign_id": "c2"},
        C: {"campaign_id": "c1"},  # sent long ago with a reused id: not touched
    })
    held = hold(rec, "c1", at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    assert sorted(held) == sorted([digest, A])
    for uuid in (digest, A):
        assert rec["posts"][uuid]["status"] == "held"
        assert rec["posts"][uuid]["at"] == "2026-11-02T08:00:00+00:00"
        assert "campaign_id" not in rec["posts"][uuid]
    assert rec["posts"][B] == {"status": "scheduled", "at": AT, "backend": "outbox", "campaign_id": "c2"}
    assert rec["posts"][C]["status"] == "sent" and rec["posts"][C]["campaign_id"] == "c1"
    save_record(tmp_path / "r.json", rec)
    assert load_record(tmp_path / "r.json")["posts"][A]["status"] == "held"


def test_set_pending_keeps_a_digest_plan_with_its_campaign():
    plan = {"start": AT, "send_at": AT, "posts": [A]}
    rec = {"version": 1, "posts": {}, "pending": {B: {"campaign_id": "", "at": AT, "digest": plan}}}
    set_pending(rec, B, campaign_id="c9", at=datetime(2026, 11, 2, tzinfo=UTC))
    set_pending(rec, C, campaign_id="c8", at=datetime(2026, 11, 2, tzinfo=UTC))
    assert rec["pending"][B] == {"campaign_id": "c9", "at": "2026-11-02T00:00:00+00:00", "digest": plan}
    assert rec["pending"][C] == {"campaign_id": "c8", "at": "2026-11-02T00:00:00+00:00"}


# --- the editions manifest -----------------------------------------------------------------------
def test_edition_from_entry_resolves_files_and_refuses_an_unrendered_one(tmp_path):
    entry = post(A, 1, subject="", files={"mailchimp_html": f"{A}/m.html", "outbox_html": f"{A}/o.html",
                                         "text": f"{A}/t.txt", "mailchimp_text": f"{A}/mt.txt"})
    edition = Edition.from_entry(entry, tmp_path)
    assert edition.mailchimp_html == tmp_path / A / "m.html"
    assert edition.mailchimp_text == tmp_path / A / "mt.txt"
    assert edition.subject == "Title a"  # an empty subject falls back to the title
    assert edition.date == datetime(2026, 11, 1, 9, tzinfo=UTC)
    bare = Edition.from_entry(post(B, 2), tmp_path)  # an entry from before "files" existed
    assert bare.text == tmp_path / B / "email.txt" and bare.mailchimp_text is None
    with pytest.raises(ValueError):
        Edition.from_entry(post(C, 3, files=None), tmp_path)


def test_read_manifest_missing_bad_and_good(tmp_path):
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"Cannot read .*manifest.json .*rebuild with `make publish`"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 2, "posts": []}), encoding="utf-8")
    with pytest.raises(ManifestError, match="is not a version 1 editions manifest"):
        read_manifest(tmp_path)
    good = {"version": 1, "siteurl": "https://blog.test/", "generated_for": "publishconf", "posts": [post(A, 1)]}
    (tmp_path / "manifest.json").write_text(json.dumps(good), encoding="utf-8")
    assert read_manifest(tmp_path)["posts"][0]["uuid"] == A
