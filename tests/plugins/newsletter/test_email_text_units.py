"""The newsletter renderer's small pure pieces: plain lines, truncation, text part, image sizes."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from connected.images import image_size
from plugins.newsletter.plaintext import (
    html_to_text,
    plain_line,
    strip_metadata_header,
    truncate,
)

ROOT = Path(__file__).resolve().parents[3]

IMAGES = ROOT / "tests" / "data" / "email_site" / "images"

def image_dimensions(path):
    """The email's image-size lookup (connected/images.py, SVG left unsized)."""
    return image_size(path, svg=False)


def test_plain_line_strips_tags_decodes_entities_collapses_space():
    assert plain_line("<p>Hello &amp; <b>world</b>\n   again</p>") == "Hello & world again"
    assert plain_line("Why <em>not</em> &lt;b&gt; &amp; 🎉", markup=False) == "Why not <b> & 🎉"
    assert plain_line("Using <c> & <div-like> text", markup=False) == "Using <c> & <div-like> text"
    assert plain_line("") == ""


@pytest.mark.parametrize("length", [10, 149, 150, 151, 400])
def test_truncate_on_a_word_within_150(length):
    text = ("networking " * 60)[:length].strip()
    out = truncate(text)
    assert len(out) <= 150
    if len(text) <= 150:
        assert out == text
    else:
        assert out.endswith("…") and out[:-1].split()[-1] == "networking"


def test_truncate_one_long_word():
    assert truncate("x" * 300) == "x" * 149 + "…"


def test_strip_metadata_header():
    src = "Title: A\nDate: 2026-01-01\nSummary: one\n    continued\n\nBody line\n\nMore"
    assert strip_metadata_header(src) == "Body line\n\nMore"
    assert strip_metadata_header("---\ntitle: A\n---\nBody") == "Body"
    assert strip_metadata_header("Just prose, no header.\n") == "Just prose, no header."


def test_text_part_resolves_links_outside_code():
    # Was a test of absolutize_markdown (the Markdown-source text part, replaced
    # by html_to_text on the rendered HTML because its regex could hang): the
    # same promises, on HTML.
    body = (
        '<p>See <a href="../a/">a</a> and <img alt="img" src="/i.png"> and '
        '<a href="https://x.example/">https://x.example/</a>.</p>'
        '<p><img alt="Pic" src="pic.png"></p><script>bad()</script>'
        '<p><a href="../b/">B <em>link</em></a></p>'
        "<pre><code>[code](stays/relative)\nline two</code></pre>"
    )
    out = html_to_text(body, base_url="https://s.example/2026/post/")
    assert "a (https://s.example/2026/a/)" in out
    assert "img (https://s.example/i.png)" in out
    assert "Pic (https://s.example/2026/post/pic.png)" in out
    assert "B link (https://s.example/2026/b/)" in out
    assert "https://x.example/ (" not in out and "https://x.example/" in out
    assert "bad()" not in out
    assert "[code](stays/relative)\nline two" in out


def test_html_to_text_keeps_link_targets_and_lists():
    out = html_to_text('<p>Hi <a href="https://x.example/">there</a>.</p><ul><li>one</li><li>two</li></ul>')
    assert out == "Hi there (https://x.example/).\n\n- one\n- two"


def test_image_dimensions_of_fixture_files():
    assert image_dimensions(IMAGES / "wide.png") == (1200, 800)
    assert image_dimensions(IMAGES / "photo.jpg") == (640, 480)
    assert image_dimensions(IMAGES / "badge.gif") == (80, 40)


def test_image_dimensions_unknown_or_broken(tmp_path):
    (tmp_path / "a.svg").write_text("<svg/>")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")  # truncated
    assert image_dimensions(tmp_path / "a.svg") is None
    assert image_dimensions(tmp_path / "b.jpg") is None
    assert image_dimensions(tmp_path / "missing.png") is None


def test_png_written_here_is_read_back(tmp_path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 7, 3, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 8 * 3))
    (tmp_path / "x.png").write_bytes(data + chunk(b"IEND", b""))
    assert image_dimensions(tmp_path / "x.png") == (7, 3)


def _article(**meta):
    meta.setdefault("uuid", "0b8f6a52-4c1e-4d0f-9a53-0c2f4e7d1a01")
    return SimpleNamespace(
        metadata=meta,
        title="T",
        url="2026/t/",
        slug="t",
        date=datetime(2026, 1, 1, tzinfo=UTC),
        relative_source_path="posts/t.md",
        status="published",
    )


def _ctx(mode="full"):
    return SimpleNamespace(nl={"MODE": mode}, siteurl="https://s.example")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("no", False), ("False", False), ("OFF", False), ("yes", True), ("true", True), ("maybe", False)],
)
def test_newsletter_metadata_values(value, expected, caplog):
    from plugins.newsletter.render import post_fields

    assert post_fields(_article(newsletter=value), _ctx())["newsletter"] is expected
    assert ("maybe" in caplog.text) == (value == "maybe")


def test_email_mode_metadata_and_site_default(caplog):
    from plugins.newsletter.render import post_fields

    assert post_fields(_article(), _ctx("excerpt"))["mode"] == "excerpt"
    assert post_fields(_article(email_mode="Excerpt"), _ctx())["mode"] == "excerpt"
    assert post_fields(_article(email_mode="full"), _ctx("excerpt"))["mode"] == "full"
    assert post_fields(_article(email_mode="short"), _ctx())["mode"] == "full"
    assert "posts/t.md" in caplog.text and "Email_mode" in caplog.text
    assert post_fields(_article(audience_tag="  engineers "), _ctx())["audience_tag"] == "engineers"
    assert post_fields(_article(), _ctx())["url"] == "https://s.example/2026/t/"


def test_is_published():
    from connected.published import is_published

    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert is_published(_article(), now)
    assert not is_published(SimpleNamespace(status="draft", date=now), now)
    assert not is_published(SimpleNamespace(status="hidden", date=now), now)
    assert not is_published(SimpleNamespace(status="published", date=datetime(2026, 7, 1, tzinfo=UTC)), now)
