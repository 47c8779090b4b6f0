"""connected/site_settings.py: settings files read by path, one loader for every script."""

from __future__ import annotations

import shutil
import sys
import types

import pytest

from connected.errors import SettingsError
from connected.site_settings import MissingSettingsFile, load_settings, settings_in
from tests.conftest import SAMPLE


def _project(path, sitename: str):
    """A project with the shipped publishconf.py and a small pelicanconf.py of its own."""
    (path / "content").mkdir(parents=True)
    (path / "pelicanconf.py").write_text(
        f"SITENAME = {sitename!r}\nPATH = 'content'\nPOST_CHECKS = {{'EXTRA_KEYS': ['x']}}\n"
        "NEWSLETTER = {'MODE': 'excerpt', 'MAX_PER_RUN': 2}\nPLUGINS = []\n",
        encoding="utf-8",
    )
    shutil.copy(SAMPLE / "publishconf.py", path / "publishconf.py")
    return path


def test_publishconf_reads_the_pelicanconf_beside_it_not_a_cached_one(tmp_path, monkeypatch):
    first, second = _project(tmp_path / "a", "First"), _project(tmp_path / "b", "Second")
    # A module named pelicanconf already imported (another project's) must not stand in.
    monkeypatch.setitem(sys.modules, "pelicanconf", types.SimpleNamespace(SITENAME="Cached"))
    a = load_settings(first, "publishconf.py")
    b = load_settings(second, "publishconf.py")
    assert (a["SITENAME"], b["SITENAME"]) == ("First", "Second")
    # Only what production changes is restated; the rest is pelicanconf.py's.
    assert b["SITEURL"].startswith("https://") and b["RELATIVE_URLS"] is False
    assert b["POST_CHECKS"] == {"EXTRA_KEYS": ["x"], "UNREADABLE_FILES": "stop"}
    assert b["PATH"] == str(second / "content")


def test_settings_in_gives_what_pelican_takes_for_settings(tmp_path):
    (tmp_path / "base.py").write_text("from pathlib import Path\nA_KEY = 1\nlower = 2\n", encoding="utf-8")
    assert settings_in(tmp_path / "base.py") == {"A_KEY": 1}
    assert settings_in(tmp_path / "other.py", "base.py") == {"A_KEY": 1}


def test_overrides_paths_from_the_root_and_dicts_merged(tmp_path):
    site = _project(tmp_path / "site", "Mine")
    (site / "drafts-only").mkdir()
    settings = load_settings(
        site,
        "pelicanconf.py",
        {"PATH": "drafts-only", "OUTPUT_PATH": "out", "NEWSLETTER": {"MODE": "full"}, "SITENAME": "Over"},
    )
    assert settings["PATH"] == str(site / "drafts-only")
    assert settings["OUTPUT_PATH"] == str(site / "out")
    assert settings["NEWSLETTER"] == {"MODE": "full", "MAX_PER_RUN": 2}
    assert settings["SITENAME"] == "Over"


def test_a_missing_settings_file_names_the_path(tmp_path):
    with pytest.raises(MissingSettingsFile) as caught:
        load_settings(tmp_path, "publishconf.py")
    assert isinstance(caught.value, SettingsError)
    assert str(caught.value) == f"{tmp_path / 'publishconf.py'}: settings file not found"
    with pytest.raises(MissingSettingsFile, match="pelicanconf.py: settings file not found"):
        settings_in(tmp_path / "publishconf.py", "pelicanconf.py")
