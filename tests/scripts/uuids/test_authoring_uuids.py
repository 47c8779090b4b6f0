"""`make uuids` adds a Uuid to every post/page lacking one and changes nothing else."""

import re
import shutil
import uuid
from pathlib import Path

from tests.conftest import DATA, SAMPLE, run_cli

UUID_LINE = re.compile(rb"^Uuid: (?P<value>[^\r\n]*)\r?\n", re.MULTILINE)


def uuids_cli(content: Path):
    return run_cli("-m", "scripts.uuids", "--content", str(content))


def without_uuid_line(data: bytes) -> bytes:
    return UUID_LINE.sub(b"", data, count=1)


def make_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(DATA / "good_minimal", content)
    posts = content / "posts"
    # Files as other tools write them: CRLF, a BOM, no trailing newline,
    # continuation lines, a fenced header.
    (posts / "crlf.md").write_bytes(b"Title: CRLF\r\nDate: 2026-01-02 10:00\r\n\r\nBody\r\n")
    (posts / "bom.md").write_bytes(
        b"\xef\xbb\xbfTitle: BOM\nDate: 2026-01-03 10:00\nTags: one,\n    two\n\nBody \xc3\xa9\n"
    )
    (posts / "bare.md").write_bytes(b"Title: Bare\nDate: 2026-01-04 10:00")
    (posts / "fenced.md").write_bytes(b"---\nTitle: Fenced\nDate: 2026-01-05 10:00\n---\nBody\n")
    return content


def test_uuids_adds_ids_and_keeps_every_other_byte(tmp_path):
    content = make_content(tmp_path)
    originals = {p: p.read_bytes() for p in content.rglob("*.md")}
    result = uuids_cli(content)
    assert result.returncode == 0, result.stderr

    new_ids = set()
    for path, before in originals.items():
        after = path.read_bytes()
        values = UUID_LINE.findall(after)
        assert len(values) == 1, path
        if b"Uuid:" in before:
            assert after == before, f"{path} had a Uuid and was changed"
            continue
        assert path.name in result.stdout
        new_ids.add(values[0].decode())
        if path.name == "bare.md":
            assert after == before + b"\nUuid: " + values[0] + b"\n"
        else:
            assert without_uuid_line(after) == before, path
    assert len(new_ids) == 4
    # The id each post already had (derived from its path), so nothing that knew it changes.
    from connected.identity import fallback_uuid

    assert new_ids == {fallback_uuid(f"posts/{name}") for name in ("crlf.md", "bom.md", "bare.md", "fenced.md")}
    # CRLF files get a CRLF line.
    assert b"Uuid: " + UUID_LINE.findall((content / "posts" / "crlf.md").read_bytes())[0] + b"\r\n" in (
        content / "posts" / "crlf.md"
    ).read_bytes()
    # Nothing left behind by the atomic writes.
    assert not [p for p in content.rglob(".*") if p.is_file()]


def test_uuids_output_reads_back_with_pelican(tmp_path):
    from pelican.readers import MarkdownReader
    from pelican.settings import read_settings

    content = make_content(tmp_path)
    assert uuids_cli(content).returncode == 0
    reader = MarkdownReader(read_settings(str(SAMPLE / "pelicanconf.py")))
    for name, title in [("crlf.md", "CRLF"), ("bom.md", "BOM"), ("bare.md", "Bare"), ("fenced.md", "Fenced")]:
        _html, meta = reader.read(str(content / "posts" / name))
        assert meta["title"] == title
        uuid.UUID(meta["uuid"])


def test_second_run_changes_nothing(tmp_path):
    content = make_content(tmp_path)
    assert uuids_cli(content).returncode == 0
    snapshot = {p: p.read_bytes() for p in content.rglob("*.md")}
    again = uuids_cli(content)
    assert again.returncode == 0
    assert "Added 0 Uuids" in again.stdout
    assert {p: p.read_bytes() for p in content.rglob("*.md")} == snapshot


def test_uuids_reports_duplicates_naming_both_files(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / "dup_uuid", content)
    result = uuids_cli(content)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "share Uuid" in line]
    assert len(lines) == 2, result.stderr
    assert any("copied-note.md" in line and "first-note.md" in line for line in lines)
    assert any("colophon.md" in line and "draft-idea.md" in line for line in lines)


def test_uuids_reports_a_file_without_header(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "plain.md").write_bytes(b"# Just a heading\n\nText\n")
    result = uuids_cli(content)
    assert result.returncode == 1
    assert "plain.md: has no metadata header" in result.stderr
    assert (content / "posts" / "plain.md").read_bytes() == b"# Just a heading\n\nText\n"


def test_a_duplicate_in_rest_names_the_rest_field(tmp_path):
    """The fix is said in the files' own syntax: `:uuid:` in reST."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for name in ("one", "two"):
        (content / "posts" / f"{name}.rst").write_text(
            f"Post {name}\n########\n\n:date: 2026-05-01 10:00\n:uuid: 6f1c2b7e-1d2a-4c3b-9e4f-0a1b2c3d4e5f\n\nBody.\n",
            encoding="utf-8",
        )
    result = uuids_cli(content)
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if "share Uuid" in line]
    assert "delete the :uuid: line of the newer copy" in line, line
