"""The URL scheme check behind the sanitizer and the theme's |safe_url: what a browser
would run is refused, whatever control characters or case hide the scheme."""

from __future__ import annotations

import random

import pytest

from connected.sanitize import is_safe_url, sanitize_html
from tests.conftest import pelican_plugin

pelican_plugin("theme_helpers")
from theme_helpers.helpers import checked_url, safe_url  # noqa: E402

UNSAFE = ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "java\nscript:x", "\x00javascript:x",
          "jav\x1fascript:x", "JAVASCRIPT:x", "vbscript:x", "data:text/html,<script>x</script>", "file:///etc/passwd",
          "java script:x", "javascript\u0000:x"]  # fmt: skip
SAFE = ["https://example.org/a", "HTTP://example.org", "mailto:a@example.org", "tel:+15551234", "/posts/x/",
        "posts/x/", "#top", "?q=1", "a/b:c", "./x:y", "", "https://example.org/?next=javascript:x"]  # fmt: skip


@pytest.mark.parametrize("url", UNSAFE)
def test_script_schemes_are_refused(url):
    assert not is_safe_url(url)
    assert checked_url(url) == "#"
    assert sanitize_html(f'<a href="{url}">x</a>') in ("<a>x</a>", '<a rel="">x</a>', "x")


@pytest.mark.parametrize("url", SAFE)
def test_relative_and_web_urls_are_kept(url):
    assert is_safe_url(url)
    assert checked_url(url) == url


def test_a_control_character_anywhere_makes_the_theme_refuse_a_url():
    assert checked_url("https://example.org/a\x07b") == "#"
    assert checked_url("https://example.org/\x1f") == "#"
    assert checked_url("https://example.org/ é") == "https://example.org/ é"  # space and letters are fine
    assert str(safe_url('https://example.org/?a=1&b="2"')) == "https://example.org/?a=1&amp;b=&#34;2&#34;"


def _reference(url: str) -> bool:
    """The rule as written: delete every character up to U+0020, lower-case, read the scheme."""
    probe = "".join(ch for ch in url if ord(ch) > 0x20).lower()
    scheme, sep, _ = probe.partition(":")
    if not sep or any(ch in scheme for ch in "/?#"):
        return True
    return scheme in {"http", "https", "mailto", "tel"}


@pytest.mark.parametrize("seed", range(3))
def test_seeded_urls_follow_the_rule(seed):
    rng = random.Random(seed)
    pieces = ["java", "script", "JaVa", ":", "/", "?", "#", "\t", "\n", "\x00", " ", "\x1f", "\x7f", "http", "S",
              "mailto", "tel", "data", "İ", "\u00a0", "ﬁ", "x", "%3A", "&colon;"]  # fmt: skip
    for _ in range(20000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert is_safe_url(url) is _reference(url), repr(url)
        want = "" if not url else ("#" if any(ord(c) < 32 for c in url) or not _reference(url) else url)
        assert checked_url(url) == want, repr(url)
