"""The docs tell the truth: README.md names every make target, docs/settings.md
documents every setting key we define, and every page the README links to exists.

Targets: the Makefile's `target: … ## help` lines (what `make help` lists).
Settings: every key of every dict in the one settings schema
(connected/settings_schema.py SCHEMA), and every dict setting pelicanconf.py
defines that is ours is in that schema.
"""

import re
import sys

from tests.conftest import ROOT, SAMPLE

# Dict settings that belong to Pelican or a third-party plugin, documented upstream.
UPSTREAM_DICTS = {"SITEMAP"}
TARGET_LINE = re.compile(r"^(?P<target>[A-Za-z_-]+):.*##", re.MULTILINE)


def readme_text() -> str:
    path = ROOT / "README.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def settings_doc_text() -> str:
    path = ROOT / "docs" / "settings.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def make_targets() -> list[str]:
    return TARGET_LINE.findall((ROOT / "Makefile").read_text(encoding="utf-8"))


def our_settings_dicts(settings: dict) -> list[str]:
    """The dict settings of pelicanconf.py that are ours (not Pelican's, not a third-party plugin's)."""
    from pelican.settings import DEFAULT_CONFIG

    return sorted(
        name
        for name, value in settings.items()
        if isinstance(value, dict) and name.isupper() and name not in DEFAULT_CONFIG and name not in UPSTREAM_DICTS
    )


def setting_keys() -> dict[str, list[str]]:
    """Every settings dict and its keys, from the schema tables (not from comments)."""
    from connected.settings_schema import SCHEMA

    return {name: list(keys) for name, keys in SCHEMA.items()}


def test_every_settings_dict_of_the_sample_is_in_the_schema():
    from pelican.settings import read_settings

    from connected.settings_schema import SCHEMA

    # The settings as shipped (tests/data/sample_site is kept identical to the sample's
    # pelicanconf.py by tests/scripts/init/test_init_sample.py), not the writer's own copy.
    for name in ("pelicanconf", "publishconf"):
        sys.modules.pop(name, None)
    settings = read_settings(str(SAMPLE / "pelicanconf.py"))
    missing = [name for name in our_settings_dicts(settings) if name not in SCHEMA]
    assert not missing, "connected/settings_schema.py SCHEMA lacks these settings dicts: " + ", ".join(missing)
    unknown = [
        f"{name}[{key!r}]" for name in SCHEMA if isinstance(settings.get(name), dict)
        for key in settings[name] if key not in SCHEMA[name]
    ]
    assert not unknown, "pelicanconf.py sets keys the schema does not list: " + ", ".join(unknown)


def test_makefile_has_targets_to_document():
    targets = make_targets()
    for expected in ("help", "html", "serve", "devserver", "clean", "newpost", "uuids", "publish", "test"):
        assert expected in targets


def test_readme_documents_every_make_target():
    readme = readme_text()
    missing = [
        target
        for target in make_targets()
        if not re.search(rf"make {re.escape(target)}\b|`{re.escape(target)}`", readme)
    ]
    assert not missing, (
        "README.md does not mention these make targets (write `make <target>`): " + ", ".join(missing)
    )


def test_settings_doc_documents_every_setting_key():
    readme = settings_doc_text()
    missing = []
    for name, keys in setting_keys().items():
        if not re.search(rf"\b{name}\b", readme):
            missing.append(name)
        missing += [f"{name}[{key!r}]" for key in keys if not re.search(rf"\b{re.escape(key)}\b", readme)]
    assert not missing, "docs/settings.md does not document these settings: " + ", ".join(missing)


def test_readme_is_one_screen_per_concern():
    size = len(readme_text().encode("utf-8"))
    assert 2_000 < size < 15_000, f"README.md is {size} bytes: keep it under 15 KB, reference in docs/"


def test_every_page_the_readme_links_exists():
    links = re.findall(r"\]\(((?:docs/)[^)#\s]+)\)", readme_text())
    assert links, "README.md links no docs page"
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, "README.md links to missing files: " + ", ".join(missing)
