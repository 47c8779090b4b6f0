"""The send record file: format, atomic writes, refusal to touch a corrupt record."""

import json
import os
from datetime import UTC, datetime

import pytest

from connected.send_record import (
    RecordError,
    dumps_record,
    empty_record,
    load_record,
    mark_baseline,
    save_record,
    set_entry,
)

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_missing_record_is_none(tmp_path):
    assert load_record(tmp_path / "send-record.json") is None


def test_round_trip_sorted_one_post_per_line(tmp_path):
    path = tmp_path / "send-record.json"
    record = empty_record()
    set_entry(record, "b" * 8, status="sent", at=WHEN, backend="outbox", title="Café", url="https://x.example/b/")
    set_entry(record, "a" * 8, status="scheduled", at=WHEN, backend="mailchimp", campaign_id="c0ffee")
    save_record(path, record)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == record
    assert load_record(path) == record
    lines = text.splitlines()
    # One line per post, sorted by uuid: a git diff of a send is one added line.
    post_lines = [line for line in lines if line.startswith('    "')]
    assert [json.loads("{" + line.rstrip(",") + "}") for line in post_lines] == [
        {"a" * 8: record["posts"]["a" * 8]},
        {"b" * 8: record["posts"]["b" * 8]},
    ]
    assert "Café" in text  # readable, not \u-escaped
    assert record["posts"]["a" * 8]["at"] == "2026-11-20T09:00:00+00:00"


def test_corrupt_record_names_file_and_is_never_overwritten(tmp_path):
    path = tmp_path / "send-record.json"
    path.write_text('{"version": 1, "posts": {', encoding="utf-8")
    with pytest.raises(RecordError) as info:
        load_record(path)
    assert str(path) in str(info.value)
    assert "not valid JSON" in str(info.value)
    assert path.read_text(encoding="utf-8") == '{"version": 1, "posts": {'


@pytest.mark.parametrize(
    "data, words",
    [
        ([], "top level"),
        ({"version": 2, "posts": {}}, "version"),
        ({"version": 1, "posts": []}, "posts"),
        ({"version": 1, "posts": {"u": {"status": "maybe"}}}, "status"),
    ],
)
def test_invalid_record_structure(tmp_path, data, words):
    path = tmp_path / "send-record.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError, match=words):
        load_record(path)


def test_atomic_write_leaves_old_record_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "send-record.json"
    record = empty_record()
    set_entry(record, "u1", status="sent", at=WHEN, backend="outbox")
    save_record(path, record)
    before = path.read_bytes()
    set_entry(record, "u2", status="sent", at=WHEN, backend="outbox")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(RecordError, match="disk full"):
        save_record(path, record)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["send-record.json"]  # no temp file left


def test_dumps_empty_record_is_valid_json():
    assert json.loads(dumps_record(empty_record())) == {"version": 1, "posts": {}}


def test_mark_baseline_skips_recorded_posts():
    record = empty_record()
    set_entry(record, "u1", status="held", at=WHEN, backend="mailchimp")
    added = mark_baseline(record, [{"uuid": "u1", "title": "A"}, {"uuid": "u2", "title": "B", "url": "https://x/b/"}], at=WHEN)
    assert added == ["u2"]
    assert record["posts"]["u1"]["status"] == "held"
    assert record["posts"]["u2"] == {
        "status": "sent", "at": "2026-11-20T09:00:00+00:00", "backend": "baseline", "title": "B", "url": "https://x/b/",
    }


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        set_entry(empty_record(), "u", status="sent", at=datetime(2026, 1, 1), backend="outbox")
