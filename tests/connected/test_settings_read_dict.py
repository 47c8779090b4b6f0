"""connected/settings_schema.read_dict: the one validation step of every settings dict.

Each component's loader raises its own subclass of connected.errors.SettingsError (a
ValueError) with one line naming DICT['KEY'] and the fix; defaults come from SCHEMA.
"""

import pytest

from connected.errors import ConnectedError, SettingsError
from connected.newsletter_settings import NewsletterSettingsError
from connected.profile import ProfileError
from connected.settings_schema import OWNERS, SCHEMA, read_dict, settings_problems
from plugins.fast_build.settings import FastBuildSettingsError, load
from plugins.link_checks.csp import CSPSettingsError
from plugins.redirects.pages import RedirectsSettingsError, data_file
from plugins.site_feeds.settings import SiteFeedsError


def test_missing_or_none_gives_the_schema_defaults_as_fresh_copies():
    for name, keys in SCHEMA.items():
        merged = read_dict({}, name)
        assert merged == {key: spec.default for key, spec in keys.items()}, name
    first = read_dict({}, "CSP")
    first["EMBED_HOSTS"].append("x.example")
    assert read_dict({"CSP": None}, "CSP")["EMBED_HOSTS"] == []  # the schema's default is untouched


def test_given_values_win_and_are_checked():
    merged = read_dict({"SITE_FEEDS": {"MAX_ITEMS": 5}}, "SITE_FEEDS")
    assert merged["MAX_ITEMS"] == 5 and merged["CONTENT"] == "full"
    with pytest.raises(SettingsError) as caught:
        read_dict({"SITE_FEEDS": {"MAX_ITEMS": 0}}, "SITE_FEEDS", suffix=" (see docs/feeds.md).")
    assert str(caught.value) == (
        "SITE_FEEDS['MAX_ITEMS'] must be a whole number of at least 1, or None; got 0 (see docs/feeds.md)."
    )


def test_an_unknown_key_is_named_with_the_likely_fix():
    with pytest.raises(SettingsError) as caught:
        read_dict({"FAST_BUILD": {"ENABLE": True}}, "FAST_BUILD")
    message = str(caught.value)
    assert message.startswith("FAST_BUILD['ENABLE'] is not a FAST_BUILD setting: did you mean 'ENABLED'?")
    assert "known keys: ENABLED, WORKERS" in message and "\n" not in message


def test_not_a_dict_says_what_to_write():
    with pytest.raises(SettingsError, match=r"^REDIRECTS must be a dict, but REDIRECTS in pelicanconf.py is a str: "
                       r"write a dict, e.g. REDIRECTS = \{'FILE': 'extra/redirects.json'\}"):
        read_dict({"REDIRECTS": "x.json"}, "REDIRECTS")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: load({"FAST_BUILD": {"WORKERS": -1}}), FastBuildSettingsError),
        (lambda: load({"FAST_BUILD": {"TIMINGS": "yes"}}), FastBuildSettingsError),
        (lambda: data_file({"REDIRECTS": {"FILES": "x"}, "PATH": "content"}), RedirectsSettingsError),
    ],
)
def test_each_component_raises_its_own_settings_error(call, error):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, SettingsError) and isinstance(caught.value, ValueError)
    assert caught.value.args[0].count("\n") == 0


def test_every_settings_error_class_shares_the_base():
    for cls in (FastBuildSettingsError, CSPSettingsError, RedirectsSettingsError, SiteFeedsError,
                NewsletterSettingsError, ProfileError):
        assert issubclass(cls, SettingsError) and issubclass(cls, ConnectedError), cls


def test_owned_dicts_are_left_to_their_owner_and_the_others_are_checked_here():
    assert set(OWNERS) < set(SCHEMA)
    # A bad FAST_BUILD value is the owner's to report (with its own class), not settings_problems'.
    problems, _ = settings_problems({"FAST_BUILD": {"WORKERS": -1}})
    assert problems == []
    problems, _ = settings_problems({"AUTHOR_PROFILE": {"SHOW_ADDRESS": "yes", "LINKS": ["https://x.example"]}})
    assert problems == [
        "pelicanconf.py: AUTHOR_PROFILE['LINKS'] must be a list of (label, url) pairs, "
        "e.g. [(\"GitHub\", \"https://github.com/you\")] — other profiles as (label, url) pairs",
        "pelicanconf.py: AUTHOR_PROFILE['SHOW_ADDRESS'] must be bool, got 'yes' — True: the site shows POSTAL_ADDRESS too",
    ]
    problems, _ = settings_problems({"SUBSCRIBE": ["https://x.example"]})
    assert problems == ["pelicanconf.py: SUBSCRIBE must be a dict, not list — e.g. SUBSCRIBE = {'FORM_URL': ...}"]
