"""Each post's file is read once per build (connected/header.py's reads), by every plugin
that asks for it, and the reads are let go when the build ends."""

from __future__ import annotations

import builtins
from collections import Counter

from benchmarks.corpus import write_corpus
from connected import header
from scripts.build import run_build, scratch_overrides
from tests.conftest import sample_settings


def test_every_post_is_opened_once_per_build_and_let_go_after(tmp_path, monkeypatch):
    content = write_corpus(tmp_path / "corpus", posts=12)
    opened: Counter = Counter()

    def counting_open(file, *args, **kwargs):
        if str(file).endswith(".md"):
            opened[str(file)] += 1
        return builtins.open(file, *args, **kwargs)

    # connected.header opens the files (read_bytes); link_checks and post_checks ask it
    # for the sources again at `finalized`, after fast_build's Markdown cache key.
    monkeypatch.setattr(header, "open", counting_open, raising=False)
    site = tmp_path / "site"
    sample_settings(site)
    run_build("publishconf.py", root=site, overrides=scratch_overrides(site, content))
    posts = [name for name in opened if "/posts/" in name]
    assert len(posts) == 12
    assert set(opened.values()) == {1}, opened.most_common(3)
    assert header._READ == {}
