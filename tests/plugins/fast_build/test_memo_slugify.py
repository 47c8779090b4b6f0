"""fast_build's memoised slugify answers as Pelican's own, for every argument shape."""

from __future__ import annotations

import random

import pytest
from pelican import urlwrappers
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify as pelican_slugify

from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.memo_urls import memoise_slugify  # noqa: E402

_PIECES = ["Data", "data", " ", "C++", "C#", "Ünïcödé", "日本語", "<b>bold</b>", "&amp;", "--", "_", "Ça va",
           "naïve café", "x" * 40, "\u00a0", "ﬁ", "Résumé & CV", "2024", ".NET", "a/b", "'quoted'"]  # fmt: skip


@pytest.fixture
def memoised(monkeypatch):
    monkeypatch.setattr(urlwrappers, "slugify", pelican_slugify)
    memoise_slugify()
    assert urlwrappers.slugify is not pelican_slugify
    return urlwrappers.slugify


def test_the_memo_gives_pelicans_slug_for_seeded_names(memoised):
    rng = random.Random(7)
    subs_choices = [(), DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"], [("c\\+\\+", "cpp"), ("#", "sharp")],
                    [["data", "d"]]]  # fmt: skip
    for _ in range(2000):
        name = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 5)))
        subs = rng.choice(subs_choices)
        preserve, uni = rng.random() < 0.3, rng.random() < 0.3
        want = pelican_slugify(name, regex_subs=subs, preserve_case=preserve, use_unicode=uni)
        # asked twice: the second answer comes from the cache
        for _ in range(2):
            assert memoised(name, regex_subs=subs, preserve_case=preserve, use_unicode=uni) == want


def test_a_name_that_is_not_a_plain_str_goes_to_pelican(memoised):
    from markupsafe import Markup

    # A Markup name (not exactly str) is not cached: Pelican strips its tags as markup.
    assert memoised(Markup("<i>A</i> b")) == pelican_slugify(Markup("<i>A</i> b"))


def test_installing_twice_wraps_once(memoised):
    memoise_slugify()
    assert urlwrappers.slugify is memoised


def test_a_build_with_fast_build_off_calls_pelicans_slugify(monkeypatch):
    """Installed once per process, the memo answers only while a build has it on."""
    calls = []
    monkeypatch.setattr(urlwrappers, "slugify", lambda value, **kw: calls.append(value) or pelican_slugify(value, **kw))
    memoise_slugify(True)
    wrapped = urlwrappers.slugify
    for _ in range(3):
        wrapped("Career Moves")
    assert calls == ["Career Moves"]  # on: Pelican's asked once, then the cache answers
    memoise_slugify(False)
    assert urlwrappers.slugify is wrapped  # still installed: the process keeps it
    for _ in range(3):
        assert wrapped("Career Moves") == pelican_slugify("Career Moves")
    assert calls == ["Career Moves"] * 4  # off: every call is Pelican's own
    memoise_slugify(True)
    wrapped("Career Moves")
    assert len(calls) == 4  # on again: the cache answers
