"""A throw-away copy of the project for each import test (the import edits
content/, pelicanconf.py and the send record, which must never be the working copy's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
# The project's code from this checkout; its settings from the sample as shipped (the
# working copy's are the writer's own: their name, their SITEURL).
PROJECT_PARTS = ("connected", "plugins", "scripts", "theme", "Makefile")
SAMPLE_SETTINGS = ("pelicanconf.py", "publishconf.py")


def copy_project(target: Path, content_fixture: str = "good_minimal") -> Path:
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, target / part, ignore=ignore)
        else:
            shutil.copy2(src, target / part)
    for name in SAMPLE_SETTINGS:
        shutil.copy2(DATA / "sample_site" / name, target / name)
    shutil.copytree(DATA / content_fixture, target / "content")
    return target


def run_import(project: Path, *args: str, yes: bool = True, stdin=subprocess.DEVNULL, timeout: int = 600):
    """`python -m scripts.import_blog` in `project`, as `make import` runs it."""
    env = {k: v for k, v in os.environ.items() if k not in ("FROM", "SETTINGS", "YES", "KEEP_URLS", "HOME_PAGE", "TEMPLATES")}
    env["PYTHONPATH"] = str(project)
    if yes:
        env["YES"] = "1"
    # Few workers: the machine is shared, and the corpus is small.
    return subprocess.run(
        [sys.executable, "-m", "scripts.import_blog", *args],
        cwd=project, env=env, stdin=stdin, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "site")
