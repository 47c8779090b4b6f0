"""A development build renders email editions only for the posts a writer
previews there (what `make publish` would send, and the post saved last), not
for every post the send record lacks; a production build renders them all."""

from __future__ import annotations

import json
import os
import time

from benchmarks.corpus import post_slug, write_corpus
from tests.conftest import build_site


def rendered(base) -> dict[str, bool]:
    manifest = json.loads((base / "build" / "editions" / "manifest.json").read_text("utf-8"))
    return {post["slug"]: bool(post["files"]) for post in manifest["posts"]}


def test_an_imported_blog_renders_a_handful_of_editions_in_development(tmp_path):
    content = write_corpus(tmp_path / "src", posts=9)
    # No send record at all: a blog just brought over from elsewhere.
    old = content / "posts" / f"{post_slug(1)}.md"
    now = time.time()
    for path in (content / "posts").iterdir():
        os.utime(path, (now - 3600, now - 3600))
    os.utime(old, (now, now))  # the post being edited

    dev = tmp_path / "dev"
    dev.mkdir()
    build_site(dev, content, settings_file="pelicanconf.py", overrides={"NEWSLETTER": {"MAX_PER_RUN": 3}})
    editions = rendered(dev)
    assert len(editions) == 9  # every post is listed
    newest = {post_slug(i) for i in (8, 7, 6)}  # corpus dates grow with the index
    assert {slug for slug, has in editions.items() if has} == newest | {post_slug(1)}
    assert len(list((dev / "build" / "editions").glob("*/outbox.html"))) == 4

    prod = tmp_path / "prod"
    prod.mkdir()
    build_site(prod, content, settings_file="publishconf.py", overrides={"NEWSLETTER": {"MAX_PER_RUN": 3}})
    assert all(rendered(prod).values()) and len(rendered(prod)) == 9
