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


def test_a_rebuild_takes_unchanged_editions_from_the_last_build(tmp_path):
    """Each build writes its editions into a fresh folder swapped in at the end: an
    unchanged post's edition is carried over from the last one, not rendered again."""
    import re
    import shutil

    from tests.conftest import DATA
    from tests.scripts.build_command.test_build_checks import build_cli

    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    editions = tmp_path / "build" / "editions"

    def build() -> tuple[int, int, dict]:
        result = build_cli(tmp_path, "--debug")
        assert result.returncode == 0, result.stderr
        counts = re.search(r"newsletter: \d+ posts \((\d+) rendered, \d+ already sent, (\d+) unchanged\)", result.stderr)
        manifest = json.loads((editions / "manifest.json").read_text("utf-8"))
        files = {rel: (editions / rel).read_bytes() for post in manifest["posts"] for rel in (post["files"] or {}).values()}
        return int(counts[1]), int(counts[2]), files

    rendered_first, _, first = build()
    assert rendered_first >= 1 and first
    rendered_again, unchanged, again = build()
    assert (rendered_again, unchanged) == (0, rendered_first)
    assert again == first  # the same files, byte for byte, in the new folder

    post = sorted((tmp_path / "content" / "posts").glob("*.md"))[0]
    post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    rendered_edit, unchanged_edit, edited = build()
    assert (rendered_edit, unchanged_edit) == (1, rendered_first - 1)
    assert edited != first and set(edited) == set(first)

    # An edition reads image files (sizes, a raster beside an SVG): a replaced image
    # renders them all again.
    image = next(p for p in (tmp_path / "content" / "images").rglob("*") if p.is_file())
    image.write_bytes(image.read_bytes())
    os.utime(image, (time.time() + 5, time.time() + 5))
    assert build()[:2] == (rendered_first, 0)

    # A production build renders every edition it may send, whatever the last one left
    # (the second one too, with the first one's editions in place).
    for _ in range(2):
        prod = build_cli(tmp_path, "--debug", settings="publishconf.py")
        assert prod.returncode == 0, prod.stderr
        counts = re.search(r"newsletter: \d+ posts \((\d+) rendered, \d+ already sent, (\d+) unchanged\)", prod.stderr)
        assert int(counts[2]) == 0 and int(counts[1]) >= 1
