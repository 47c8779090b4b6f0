"""The small shared concepts in connected/, each with one owner the plugins and scripts import:
the header reader's body and values, "is this post published?", image size, the site-URL
join and write-if-changed."""

import os
import struct
import zlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from connected.files import write_if_changed
from connected.header import MARKDOWN_SUFFIXES, RST_SUFFIXES, parse_header, syntax_of
from connected.images import image_size
from connected.published import is_published
from connected.urls import url_on_site


def test_the_header_reader_gives_values_the_line_after_the_header_and_the_body():
    header = parse_header("Title: A\nSlug: a\nSlug: b\nSummary: one\n    two\n\nBody\n", "markdown")
    assert header.values("slug") == ["a", "b"]
    assert header.last_line == 5  # after Summary's continuation line
    assert header.body() == "Body"
    fenced = parse_header("---\nTitle: A\n---\n\nBody", "markdown")
    assert fenced.values("title") == ["A"] and fenced.body() == "Body"
    assert parse_header("Just prose.\n", "markdown").last_line == 0


def test_one_suffix_tuple_per_syntax():
    assert [syntax_of(f"x{suffix.upper()}") for suffix in MARKDOWN_SUFFIXES] == ["markdown"] * 4
    assert [syntax_of(f"x{suffix}") for suffix in RST_SUFFIXES] == ["rst"]
    assert syntax_of("x.html") == "other"


def test_published_means_status_published_and_not_dated_after_now():
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert is_published(SimpleNamespace(status="published", date=now), now)
    assert not is_published(SimpleNamespace(status="published", date=now + timedelta(seconds=1)), now)
    assert not is_published(SimpleNamespace(status="draft", date=now), now)
    assert not is_published(SimpleNamespace(status="hidden", date=now - timedelta(days=1)), now)
    # A naive date is read as UTC, and a post without a date is published.
    assert is_published(SimpleNamespace(status="published", date=datetime(2026, 6, 1, 11)), now)
    assert not is_published(SimpleNamespace(status="published", date=datetime(2026, 6, 1, 13)), now)
    assert is_published(SimpleNamespace(status="published"), now)


def test_image_size_reads_raster_headers_and_svg_only_when_asked(tmp_path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 3, 8, 0, 0, 0, 0)))
    svg = tmp_path / "x.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450"></svg>')
    assert image_size(png) == image_size(png, svg=False) == (7, 3)
    assert image_size(svg) == (800, 450)
    assert image_size(svg, svg=False) is None  # the email leaves SVG unsized
    assert image_size(tmp_path / "missing.png") is None


def test_url_on_site_joins_to_the_site_root_and_keeps_absolute_urls():
    assert url_on_site("https://a.example/blog/", "/2026/x/") == "https://a.example/blog/2026/x/"
    assert url_on_site("", "images/card.png") == "/images/card.png"  # development: site-root relative
    assert url_on_site("https://a.example", "mailto:me@a.example") == "mailto:me@a.example"


def test_write_if_changed_keeps_an_unchanged_file_untouched(tmp_path):
    path = tmp_path / "deep" / "a.txt"
    assert write_if_changed(path, b"one") is True
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(path, b"one") is False
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert write_if_changed(path, b"two") is True and path.read_bytes() == b"two"
