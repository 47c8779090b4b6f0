"""The one header reader (connected/header.py) reads a reST post's fields as Pelican does:
docutils' docinfo, the field list first after the title (or first in a file without one),
blank lines allowed between its fields; scripts/uuids.py places a new `:uuid:` with it."""

import random

import pytest
from pelican.readers import RstReader
from pelican.settings import DEFAULT_CONFIG

from connected.header import parse_header
from scripts.uuids import add_uuid
from scripts.uuids import read_header as locate_header

KEYS = ["uuid", "slug", "note", "series", "canonical", "lang"]
WORDS = ["alpha", "beta", "gamma", "delta", "Café", "x-1", "two words"]


def generated_post(rng: random.Random) -> tuple[str, dict[str, str]]:
    """A valid reST post with a random title form, field spacing and continuation lines,
    and the fields it carries (key -> value with continuation lines joined by spaces)."""
    lines = [""] * rng.randint(0, 2)
    style = rng.choice(["underline", "overline", "none"])
    if style == "overline":
        lines += ["=" * 9, " A title", "=" * 9]
    elif style == "underline":
        lines += ["A title", rng.choice("=-~#*") * 7]
    if style != "none":
        lines.append("")
    fields: dict[str, str] = {}
    for key in rng.sample(KEYS, rng.randint(1, len(KEYS))):
        value = [rng.choice(WORDS) for _ in range(rng.randint(1, 2))]
        lines.append(f":{key}: {value[0]}")
        lines += [f"   {more}" for more in value[1:]]
        fields[key] = " ".join(value)
        lines += [""] * rng.choice([0, 0, 1, 2])
    lines += ["", "The body, a paragraph.", ""]
    return "\n".join(lines), fields


def pelican_fields(path) -> dict[str, str]:
    _, metadata = RstReader(dict(DEFAULT_CONFIG)).read(str(path))
    return {key: " ".join(str(value).split("\n")) for key, value in metadata.items() if key in KEYS}


@pytest.mark.parametrize("seed", range(4))
def test_the_fields_read_are_the_fields_pelican_reads(tmp_path, seed):
    rng = random.Random(seed)
    for number in range(25):
        text, fields = generated_post(rng)
        path = tmp_path / f"post{number}.rst"
        path.write_text(text, encoding="utf-8")
        header = parse_header(text, "rst")
        read = {entry.name: " ".join([entry.value, *entry.continued]) for entry in header.entries}
        assert read == fields == pelican_fields(path), text


def test_a_field_after_a_blank_line_is_still_in_the_header():
    text = "Title\n=====\n\n:date: 2026-01-02\n\n:uuid: 3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b\n\nBody\n"
    header = parse_header(text, "rst")
    assert header.values("uuid") == ["3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b"]
    assert header.body() == "Body"
    # so make uuids sees the Uuid and adds no second one
    assert locate_header(text.encode(), "rst").uuids == ["3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b"]


def test_title_forms_and_where_a_new_field_goes():
    assert parse_header("=====\nTitle\n=====\n\n:date: 2026\n", "rst").title_end == 3
    assert parse_header("Title\n-----\n:date: 2026\n", "rst").title_end == 2
    # an overline that does not match its underline is no title (docutils refuses the file)
    assert parse_header("=====\nTitle\n-----\n", "rst").title_end is None
    no_title = parse_header(":title: T\n:date: 2026\n\nBody\n", "rst")
    assert no_title.title_end is None and no_title.values("title") == ["T"]
    assert parse_header("Just a paragraph.\n", "rst").body_start == 0
    # a title without fields gets a field list of its own, set off by blank lines
    assert add_uuid(b"Title\n=====\nBody\n", "U", "rst") == b"Title\n=====\n\n:uuid: U\n\nBody\n"
    assert add_uuid(b"Title\r\n=====\r\n\r\n:date: 2026\r\n", "U", "rst") == (
        b"Title\r\n=====\r\n\r\n:date: 2026\r\n:uuid: U\r\n"
    )
