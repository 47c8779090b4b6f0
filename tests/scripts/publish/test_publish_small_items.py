"""Regressions for the smaller send-once findings (issue 11, item 5).

Outbox file names that collided, an upper-case Uuid key in the send record, a UTF-16
or undecodable record, and control characters in a subject header.
"""

from __future__ import annotations

import dataclasses
import json
from email import message_from_bytes, policy

import pytest

from connected.send_record import RecordError, load_record, recorded_uuids
from scripts.backends.outbox import OutboxBackend
from tests.kit.publish_project import MIDDLE, NEWEST, OLD, clear_mailchimp_env, make_project

ADDRESS = "1 Quay Street, Leith"


@pytest.fixture
def outbox(tmp_path):
    return OutboxBackend(
        outbox_path=tmp_path / "outbox",
        from_name="Ada Writer",
        from_email="ada@example.com",
        reply_to="ada@example.com",
        postal_address=ADDRESS,
        siteurl="https://ada.example",
    )


def edition_with_address(make_edition, n: int, **overrides):
    edition = make_edition(n)
    edition.outbox_html.write_text(f"<p>Post {n}</p><p>{ADDRESS}</p>", encoding="utf-8")
    return dataclasses.replace(edition, **overrides)


# --- Outbox names: full Uuid, every path from post data through path_inside ---------------
def test_slugs_differing_in_punctuation_and_uuids_sharing_8_characters_get_two_files(
    outbox, make_edition
):
    first = edition_with_address(
        make_edition, 1, slug="q&a: hiring", uuid="abcdef12-0000-4000-8000-000000000001"
    )
    second = edition_with_address(
        make_edition,
        2,
        slug="q&a? hiring!",
        uuid="abcdef12-1111-4111-8111-111111111111",
        date=first.date,
    )
    assert (
        outbox.file_name(first).split(first.uuid)[0]
        == outbox.file_name(second).split(second.uuid)[0]
    )
    paths = [outbox.deliver(e).detail["path"] for e in (first, second)]
    assert len(set(paths)) == 2
    messages = sorted(outbox.outbox_path.glob("*.eml"))
    assert len(messages) == 2
    posts = {
        message_from_bytes(m.read_bytes(), policy=policy.default)["X-Connected-Post"]
        for m in messages
    }
    assert posts == {first.uuid, second.uuid}
    # A re-run finds each post's own file, not the other's.
    assert outbox.deliver(second).detail == {"path": paths[1], "reused": True}


def test_hostile_slug_stays_inside_the_outbox(outbox, make_edition, tmp_path):
    edition = edition_with_address(make_edition, 3, slug="../../../tmp/x-escape")
    path = outbox.deliver(edition).detail["path"]
    assert outbox.outbox_path.resolve() in type(outbox.outbox_path)(path).resolve().parents
    assert not (tmp_path / "x-escape.eml").exists()


def test_message_from_before_full_uuid_names_is_still_found(outbox, make_edition):
    edition = edition_with_address(make_edition, 4)
    written = type(outbox.outbox_path)(outbox.deliver(edition).detail["path"])
    legacy = written.with_name(written.name.replace(edition.uuid, edition.uuid[:8]))
    written.rename(legacy)
    assert outbox.deliver(edition).detail == {"path": str(legacy), "reused": True}
    assert list(outbox.outbox_path.glob("*.eml")) == [legacy]


def test_stale_claim_without_a_message_stops_with_the_fix(outbox, make_edition):
    edition = edition_with_address(make_edition, 5)
    outbox.prepare([edition])
    claim = outbox.outbox_path / f".{edition.uuid}.claim"
    claim.write_text("ci-runner pid 4242 2026-12-01T12:00:00+00:00\n")
    outbox.claim_wait = 0.2
    from scripts.backends.base import BackendError

    with pytest.raises(BackendError) as info:
        outbox.deliver(edition)
    message = str(info.value)
    assert str(claim) in message and "ci-runner pid 4242" in message
    assert f"delete {claim.name} and re-run to write it" in message
    assert list(outbox.outbox_path.glob("*.eml")) == []


# --- Subject headers: no control character goes in raw -----------------------------------
def test_control_characters_in_a_subject_do_not_reach_the_header(outbox, make_edition):
    edition = edition_with_address(
        make_edition, 6, subject="Hello\x1b[31m red\r\nBcc: victim@example.org\x00\x07 end"
    )
    raw = type(outbox.outbox_path)(outbox.deliver(edition).detail["path"]).read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not any(b < 32 and b not in (9, 10, 13) for b in head)
    assert b"\x1b" not in raw and b"\x00" not in raw
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Hello [31m red Bcc: victim@example.org end"
    assert all(ch.isprintable() for ch in msg["Subject"])


# --- The send record: one reader, normalised keys, one-line errors ------------------------
@pytest.fixture
def project(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    return make_project(tmp_path)


def write_posts(project, posts: dict) -> None:
    project.record_path.write_text(json.dumps({"version": 1, "posts": posts}), encoding="utf-8")


def entry() -> dict:
    return {"status": "sent", "at": "2026-01-01T00:00:00+00:00", "backend": "baseline"}


def test_upper_case_uuid_keys_are_recognised_by_publish_and_the_build(project):
    write_posts(
        project, {OLD.upper(): entry(), MIDDLE: entry(), "{" + NEWEST.upper() + "}": entry()}
    )
    assert recorded_uuids(project.record_path) == {OLD, MIDDLE, NEWEST}
    result = project.publish()
    assert result.code == 0, result.text
    assert "No new posts to send." in result.out
    assert project.eml_files() == []
    # The build read the record through the same reader: no edition for a recorded post.
    manifest = json.loads((project.path / "build" / "editions" / "manifest.json").read_text())
    rendered = {p["uuid"] for p in manifest["posts"] if p.get("files")}
    assert rendered.isdisjoint({OLD, MIDDLE, NEWEST}), rendered
    # A second run, same answer (it used to want to resend, then stop, on every run).
    assert "No new posts to send." in project.publish().out


def test_upper_case_key_of_a_post_with_letters_in_its_uuid_is_not_resent(project):
    hex_uuid = "9f3c2b1a-7d6e-4c5b-8a90-fedcba987654"
    project.post_file("hex.md").write_text(
        "Title: Hex post\nDate: 2026-06-01 08:00\nSlug: hex-post\nSummary: A post.\n"
        f"Uuid: {hex_uuid}\n\nBody of the hex post.\n",
        encoding="utf-8",
    )
    posts = {u: entry() for u in (OLD, MIDDLE, NEWEST)}
    posts[hex_uuid.upper()] = entry()
    write_posts(project, posts)
    result = project.publish()
    assert result.code == 0, result.text
    assert "No new posts to send." in result.out
    assert project.eml_files() == []


def test_keys_differing_only_in_case_are_one_line_naming_the_file(tmp_path):
    path = tmp_path / "send-record.json"
    uuid = "abcdef12-0000-4000-8000-00000000beef"
    path.write_text(json.dumps({"version": 1, "posts": {uuid: entry(), uuid.upper(): entry()}}))
    with pytest.raises(RecordError) as info:
        load_record(path)
    assert str(path) in str(info.value) and "twice" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("utf-16", lambda t: t.encode("utf-16"), "saved as UTF-16, not UTF-8: save it as UTF-8"),
        ("utf-16-le without BOM", lambda t: t.encode("utf-16-le"), "saved as UTF-16"),
        (
            "latin-1",
            lambda t: t.replace("baseline", "baséline").encode("latin-1"),
            "not UTF-8 text (byte 0xe9",
        ),
        ("empty", lambda t: b"", "is empty"),
        ("truncated", lambda t: t[: len(t) // 2].encode(), "is not valid JSON (line 1"),
        (
            "duplicate key",
            lambda t: t.replace("{", '{"version": 1, ', 1).encode(),
            "lists 'version' twice",
        ),
        ("not an object", lambda t: b"[1, 2]", "the top level must be an object"),
    ],
)
def test_unreadable_record_is_one_line_naming_the_file_and_the_fix(project, name, data, expected):
    text = json.dumps({"version": 1, "posts": {OLD: entry()}})
    project.record_path.write_bytes(data(text))
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1, result.text
    assert "unexpected error" not in result.err and "Traceback" not in result.err
    stopped = [line for line in result.err.splitlines() if line.startswith("make publish stopped:")]
    assert len(stopped) == 1, result.err
    assert str(project.record_path) in stopped[0] and expected in stopped[0], stopped
    assert project.record_path.read_bytes() == before  # left untouched
    assert project.eml_files() == []


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "send-record.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"version": 1, "posts": {OLD: entry()}}).encode())
    assert set(load_record(path)["posts"]) == {OLD}


def test_control_characters_in_a_subject_do_not_reach_mailchimp(
    fake_mailchimp, make_backend, make_edition
):
    edition = dataclasses.replace(make_edition(7), subject="Hi\x1b[0m\r\nthere\x00", preheader="a\tb\x07")
    make_backend().deliver(edition)
    (create,) = fake_mailchimp.calls("POST", "/campaigns")
    assert create.body["settings"]["subject_line"] == "Hi [0m there"
    assert create.body["settings"]["preview_text"] == "a b"


# --- TEST_SEND tells the truth about what the next publish does (issue 10) ----------------
@pytest.mark.parametrize(
    ("post", "expected"),
    [
        (OLD, "will not be sent again."),
        (NEWEST, "the post will still go out with the next `make publish`."),
    ],
)
def test_test_send_says_whether_the_post_goes_out_later(project, post, expected):
    write_posts(project, {OLD: entry(), MIDDLE: entry()})
    result = project.publish("--test-send", "me@example.org", "--post", post)
    assert result.code == 0, result.text
    assert expected in result.out
    if post == OLD:
        assert "will still go out" not in result.out
    assert len(project.messages(tests=True)) == 1


def test_a_post_dated_in_the_future_is_named_in_the_dry_run_and_not_sent(project):
    """'Exactly what would be sent, and when' includes a post waiting for its date."""
    write_posts(project, {u: entry() for u in (OLD, MIDDLE, NEWEST)})
    project.post_file("later.md").write_text(
        "Title: A post for later\nDate: 2999-01-15 08:00\nSlug: later\nSummary: Later.\n"
        "Uuid: 0c0c0c0c-1111-4222-8333-444455556666\n\nNot yet.\n", encoding="utf-8")  # fmt: skip
    project.post_file("drafted.md").write_text(
        "Title: Drafted for later\nDate: 2999-02-01 08:00\nStatus: draft\nSlug: drafted\n"
        "Uuid: 0c0c0c0c-1111-4222-8333-444455557777\n\nNot yet.\n", encoding="utf-8")  # fmt: skip
    dry = project.publish("--dry-run")
    assert dry.code == 0, dry.text
    lines = [line for line in dry.out.splitlines() if line.startswith("Scheduled:")]
    # The fixture's own post from the future (2099) first, then ours: by date.
    assert [line.split("”")[0] for line in lines] == ["Scheduled: “A post from the future", "Scheduled: “A post for later"]
    assert "“A post for later” (posts/later.md) is dated 2999-01-15 08:00" in lines[1]
    assert "Drafted for later" not in dry.out  # a draft by its Status: line is not scheduled
    project.publish()
    assert all("A post for later" not in p.read_text(errors="replace") for p in project.eml_files())


@pytest.mark.parametrize("address", ["me@x.example,all@list.example", "me@x.example>Bcc:all@list.example",
                                     "Me <me@x.example>", "me@x", "@x.example", "me@@x.example", "me@x.example\r\nBcc: y@z.example",
                                     "me;you@x.example"])  # fmt: skip
def test_test_send_takes_one_address_only(address):
    from scripts.publish import PublishError, check_address

    with pytest.raises(PublishError, match="is not one email address"):
        check_address(address)


def test_test_send_keeps_an_ordinary_address():
    from scripts.publish import check_address

    assert check_address(" first.last+news@mail.example.org ") == "first.last+news@mail.example.org"


def test_a_bad_test_send_address_changes_nothing(project):
    """Checked before the build: output/ is left as the last build made it."""
    write_posts(project, {u: entry() for u in (OLD, MIDDLE, NEWEST)})
    assert project.publish().code == 0
    index = project.path / "output" / "index.html"
    stamp = index.stat().st_mtime_ns
    result = project.publish("--test-send", "me@x.example,all@list.example")
    assert result.code == 1 and "is not one email address" in result.err
    assert "Building the site" not in result.out
    assert index.stat().st_mtime_ns == stamp
