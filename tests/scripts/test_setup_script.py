"""scripts/test_setup.py: fast when all is present, installs or explains otherwise."""

import time
from pathlib import Path

import pytest

from scripts import test_setup


def test_everything_present_is_a_fast_no_op(monkeypatch):
    calls = []
    real_run = test_setup.subprocess.run
    monkeypatch.setattr(
        test_setup.subprocess, "run", lambda args, **kw: calls.append(args) or real_run(args, **kw)
    )
    start = time.monotonic()
    assert test_setup.main() == 0
    assert time.monotonic() - start < 5
    # Only `java -version`: no npm, no apt-get.
    assert [args[1:] for args in calls] == [["-version"]]


def test_changed_lock_file_means_reinstall(tmp_path, monkeypatch):
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3}')
    modules = tmp_path / "node_modules"
    files = [modules / "a.js", modules / "b.jar"]
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("x")
    monkeypatch.setattr(test_setup, "LOCK_FILE", lock)
    monkeypatch.setattr(test_setup, "NODE_FILES", files)
    monkeypatch.setattr(test_setup, "LOCK_STAMP", modules / "stamp")
    assert not test_setup.node_packages_current()  # never installed by us
    (modules / "stamp").write_text(test_setup.lock_hash() + "\n")
    assert test_setup.node_packages_current()
    lock.write_text('{"lockfileVersion": 3, "packages": {}}')
    assert not test_setup.node_packages_current()
    (modules / "stamp").write_text(test_setup.lock_hash() + "\n")
    files[1].unlink()
    assert not test_setup.node_packages_current()


def test_missing_chromium_without_root_names_the_command(monkeypatch, capsys):
    monkeypatch.setattr(test_setup, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(test_setup.os, "geteuid", lambda: 1000)
    with pytest.raises(test_setup.SetupError) as error:
        test_setup.ensure_debian_packages()
    assert "apt-get install -y chromium" in str(error.value)
    monkeypatch.setattr(test_setup, "ensure_java", lambda: None)
    monkeypatch.setattr(test_setup, "ensure_node_packages", lambda: None)
    assert test_setup.main() == 1
    assert "apt-get install -y chromium" in capsys.readouterr().err


def test_missing_java_says_what_to_install(monkeypatch):
    monkeypatch.setattr(test_setup.shutil, "which", lambda name: None)
    with pytest.raises(test_setup.SetupError, match="default-jre-headless"):
        test_setup.ensure_java()
