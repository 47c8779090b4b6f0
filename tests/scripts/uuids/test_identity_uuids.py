"""`make uuids` writes the id a post already has, in Markdown and reST alike.

The id a post without a `Uuid:` has is derived from its path (connected/identity.py);
the feeds and the send record know it by that id, so `make uuids` must write exactly
that one, and nothing else of the file may change (issue 10; issue 12 item 2).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import feedparser

from connected.identity import fallback_uuid
from tests.conftest import DATA, ROOT, build_site, run_cli

RST_FILES = {
    # A usual Pelican reST post: title, field list, body.
    "fields.rst": (
        b"A reST post with fields\n#######################\n\n:date: 2026-02-01 10:00\n"
        b":tags: one,\n   two\n:summary: Fields and a continuation line.\n\nThe body.\n"
    ),
    # Over- and underline, CRLF, blank lines between fields.
    "crlf.rst": (
        b"=============\r\nA CRLF post\r\n=============\r\n\r\n:date: 2026-02-02 10:00\r\n\r\n"
        b":summary: Windows line endings.\r\n\r\nBody.\r\n"
    ),
    # A BOM and no final newline.
    "bom.rst": b"\xef\xbb\xbfA BOM post\n============\n\n:date: 2026-02-03 10:00\n:summary: With a BOM.",
}
RST_EXPECTED_LINE = {
    "fields.rst": (b":summary: Fields and a continuation line.\n", b":uuid: {id}\n"),
    "crlf.rst": (b":summary: Windows line endings.\r\n", b":uuid: {id}\r\n"),
    "bom.rst": (b":summary: With a BOM.", b"\n:uuid: {id}\n"),
}


def uuids_cli(content: Path):
    return run_cli("-m", "scripts.uuids", "--content", str(content))


def make_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(DATA / "good_minimal", content)
    for name, data in RST_FILES.items():
        (content / "posts" / name).write_bytes(data)
    (content / "posts" / "plain.md").write_bytes(
        b"---\nTitle: A fenced Markdown post\nDate: 2026-02-04 10:00\nSummary: Fenced.\n---\nBody.\n"
    )
    return content


def feed_ids(output: Path) -> dict[str, str]:
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    assert feed.bozo == 0
    # docutils keeps a BOM in a reST title (Pelican's behaviour, not ours): compare without it.
    return {entry.title.lstrip("\ufeff"): entry.id for entry in feed.entries}


def test_uuids_writes_the_path_derived_id_and_keeps_every_other_byte(tmp_path):
    content = make_content(tmp_path)
    before = {p: p.read_bytes() for p in (content / "posts").iterdir()}
    result = uuids_cli(content)
    assert result.returncode == 0, result.stderr
    for name, (anchor, line) in RST_EXPECTED_LINE.items():
        path = content / "posts" / name
        expected_id = fallback_uuid(f"posts/{name}")
        assert f"posts/{name}: added Uuid: {expected_id} (the id it already had)" in result.stdout
        want = before[path].replace(anchor, anchor + line.replace(b"{id}", expected_id.encode()))
        assert path.read_bytes() == want, name
    fenced = content / "posts" / "plain.md"
    plain_id = fallback_uuid("posts/plain.md")
    assert fenced.read_bytes() == before[fenced].replace(b"Fenced.\n", f"Fenced.\nUuid: {plain_id}\n".encode())
    for path, data in before.items():
        if b"Uuid:" in data:
            assert path.read_bytes() == data  # files with an id are not touched


def test_rest_title_without_fields_gets_a_field_list(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    path = content / "posts" / "bare.rst"
    path.write_bytes(b"Just a title\n============\n\nBody paragraph.\n")
    assert uuids_cli(content).returncode == 0
    value = fallback_uuid("posts/bare.rst")
    assert path.read_bytes() == f"Just a title\n============\n\n:uuid: {value}\n\nBody paragraph.\n".encode()


def test_pelican_reads_the_written_ids_back(tmp_path):
    from pelican.readers import MarkdownReader, RstReader
    from pelican.settings import read_settings

    content = make_content(tmp_path)
    assert uuids_cli(content).returncode == 0
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    for name in [*RST_FILES, "plain.md"]:
        reader = RstReader(settings) if name.endswith(".rst") else MarkdownReader(settings)
        body, meta = reader.read(str(content / "posts" / name))
        assert meta["uuid"] == fallback_uuid(f"posts/{name}"), name
        assert "uuid" not in body.lower(), name  # a field, not a line of the body


def test_feed_ids_are_the_same_before_and_after_uuids(tmp_path):
    """The feeds (and so the send record) knew each post by its id before `make uuids`."""
    content = make_content(tmp_path / "a")
    first = feed_ids(build_site(tmp_path / "a", content))
    assert {"A reST post with fields", "A CRLF post", "A BOM post", "A fenced Markdown post"} <= set(first)
    assert uuids_cli(content).returncode == 0
    shutil.copytree(content, tmp_path / "b" / "content")
    second = feed_ids(build_site(tmp_path / "b", tmp_path / "b" / "content"))
    assert second == first


def test_a_path_id_already_owned_by_another_file_gets_a_new_one(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    taken = fallback_uuid("posts/b.md")
    (content / "posts" / "a.md").write_text(f"Title: A\nDate: 2026-01-01\nUuid: {taken}\n\nA.\n", encoding="utf-8")
    (content / "posts" / "b.md").write_text("Title: B\nDate: 2026-01-02\n\nB.\n", encoding="utf-8")
    result = uuids_cli(content)
    assert result.returncode == 0, result.stderr
    written = (content / "posts" / "b.md").read_text("utf-8").split("Uuid: ")[1].split("\n")[0]
    assert written != taken and uuid.UUID(written).version == 4
    assert (
        f"posts/b.md: added Uuid: {written} (a new id: the one derived from its path, {taken}, "
        "is already the Uuid of"
    ) in result.stdout


def test_html_posts_and_empty_lines_are_reported_with_the_id_to_write(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    page = content / "posts" / "page.html"
    page.write_text("<html><head><title>T</title></head><body>x</body></html>", encoding="utf-8")
    empty = content / "posts" / "empty.md"
    empty.write_text("Title: E\nDate: 2026-01-01\nUuid:\n\nE.\n", encoding="utf-8")
    snapshot = {page: page.read_bytes(), empty: empty.read_bytes()}
    result = uuids_cli(content)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()
    assert any(
        line.endswith(
            "page.html: make uuids does not edit HTML posts — add "
            f'<meta name="uuid" content="{fallback_uuid("posts/page.html")}"> to its <head> '
            "(the id this post already has)"
        )
        for line in problems
    ), problems
    assert any(
        line.endswith(f"empty.md: has an empty Uuid: line — write 'Uuid: {fallback_uuid('posts/empty.md')}' there (the id this post already has)")
        for line in problems
    ), problems
    assert {p: p.read_bytes() for p in snapshot} == snapshot


def test_rest_without_title_is_reported(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "loose.rst").write_bytes(b"Just a paragraph of text.\n")
    result = uuids_cli(content)
    assert result.returncode == 1
    assert "loose.rst: has no metadata header — start it with a title, an underline and ':date: …'" in result.stderr
