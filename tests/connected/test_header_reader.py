"""connected/header.py reads headers as Pelican's readers do, and
values.check_date accepts exactly the documented ISO 8601 forms."""

import pytest

from connected.header import parse_header
from plugins.post_checks.values import check_date, check_slug


def test_markdown_header_with_continuation_and_repeats():
    header = parse_header("---\nTitle: A\nTags: x\n    y\nTitle: B\n\nBody\x0bline\n", "markdown")
    assert [(e.key, e.value, e.line, e.continued) for e in header.entries] == [
        ("Title", "A", 2, []), ("Tags", "x", 3, ["y"]), ("Title", "B", 5, []),
    ]  # fmt: skip
    assert header.lines[header.body_start] == "Body\x0bline"  # \x0b does not split lines


def test_markdown_header_ends_at_a_line_that_is_not_metadata():
    header = parse_header("Title: A\nnot metadata\nDate: 2026-01-01\n", "markdown")
    assert [e.key for e in header.entries] == ["Title"]


def test_rest_docinfo_after_the_title():
    text = "My title\n########\n\n:date: 2026-01-01 10:00\n:tags: a,\n    b\n:summary: x\n\nBody.\n"
    header = parse_header(text, "rst")
    assert [(e.name, e.value, e.line) for e in header.entries] == [
        ("date", "2026-01-01 10:00", 4), ("tags", "a,", 5), ("summary", "x", 7),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value",
    ["2026-11-20", "2026-11-20 09:00", "2026-11-20 09:00:30", "2026-11-20T09:00", "2026-11-20T09:00:30.5",
     "2026-11-20 09:00+01:00", "2026-11-20T09:00Z", "2026-11-20 09:00 -0500", "1990-01-01", "2999-12-31"],
)  # fmt: skip
def test_iso_dates_are_accepted(value):
    assert check_date("Date", value) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [("01/12/2026", "ISO 8601"), ("30/11/2026", "ISO 8601"), ("Nov 30, 2026", "ISO 8601"),
     ("2026-11-20_09:00", "ISO 8601"), ("2026-13-45", "is not a date (month"), ("0001-01-01", "outside 1990–2999"),
     ("3000-01-01", "outside 1990–2999"), ("2026-11-20 24:00", "is not a date"), ("", "ISO 8601")],
)  # fmt: skip
def test_other_dates_are_refused_with_the_accepted_forms(value, words):
    problem = check_date("Date", value)
    assert problem and words in problem and "YYYY-MM-DD" in problem


@pytest.mark.parametrize("slug", ["my-post", "café", "v1.2", "a_b~c", "a" * 200])
def test_good_slugs(slug):
    assert check_slug(slug) is None


@pytest.mark.parametrize("slug", ["../x", "/tmp/x", "a/b", "x\"y", "a b", ".hidden", "a" * 201, "", "a..b"])
def test_bad_slugs(slug):
    assert check_slug(slug)
