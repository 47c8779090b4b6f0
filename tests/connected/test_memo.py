"""connected.memo.TextMemo: values kept across builds, keyed by the text and a salt."""

from __future__ import annotations

import json

from connected.memo import TextMemo


def test_a_value_is_computed_once_and_read_back_by_the_next_build(tmp_path):
    path = tmp_path / "memo.json"
    calls = []

    def words(text):
        calls.append(text)
        return len(text.split())

    first = TextMemo(path, salt="v1")
    assert [first.get("a b c", words), first.get("a b c", words), first.get("d", words)] == [3, 3, 1]
    first.save()
    assert calls == ["a b c", "d"]
    # The next build: nothing recomputed; only what it used is written back.
    second = TextMemo(path, salt="v1")
    assert second.get("a b c", words) == 3 and calls == ["a b c", "d"]
    second.save()
    assert list(json.loads(path.read_text())["values"].values()) == [3]
    # Another rule (salt) or an edited text is computed again.
    assert TextMemo(path, salt="v2").get("a b c", words) == 3 and calls[-1] == "a b c" and len(calls) == 3
    assert TextMemo(path, salt="v1").get("a b c d", words) == 4 and len(calls) == 4


def test_a_damaged_or_missing_memo_is_an_empty_one(tmp_path):
    path = tmp_path / "memo.json"
    for broken in ("{not json", '{"salt": "v1", "values": []}', "[]"):
        path.write_text(broken)
        assert TextMemo(path, salt="v1").get("x y", lambda text: 2) == 2
    assert TextMemo(None, salt="v1").get("x", lambda text: 1) == 1
    TextMemo(None, salt="v1").save()  # nowhere to write: nothing happens
