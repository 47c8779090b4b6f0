"""A fresh clone in tmp_path, as a new writer has it, for the `make init` tests.

`fresh_clone(dest)` copies the project's code (scripts/, connected/, plugins/,
theme/, Makefile, …) from this checkout and the sample *as shipped* from
tests/data/sample_site (content/, settings, send record), never the working
copy's content or settings: those may already be the writer's own. The code is
copied, not linked, so each script's ROOT (Path(__file__).resolve()) is the
clone and nothing can reach the working copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLE, SAMPLE_CONTENT, SAMPLE_RECORD, SETTINGS_FILES

# docs/ too: a clone has it, and the docs tests read it.
CODE_DIRS = ("scripts", "connected", "plugins", "theme", "docs")
CODE_FILES = ("Makefile", "requirements.txt", "pyproject.toml", ".gitignore", ".env.example", "README.md")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")

SAM = {
    "NAME": "Sam Rivera",
    "HEADLINE": "Product designer · writing about research and design careers",
    "EMAIL": "sam@sam-rivera.dev",
    "SITEURL": "https://sam-rivera.dev",
    "TIMEZONE": "Europe/Lisbon",
    "ADDRESS": "Sam Rivera, 12 Harbour Road, Leith EH6 6AA, UK",
    "LINKEDIN": "https://www.linkedin.com/in/sam-rivera/",
}
# What must not be left anywhere once the site is the writer's.
SAMPLE_TRACES = ("Alex Morgan", "ALEX MORGAN", "your-name.example", "your-name-example", "Freedonia")

OWN_POST = """Title: Notes from my first design review
Date: 2026-11-28 09:30
Category: Design
Tags: design reviews, craft
Slug: first-design-review
Summary: What I learned running my first design review as a lead.
Uuid: 5a4e1b7c-0d2f-4c8e-9a31-6b7d8e9f0a1b

Running a design review is mostly about listening. Here is what I changed.

![The review board](/images/social-default.png)
"""
OWN_UUID = "5a4e1b7c-0d2f-4c8e-9a31-6b7d8e9f0a1b"


def fresh_clone(dest: Path, *, with_tests: bool = False) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in CODE_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=IGNORE, symlinks=True)
    for name in CODE_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    for name in SETTINGS_FILES:
        shutil.copy2(SAMPLE / name, dest / name)
    shutil.copy2(SAMPLE_RECORD, dest / "send-record.json")
    shutil.copytree(SAMPLE_CONTENT, dest / "content")
    if with_tests:
        shutil.copytree(ROOT / "tests", dest / "tests", ignore=IGNORE)
    return dest


def env_without_secrets(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILCHIMP_")}
    for name in ("NAME", "HEADLINE", "EMAIL", "SITEURL", "TIMEZONE", "ADDRESS", "LINKEDIN", "CONNECTED_INIT_VARS"):
        env.pop(name, None)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def init_args(answers: dict[str, str]) -> list[str]:
    return [f"--{key.lower()}={value}" for key, value in answers.items()]


def run_init(clone: Path, *args: str, env: dict | None = None, timeout: int = 120):
    """`python -m scripts.init` in the clone, stdin not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.init", *args],
        cwd=clone, env=env or env_without_secrets(), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )


def run_module(clone: Path, module: str, *args: str, env: dict | None = None, timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=clone, env=env or env_without_secrets(), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )


def tree_digest(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under root (links not followed)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def text_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt", ".css", ".js", ".eml"):
            yield path
