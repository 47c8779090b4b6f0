"""SITE_FEEDS validation (unit level) and build-level switches that need no fixture edits."""

import os

import pytest

from tests.plugins.site_feeds.feeds_testkit import FUTURE, build, feed_files


def validate(raw):
    from plugins.site_feeds.settings import validate as real_validate

    return real_validate(raw)


def test_empty_dict_and_none_give_the_defaults():
    from plugins.site_feeds.settings import DEFAULTS

    assert validate({}) == DEFAULTS
    assert validate(None) == DEFAULTS
    assert DEFAULTS["MAX_ITEMS"] == 20 and DEFAULTS["CONTENT"] == "full"


@pytest.mark.parametrize(
    ("raw", "key", "hint"),
    [
        ({"max_items": 5}, "max_items", "known keys"),
        ({"MAX_ITEMS": -1}, "MAX_ITEMS", "at least 1"),
        ({"MAX_ITEMS": True}, "MAX_ITEMS", "whole number"),
        ({"MAX_ITEMS": "20"}, "MAX_ITEMS", "whole number"),
        ({"CONTENT": "excerpt"}, "CONTENT", "'full' or 'summary'"),
        ({"ALL_ATOM": 3}, "ALL_ATOM", "path string"),
        ({"ALL_JSON": "../all.json"}, "ALL_JSON", "relative path"),
        ({"ALL_JSON": "feeds/"}, "ALL_JSON", "name a file"),
        ({"CATEGORY_RSS": "feeds/{name}.rss.xml"}, "CATEGORY_RSS", "{slug}"),
        ({"TAG_RSS": "feeds/{slug}-{lang}.rss.xml"}, "TAG_RSS", "only the {slug}"),
        ({"ICON": ""}, "ICON", "path in the output"),
        ({"DEV_SITEURL": "ftp://x.example"}, "DEV_SITEURL", "http(s)"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(raw, key, hint):
    from plugins.site_feeds.settings import SiteFeedsError

    with pytest.raises(SiteFeedsError) as caught:
        validate(raw)
    message = str(caught.value)
    assert f"SITE_FEEDS[{key!r}]" in message and hint in message
    assert "docs/feeds.md" in message


def test_not_a_dict():
    from plugins.site_feeds.settings import SiteFeedsError

    with pytest.raises(SiteFeedsError, match="SITE_FEEDS must be a dict"):
        validate(["ALL_ATOM"])


def test_empty_siteurl_in_production_is_refused():
    from plugins.site_feeds.settings import SiteFeedsError, resolve

    resolved = resolve({"SITEURL": "", "SITE_FEEDS": {}})
    assert resolved.site_root == "http://localhost:8000"
    with pytest.raises(SiteFeedsError, match="SITEURL 'your-name.example'"):
        resolve({"SITEURL": "your-name.example", "SITE_FEEDS": {}})


def test_future_posts_stay_out_even_with_future_dates_on(tmp_path):
    out = build(tmp_path, WITH_FUTURE_DATES=True)
    assert (out / "2099/future-post/index.html").is_file()  # the site shows it …
    for rel, path in feed_files(out).items():  # … the feeds do not (yet)
        assert FUTURE not in path.read_text(encoding="utf-8"), rel


def test_unchanged_feeds_are_not_rewritten(tmp_path):
    out = build(tmp_path)
    before = {rel: p.stat().st_mtime_ns for rel, p in feed_files(out).items()}
    for path in feed_files(out).values():
        # An old mtime, so that a rewrite would show.
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    build(tmp_path)
    after = {rel: p.stat().st_mtime_ns for rel, p in feed_files(out).items()}
    assert set(after) == set(before)
    assert all(value == 1_000_000_000 for value in after.values())
