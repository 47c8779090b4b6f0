"""connected/send_record.match_posts and rekey_entry: finding a post recorded under an older id.

Pure functions over the record and manifest entries (the end-to-end runs are in
test_identity_publish.py); the record is written and read back through the module's
own save/load so the new fields survive the file format.
"""

from __future__ import annotations

from connected.identity import fallback_uuid
from connected.send_record import load_record, match_posts, rekey_entry, save_record

A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"


def post(uuid: str, source: str, url: str) -> dict:
    return {"uuid": uuid, "source_path": source, "url": url, "title": "T", "uuid_in_file": True}


def entry(**fields) -> dict:
    return {"status": "sent", "at": "2026-01-01T00:00:00+00:00", "backend": "outbox", **fields}


def test_own_id_first_then_path_id_then_source_path_then_url():
    record = {
        "version": 1,
        "posts": {
            A: entry(url="https://x.example/2026/a/"),
            fallback_uuid("posts/b.md"): entry(),
            C: entry(source_path="posts/c.md", url="https://x.example/2026/c/"),
            "dddddddd-dddd-4ddd-8ddd-dddddddddddd": entry(url="https://x.example/2026/d"),
        },
    }
    posts = [
        post(A, "posts/a.md", "https://x.example/2026/a/"),
        post(B, "posts/b.md", "https://x.example/2026/b/"),
        post("11111111-1111-4111-8111-111111111111", "posts/c.md", "https://x.example/2026/other/"),
        post("22222222-2222-4222-8222-222222222222", "posts/d.md", "https://x.example/2026/d/"),
        post("33333333-3333-4333-8333-333333333333", "posts/e.md", "https://x.example/2026/e/"),
    ]
    matches = match_posts(record, posts)
    assert {u: (m.key, m.by) for u, m in matches.items()} == {
        A: (A, "id"),
        B: (fallback_uuid("posts/b.md"), "path-derived id"),
        "11111111-1111-4111-8111-111111111111": (C, "source path"),
        "22222222-2222-4222-8222-222222222222": ("dddddddd-dddd-4ddd-8ddd-dddddddddddd", "URL"),  # trailing /
    }
    assert not any(m.shared for m in matches.values())


def test_an_entry_that_also_has_an_exact_owner_is_shared_and_not_moved():
    record = {"version": 1, "posts": {A: entry(url="https://x.example/2026/a/")}}
    posts = [post(A, "posts/new.md", "https://x.example/2026/new/"), post(B, "posts/a.md", "https://x.example/2026/a/")]
    matches = match_posts(record, posts)
    assert matches[B].by == "URL" and matches[B].shared and matches[A].shared
    assert rekey_entry(record, posts[1], matches[B]) is False
    assert set(record["posts"]) == {A}


def test_rekey_moves_a_sent_entry_and_the_record_round_trips(tmp_path):
    old = fallback_uuid("posts/b.md")
    record = {"version": 1, "posts": {old: entry(url="https://x.example/2026/b/", campaign_id="c1")}}
    current = post(B, "posts/b.md", "https://x.example/2026/b-new/")
    match = match_posts(record, [current])[B]
    assert rekey_entry(record, current, match) is True
    path = tmp_path / "send-record.json"
    save_record(path, record)
    again = load_record(path)
    assert set(again["posts"]) == {B}
    moved = again["posts"][B]
    assert moved["previous_ids"] == [old] and moved["campaign_id"] == "c1"
    assert moved["url"] == "https://x.example/2026/b-new/" and moved["source_path"] == "posts/b.md"
    assert match_posts(again, [current])[B].by == "id"


def test_scheduled_and_held_entries_are_recognised_but_never_moved():
    for status in ("scheduled", "held"):
        old = fallback_uuid("posts/b.md")
        record = {"version": 1, "posts": {old: entry(status=status, backend="mailchimp", campaign_id="c1")}}
        current = post(B, "posts/b.md", "https://x.example/2026/b/")
        match = match_posts(record, [current])[B]
        assert match.by == "path-derived id"
        assert rekey_entry(record, current, match) is False
        assert set(record["posts"]) == {old}
