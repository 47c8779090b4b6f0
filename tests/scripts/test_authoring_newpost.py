"""`make newpost TITLE="…"` writes a draft Pelican can read, and never overwrites."""

import json
import os
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DATA, SAMPLE, run_cli, sample_settings


def newpost(content: Path, *args: str, env_title: str | None = None):
    env = dict(os.environ)
    env.pop("TITLE", None)
    if env_title is not None:
        env["TITLE"] = env_title
    settings = ("-s", str(SAMPLE / "pelicanconf.py"))  # the sample's TIMEZONE, not the writer's
    return run_cli("-m", "scripts.newpost", "--content", str(content), *settings, *args, env=env)


def read_with_pelican(path: Path):
    from pelican.readers import MarkdownReader
    from pelican.settings import read_settings

    settings = read_settings(str(SAMPLE / "pelicanconf.py"))
    return MarkdownReader(settings).read(str(path))


def test_newpost_writes_a_readable_draft(tmp_path):
    before = datetime.now(ZoneInfo("Europe/London"))
    result = newpost(tmp_path / "content", "Following up: the second interview")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "content" / "posts" / "following-up-the-second-interview.md"
    assert path.is_file()
    assert str(path.name) in result.stdout

    _html, meta = read_with_pelican(path)
    assert meta["title"] == "Following up: the second interview"
    assert meta["slug"] == "following-up-the-second-interview"
    assert meta["status"] == "draft"
    assert str(uuid.UUID(meta["uuid"])) == meta["uuid"]
    assert uuid.UUID(meta["uuid"]).version == 4
    # Date is "now" in the site's TIMEZONE, to the minute.
    lines = path.read_text(encoding="utf-8").splitlines()
    date_line = next(line for line in lines if line.startswith("Date: "))
    written = datetime.strptime(date_line[6:], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Europe/London"))
    assert before - timedelta(minutes=1) <= written <= datetime.now(ZoneInfo("Europe/London"))
    for key in ("Tags:", "Summary:"):
        assert any(line.startswith(key) for line in lines), key


def test_newpost_title_from_environment_keeps_quotes(tmp_path):
    title = 'Don\'t say "networking" `twice`'
    result = newpost(tmp_path / "content", env_title=title)
    assert result.returncode == 0, result.stderr
    (path,) = (tmp_path / "content" / "posts").glob("*.md")
    _html, meta = read_with_pelican(path)
    assert meta["title"] == title


def test_newpost_refuses_to_overwrite(tmp_path):
    assert newpost(tmp_path / "content", "Same title").returncode == 0
    path = tmp_path / "content" / "posts" / "same-title.md"
    path.write_text(path.read_text() + "\nMy precious words.\n")
    before = path.read_bytes()
    again = newpost(tmp_path / "content", "Same title")
    assert again.returncode == 1
    assert "already exists" in again.stderr and "same-title.md" in again.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("title", ["", "   "])
def test_newpost_without_title_prints_usage(tmp_path, title):
    result = newpost(tmp_path / "content", title)
    assert result.returncode == 2
    assert "usage: make newpost TITLE=" in result.stderr
    assert not (tmp_path / "content" / "posts").exists()


def test_new_draft_builds_as_a_draft(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    assert newpost(tmp_path / "content", "A fresh idea").returncode == 0
    result = run_cli(
        "-m", "scripts.build", "-s", str(sample_settings(tmp_path)),
        "--content", str(tmp_path / "content"), "--output", str(tmp_path / "output"),
        "-e", "NEWSLETTER=" + json.dumps({"EDITIONS_PATH": str(tmp_path / "editions")}),
        "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
    )
    assert result.returncode == 0, result.stderr
    assert "(1 draft)" in result.stdout
    # A fresh draft has its own Uuid: no "run make uuids" warning for it.
    assert "a-fresh-idea" not in result.stderr
    assert (tmp_path / "output" / "drafts" / "a-fresh-idea" / "index.html").is_file()


def test_newpost_refuses_a_slug_another_post_uses(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / "good_minimal", content)
    # first-note.md says Slug: following-up
    result = newpost(content, "Following up")
    assert result.returncode == 1
    assert "first-note.md already uses Slug: following-up" in result.stderr
    assert not (content / "posts" / "following-up.md").exists()


def test_make_newpost_keeps_a_dollar_in_the_title(tmp_path):
    """make expands $ in a variable ("of $100" -> "of 00"); the Makefile hands the title
    over unexpanded, as typed."""
    import subprocess
    import sys

    from tests.scripts.init.init_testkit import fresh_clone

    clone = fresh_clone(tmp_path / "clone")
    stamp = tmp_path / "venv-stamp"
    stamp.touch()  # newer than requirements.txt: make does not rebuild a venv
    title = "50% of $100 is $$5 — \"quoted\" `date`"
    env = {k: v for k, v in os.environ.items() if k != "TITLE"}
    result = subprocess.run(["make", "-s", "-C", str(clone), "newpost", f"PY={sys.executable}", f"STAMP={stamp}",
                             f"TITLE={title}"], env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    created = [p for p in (clone / "content" / "posts").glob("*.md") if "100" in p.name]
    assert len(created) == 1
    html, meta = read_with_pelican(created[0])
    assert meta["title"] == title
