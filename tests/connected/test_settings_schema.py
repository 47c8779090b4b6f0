"""connected/settings_schema.py: the one list of every settings dict's keys,
its typo finder, and agreement with the components that still validate their
own dict (a key added there and not here, or the reverse, fails here)."""

import pytest

from connected.settings_schema import SCHEMA, closest_key, edit_distance, settings_problems
from plugins.post_checks.keys import HEADER_KEYS


def owner_keys(name: str) -> set[str]:
    if name == "NEWSLETTER":
        from connected.newsletter_settings import KNOWN_KEYS

        return set(KNOWN_KEYS)
    if name == "STATS":
        from scripts.stats import STATS_KEYS

        return set(STATS_KEYS)
    if name == "DEPLOY":
        from scripts.deploy import KNOWN_KEYS

        return set(KNOWN_KEYS)
    if name == "FAST_BUILD":
        from plugins.fast_build.settings import DEFAULTS

        return set(DEFAULTS)
    if name == "SITE_FEEDS":
        from plugins.site_feeds.settings import DEFAULTS

        return set(DEFAULTS)
    raise KeyError(name)


@pytest.mark.parametrize("name", ["NEWSLETTER", "STATS", "DEPLOY", "FAST_BUILD", "SITE_FEEDS"])
def test_schema_agrees_with_the_owner_of_each_dict(name):
    assert set(SCHEMA[name]) == owner_keys(name)


def test_schema_defaults_agree_where_the_owner_has_them():
    from plugins.fast_build.settings import DEFAULTS as FAST
    from plugins.site_feeds.settings import DEFAULTS as FEEDS

    assert {k: v.default for k, v in SCHEMA["SITE_FEEDS"].items()} == FEEDS
    assert {k: v.default for k, v in SCHEMA["FAST_BUILD"].items()} == FAST


def test_the_sample_settings_have_no_unknown_key():
    from pelican.settings import read_settings

    from tests.conftest import SAMPLE

    for name in ("pelicanconf.py", "publishconf.py"):  # as shipped, not the writer's own
        problems, notes = settings_problems(read_settings(str(SAMPLE / name)))
        assert (problems, notes) == ([], []), name


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("stauts", "status", 1), ("titel", "title", 1), ("tag", "tags", 1), ("dat", "date", 1),
     ("sumary", "summary", 1), ("abc", "abc", 0), ("kitten", "sitting", 3), ("", "ab", 2)],
)  # fmt: skip
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Stauts", "Status"), ("Tag", "Tags"), ("Sumary", "Summary"), ("Titel", "Title"), ("Dat", "Date"),
     ("save-as", "Save_as"), ("ORIGINAL", "Original_url"), ("Series", None), ("Keywords", None),
     ("Cover_credit", None), ("X-custom", None), ("name", None)],
)  # fmt: skip
def test_closest_header_key(typed, expected):
    assert closest_key(typed, list(HEADER_KEYS)) == expected


def test_settings_problems_and_notes():
    problems, notes = settings_problems(
        {"AUTHOR_PROFILE": {"LINKEDIN": "x", "PRONOUNS": "they"}, "SUBSCRIBE": {"FORM_URL": "http://x.example/"}}
    )
    assert problems == [
        "pelicanconf.py: AUTHOR_PROFILE has unknown key 'LINKEDIN' — did you mean 'LINKEDIN_URL'? "
        "Rename AUTHOR_PROFILE['LINKEDIN'] to AUTHOR_PROFILE['LINKEDIN_URL']",
        "pelicanconf.py: SUBSCRIBE['FORM_URL'] must be an https:// URL or empty, not 'http://x.example/' — "
        "the Mailchimp embedded form's action URL (https only)",
    ]
    assert len(notes) == 1 and "AUTHOR_PROFILE has unknown key 'PRONOUNS'" in notes[0]
