"""`make import` end to end: a generated old blog, imported into a copy of the project,
built by the import's own baseline step (a real production Pelican build).

The dated corpus comes with old settings (ARTICLE_URL blog/{date:%Y}/{date:%m}/{date:%d}/{slug}/,
TIMEZONE, DEFAULT_LANG pt); the flat one has none (Pelican's {slug}.html defaults).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import feedparser
import lxml.html
import pytest

from scripts import uuids as uuids_script

from .conftest import copy_project, run_import
from .corpus import make_corpus
from .site_checks import broken_links, duplicate_ids, html_pages, output_file, post_pages


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    base = tmp_path_factory.mktemp("dated")
    corpus = make_corpus(base / "old", scheme="dated", posts=20)
    project = copy_project(base / "site")
    result = run_import(project, "--from", str(corpus.content), "--settings", str(corpus.settings))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return project, corpus, result


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    base = tmp_path_factory.mktemp("flat")
    corpus = make_corpus(base / "old", scheme="default", posts=8, seed=12, with_settings=False)
    project = copy_project(base / "site")
    result = run_import(project, "--from", str(corpus.content))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return project, corpus, result


def test_the_old_settings_file_is_read_not_run(dated):
    _, corpus, result = dated
    assert not (corpus.settings.parent / "EXECUTED").exists()
    assert "computed by code, not read" in result.stdout and "SITEURL" in result.stdout


def test_every_post_is_built_and_titles_are_escaped_once(dated):
    project, corpus, _ = dated
    built = post_pages(project / "output")
    for post in corpus.posts:
        assert post.title in built, (post.title, sorted(built)[:5])
    for title in corpus.quoted_titles:
        raw = built[title].read_text(encoding="utf-8")
        assert "&amp;quot;" not in raw and "&amp;#34;" not in raw
        assert '"Baterias' in built[title].read_text() or "&#34;Baterias" in raw or "&quot;Baterias" in raw


def test_no_unresolved_link_markers_anywhere_in_the_output(dated):
    project, _, _ = dated
    for path in (project / "output").rglob("*"):
        if path.suffix in (".html", ".xml", ".json"):
            text = path.read_text(encoding="utf-8")
            for marker in ("{filename}", "{static}", "|filename|", "|static|", "{attach}"):
                assert marker not in text, (path, marker)


@pytest.mark.parametrize("which", ["dated", "flat"])
def test_no_broken_internal_link_or_image(which, request):
    project, corpus, _ = request.getfixturevalue(which)
    output = project / "output"
    assert broken_links(output) == []
    # The posts' images are really in the pages (not dropped along the way).
    srcs = {img.get("src") for page in html_pages(output) for img in lxml.html.parse(str(page)).getroot().iter("img")}
    for image in corpus.images:
        assert any(src and src.endswith(image) for src in srcs), image


@pytest.mark.parametrize("which", ["dated", "flat"])
def test_every_old_url_has_a_redirect_to_its_post(which, request):
    project, corpus, _ = request.getfixturevalue(which)
    output = project / "output"
    built = post_pages(output)
    for post in corpus.posts:
        old = post.old_url(corpus.scheme)
        page = output / (old + "index.html" if old.endswith("/") else old)
        assert page.is_file(), old
        doc = lxml.html.parse(str(page)).getroot()
        refresh = doc.find(".//meta[@http-equiv='refresh']").get("content")
        canonical = doc.find(".//link[@rel='canonical']").get("href")
        visible = doc.find(".//body//a").get("href")
        assert refresh == f"0; url={canonical}" and visible == canonical
        assert doc.find(".//script") is None and "style=" not in page.read_text()
        target = output_file(output, canonical)
        assert target is not None and target == built[post.title], (old, canonical)


def test_nothing_from_the_archive_is_mailed(dated):
    project, _, result = dated
    record = json.loads((project / "send-record.json").read_text())
    manifest = json.loads((project / "build" / "editions" / "manifest.json").read_text())
    assert manifest["posts"] and {p["uuid"] for p in manifest["posts"]} <= set(record["posts"])
    assert all(e["backend"] == "baseline" for e in record["posts"].values())
    publish = subprocess.run(
        [sys.executable, "-m", "scripts.publish", "--no-build", "--root", str(project)],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project), "HOME": str(project)},
    )
    assert publish.returncode == 0, publish.stdout + publish.stderr
    assert "No new posts to send." in publish.stdout
    outbox = project / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())


def test_feeds_parse_and_keep_authors_and_plain_titles(dated):
    project, corpus, _ = dated
    feeds = sorted((project / "output" / "feeds").rglob("*.xml"))
    assert feeds
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    atom = feedparser.parse((project / "output" / "feeds" / "all.atom.xml").read_bytes())
    titles = {e.title: e for e in atom.entries}
    for title in corpus.quoted_titles:
        if title in titles:
            assert "&quot;" not in titles[title].title
    several = [p for p in corpus.posts if len(p.authors) > 1 and p.title in titles]
    assert several
    for post in several:
        assert {a.name for a in titles[post.title].authors} == set(post.authors)


def test_several_authors_on_the_page_meta_and_json_ld(dated):
    project, corpus, _ = dated
    built = post_pages(project / "output")
    post = next(p for p in corpus.posts if len(p.authors) > 1)
    doc = lxml.html.parse(str(built[post.title])).getroot()
    byline = doc.find(".//span[@class='post-authors']").text_content()
    meta = doc.find(".//meta[@name='author']").get("content")
    ld = json.loads(doc.find(".//script[@type='application/ld+json']").text)
    names = [a["name"] for a in ld["author"]]
    for author in post.authors:
        assert author in byline and author in meta and author in names
    # A post without Author: shows the profile's author (the default), no byline.
    plain = next(p for p in corpus.posts if not p.authors and p.fmt == "md")
    doc = lxml.html.parse(str(built[plain.title])).getroot()
    assert doc.find(".//span[@class='post-authors']") is None
    assert json.loads(doc.find(".//script[@type='application/ld+json']").text)["author"]["@type"] == "Person"


def test_translation_declares_its_language_and_timezone_is_the_old_one(dated):
    project, corpus, _ = dated
    built = post_pages(project / "output")
    translation = next(p for p in corpus.posts if p.lang)
    original = next(p for p in corpus.posts if p.slug == translation.slug and not p.lang)
    assert lxml.html.parse(str(built[translation.title])).getroot().get("lang") == translation.lang
    doc = lxml.html.parse(str(built[original.title])).getroot()
    assert doc.get("lang") == "pt"
    published = doc.find(".//meta[@property='article:published_time']").get("content")
    assert published.endswith("-03:00"), published  # America/Sao_Paulo, as the old blog said
    settings = (project / "pelicanconf.py").read_text()
    assert "TIMEZONE = 'America/Sao_Paulo'" in settings and "DEFAULT_LANG = 'pt'" in settings


def test_no_duplicate_ids_next_to_the_table_of_contents(dated):
    project, corpus, _ = dated
    built = post_pages(project / "output")
    assert corpus.anchors
    for page in built.values():
        assert duplicate_ids(page) == [], page
    for slug in corpus.anchors:
        page = next(p for p in built.values() if slug in str(p))
        doc = lxml.html.parse(str(page)).getroot()
        ids = {e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")}
        assert {"setup", "results"} <= ids  # the writer's own anchors keep their names
        for link in doc.findall(".//div[@class='toc']//a"):
            assert link.get("href")[1:] in ids


def test_folder_categories_are_kept_and_root_posts_take_the_default(dated):
    project, corpus, _ = dated
    built = post_pages(project / "output")
    for post in corpus.posts:
        if post.lang:
            continue
        kicker = lxml.html.parse(str(built[post.title])).getroot().find(".//p[@class='post-kicker']").text_content()
        folder = post.path.split("/")[0] if "/" in post.path else None
        assert kicker == (folder or "Notes"), (post.path, kicker)


def test_tag_feeds_only_for_tags_with_two_posts(dated):
    project, _, _ = dated
    output = project / "output"
    counts = {}
    for page in (output / "tag").glob("*/index.html"):
        lede = lxml.html.parse(str(page)).getroot().find(".//p[@class='list-lede']").text_content()
        counts[page.parent.name] = int(lede.split()[0])  # "3 posts."
    feeds = {p.name.split(".")[0] for p in (output / "feeds" / "tag").glob("*.atom.xml")}
    assert any(n == 1 for n in counts.values()) and any(n >= 2 for n in counts.values())
    assert feeds == {tag for tag, n in counts.items() if n >= 2}
    rss = {p.name.split(".")[0] for p in (output / "feeds" / "tag").glob("*.rss.xml")}
    assert rss == feeds


def test_report_lists_what_could_not_be_carried_over(dated):
    _, corpus, result = dated
    out = result.stdout
    report = out[out.index("Import report"):]
    for notebook in corpus.notebooks:
        assert notebook in report
    assert "pelican-jupyter" in report
    for tag in corpus.liquid_needing_plugins:
        assert f"{{% {tag} %}}" in report
    assert "pelican-photos" in report
    for template in corpus.templates:
        assert f"Template: {template}" in report  # all of them, in one run
    assert "Save_as: index.html" in report and "Save_as: 404.html" in report
    assert "Uuids added:" in report and "Links rewritten:" in report and "Redirect pages" in report


def test_the_build_names_posts_with_liquid_tags_and_skipped_notebooks(dated):
    _, corpus, result = dated
    log = result.stderr + result.stdout
    liquid = [line for line in log.splitlines() if "markup_fixes:" in line and "liquid tag" in line]
    assert any("{% photo %}" in line and "{% gallery %}" in line and "pelican-photos" in line for line in liquid)
    assert any("{% illus %}" in line for line in liquid)
    assert not any("{% img %}" in line or "{% youtube %}" in line for line in liquid)  # converted
    notebooks = next(line for line in log.splitlines() if "notebook posts are not built" in line)
    for name in corpus.notebooks:
        assert name in notebooks


def test_convertible_liquid_tags_and_embeds_are_converted(dated):
    project, _, _ = dated
    texts = [p.read_text() for p in (project / "content" / "posts").rglob("*.*") if p.suffix in (".md", ".rst")]
    assert not any("{% img" in t or "{% youtube" in t or ".. youtube::" in t for t in texts)
    assert any("https://www.youtube.com/watch?v=dQw4w9WgXcQ" in t for t in texts)
    assert any("{% photo" in t for t in texts)  # needs a plugin: reported, left as written


def test_uuids_are_added_to_every_post_the_uuids_script_handles(dated):
    project, _, _ = dated
    # make uuids writes Markdown and reST headers; HTML posts get a hint instead.
    handled = set(uuids_script.MARKDOWN_SUFFIXES) | set(uuids_script.RST_SUFFIXES)
    assert any(p.suffix == ".rst" for p in (project / "content" / "posts").rglob("*"))
    posts = [p for p in (project / "content" / "posts").rglob("*") if p.suffix in handled]
    assert posts
    for path in posts:
        text = path.read_text()
        assert "Uuid:" in text or ":uuid:" in text.lower(), path


def test_without_yes_and_without_a_terminal_nothing_changes(tmp_path):
    corpus = make_corpus(tmp_path / "old", posts=4, seed=3)
    project = copy_project(tmp_path / "site")

    def snapshot():
        return {
            p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in project.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        }

    before = snapshot()
    result = run_import(project, "--from", str(corpus.content), "--settings", str(corpus.settings), yes=False)
    assert result.returncode == 1
    assert "--- old/" in result.stdout and "+++ content/posts/" in result.stdout  # the diff is shown
    assert "Nothing was changed" in result.stdout and "YES=1" in result.stdout
    assert snapshot() == before


def test_bad_from_is_one_line_naming_the_fix(tmp_path):
    project = copy_project(tmp_path / "site")
    result = run_import(project, "--from", str(tmp_path / "missing"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "is not a directory" in lines[0] and "FROM=" in lines[0]


def test_redirect_pages_and_imported_posts_are_valid_html(dated):
    from tests.browser.html_checker import describe, run_vnu

    project, corpus, _ = dated
    output = project / "output"
    built = post_pages(output)
    files = [output / (u + "index.html" if u.endswith("/") else u) for u in corpus.old_urls()[:3]]
    files += [p for p in built.values() if any(slug in str(p) for slug in corpus.anchors)]
    files += [built[t] for t in corpus.quoted_titles[:2]]
    messages = run_vnu(files)
    assert messages == [], describe(messages, output)


def test_keep_urls_serves_posts_at_their_old_addresses(tmp_path):
    corpus = make_corpus(tmp_path / "old", posts=4, seed=4)
    project = copy_project(tmp_path / "site")
    result = run_import(project, "--from", str(corpus.content), "--settings", str(corpus.settings), "--keep-urls")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    output = project / "output"
    built = post_pages(output)
    for post in corpus.posts:
        old = post.old_url(corpus.scheme)
        assert built[post.title] == output / (old + "index.html" if old.endswith("/") else old)
    assert not (project / "content" / "extra" / "redirects.json").exists()
    assert broken_links(output) == []


def test_running_the_import_again_changes_nothing(tmp_path):
    corpus = make_corpus(tmp_path / "old", posts=4, seed=6)
    project = copy_project(tmp_path / "site")
    args = ("--from", str(corpus.content), "--settings", str(corpus.settings))
    assert run_import(project, *args).returncode == 0
    content = {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()}
    record = (project / "send-record.json").read_text()
    settings = (project / "pelicanconf.py").read_text()
    again = run_import(project, *args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Files written: 0; Uuids added: 0" in again.stdout
    assert "already exists and differs" not in again.stdout.replace("pages/about.md already exists", "")
    assert {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()} == content
    assert (project / "send-record.json").read_text() == record
    assert (project / "pelicanconf.py").read_text() == settings


def test_the_writers_own_unsent_post_is_left_out_of_the_baseline(tmp_path):
    """The baseline is for the archive: a post the writer wrote here and has not sent yet
    (a send record exists, without it) stays sendable, and the preview says so first."""
    from datetime import UTC, datetime

    from connected.send_record import empty_record, save_record, set_entry

    sent, unsent = "6f1c2b7e-1d2a-4c3b-9e4f-0a1b2c3d4e5f", "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
    corpus = make_corpus(tmp_path / "old", posts=3, seed=8)
    project = copy_project(tmp_path / "site")  # good_minimal: first-note (sent) and second-note
    record = empty_record()
    set_entry(record, sent, status="sent", at=datetime(2026, 5, 2, tzinfo=UTC), backend="outbox")
    save_record(project / "send-record.json", record)
    args = ("--from", str(corpus.content), "--settings", str(corpus.settings))

    preview = run_import(project, *args, yes=False)
    assert preview.returncode == 1
    (note,) = [line for line in preview.stdout.splitlines() if line.startswith("Not in the baseline")]
    assert "stay unsent, so the next `make publish` sends them" in note and "2 posts to look at" in note
    # The old blog's zone replaces ours: the two posts already here are told of.
    (zone,) = [line for line in preview.stdout.splitlines() if line.startswith("Note: TIMEZONE")]
    assert "'America/Sao_Paulo' instead of 'Europe/London'" in zone and "2 posts already in content/" in zone
    assert "Timezone: Europe/London" in zone

    result = run_import(project, *args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Left out of the baseline, so the next `make publish` sends them: posts/second-note.md" in result.stdout
    posts = json.loads((project / "send-record.json").read_text())["posts"]
    manifest = json.loads((project / "build" / "editions" / "manifest.json").read_text())
    imported = {p["uuid"] for p in manifest["posts"]} - {sent, unsent}
    assert len(imported) >= 3 and imported <= set(posts)
    assert unsent not in posts and posts[sent]["backend"] == "outbox"


def test_an_import_run_again_after_its_baseline_was_cut_short_still_baselines_the_archive(tmp_path):
    """The files of an earlier run are archive, not the writer's: re-running the import (as
    its own failure message allows) must still mark them, or the next publish mails them."""
    from datetime import UTC, datetime

    from connected.send_record import empty_record, save_record, set_entry

    corpus = make_corpus(tmp_path / "old", posts=3, seed=9)
    project = copy_project(tmp_path / "site")
    record = empty_record()
    for uuid in ("6f1c2b7e-1d2a-4c3b-9e4f-0a1b2c3d4e5f", "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"):
        set_entry(record, uuid, status="sent", at=datetime(2026, 5, 2, tzinfo=UTC), backend="outbox")
    save_record(project / "send-record.json", record)
    before = (project / "send-record.json").read_bytes()
    args = ("--from", str(corpus.content), "--settings", str(corpus.settings))
    assert run_import(project, *args).returncode == 0
    (project / "send-record.json").write_bytes(before)  # as a baseline that never finished leaves it
    again = run_import(project, *args)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "Left out of the baseline" not in again.stdout
    posts = json.loads((project / "send-record.json").read_text())["posts"]
    manifest = json.loads((project / "build" / "editions" / "manifest.json").read_text())
    assert {p["uuid"] for p in manifest["posts"]} <= set(posts)


def test_old_category_and_tag_pages_redirect_to_ours(dated):
    project, _, _ = dated
    output = project / "output"
    checked = 0
    for ours in sorted((output / "category").glob("*/index.html")) + sorted((output / "tag").glob("*/index.html")):
        kind, slug = ours.parent.parent.name, ours.parent.name
        old = output / kind / f"{slug}.html"  # Pelican's default CATEGORY_SAVE_AS / TAG_SAVE_AS
        if not (slug.startswith("topic-") or slug in ("python", "career")):
            continue  # the site's own categories and tags (and our DEFAULT_CATEGORY)
        assert old.is_file(), old
        canonical = lxml.html.parse(str(old)).getroot().find(".//link[@rel='canonical']").get("href")
        assert output_file(output, canonical) == ours
        checked += 1
    assert checked > 10


def test_loose_dates_and_old_plugin_roles_are_carried_over(dated):
    """Dates Pelican read (2014-6-6 9:00) are written in ISO form, the same moment; reST
    roles of the old blog's plugins (:py:`…`) are declared as code roles: the baseline
    build (a production build) passed, and the pages show both."""
    project, corpus, result = dated
    assert corpus.loose_dates and corpus.role_posts
    assert "Dates written in ISO form (the same date and time): " in result.stdout
    assert ":py: reST role in" in result.stdout and ":bash: reST role in" in result.stdout
    posts = {post.path: post for post in corpus.posts}
    built = post_pages(project / "output")
    for path in corpus.loose_dates:
        post = posts[path]
        doc = lxml.html.parse(str(built[post.title])).getroot()
        stamps = {t.get("datetime")[:16] for t in doc.iter("time") if t.get("datetime")}
        assert f"{post.date:%Y-%m-%dT%H:%M}" in stamps, (path, stamps)
        text = (project / "content" / "posts" / path).read_text(encoding="utf-8")
        assert f"{post.date:%Y-%m-%d %H:%M}" in text
    for path in corpus.role_posts:
        doc = lxml.html.parse(str(built[posts[path].title])).getroot()
        codes = [c.text_content() for c in doc.iter("code")]
        assert "len(items) > 2" in codes and "ls -l" in codes, (path, codes)
