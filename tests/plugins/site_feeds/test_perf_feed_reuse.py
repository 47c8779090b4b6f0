"""site_feeds skips feeds whose inputs did not change, and never serves a stale one.

Each test builds real sites (our theme, every plugin) from the generated
corpus, edits a post, rebuilds, and compares the feeds with a cold build of
the edited content.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from benchmarks.corpus import write_corpus
from tests.conftest import build_site

OFF = {"FAST_BUILD": {"ENABLED": False}}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("feedcorpus") / "content", posts=40)


def _feeds(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in sorted((output / "feeds").rglob("*"))
        if p.is_file()
    }


def _site(tmp_path: Path, corpus: Path) -> Path:
    base = tmp_path / "warm"
    base.mkdir()
    shutil.copytree(corpus, base / "content")
    return base


def _reused(caplog) -> int:
    found = [
        int(m.group(1))
        for r in caplog.records
        if (m := re.search(r"\((\d+) unchanged inputs", r.getMessage()))
    ]
    assert found, "site_feeds logged no summary line"
    return found[-1]


def test_unchanged_rebuild_reuses_every_feed_and_an_edit_reaches_its_feeds(
    tmp_path, corpus, caplog
):
    base = _site(tmp_path, corpus)
    output = build_site(base, content=base / "content")
    assert (base / "cache" / "site_feeds" / "inputs.json").is_file()

    caplog.clear()
    with caplog.at_level(logging.INFO):
        build_site(base, content=base / "content")
    # Every feed was left alone, the JSON feed too.
    assert _reused(caplog) == len(_feeds(output))
    assert "feeds/all.json" in _feeds(output)

    # Edit the newest post's body: every feed listing it must carry the new text.
    newest = base / "content" / "posts" / "post-00039.md"
    newest.write_text(
        newest.read_text(encoding="utf-8") + "\nA sentence only the warm feed test adds.\n",
        encoding="utf-8",
    )
    caplog.clear()
    with caplog.at_level(logging.INFO):
        build_site(base, content=base / "content")
    assert _reused(caplog) > 0  # feeds that do not list post 39 were reused
    parsed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    assert not parsed.bozo
    assert "A sentence only the warm feed test adds." in parsed.entries[0].content[0].value
    import json

    items = json.loads((output / "feeds" / "all.json").read_bytes())["items"]
    assert "A sentence only the warm feed test adds." in items[0]["content_html"]

    cold = build_site(tmp_path / "cold", content=base / "content", overrides=OFF)
    assert _feeds(output) == _feeds(cold)


def test_a_feed_changed_on_disk_is_rebuilt(tmp_path, corpus):
    base = _site(tmp_path, corpus)
    output = build_site(base, content=base / "content")
    feed = output / "feeds" / "all.rss.xml"
    good = feed.read_bytes()
    feed.write_bytes(b"<rss/>")
    build_site(base, content=base / "content")
    assert feed.read_bytes() == good


def test_a_changed_link_target_rebuilds_the_feeds_that_link_to_it(tmp_path, corpus):
    base = _site(tmp_path, corpus)
    output = build_site(base, content=base / "content")
    # Post 39 links to three older posts with {filename}; moving one of them
    # (a new Slug:) changes the resolved link without touching post 39.
    text = (base / "content" / "posts" / "post-00039.md").read_text(encoding="utf-8")
    target = re.search(r"\{filename\}/?posts/(post-\d{5})\.md", text)
    assert target, "the corpus post should link to an older post"
    path = base / "content" / "posts" / f"{target.group(1)}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            f"Slug: {target.group(1)}\n", f"Slug: moved-{target.group(1)}\n"
        ),
        encoding="utf-8",
    )
    build_site(base, content=base / "content")
    all_atom = (output / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert f"/moved-{target.group(1)}/" in all_atom
    cold = build_site(tmp_path / "cold", content=base / "content", overrides=OFF)
    assert _feeds(output) == _feeds(cold)
