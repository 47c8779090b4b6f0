"""post_checks refuses every header mistake before anything is written, all of
them in one run, one line per problem naming the file and the fix.

One build of the CLI (`python -m scripts.build`) over a previous good build,
with one bad file per case (tests/data/good_minimal plus the files below);
each case asserts on its own line of that one run's output.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import DATA, ROOT
from tests.scripts.build_command.test_build_checks import build_cli, snapshot

UUID = "7a7a7a7a-0000-4000-8000-{:012d}"


def post(number: int, *lines: str, body: str = "Body.") -> str:
    header = list(lines)
    keys = {line.split(":", 1)[0] for line in header}
    if "Title" not in keys:
        header.insert(0, f"Title: Case {number}")
    if "Date" not in keys and "Dat" not in keys:
        header.append("Date: 2026-05-01 10:00")
    header.append(f"Uuid: {UUID.format(number)}")
    header.append(f"Summary: Case {number}.")
    return "\n".join(header) + "\n\n" + body + "\n"


# file name -> (file text, substrings its one line must hold)
CASES = {
    "typo-status.md": (post(1, "Stauts: draft"), ["unknown key 'Stauts'", "did you mean 'Status'?"]),
    "typo-tag.md": (post(2, "Tag: careers"), ["unknown key 'Tag'", "did you mean 'Tags'?"]),
    "typo-summary.md": (post(3, "Sumary: x"), ["unknown key 'Sumary'", "did you mean 'Summary'?"]),
    "typo-title.md": (post(4, "Titel: x"), ["unknown key 'Titel'", "did you mean 'Title'?"]),
    "typo-date.md": (post(5, "Dat: 2026-01-01"), ["unknown key 'Dat'", "did you mean 'Date'?"]),
    "date-slashes.md": (post(6, "Date: 01/12/2026"), ["date '01/12/2026' is not a date in ISO 8601 form", "YYYY-MM-DD HH:MM"]),
    "date-day-first.md": (post(7, "Date: 30/11/2026"), ["date '30/11/2026'", "accepted: YYYY-MM-DD"]),
    "date-words.md": (post(8, "Date: Nov 30, 2026"), ["date 'Nov 30, 2026'", "ISO 8601"]),
    "date-year-one.md": (post(9, "Date: 0001-01-01"), ["has the year 1, outside 1990–2999"]),
    "modified-bad.md": (post(10, "Modified: 31/12/2026"), ["modified '31/12/2026'", "Modified: YYYY-MM-DD HH:MM"]),
    "two-titles.md": (post(11, "Title: Repro post", "Title: second"), ["has two Title: lines (lines 1 and 2) — keep one"]),
    "empty-title.md": (post(12, "Title:"), ["has an empty Title: line 1"]),
    "ctl-title.md": (post(13, "Title: bad\x01title"), ["Title: (line 1) holds the control character U+0001"]),
    "ctl-summary.md": (post(14, "Summary: a\x00b"), ["Summary: (line 2) holds the control character U+0000"]),
    "ctl-tags.md": (post(15, "Tags: a, b\x1bc"), ["Tags: (line 2) holds the control character U+001B"]),
    "ctl-category.md": (post(16, "Category: c\x7f"), ["Category: (line 2) holds the control character U+007F"]),
    "ctl-author.md": (post(17, "Author: a\x08b"), ["Author: (line 2) holds the control character U+0008"]),
    "ctl-body.md": (post(18, body="line one\n\nNUL \x00 here"), ["line 8 holds the control character U+0000"]),
    "slug-quote.md": (post(19, 'Slug: x"><script>alert(1)</script>'), ["Slug: 'x\"><script>alert(1)</script>' may hold only letters"]),
    "slug-attr.md": (post(20, 'Slug: y" onmouseover="alert(2)'), ["may hold only letters, digits"]),
    "slug-long.md": (post(21, "Slug: " + "a" * 300), ["is 300 characters long (at most 200)"]),
    "slug-abs.md": (post(22, "Slug: /tmp/x-preview"), ["Slug: '/tmp/x-preview' may hold only"]),
    "slug-nul.md": (post(23, "Slug: a\x00b"), ["Slug: (line 2) holds the control character U+0000"]),
    "lang-hostile.md": (post(24, 'Lang: "><script>alert(5)</script>'), ["is not a language tag", "BCP 47"]),
    "template-one.md": (post(25, "Template: nonexistent"), ["Template: 'nonexistent' is not in the theme", "use one of: 404, article"]),
    "template-two.md": (post(26, "Template: custom-home"), ["Template: 'custom-home' is not in the theme"]),
    "template-page.md": (post(27, "Template: page"), ["Template: 'page' renders"]),
    "url-js.md": (post(28, "Url: javascript:alert(1)"), ["Url: 'javascript:alert(1)' must be a path inside the site"]),
    "save-as-up.md": (post(29, "Save_as: ../x.html"), ["Save_as: '../x.html' must stay inside the site"]),
    "original-js.md": (post(30, "Original_url: javascript:alert(1)"), ["Original_url: 'javascript:alert(1)' is not an https:// URL"]),
    "original-http.md": (post(31, "Original_url: http://plain.example/x"), ["is not an https:// URL"]),
    "image-js.md": (post(32, "Image: javascript:alert(1)"), ["Image: 'javascript:alert(1)' must be a path inside content/"]),
    "image-up.md": (post(33, "Image: ../../etc/passwd"), ["Image: '../../etc/passwd' must be a path inside content/"]),
    "tag-long.md": (post(34, "Tags: " + "t" * 5000), ["Tags: has a name of 5000 characters (at most 100)"]),
    "timezone-bad.md": (post(35, "Timezone: Mars/Olympus"), ["Timezone: 'Mars/Olympus' is not a known time zone"]),
    "title-long.md": (post(36, "Title: " + "word " * 80), ["its title makes a slug of", "add a shorter 'Slug: …' line"]),
    # A Status:/Newsletter: line read as text publishes and mails the post (hostile-input probe).
    "status-space-colon.md": ("Title: Case 50\nStatus : draft\nSummary: s.\n\nBody.\n", ["line 2 'Status : draft' looks like a Status: line but is read as the post's text (the header ends at line 1)"]),
    "status-wide-colon.md": (post(51, body="Status\uff1adraft"), ["looks like a Status: line", "no space before the colon"]),
    "status-cyrillic.md": (post(52, body="St\u0430tus: draft"), ["looks like a Status: line"]),
    "status-zero-width.md": (post(53, body="Sta\u200btus: draft"), ["looks like a Status: line"]),
    "status-after-blank.md": (post(54, body="Status: draft\nMore text."), ["line 6 'Status: draft' looks like a Status: line", "the header ends at line 5"]),
    "newsletter-after-blank.md": (post(55, body="Newsletter: no"), ["looks like a Newsletter: line"]),
    "status-indented.md": ("Title: Case 66\nDate: 2026-05-01 10:00\nUuid: 7a7a7a7a-0000-4000-8000-000000000066\n    Status: draft\n\nBody.\n", ["line 4 'Status: draft' is indented, so it is read as part of the Uuid: line above"]),
    "status-empty.md": (post(56, "Status:"), ["has an empty Status: line 2 — write 'Status: draft'"]),
    "status-skip-upper.md": (post(57, "Status: SKIP"), ["Status: 'SKIP' — Pelican reads 'skip' in lower case only"]),
    "email-mode-typo.md": (post(58, "Email_mode: fulll"), ["Email_mode: 'fulll' is not full or excerpt"]),
    "title-bidi.md": (post(59, "Title: Invoice \u202egnp.exe"), ["Title: (line 1) holds the control character U+202E"]),
    "date-offset.md": (post(60, "Date: 2026-11-20 09:00+99:99"), ["has the offset +99:99, which is not a UTC offset"]),
    "save-as-dotfile.md": (post(61, "Save_as: .htaccess"), ["Save_as: '.htaccess' must not name a hidden file or folder"]),
    "save-as-dotdir.md": (post(62, "Save_as: .git/config"), ["must not name a hidden file or folder"]),
    "date-format-bad.md": (post(63, "Date_format: %"), ["Date_format: '%' is not a date format"]),
    "date-format-long.md": (post(64, "Date_format: " + "%Y " * 200), ["Date_format: is 599 characters long (at most 100)"]),
    "timezone-path.md": (post(65, "Timezone: ../../etc/localtime"), ["Timezone: '../../etc/localtime' is not a known time zone"]),
    # Front matter written for Hugo or Jekyll: held back there, published and mailed here.
    "hugo-draft.md": ("---\ntitle: Hugo style\ndate: 2026-05-01\ndraft: true\nuuid: 7a7a7a7a-0000-4000-8000-000000000070\n---\n\nBody.\n",
                      ["draft: 'true' (line 4) is how Hugo or Jekyll keep a post back", "write 'Status: draft' instead"]),
    "jekyll-unpublished.md": (post(71, "Published: false"), ["Published: 'false' (line 2) is how Hugo or Jekyll keep a post back"]),
    "yaml-quoted-title.md": ('---\ntitle: "Hugo style"\ndate: 2026-05-01\nuuid: 7a7a7a7a-0000-4000-8000-000000000072\n---\n\nBody.\n',
                            ["title: '\"Hugo style\"' (line 2) is in quotes", "delete the quotes"]),
    "yaml-list.md": ("---\ntitle: A list\ndate: 2026-05-01\ntags:\n  - career\ndraft: true\n---\n\nBody.\n",
                     ["line 6 'draft: true' is after the header's end (line 5 '- career' ends it", "'Tags: a, b'"]),
    "yaml-blank.md": ("---\ntitle: A gap\ndate: 2026-05-01\n\ndraft: yes\n---\n\nBody.\n",
                      ["line 5 'draft: yes' is after the header's end (the blank line 4 ends it"]),
    "yaml-comment-line.md": ("---\ntitle: A note\ndate: 2026-05-01\n# TODO finish this\ndraft: true\n---\n\nBody.\n",
                             ["line 5 'draft: true' is after the header's end (line 4 '# TODO finish this' ends it"]),
    "yaml-comment-value.md": ("---\ntitle: A note\ndate: 2026-05-01\nuuid: 7a7a7a7a-0000-4000-8000-000000000073\ndraft: true # not ready\n---\n\nBody.\n",
                              ["draft: 'true # not ready' (line 5) is how Hugo or Jekyll keep a post back"]),
    "yaml-spaced-key.md": ("---\ntitle: A note\ndate: 2026-05-01\ndraft : true\n---\n\nBody.\n",
                           ["line 4 'draft : true' is after the header's end"]),
    "yaml-never-closed.md": ("---\ntitle: A note\ndate: 2026-05-01\n\npublished: false\n\nBody.\n",
                             ["line 5 'published: false' is after the header's end"]),
    # Output path collisions (issue 11 item 3, issue 17 item 3, issue 18 item 2).
    "saveas-feed.md": (post(40, "Save_as: feeds/all.atom.xml"), ["(Save_as: feeds/all.atom.xml): would be written to feeds/all.atom.xml, which the Atom feed of all posts also writes", "change or delete its Save_as: line"]),
    "saveas-sitemap.md": (post(41, "Save_as: sitemap.xml"), ["(Save_as: sitemap.xml): would be written to sitemap.xml, which the sitemap also writes"]),
    "slug-css.md": (post(42, "Slug: ../theme/css/site.css"), ["would be written to theme/css/site.css/index.html, which clashes with the theme file theme/css/site.css"]),
    "slug-robots.md": (post(43, "Slug: ../robots.txt"), ["would be written to robots.txt/index.html, which clashes with the static file extra/robots.txt"]),
    "slug-feed.md": (post(44, "Slug: ../feeds/all.atom.xml"), ["clashes with the Atom feed of all posts"]),
    "slug-index.md": (post(45, "Slug: ../index.html"), ["would be written to index.html/index.html, which clashes with the index page"]),
    "slug-tag.md": (post(46, "Slug: ../tag/networking"), ["would be written to tag/networking/index.html, which the page of tag 'networking' also writes"]),
}
PAGE_CASES = {
    "home.md": (
        "Title: Home\nSave_as: index.html\nUrl: \nUuid: 7a7a7a7a-0000-4000-8000-000000000099\n\nMy home.\n",
        ["pages/home.md (Save_as: index.html): would be written to index.html, which the index page also writes",
         "change or delete its Save_as: line"],
    ),  # fmt: skip
}
NETWORKING = post(47, "Tags: networking")


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, good_build):
    project = tmp_path_factory.mktemp("header-checks")
    shutil.copytree(good_build / "output", project / "output")
    shutil.copytree(good_build / "build", project / "build")
    before = snapshot(project / "output")
    shutil.copytree(DATA / "good_minimal", project / "content")
    posts = project / "content" / "posts"
    for name, (text, _) in CASES.items():
        (posts / name).write_bytes(text.encode("utf-8"))
    (posts / "networking.md").write_text(NETWORKING, encoding="utf-8")
    for name, (text, _) in PAGE_CASES.items():
        (project / "content" / "pages" / name).write_text(text, encoding="utf-8")
    (project / "content" / "extra").mkdir()
    (project / "content" / "extra" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    result = build_cli(project)
    return project, result, before


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    project = tmp_path_factory.mktemp("header-good")
    shutil.copytree(DATA / "good_minimal", project / "content")
    result = build_cli(project)
    assert result.returncode == 0, result.stderr
    return project


def _lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_the_run_stops_cleanly_and_leaves_output_alone(bad_run):
    project, result, before = bad_run
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(project / "output") == before
    # Every problem line names a file of the content (no line names nothing).
    problems = [
        line for line in _lines(result)
        if not line.startswith("WARNING:") and not line.startswith("Build stopped")
    ]  # fmt: skip
    assert all("content/" in line.split(": ", 1)[0] for line in problems), problems


@pytest.mark.parametrize("name", sorted(CASES) + sorted(PAGE_CASES))
def test_each_mistake_has_its_own_line(bad_run, name):
    _, result, _ = bad_run
    expected = (CASES.get(name) or PAGE_CASES[name])[1]
    mine = [line for line in _lines(result) if f"/{name}" in line.split(": ", 1)[0]]
    assert any(all(part in line for part in expected) for line in mine), (expected, mine)


def test_save_as_collision_names_save_as_not_slug(bad_run):
    _, result, _ = bad_run
    (line,) = [line for line in _lines(result) if "pages/home.md" in line.split(": ", 1)[0]]
    assert "Save_as" in line and "different Slug" not in line


def test_listing_templates_all_at_once(bad_run):
    _, result, _ = bad_run
    bad_templates = [line for line in _lines(result) if "Template: '" in line]
    assert len(bad_templates) == 3, bad_templates


def test_a_good_post_in_the_same_run_is_not_named(bad_run):
    _, result, _ = bad_run
    assert not any("first-note.md" in line or "networking.md:" in line for line in _lines(result))


def test_unknown_keys_are_a_note_and_extra_keys_declare_them(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    for number, key in ((60, "Series"), (61, "Series"), (62, "Cover_credit")):
        (tmp_path / "content" / "posts" / f"extra-{number}.md").write_text(
            post(number, f"{key}: one"), encoding="utf-8"
        )
    result = build_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    notes = [line for line in _lines(result) if "note: header keys" in line]
    assert len(notes) == 1, result.stderr
    assert "'Cover_credit' (" in notes[0] and "'Series' (" in notes[0] and "and 1 more" in notes[0]
    assert 'POST_CHECKS["EXTRA_KEYS"]' in notes[0]

    declared = build_cli(tmp_path, "-e", "POST_CHECKS=" + json.dumps({"EXTRA_KEYS": ["Series", "Cover_credit"]}))
    assert declared.returncode == 0, declared.stderr
    assert "note: header keys" not in declared.stderr


def test_an_extra_key_is_not_taken_for_a_typo(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "dates.md").write_text(post(63, "Dates: 2026"), encoding="utf-8")
    stopped = build_cli(tmp_path)
    assert stopped.returncode == 1 and "did you mean 'Date'?" in stopped.stderr
    declared = build_cli(tmp_path, "-e", "POST_CHECKS=" + json.dumps({"EXTRA_KEYS": ["Dates"]}))
    assert declared.returncode == 0, declared.stderr


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ({"AUTHOR_PROFILE": {"LINKEDIN": "https://x.example/"}},
         "pelicanconf.py: AUTHOR_PROFILE has unknown key 'LINKEDIN' — did you mean 'LINKEDIN_URL'?"),
        ({"SUBSCRIBE": {"FORM_URL": "javascript:alert(1)"}},
         "pelicanconf.py: SUBSCRIBE['FORM_URL'] must be an https:// URL or empty, not 'javascript:alert(1)'"),
        ({"SUBSCRIBE": {"FORM_ULR": "https://x.example/"}}, "SUBSCRIBE has unknown key 'FORM_ULR' — did you mean 'FORM_URL'?"),
        ({"NEWSLETTER": {"EDITONS": "all"}}, "NEWSLETTER has unknown key 'EDITONS' — did you mean 'EDITIONS'?"),
        ({"SITE_FEEDS": {"MAX_ITEM": 5}}, "SITE_FEEDS has unknown key 'MAX_ITEM' — did you mean 'MAX_ITEMS'?"),
        ({"DEPLOY": {"TARGT": "none"}}, "DEPLOY has unknown key 'TARGT' — did you mean 'TARGET'?"),
        ({"FAST_BUILD": {"ENABLE": True}}, "FAST_BUILD has unknown key 'ENABLE' — did you mean 'ENABLED'?"),
        ({"STATS": {"CONCURENCY": 2}}, "STATS has unknown key 'CONCURENCY' — did you mean 'CONCURRENCY'?"),
        ({"POST_CHECKS": {"EXTRA_KEY": []}}, "POST_CHECKS has unknown key 'EXTRA_KEY' — did you mean 'EXTRA_KEYS'?"),
    ],
)  # fmt: skip
def test_settings_dict_typos_stop_the_build(tmp_path, setting, expected):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "keep.txt").write_text("previous\n")
    ((name, value),) = setting.items()
    extra = dict(value)
    if name == "NEWSLETTER":
        extra["EDITIONS_PATH"] = str(tmp_path / "build" / "editions")
    result = build_cli(tmp_path, "-e", f"{name}={json.dumps(extra)}")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert any(line.startswith("pelicanconf.py: ") and expected in line for line in _lines(result)), result.stderr
    assert snapshot(tmp_path / "output") == {"keep.txt": b"previous\n"}


def test_rest_unknown_directive_is_listed_in_development_and_stops_production(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    (posts / "video.rst").write_text(
        "Video post\n##########\n\n:date: 2026-05-02 10:00\n:uuid: 7a7a7a7a-0000-4000-8000-000000000070\n"
        ":summary: A video.\n\nText.\n\n.. youtube:: abc123\n\nMore.\n",
        encoding="utf-8",
    )
    (posts / "plain.rst").write_text(
        "Plain post\n##########\n\n:date: 2026-05-03 10:00\n:uuid: 7a7a7a7a-0000-4000-8000-000000000071\n\nText.\n",
        encoding="utf-8",
    )
    dev = build_cli(tmp_path)
    assert dev.returncode == 0, dev.stderr
    (line,) = [line for line in _lines(dev) if "video.rst" in line]
    assert 'line 10: Unknown directive type "youtube"' in line
    assert "metadata" not in line  # no misleading hint about the header
    assert "make publish stops on it" in line
    assert (tmp_path / "output" / "2026" / "plain-post" / "index.html").is_file()
    # The missing-Summary note speaks reST to a reST file.
    (summary,) = [line for line in _lines(dev) if "plain.rst" in line]
    assert "':summary: …' field" in summary

    before = snapshot(tmp_path / "output")
    prod = build_cli(tmp_path, settings="publishconf.py")
    assert prod.returncode == 1, prod.stderr
    problems = [line for line in _lines(prod) if "video.rst" in line and not line.startswith("WARNING")]
    assert len(problems) == 1 and 'Unknown directive type "youtube"' in problems[0], prod.stderr
    assert snapshot(tmp_path / "output") == before


def test_rest_key_typo_is_named_in_rest_syntax(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "typo.rst").write_text(
        "Typo post\n#########\n\n:date: 2026-05-02 10:00\n:stauts: draft\n"
        ":uuid: 7a7a7a7a-0000-4000-8000-000000000072\n\nText.\n",
        encoding="utf-8",
    )
    result = build_cli(tmp_path)
    assert result.returncode == 1
    assert any("typo.rst: unknown key 'stauts' (line 5) — did you mean 'status'?" in line for line in _lines(result))


def test_writing_docs_name_every_header_key_and_setting():
    from plugins.post_checks.keys import HEADER_KEYS

    text = (ROOT / "docs" / "writing.md").read_text(encoding="utf-8")
    missing = [key for key in HEADER_KEYS if f"`{key}`" not in text]
    assert missing == []
    for needle in ("POST_CHECKS", "EXTRA_KEYS", "UNREADABLE_FILES", "did you mean"):
        assert needle in text


def test_pagination_pages_tag_feeds_and_drafts_are_claimed_too(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    (posts / "tagged.md").write_text(post(80, "Tags: networking"), encoding="utf-8")
    (posts / "page-two.md").write_text(post(81, "Save_as: page/2/index.html"), encoding="utf-8")
    (posts / "tag-feed.md").write_text(post(82, "Save_as: feeds/tag/networking.atom.xml"), encoding="utf-8")
    (posts / "draft-home.md").write_text(post(83, "Status: draft", "Save_as: index.html"), encoding="utf-8")
    result = build_cli(tmp_path, "-e", "DEFAULT_PAGINATION=1")
    assert result.returncode == 1
    lines = _lines(result)

    def line_of(name):
        (found,) = [line for line in lines if f"/{name} (Save_as:" in line]
        return found

    assert "which the index page, page 2 also writes" in line_of("page-two.md")
    assert "which the Atom feed of tag 'networking' also writes" in line_of("tag-feed.md")
    assert "which the index page also writes" in line_of("draft-home.md")


def test_a_settings_typo_and_content_problems_come_in_one_run(tmp_path):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "typo.md").write_text(post(90, "Stauts: draft"), encoding="utf-8")
    result = build_cli(tmp_path, "-e", "AUTHOR_PROFILE=" + json.dumps({"LINKEDIN": "https://x.example/"}))
    assert result.returncode == 1
    lines = _lines(result)
    assert any("AUTHOR_PROFILE has unknown key 'LINKEDIN'" in line for line in lines), lines
    assert any("typo.md: unknown key 'Stauts'" in line for line in lines), lines


def test_hidden_files_and_folders_are_not_read(tmp_path):
    """Editor locks and backups, a .trash/ folder: never built, never mailed (Pelican's
    default IGNORE_FILES never matched them)."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    (posts / ".hidden-draft.md").write_text(post(80, "Title: Hidden file post"), encoding="utf-8")
    (posts / ".trash").mkdir()
    (posts / ".trash" / "deleted.md").write_text(post(81, "Title: Trashed post"), encoding="utf-8")
    (posts / ".#lock.md").symlink_to("root@host.1234:1700000000")  # an Emacs lock: dangling
    result = build_cli(tmp_path, settings="publishconf.py")
    assert result.returncode == 0, result.stderr
    built = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "output").rglob("*.html"))
    assert "Hidden file post" not in built and "Trashed post" not in built
    editions = json.loads((tmp_path / "build" / "editions" / "manifest.json").read_text(encoding="utf-8"))
    assert all("Hidden" not in e["title"] and "Trashed" not in e["title"] for e in editions["posts"])


@pytest.mark.parametrize(
    "directive",
    [".. include:: /etc/passwd", ".. raw:: html\n   :file: /etc/passwd", ".. raw:: html\n   :url: file:///etc/passwd",
     ".. csv-table:: T\n   :file: /etc/passwd"],
)
def test_rest_cannot_read_files_of_the_machine(tmp_path, directive):
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "p.rst").write_text(
        "Probe\n#####\n\n:date: 2026-05-02 10:00\n:uuid: 7a7a7a7a-0000-4000-8000-000000000090\n"
        f":summary: s.\n\nHello.\n\n{directive}\n", encoding="utf-8")  # fmt: skip
    result = build_cli(tmp_path, settings="publishconf.py")
    assert result.returncode == 1
    (line,) = [line for line in _lines(result) if "p.rst" in line and not line.startswith("WARNING")]
    assert "line 10:" in line and "paste the text into the post instead" in line
    assert not any("root:" in p.read_text(errors="replace") for p in (tmp_path / "output").rglob("*") if p.is_file())


def test_two_static_files_on_one_path_stop_the_build(tmp_path):
    """An imported blog's robots.txt mapped over ours: which one was copied changed from
    build to build (found importing a real blog)."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "extra").mkdir()
    (tmp_path / "content" / "extra" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (tmp_path / "content" / "images" / "old-robots.txt").write_text("Disallow: /\n", encoding="utf-8")
    mapping = {"extra/robots.txt": {"path": "robots.txt"}, "images/old-robots.txt": {"path": "robots.txt"}}
    result = build_cli(tmp_path, "-e", "EXTRA_PATH_METADATA=" + json.dumps(mapping))
    assert result.returncode == 1
    (line,) = [line for line in _lines(result) if "would both be copied to robots.txt" in line]
    assert "extra/robots.txt" in line and "images/old-robots.txt" in line and "EXTRA_PATH_METADATA" in line


def test_a_post_published_with_newposts_starter_text_stops_make_publish(tmp_path):
    """Deleting only the Status line of a fresh `make newpost` draft would mail
    "Write here. Fill in Tags…" to the list (a newcomer's walk through the README)."""
    from connected.starter_text import ABOUT_WORK, NEWPOST_BODY

    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "fresh.md").write_text(
        post(90, "Title: My fresh post", body=NEWPOST_BODY), encoding="utf-8")  # fmt: skip
    (tmp_path / "content" / "posts" / "still-draft.md").write_text(
        post(91, "Title: Still a draft", "Status: draft", body=NEWPOST_BODY), encoding="utf-8")  # fmt: skip
    about = tmp_path / "content" / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n" + ABOUT_WORK + "\n", encoding="utf-8")
    dev = build_cli(tmp_path)
    assert dev.returncode == 0, dev.stderr
    (line,) = [line for line in _lines(dev) if "fresh.md" in line]
    assert line.startswith("WARNING") and "still holds the starter text of make newpost" in line
    assert "make publish stops on it" in line
    assert not [line for line in _lines(dev) if "still-draft.md" in line]  # a draft may hold it
    assert any("about.md: still holds the starter text" in line for line in _lines(dev))
    before = snapshot(tmp_path / "output")
    prod = build_cli(tmp_path, settings="publishconf.py")
    assert prod.returncode == 1
    (line,) = [line for line in _lines(prod) if "fresh.md" in line and not line.startswith("WARNING")]
    assert "put 'Status: draft' back" in line and "nothing was sent" in line
    assert snapshot(tmp_path / "output") == before


def test_posts_read_through_symbolic_links_stop_the_build(tmp_path):
    """Pelican follows links: a post linked from outside content/ was built and mailed, a
    link to /etc/passwd printed its user names as unknown keys, and a folder linked back
    to its parent read every post again (hostile-input probe)."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "out.md").write_text(post(95, "Title: From outside"), encoding="utf-8")
    (posts / "link.md").symlink_to(outside / "out.md")
    (posts / "loop").symlink_to(".", target_is_directory=True)
    result = build_cli(tmp_path)
    assert result.returncode == 1
    lines = [line for line in _lines(result) if line.startswith(str(tmp_path))]
    named = {line.split(": ", 1)[0]: line for line in lines}
    outside_line = named[str(posts / "link.md")]
    assert f"is a symbolic link to {outside / 'out.md'}, outside the content folder" in outside_line
    again = [line for path, line in named.items() if "/loop/" in path and not path.endswith("link.md")]
    assert again and all("again, reached through a symbolic link — delete the link" in line for line in again)
    assert not any("share" in line and "Uuid" in line for line in lines)  # no duplicate-Uuid wall


def test_prose_that_starts_like_a_header_line_is_not_taken_for_one(tmp_path):
    """Only a lost header line with a value its key takes stops the build: an architecture
    decision record opens with "Status: Accepted", weekly notes with "Newsletter: 1,200
    subscribers", a tutorial shows `Status: draft` in a code block (an independent review)."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    posts = tmp_path / "content" / "posts"
    bodies = {
        "adr.md": "Status: Accepted\nContext: we ship weekly.",
        "notes.md": "Newsletter: 1,200 subscribers now.\nThanks all.",
        "fence.md": "```text\nStatus: draft\n```\n\nThat line keeps a post back.",
    }
    for n, (name, body) in enumerate(bodies.items()):
        (posts / name).write_text(post(70 + n, f"Title: Prose {n}", body=body), encoding="utf-8")
    (posts / "howto.rst").write_text(
        "How to hold a post\n##################\n\n:date: 2026-05-02 10:00\n"
        ":uuid: 7a7a7a7a-0000-4000-8000-000000000079\n:summary: s.\n\nWrite this::\n\n"
        "    :status: draft\n\n:Status: Accepted\n", encoding="utf-8")  # fmt: skip
    result = build_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "looks like a" not in result.stderr


def test_a_dotted_static_path_is_named_not_silently_left_out(tmp_path):
    """IGNORE_FILES = [".*"] would leave extra/.htaccess out of output/ without a word, and
    rsync --delete would then take it off the server (an independent review)."""
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "extra").mkdir()
    (tmp_path / "content" / "extra" / ".htaccess").write_text("Redirect 301 /old /new\n", encoding="utf-8")
    extra = ["-e", 'STATIC_PATHS=["images", "extra/.htaccess"]',
             "-e", 'EXTRA_PATH_METADATA={"extra/.htaccess": {"path": ".htaccess"}}']  # fmt: skip
    result = build_cli(tmp_path, *extra)
    assert result.returncode == 1
    lines = [line for line in _lines(result) if "IGNORE_FILES" in line]
    assert len(lines) == 2 and all("keep it as 'extra/htaccess'" in line for line in lines), lines


@pytest.mark.parametrize(
    "text",
    [
        # A --- header ended by a blank line, then a body with a rule: Python-Markdown reads it so.
        "---\nTitle: Notes\nDate: 2026-05-01 10:00\n\nUpdate: I rewrote this post in December.\n\n---\n\nBody\n",
        "---\nTitle: Notes\nDate: 2026-05-01 10:00\n\n- one\n- two\n\n---\n\nBody\n",
        "---\nTitle: Notes\nDate: 2026-05-01 10:00\n\nIntro.\n\n---\n\nAfter the rule.\n",
        # A tab-indented line continues the value above, as Python-Markdown reads it.
        "Title: Notes\nDate: 2026-05-01 10:00\nSummary: a long\n\tsummary\nStatus: published\n\nBody\n",
        # Quotes inside a value, not around it.
        '---\nTitle: Notes\nSummary: "Ask", she said, "early"\nDate: 2026-05-01 10:00\n---\n\nBody\n',
        '---\nTitle: “Dune” and me\nDate: 2026-05-01 10:00\n---\n\nBody\n',
        # Held already, or values that publish.
        "Title: Notes\nDate: 2026-05-01 10:00\nStatus: draft\nDraft: true\n\nBody\n",
        "Title: Notes\nDate: 2026-05-01 10:00\nDraft: false\nPublished: 2026-05-01\n\nBody\n",
    ],
    ids=["blank-then-key-like-prose", "blank-then-list", "blank-then-rule", "tab-continuation",
         "quotes-inside", "curly-quotes", "held-already", "publishing-values"],
)
def test_ordinary_posts_pass_the_front_matter_checks(text):
    from pelican.settings import DEFAULT_CONFIG

    from connected.header import parse_header
    from tests.conftest import pelican_plugin

    pelican_plugin("post_checks")
    from post_checks.values import file_problems

    header = parse_header(text, "markdown")
    problems, _unknown = file_problems(header, dict(DEFAULT_CONFIG), {})
    assert problems == [], problems
