"""scripts/settings_edit.py: only the asked values change, every other byte stays."""

from __future__ import annotations

import ast

import pytest

from scripts.settings_edit import SettingsEditError, SettingsSource, literal

WRITERS_FILE = '''"""My settings."""
import os  # I use this below

# --- Me ---
AUTHOR_PROFILE = {
    "NAME": "Zoë Ødegård",   # with non-ASCII before the value on the line: "é"
    "HEADLINE": ("Designer · "
                 "writer"),
    'EMAIL': 'zoe@example.org',
    "LINKS": [("GitHub", "https://github.com/zoe")],
}
TIMEZONE = "Europe/Oslo"
SITENAME = AUTHOR_PROFILE["NAME"]
EXTRA = {"NAME": "not the profile"}
OUTPUT_PATH = os.environ.get("OUT", "output")
'''


def evaluated(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "settings.py", "exec"), namespace)  # noqa: S102 - our own test text
    return namespace


def test_replacing_values_keeps_every_other_byte():
    source = SettingsSource(WRITERS_FILE, "pelicanconf.py")
    source.set_in_dict("AUTHOR_PROFILE", "NAME", "Zoë O'Brien \"Z\"")
    source.set_in_dict("AUTHOR_PROFILE", "HEADLINE", "Product designer · writer")
    source.set_in_dict("AUTHOR_PROFILE", "EMAIL", "zoe@zoe.design")
    source.set("TIMEZONE", "Europe/Lisbon")
    result = source.result()
    values = evaluated(result)
    assert values["AUTHOR_PROFILE"]["NAME"] == "Zoë O'Brien \"Z\""
    assert values["SITENAME"] == "Zoë O'Brien \"Z\""  # derived, untouched
    assert values["AUTHOR_PROFILE"]["HEADLINE"] == "Product designer · writer"
    assert values["AUTHOR_PROFILE"]["EMAIL"] == "zoe@zoe.design"
    assert values["EXTRA"] == {"NAME": "not the profile"}
    assert values["TIMEZONE"] == "Europe/Lisbon"
    # Everything but the four values is byte-for-byte the writer's.
    changed = [
        (a, b) for a, b in zip(WRITERS_FILE.splitlines(), result.splitlines(), strict=False) if a != b
    ]
    assert len(result.splitlines()) == len(WRITERS_FILE.splitlines()) - 1  # the 2-line headline became 1
    assert '# with non-ASCII before the value on the line: "é"' in result
    assert "import os  # I use this below" in result
    assert len(changed) >= 4


def test_no_edits_is_the_same_text():
    assert SettingsSource(WRITERS_FILE, "pelicanconf.py").result() == WRITERS_FILE


def test_a_later_subscript_assignment_is_the_one_changed():
    text = WRITERS_FILE + 'AUTHOR_PROFILE["NAME"] = "Set again"\n'
    source = SettingsSource(text, "pelicanconf.py")
    source.set_in_dict("AUTHOR_PROFILE", "NAME", "Final")
    result = source.result()
    assert evaluated(result)["AUTHOR_PROFILE"]["NAME"] == "Final"
    assert '"NAME": "Zoë Ødegård"' in result  # the dict literal's value was shadowed: left


def test_a_missing_key_is_added_to_the_dict_literal():
    source = SettingsSource(WRITERS_FILE, "pelicanconf.py")
    source.set_in_dict("AUTHOR_PROFILE", "POSTAL_ADDRESS", "1 Fjord Road, Oslo")
    values = evaluated(source.result())
    assert values["AUTHOR_PROFILE"]["POSTAL_ADDRESS"] == "1 Fjord Road, Oslo"
    assert values["AUTHOR_PROFILE"]["LINKS"] == [("GitHub", "https://github.com/zoe")]


def test_a_missing_assignment_is_appended():
    source = SettingsSource('SITEURL_OLD = "x"', "publishconf.py")
    source.set("SITEURL", "https://zoe.design", append_comment="added")
    result = source.result()
    assert evaluated(result)["SITEURL"] == "https://zoe.design"
    assert result.startswith('SITEURL_OLD = "x"\n')


def test_a_computed_value_names_the_line_and_the_fix():
    source = SettingsSource(WRITERS_FILE, "pelicanconf.py")
    with pytest.raises(SettingsEditError) as caught:
        source.set("OUTPUT_PATH", "out")
    message = str(caught.value)
    assert message.startswith("pelicanconf.py:15: OUTPUT_PATH is computed (os.environ.get(\"OUT\", \"output\"))")
    assert 'set it to "out" by hand' in message


def test_a_profile_that_is_not_a_dict_literal_is_refused():
    source = SettingsSource('AUTHOR_PROFILE = dict(NAME="x")\n', "pelicanconf.py")
    with pytest.raises(SettingsEditError, match=r"pelicanconf.py:1: AUTHOR_PROFILE is not a \{…\} literal"):
        source.set_in_dict("AUTHOR_PROFILE", "NAME", "y")


def test_a_syntax_error_names_the_line():
    with pytest.raises(SettingsEditError, match=r"^pelicanconf.py:2: not valid Python"):
        SettingsSource('A = 1\nB = (\n', "pelicanconf.py")


@pytest.mark.parametrize(
    "value", ["plain", "quote \" and ' both", "back\\slash", "tab\tnew\nline", "ünï · 🎉", "", [], [("a", "b")]]
)
def test_literals_read_back_as_the_same_value(value):
    assert ast.literal_eval(literal(value)) == value
