"""NEWSLETTER settings: defaults from AUTHOR_PROFILE, validation naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connected.newsletter_settings import KNOWN_KEYS, SettingsError, newsletter_settings


def base(**newsletter):
    return {
        "SITENAME": "Alex Morgan",
        "SITEURL": "https://your-name.example",
        "AUTHOR_PROFILE": {
            "NAME": "Alex Morgan",
            "EMAIL": "alex@your-name.example",
            "POSTAL_ADDRESS": "1 Street, Town",
        },
        "NEWSLETTER": newsletter,
    }


def test_defaults_come_from_the_author_profile():
    nl = newsletter_settings(base())
    assert nl["FROM_NAME"] == "Alex Morgan"
    assert nl["FROM_EMAIL"] == nl["REPLY_TO"] == "alex@your-name.example"
    assert nl["POSTAL_ADDRESS"] == "1 Street, Town"
    assert nl["MODE"] == "full"
    assert nl["MAX_HTML_BYTES"] == 100_000
    assert nl["MAX_PER_RUN"] == 3
    assert nl["SCHEDULE_DELAY_MINUTES"] == 0
    assert nl["WHY_LINE"] == (
        "You are receiving this because you subscribed to Alex Morgan's newsletter "
        "at https://your-name.example."
    )
    assert nl["UNSUBSCRIBE_URL"] == "mailto:alex@your-name.example?subject=Unsubscribe"
    assert set(nl) == set(KNOWN_KEYS)
    for key in ("EDITIONS_PATH", "RECORD_PATH", "OUTBOX_PATH"):
        assert isinstance(nl[key], Path) and nl[key].is_absolute()


def test_explicit_values_win():
    nl = newsletter_settings(
        base(FROM_NAME="Alex", REPLY_TO="replies@your-name.example", MODE="excerpt", MAX_PER_RUN=5)
    )
    assert (nl["FROM_NAME"], nl["REPLY_TO"], nl["MODE"], nl["MAX_PER_RUN"]) == (
        "Alex",
        "replies@your-name.example",
        "excerpt",
        5,
    )
    assert nl["FROM_EMAIL"] == "alex@your-name.example"


def test_project_settings_are_valid():
    from tests.conftest import SAMPLE, read_project_settings

    for name in ("pelicanconf.py", "publishconf.py"):
        nl = newsletter_settings(read_project_settings(name))
        assert nl["EDITIONS_PATH"] == SAMPLE / "build" / "editions"
        assert nl["POSTAL_ADDRESS"]


@pytest.mark.parametrize(
    ("newsletter", "named"),
    [
        ({"MODE": "summary"}, "MODE"),
        ({"MAX_PER_RUN": 0}, "MAX_PER_RUN"),
        ({"MAX_PER_RUN": True}, "MAX_PER_RUN"),
        ({"MAX_HTML_BYTES": "100k"}, "MAX_HTML_BYTES"),
        ({"SCHEDULE_DELAY_MINUTES": -5}, "SCHEDULE_DELAY_MINUTES"),
        ({"FROM_EMAIL": "not-an-address"}, "FROM_EMAIL"),
        ({"REPLY_TO": ""}, "REPLY_TO"),
        ({"FROM_NAME": ""}, "FROM_NAME"),
        ({"EDITIONS_PATH": ""}, "EDITIONS_PATH"),
        ({"UNSUBSCRIBE_URL": "javascript:alert(1)"}, "UNSUBSCRIBE_URL"),
        ({"TYPO_KEY": 1, "OTHER": 2}, "OTHER, TYPO_KEY"),
    ],
)
def test_bad_values_name_the_key(newsletter, named):
    with pytest.raises(SettingsError) as caught:
        newsletter_settings(base(**newsletter))
    assert named in str(caught.value)


def test_missing_profile_email_says_what_to_set():
    settings = base()
    settings["AUTHOR_PROFILE"] = {"NAME": "Alex"}
    with pytest.raises(SettingsError, match=r"NEWSLETTER\['FROM_EMAIL'\] is empty"):
        newsletter_settings(settings)


def test_no_siteurl_gives_a_why_line_without_it():
    settings = base()
    settings["SITEURL"] = ""
    assert newsletter_settings(settings)["WHY_LINE"].endswith("Alex Morgan's newsletter.")
