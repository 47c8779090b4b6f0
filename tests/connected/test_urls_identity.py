"""connected.identity: post_uuid on real Pelican articles read from disk."""

import uuid
from pathlib import Path

import pytest

from connected.identity import canonical_uuid, fallback_uuid, post_urn, post_uuid

U = "3F2B8C1E-5D4A-4E8F-9B6C-2A1D0E7F8C9B"


def read_article(tmp_path: Path, relpath: str, text: str):
    """Read one Markdown post with Pelican's real reader into a real Article."""
    from pelican.contents import Article
    from pelican.readers import Readers
    from pelican.settings import DEFAULT_CONFIG

    content = tmp_path / "content"
    path = content / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    settings = dict(DEFAULT_CONFIG, PATH=str(content), CACHE_CONTENT=False)
    return Readers(settings).read_file(base_path=str(content), path=relpath, content_class=Article)


POST = "Title: {title}\nDate: {date}\nSlug: {slug}\n{extra}\nBody.\n"


@pytest.mark.parametrize(
    "value",
    [U, U.lower(), "urn:uuid:" + U.lower(), "{" + U + "}", U.replace("-", "")],
)
def test_uuid_metadata_is_canonicalised(tmp_path, value):
    article = read_article(
        tmp_path,
        "posts/a.md",
        POST.format(title="A", date="2026-01-02", slug="a", extra=f"Uuid: {value}"),
    )
    assert post_uuid(article) == U.lower()
    assert post_urn(article) == "urn:uuid:" + U.lower()


def test_fallback_is_uuid5_of_the_source_path_and_survives_edits(tmp_path):
    first = read_article(
        tmp_path, "posts/career/a.md", POST.format(title="A", date="2026-01-02", slug="a", extra="")
    )
    expected = str(uuid.uuid5(uuid.NAMESPACE_URL, "connected:posts/career/a.md"))
    assert post_uuid(first) == expected
    edited = read_article(
        tmp_path,
        "posts/career/a.md",
        POST.format(title="Renamed <b>", date="2025-05-05", slug="other-slug", extra=""),
    )
    assert post_uuid(edited) == expected
    moved = read_article(
        tmp_path, "posts/b.md", POST.format(title="A", date="2026-01-02", slug="a", extra="")
    )
    assert post_uuid(moved) != expected


def test_bad_uuid_names_the_file(tmp_path):
    article = read_article(
        tmp_path,
        "posts/bad.md",
        POST.format(title="A", date="2026-01-02", slug="a", extra="Uuid: nope"),
    )
    with pytest.raises(ValueError, match=r"posts/bad\.md.*not a valid UUID"):
        post_uuid(article)


def test_helpers():
    assert canonical_uuid(" urn:uuid:" + U + " ") == U.lower()
    assert fallback_uuid("posts\\x.md") == fallback_uuid("posts/x.md")
    with pytest.raises(ValueError, match="make uuids"):
        canonical_uuid("12345")
