"""scripts/build.py: output/ is the old site or the new one, never a mix, and
holds exactly what a plain build of the same content holds.

- A sequence of edits (body, title, a post made draft whose tag no other post
  has, a deleted post, a new post), each built through scripts/build.py on the
  previous output, gives the same bytes as a plain Pelican build (fast_build
  off) of the same content into an empty directory.
- A build SIGKILLed at random (seeded) moments leaves output/ equal to the
  hash manifest of the old tree or of the new one.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from tests.conftest import ROOT, build_site, sample_settings
from tests.kit.site_tree import manifest
from tests.plugins.fast_build.test_fast_build_identical import OFF, assert_same_tree

# Low thresholds: the Markdown pool and the forked page renderers run even here.
ON = {"FAST_BUILD": {"ENABLED": True, "MIN_PARALLEL_FILES": 1, "MIN_PARALLEL_PAGES": 2, "WORKERS": 2}}
LONELY_TAG = "only-in-one-post"


def folders(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def lonely_post(content: Path, status: str = "published") -> Path:
    path = content / "posts" / "lonely.md"
    path.write_text(
        "Title: A post with a tag of its own\nDate: 2015-03-04 10:00\nCategory: Career\n"
        f"Tags: {LONELY_TAG}\nSlug: lonely\nStatus: {status}\n"
        "Uuid: 0f0f0f0f-0000-4000-8000-00000000abcd\nSummary: Alone.\n\nA body.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    content = write_corpus(tmp_path_factory.mktemp("atomic") / "content", posts=24)
    lonely_post(content)
    return content


def overrides(base: Path) -> dict:
    return {
        "PATH": str(base / "content"),
        "OUTPUT_PATH": str(base / "output"),
        "CACHE_PATH": str(base / "cache"),
        "NEWSLETTER": {
            "EDITIONS_PATH": str(base / "build" / "editions"),
            "RECORD_PATH": str(base / "send-record.json"),
            "OUTBOX_PATH": str(base / "outbox"),
        },
        **ON,
        "SITE_FEEDS": {"TAG_MIN_POSTS": 1},
    }


def edit_body(content: Path, slug: str, sentence: str) -> None:
    path = content / "posts" / f"{slug}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def edit_title(content: Path, slug: str, title: str) -> None:
    path = content / "posts" / f"{slug}.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = f"Title: {title}\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_a_sequence_of_edits_gives_what_a_plain_build_gives(tmp_path, corpus, caplog):
    from scripts.build import run_build
    from tests.conftest import _reset_process_state

    site = tmp_path / "site"
    shutil.copytree(corpus, site / "content")
    sample_settings(site)  # the sample's settings as shipped, never the working copy's
    content = site / "content"
    since = _now_minus_a_minute()

    def build_and_compare(step: str) -> Path:
        _reset_process_state()
        result = run_build("publishconf.py", root=site, overrides=overrides(site))
        plain_base = tmp_path / f"plain-{step}"
        plain_base.mkdir()
        plain = build_site(plain_base, content, overrides={**OFF, "SITE_FEEDS": {"TAG_MIN_POSTS": 1}})
        assert_same_tree(plain, result.output, since)
        # …folders too: one the last build made for a page this one does not write is gone.
        assert folders(result.output) == folders(plain), step
        assert not list(site.glob("output.stage-*")), step
        return result

    first = build_and_compare("cold")
    assert first.linked == 0
    assert (site / "output" / "tag" / LONELY_TAG / "index.html").is_file()
    assert (site / "output" / "feeds" / "tag" / f"{LONELY_TAG}.atom.xml").is_file()

    edit_body(content, "post-00005", "A sentence added in step one.")
    caplog.clear()
    with caplog.at_level("INFO"):
        body = build_and_compare("body")
    assert body.seeded and body.linked > 10  # unchanged pages were kept, not rewritten
    # …and most were not even rendered: their fingerprints matched (the staging
    # directory's name, new for every build, is not an input of any page).
    stats = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fast_build: ") and "reused" in r.getMessage()]
    assert stats, [r.getMessage() for r in caplog.records][:20]
    rendered, reused = (int(stats[-1].split()[i]) for i in (1, 4))
    assert reused > 3 * rendered, stats[-1]
    feeds = [r.getMessage() for r in caplog.records if r.getMessage().startswith("site_feeds: ")]
    assert feeds and "(0 unchanged inputs" not in feeds[0], feeds  # feeds reused too (ours is the first)

    edit_title(content, "post-00007", "A <renamed> post & more")
    build_and_compare("title")

    # Issue 17 item 2: the post goes, and with it its tag's page and feeds.
    lonely_post(content, status="draft")
    build_and_compare("draft")
    output = site / "output"
    assert not (output / "2015" / "lonely").exists()
    assert not (output / "tag" / LONELY_TAG).exists()
    assert not list((output / "feeds" / "tag").glob(f"{LONELY_TAG}.*"))

    (content / "posts" / "post-00003.md").unlink()
    build_and_compare("deleted")
    assert not list(output.glob("*/post-00003"))

    (content / "posts" / "post-00009.md").rename(content / "posts" / "renamed-file.md")
    edit_body(content, "post-00011", "And one more.")
    build_and_compare("renamed-and-edited")


def _now_minus_a_minute():
    import datetime as dt

    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).replace(microsecond=0)


# --- killed builds ------------------------------------------------------------------------


def build_command(base: Path) -> list[str]:
    newsletter = {
        "EDITIONS_PATH": str(base / "build" / "editions"),
        "RECORD_PATH": str(base / "send-record.json"),
        "OUTBOX_PATH": str(base / "outbox"),
    }
    sample_settings(base)  # the sample's settings as shipped, never the working copy's
    return [
        sys.executable, "-m", "scripts.build", "-s", str(base / "publishconf.py"),
        "--content", str(base / "content"), "--output", str(base / "output"),
        "-e", "CACHE_PATH=" + json.dumps(str(base / "cache")),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "FAST_BUILD=" + json.dumps(ON["FAST_BUILD"]),
    ]  # fmt: skip


def full_build(base: Path) -> float:
    started = time.monotonic()
    result = subprocess.run(build_command(base), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def test_a_build_killed_at_random_moments_leaves_the_old_or_the_new_site(tmp_path, corpus):
    base = tmp_path / "site"
    shutil.copytree(corpus, base / "content")
    post = base / "content" / "posts" / "post-00010.md"
    texts = {"A": post.read_text(encoding="utf-8")}
    texts["B"] = texts["A"] + "\nThe B version of this post has one more sentence.\n"

    def switch(version: str) -> None:
        post.write_text(texts[version], encoding="utf-8")
        # B also unpublishes a post, so a mix would show as a page too many.
        lonely_post(base / "content", status="draft" if version == "B" else "published")

    expected = {}
    durations = []
    for version in ("B", "A"):
        switch(version)
        durations.append(full_build(base))
        expected[version] = manifest(base / "output")
    assert expected["A"] != expected["B"]
    assert set(expected["A"]) - set(expected["B"])  # B really removes files

    rng = random.Random(1414)
    span = 1.3 * max(durations)
    live, outcomes = "A", {"old": 0, "new": 0}
    for trial in range(12):
        target = "B" if live == "A" else "A"
        switch(target)
        process = subprocess.Popen(build_command(base), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, span))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        found = manifest(base / "output")
        if found == expected[live]:
            outcomes["old"] += 1
        elif found == expected[target]:
            outcomes["new"] += 1
            live = target
        else:
            old_diff = sorted(set(found.items()) ^ set(expected[live].items()))[:6]
            raise AssertionError(f"trial {trial}: output/ is neither the old nor the new site: {old_diff}")
    # The kills landed both before and after the swap.
    assert outcomes["old"] and outcomes["new"], outcomes

    # The next build cleans up whatever the killed ones left and finishes the job.
    full_build(base)
    current = "B" if texts["B"] == post.read_text(encoding="utf-8") else "A"
    assert manifest(base / "output") == expected[current]
    time.sleep(0.5)  # the retired trees are deleted in the background
    leftovers = [p.name for p in base.iterdir() if p.name.startswith("output.") and ".retired-" not in p.name and p.name != "output.lock"]
    assert not leftovers, leftovers


def test_a_failed_build_leaves_output_exactly_as_it_was(tmp_path, corpus):
    base = tmp_path / "site"
    shutil.copytree(corpus, base / "content")
    full_build(base)
    before = manifest(base / "output")
    inodes = {p: p.stat().st_ino for p in (base / "output").rglob("*.html")}
    (base / "content" / "posts" / "post-00004.md").write_text(
        "Title: Broken\nDate: 2026-02-30 10:00\n\nBody.\n", encoding="utf-8"
    )
    result = subprocess.run(build_command(base), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "post-00004.md" in result.stderr
    assert "Build stopped; nothing in output/ was changed." in result.stderr
    assert manifest(base / "output") == before
    assert {p: p.stat().st_ino for p in (base / "output").rglob("*.html")} == inodes
    assert not list(base.glob("output.stage-*"))


def test_renderers_die_with_a_killed_build():
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    from connected.processes import die_with_parent

    # A grandchild that set the death signal dies when its parent is killed.
    read_fd, write_fd = os.pipe()
    parent = os.fork()
    if parent == 0:
        child = os.fork()
        if child == 0:
            die_with_parent()
            os.write(write_fd, b"x")
            time.sleep(300)
            os._exit(0)
        time.sleep(300)
        os._exit(0)
    os.close(write_fd)
    assert os.read(read_fd, 1) == b"x"
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    # The grandchild held the pipe's write end only through its own copy: when
    # it dies, the read end sees end-of-file.
    import select

    ready, _, _ = select.select([read_fd], [], [], 10)
    assert ready and os.read(read_fd, 1) == b"", "the renderer outlived its build"
    os.close(read_fd)


def test_the_folder_maker_makes_the_live_trees_folders_and_drops_the_unused(tmp_path):
    """The forked child makes each non-empty folder of the live tree in the stage; the
    ones the build then leaves empty are removed, the ones it used stay."""
    from scripts.build import _FolderMaker

    live, stage = tmp_path / "output", tmp_path / "stage"
    for name in ("posts/a", "posts/b", "tag/x", "deep/er/still"):
        (live / name).mkdir(parents=True)
        (live / name / "index.html").write_text("x", encoding="utf-8")
    (live / "empty").mkdir()  # empty in the live tree: not made
    stage.mkdir()
    maker = _FolderMaker(live, stage)
    assert maker.pid is not None
    deadline = time.monotonic() + 10
    # The child makes them in the order it finds them, which need not be this one.
    wanted = [stage / name for name in ("posts/a", "posts/b", "tag/x", "deep/er/still")]
    while not all(path.is_dir() for path in wanted) and time.monotonic() < deadline:
        time.sleep(0.01)
    (stage / "posts" / "a" / "index.html").write_text("new", encoding="utf-8")  # the build uses posts/a
    (stage / "fresh").mkdir()  # a folder the build made itself
    maker.drop_unused()
    assert folders(stage) == {"posts", "posts/a", "fresh"}
    assert folders(live) == {"posts", "posts/a", "posts/b", "tag", "tag/x", "deep", "deep/er", "deep/er/still", "empty"}


def test_a_stopped_folder_maker_leaves_no_process(tmp_path):
    from scripts.build import _FolderMaker

    live = tmp_path / "output"
    for n in range(300):
        (live / f"p{n}").mkdir(parents=True)
        (live / f"p{n}" / "index.html").write_text("x", encoding="utf-8")
    (tmp_path / "stage").mkdir()
    maker = _FolderMaker(live, tmp_path / "stage")
    pid = maker.pid
    maker.stop()
    assert maker.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)


def test_a_killed_folder_maker_leaves_no_empty_folder(tmp_path):
    """Its list lost with it, drop_unused removes every empty folder the live tree also has."""
    from scripts.build import _FolderMaker

    live, stage = tmp_path / "output", tmp_path / "stage"
    for n in range(50):
        (live / "posts" / f"p{n}").mkdir(parents=True)
        (live / "posts" / f"p{n}" / "index.html").write_text("x", encoding="utf-8")
    stage.mkdir()
    maker = _FolderMaker(live, stage)
    deadline = time.monotonic() + 10
    while not (stage / "posts" / "p49").is_dir() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(maker.pid, signal.SIGKILL)
    # The child makes folders in the order the file system lists them: p7 may not be
    # made yet. Pelican's writer makes a page's folder itself, as here.
    (stage / "posts" / "p7").mkdir(parents=True, exist_ok=True)
    (stage / "posts" / "p7" / "index.html").write_text("used", encoding="utf-8")
    (stage / "own").mkdir()  # not in the live tree: the build's own (empty) folder stays
    maker.drop_unused()
    assert folders(stage) == {"posts", "posts/p7", "own"}


def test_a_page_written_where_the_last_build_had_a_folder(tmp_path):
    """A post's Save_as becomes the path that was a folder of the last build's tree: the
    staged build, whose folders were made ahead, writes it as a build from nothing does."""
    from tests.scripts.build_command.test_build_checks import build_cli

    shutil.copytree(ROOT / "tests" / "data" / "good_minimal", tmp_path / "content")
    post = sorted((tmp_path / "content" / "posts").glob("*.md"))[0]
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("Title:", "Save_as: notes/foo/index.html\nUrl: notes/foo/\nTitle:", 1), encoding="utf-8")
    first = build_cli(tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "output" / "notes" / "foo" / "index.html").is_file()
    post.write_text(text.replace("Title:", "Save_as: notes/foo\nUrl: notes/foo\nTitle:", 1), encoding="utf-8")
    second = build_cli(tmp_path)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "output" / "notes" / "foo").is_file()
