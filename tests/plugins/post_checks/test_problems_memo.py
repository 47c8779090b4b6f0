"""post_checks remembers each file's header findings by its text (CACHE_PATH): a warm
build says what a cold one says, and nothing it remembered hides a file that changed, a
setting that changed or a template that appeared."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import DATA, ROOT, pelican_plugin
from tests.plugins.post_checks.test_header_checks import post
from tests.scripts.build_command.test_build_checks import build_cli

pelican_plugin("post_checks")
from post_checks.checks import MEMO_FILE, MEMO_SETTINGS  # noqa: E402

PLUGIN = ROOT / "plugins" / "post_checks"


def test_the_memo_salt_names_every_setting_the_header_checks_read():
    """A setting values.py or keys.py reads that the salt leaves out would let a changed
    setting reuse findings made under the old one."""
    read = set()
    for name in ("values.py", "keys.py"):
        source = (PLUGIN / name).read_text(encoding="utf-8")
        read |= set(re.findall(r"settings(?:\.get\(|\[)\s*[\"']([A-Z_]+)[\"']", source))
    assert read, "the audit found no settings reads: its pattern is stale"
    assert read <= set(MEMO_SETTINGS), sorted(read - set(MEMO_SETTINGS))


def test_a_warm_build_rechecks_what_changed(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    cold = build_cli(tmp_path)
    assert cold.returncode == 0, cold.stderr
    memo = tmp_path / "cache" / MEMO_FILE
    entries = json.loads(memo.read_text(encoding="utf-8"))["values"]
    assert len(entries) == len(list((tmp_path / "content").rglob("*.md")))

    # A typo in a file the memo has seen before (same name, new text) stops the build.
    victim = sorted(posts.glob("*.md"))[0]
    good_text = victim.read_text(encoding="utf-8")
    victim.write_text(good_text.replace("Title:", "Stauts: draft\nTitle:", 1), encoding="utf-8")
    typo = build_cli(tmp_path)
    assert typo.returncode == 1 and "did you mean 'Status'?" in typo.stderr and victim.name in typo.stderr
    again = build_cli(tmp_path)  # remembered now: still stops, with the same line
    assert again.returncode == 1 and "did you mean 'Status'?" in again.stderr
    victim.write_text(good_text, encoding="utf-8")
    assert build_cli(tmp_path).returncode == 0

    # A Template: the theme lacks stops the build; the same file, once an override folder
    # holds the template, builds (the templates are in the memo's salt).
    (posts / "custom.md").write_text(post(70, "Template: wide"), encoding="utf-8")
    missing = build_cli(tmp_path)
    assert missing.returncode == 1 and "Template: 'wide' is not in the theme" in missing.stderr, missing.stderr
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "wide.html").write_text('{% extends "article.html" %}\n', encoding="utf-8")
    found = build_cli(tmp_path, "-e", "THEME_TEMPLATES_OVERRIDES=" + json.dumps([str(overrides)]))
    assert found.returncode == 0, found.stderr
    assert (tmp_path / "output").is_dir() and Path(memo).is_file()


def test_the_memo_salt_holds_every_module_of_ours_the_header_checks_import():
    imported = set()
    for name in ("values.py", "keys.py"):
        source = (PLUGIN / name).read_text(encoding="utf-8")
        imported |= set(re.findall(r"^from connected\.(\w+) import", source, flags=re.MULTILINE))
    # post_checks.checks._problems_memo hashes these modules' sources into the salt.
    assert imported <= {"header", "settings_schema"}, sorted(imported)


def test_the_same_text_renamed_from_rst_to_markdown_is_checked_again(tmp_path):
    """Markdown-style keys in a .rst file are body text to docutils; renamed to .md, the
    same bytes are a header whose typo must stop the build."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    text = post(71, "Stauts: draft")
    rst = tmp_path / "content" / "posts" / "renamed.rst"
    rst.write_text(text, encoding="utf-8")
    build_cli(tmp_path)  # the memo now holds these bytes read as reST (no fields there)
    md = rst.with_suffix(".md")
    md.write_text(text, encoding="utf-8")
    rst.unlink()
    same_text_as_markdown = build_cli(tmp_path)
    assert same_text_as_markdown.returncode == 1 and "did you mean 'Status'?" in same_text_as_markdown.stderr
