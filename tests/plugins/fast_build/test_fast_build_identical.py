"""fast_build changes how fast the site is built, never what is built.

Each test builds real sites with Pelican (our theme, every plugin) and compares
the output trees byte for byte. The one volatile field, listed here explicitly:

- sitemap.xml `<lastmod>` of index-like pages (index, archives, …): the
  pelican-sitemap plugin stamps those with the build time. Entries whose
  lastmod is not older than the test run are compared without it.

The email editions (every edition file and manifest.json) are compared too,
except the newsletter's private `.render-cache.json`, whose digests cover the
settings (FAST_BUILD and the build's own paths differ between the two builds).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.corpus import write_corpus
from tests.conftest import ROOT, SAMPLE_CONTENT, build_site

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OFF = {"FAST_BUILD": {"ENABLED": False}}
# Low thresholds force the Markdown pool and the forked page renderers even on
# the six-post sample site.
ON = {
    "FAST_BUILD": {"ENABLED": True, "MIN_PARALLEL_FILES": 1, "MIN_PARALLEL_PAGES": 2, "WORKERS": 2}
}


def _sitemap_entries(data: bytes, since: dt.datetime) -> list:
    root = etree.fromstring(data)
    entries = []
    for url in root.iter(f"{SITEMAP_NS}url"):
        fields = {child.tag.replace(SITEMAP_NS, ""): (child.text or "") for child in url}
        lastmod = fields.get("lastmod")
        if lastmod:
            stamp = dt.datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            if stamp >= since:
                fields["lastmod"] = "<build time>"
        entries.append(sorted(fields.items()))
    return entries


PRIVATE_CACHES = {".render-cache.json"}


def tree(path: Path, since: dt.datetime) -> dict:
    """Every file under path: relative name -> bytes (sitemap: parsed entries)."""
    files = {}
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if file.name in PRIVATE_CACHES:
            continue
        data = file.read_bytes()
        files[rel] = _sitemap_entries(data, since) if rel == "sitemap.xml" else data
    return files


def assert_same_tree(a: Path, b: Path, since: dt.datetime) -> int:
    left, right = tree(a, since), tree(b, since)
    assert sorted(left) == sorted(right), (
        f"only in {a.name}: {sorted(set(left) - set(right))[:10]}; "
        f"only in {b.name}: {sorted(set(right) - set(left))[:10]}"
    )
    differing = [name for name in left if left[name] != right[name]]
    assert not differing, f"files differ: {differing[:10]}"
    return len(left)


@pytest.fixture
def since() -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).replace(microsecond=0)


def _build(base: Path, content: Path, overrides: dict) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    return build_site(base, content, overrides=overrides)


def test_sample_site_is_identical_with_and_without_speedups(tmp_path, since):
    plain = _build(tmp_path / "off", SAMPLE_CONTENT, OFF)
    fast = _build(tmp_path / "on", SAMPLE_CONTENT, ON)
    count = assert_same_tree(plain, fast, since)
    assert count > 10
    # The speed-ups really ran: converted Markdown and page state are cached.
    cache = tmp_path / "on" / "cache" / "fast_build"
    assert (cache / "markdown-articles.pickle").is_file()
    assert (cache / "pages.json").is_file()
    assert not (tmp_path / "off" / "cache" / "fast_build").exists()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "content", posts=50)


def test_generated_corpus_is_identical_with_and_without_speedups(tmp_path, corpus, since):
    plain = _build(tmp_path / "off", corpus, OFF)
    fast = _build(tmp_path / "on", corpus, ON)
    count = assert_same_tree(plain, fast, since)
    assert count > 60
    # The email editions are built from the same article objects.
    editions = assert_same_tree(
        tmp_path / "off" / "build" / "editions", tmp_path / "on" / "build" / "editions", since
    )
    assert editions > 50
    html = (fast / "2012" / "post-00007" / "index.html").read_text(encoding="utf-8")
    assert "<table>" in html and 'class="highlight"' in html


def _edit_body(content: Path, slug: str, sentence: str) -> None:
    path = content / "posts" / f"{slug}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def _edit_title(content: Path, slug: str, title: str) -> None:
    path = content / "posts" / f"{slug}.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = f"Title: {title}\n"
    path.write_text("".join(lines), encoding="utf-8")


def _edit_slug(content: Path, slug: str, new_slug: str) -> None:
    path = content / "posts" / f"{slug}.md"
    text = path.read_text(encoding="utf-8").replace(f"Slug: {slug}\n", f"Slug: {new_slug}\n")
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("edit", ["body", "title", "slug"])
def test_warm_rebuild_after_an_edit_equals_a_cold_build(tmp_path, corpus, since, edit):
    warm_base = tmp_path / "warm"
    warm_base.mkdir()
    shutil.copytree(corpus, warm_base / "content")
    output = build_site(warm_base, overrides=ON, content=warm_base / "content")
    untouched = output / "2012" / "post-00003" / "index.html"
    before = untouched.stat().st_mtime_ns

    if edit == "body":
        _edit_body(warm_base / "content", "post-00020", "A sentence added by the warm test.")
    elif edit == "title":
        _edit_title(warm_base / "content", "post-00020", "A <Renamed> post & more")
    else:
        _edit_slug(warm_base / "content", "post-00020", "a-new-address")
    build_site(warm_base, overrides=ON, content=warm_base / "content")

    cold = _build(tmp_path / "cold", warm_base / "content", OFF)
    assert_same_tree(cold, output, since)

    if edit == "slug":
        # The old address is gone, as in a cold build; the new one exists.
        assert not (output / "2012" / "post-00020").exists()
        assert (output / "2012" / "a-new-address" / "index.html").is_file()
        return
    edited = (output / "2012" / "post-00020" / "index.html").read_text(encoding="utf-8")
    if edit == "body":
        assert "A sentence added by the warm test." in edited
        # An unrelated post's page was reused, not rewritten.
        assert untouched.stat().st_mtime_ns == before
    else:
        assert "A &lt;Renamed&gt; post &amp; more" in edited


def test_a_page_deleted_from_the_output_is_rebuilt(tmp_path, corpus, since):
    base = tmp_path / "site"
    base.mkdir()
    output = build_site(base, content=corpus, overrides=ON)
    victim = output / "2012" / "post-00011" / "index.html"
    victim.unlink()
    build_site(base, content=corpus, overrides=ON)
    assert victim.is_file()
    cold = _build(tmp_path / "cold", corpus, OFF)
    assert_same_tree(cold, output, since)


def test_timings_file_names_the_plugins(tmp_path, corpus, monkeypatch):
    target = tmp_path / "timings.json"
    monkeypatch.setenv("CONNECTED_BUILD_TIMINGS", str(target))
    _build(tmp_path / "site", corpus, ON)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["run_seconds"] > 0
    assert "fast_build" not in data["plugins"]
    for name in ("site_feeds", "newsletter"):
        if (ROOT / "plugins" / name).is_dir():
            assert name in data["plugins"], data


def test_unknown_setting_is_named(tmp_path):
    with pytest.raises(ValueError, match="WORKRES"):
        _build(tmp_path / "bad", SAMPLE_CONTENT, {"FAST_BUILD": {"WORKRES": 2}})


def test_atomic_write_never_touches_a_hardlinked_previous_file(tmp_path):
    from plugins.fast_build.incremental import write_atomically

    previous = tmp_path / "previous.html"
    previous.write_text("old", encoding="utf-8")
    current = tmp_path / "out" / "page.html"
    current.parent.mkdir()
    os.link(previous, current)
    write_atomically(str(current), b"new")
    assert current.read_bytes() == b"new"
    assert previous.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in current.parent.iterdir()) == ["page.html"]


def test_new_page_written_straight_in_with_pelicans_mode(tmp_path, monkeypatch):
    # A page no file stands at yet is created in place (no temporary file, no
    # rename), with the mode Pelican's open(…, "w") gives; its folder is made.
    from plugins.fast_build import render_pool
    from plugins.fast_build.incremental import write_atomically

    replaced = []
    monkeypatch.setattr(render_pool, "_replace_page", lambda *a: replaced.append(a))
    page = tmp_path / "out" / "posts" / "a" / "index.html"
    mask = os.umask(0o027)
    try:
        write_atomically(str(page), b"<p>new</p>")
    finally:
        os.umask(mask)
    assert page.read_bytes() == b"<p>new</p>"
    assert page.stat().st_mode & 0o777 == 0o640
    assert replaced == []
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def test_page_write_that_fails_leaves_no_half_page(tmp_path, monkeypatch):
    from plugins.fast_build.incremental import write_atomically

    page = tmp_path / "page.html"

    class Full(OSError):
        pass

    real_fdopen = os.fdopen

    def failing_fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        handle.write = lambda data: (_ for _ in ()).throw(Full(28, "No space left on device"))
        return handle

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(Full):
        write_atomically(str(page), b"x" * 10)
    assert not page.exists()


def test_pages_rendered_in_small_batches_are_identical(tmp_path, corpus, since, monkeypatch):
    # Large sites start page renderers every `batch_pages` queued pages; force
    # that path (and several renderers running at once) on the small corpus.
    plain = _build(tmp_path / "off", corpus, OFF)
    import importlib

    incremental = importlib.import_module("fast_build.incremental")
    monkeypatch.setattr(incremental.IncrementalWriter, "batch_pages", 7)
    fast = _build(tmp_path / "on", corpus, ON)
    assert_same_tree(plain, fast, since)
    state = json.loads((tmp_path / "on" / "cache" / "fast_build" / "pages.json").read_text())
    assert len(state["pages"]) > 60


def test_static_file_copied_over_a_page_wins_as_in_pelican(tmp_path, since, monkeypatch):
    # The page renderers are not waited for before the static files are copied,
    # unless one of them writes where a static file goes: then the copy comes last.
    # A renderer slow to write that page makes the order show.
    import importlib
    import time

    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    (content / "extra" / "archives.html").write_text("<p>my own archive</p>\n", encoding="utf-8")
    settings = {
        "STATIC_PATHS": ["images", "files", "extra/robots.txt", "extra/archives.html"],
        "EXTRA_PATH_METADATA": {
            "extra/robots.txt": {"path": "robots.txt"},
            "extra/archives.html": {"path": "archives/index.html"},
        },
    }
    plain = _build(tmp_path / "off", content, {**OFF, **settings})
    assert (plain / "archives" / "index.html").read_text(encoding="utf-8") == "<p>my own archive</p>\n"
    # Pelican imported the plugin as "fast_build" (PLUGIN_PATHS), not "plugins.fast_build".
    render_pool = importlib.import_module("fast_build.render_pool")
    store_page = render_pool.store_page

    def slow_store_page(path, *args):
        if path.endswith("archives/index.html"):
            time.sleep(1.5)
        return store_page(path, *args)

    monkeypatch.setattr(render_pool, "store_page", slow_store_page)
    fast = _build(tmp_path / "on", content, {**ON, **settings})
    assert_same_tree(plain, fast, since)


def test_renders_any_names_pages_being_written_there_or_inside():
    from plugins.fast_build.incremental import IncrementalWriter

    writer = IncrementalWriter.__new__(IncrementalWriter)
    writer._dispatched = {"/out/a/index.html", "/out/theme/x.html"}
    assert writer.renders_any({"/out/a/index.html"})
    assert writer.renders_any({"/out/theme"})
    assert not writer.renders_any({"/out/them", "/out/b", "/out/b.html"})
    writer._dispatched = set()
    assert not writer.renders_any({"/out/a/index.html"})


def test_finish_ready_collects_the_renderers_that_are_done_and_leaves_the_others(tmp_path):
    import time

    from plugins.fast_build.incremental import IncrementalWriter
    from plugins.fast_build.render_pool import RenderJob, fork_renderer

    page = tmp_path / "page.html"
    page.write_text("kept", encoding="utf-8")
    st = page.stat()

    def job(name):
        previous = [f"fp-{name}", "digest", st.st_size, st.st_mtime_ns]
        return RenderJob(str(page), name, None, {}, {"name": name}, previous, str(page))

    def fingerprint_of(template, context, localcontext):
        if localcontext["name"] == "slow":
            time.sleep(3)
        return f"fp-{localcontext['name']}"

    class State:
        def __init__(self):
            self.kept, self.reused = {}, 0

        def keep(self, name, entry):
            self.kept[name] = entry

    writer = IncrementalWriter.__new__(IncrementalWriter)
    writer.state, writer.workers = State(), 2
    writer._dispatched = {"/out/fast.html", "/out/slow.html"}
    fast, slow = [job("fast")], [job("slow")]
    fast[0].path, slow[0].path = "/out/fast.html", "/out/slow.html"
    writer._running = [(share, *fork_renderer(share, fingerprint_of)) for share in (fast, slow)]
    time.sleep(1)
    writer.finish_ready()
    assert sorted(writer.state.kept) == ["fast"]
    assert [entry[0] for entry in writer._running] == [slow]
    assert writer._dispatched == {"/out/slow.html"}
    writer.finish_flush()
    assert sorted(writer.state.kept) == ["fast", "slow"] and writer._running == []
