"""The import's pieces on their own: old settings, link rewriting, liquid tags, header
lines, linear scanners; the redirects plan; markup_fixes (titles, ids)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import lxml.html
import pytest

from plugins.markup_fixes.fixes import leftover_liquid_tags, plain_title, unique_ids
from plugins.redirects.pages import RedirectsError, load_entries, plan, render
from scripts.import_blog.old_settings import (
    OldSettingsError,
    literal_assignments,
    read_old_settings,
)
from scripts.import_blog.plan import Options, make_plan
from scripts.import_blog.rewrite import (
    FileChanges,
    Resolver,
    convert_liquid,
    convert_rst_directives,
    edit_header,
    known_rst_directives,
    link_spans,
    rewrite_links,
)
from tests.conftest import SAMPLE

from .conftest import ROOT
from .corpus import make_corpus


def resolver() -> Resolver:
    return Resolver(
        old_to_new={"images/x.png": "images/x.png", "a.md": "posts/a.md", "cat/b.rst": "posts/cat/b.rst",
                    "pages/about.md": "pages/about.md"},
        is_content={"images/x.png": False, "a.md": True, "cat/b.rst": True, "pages/about.md": True},
        site_paths={"images/x.png": "images/x.png", "a.html": "a.md", "blog/2015/01/02/b/": "cat/b.rst",
                    "blog/2015/01/02/b/index.html": "cat/b.rst", "pages/about.html": "pages/about.md"},
        siteurl_prefixes=("https://old.example/", "http://old.example/"),
    )


@pytest.mark.parametrize(
    ("url", "source", "base", "expected"),
    [
        ("{filename}images/x.png", "a.md", "a.html", "{static}/images/x.png"),
        ("{filename}../images/x.png", "cat/b.rst", "blog/2015/01/02/b/", "{static}/images/x.png"),
        ("|filename|/cat/b.rst#part", "a.md", "a.html", "{filename}/posts/cat/b.rst#part"),
        ("{static}/images/x.png", "a.md", "a.html", None),  # same file, same place: unchanged
        ("images/x.png", "a.md", "a.html", "{static}/images/x.png"),  # written for {slug}.html
        ("/blog/2015/01/02/b/", "a.md", "a.html", "{filename}/posts/cat/b.rst"),
        ("../../../../../a.html", "cat/b.rst", "blog/2015/01/02/b/", "{filename}/posts/a.md"),
        ("https://old.example/pages/about.html?x=1", "a.md", "a.html", "{filename}/pages/about.md?x=1"),
        ("https://elsewhere.example/a.html", "a.md", "a.html", None),
        ("mailto:me@example.org", "a.md", "a.html", None),
        ("#section", "a.md", "a.html", None),
    ],
)
def test_link_targets_move_with_their_files(url, source, base, expected):
    assert resolver().rewrite(url, source, base) == (expected, None)


def test_a_link_to_nothing_is_reported_and_left_alone():
    new, problem = resolver().rewrite("{filename}/gone.md", "a.md", "a.html")
    assert new is None and "gone.md" in problem and "no such file" in problem


def test_markdown_links_images_references_and_html_are_rewritten_but_not_code():
    text = (
        "Title: A\n\n[one](a.html) ![img](images/x.png \"t\") <img src=\"images/x.png\">\n\n"
        "[ref]: /blog/2015/01/02/b/\n\n```\n[code](a.html)\n```\n"
    )
    changes = FileChanges(text=text)
    rewrite_links(changes, "markdown", resolver(), "a.md", "a.html")
    assert changes.links == 4
    assert "[one]({filename}/posts/a.md)" in changes.text
    assert '![img]({static}/images/x.png "t")' in changes.text
    assert '<img src="{static}/images/x.png">' in changes.text
    assert "[ref]: {filename}/posts/cat/b.rst" in changes.text
    assert "[code](a.html)" in changes.text


def test_rest_targets_images_and_embeds():
    text = (
        "Title\n#####\n\n:template: fancy\n:date: 2015-01-02\n\n`next <|filename|/a.md>`_\n\n"
        ".. image:: /images/x.png\n   :target: /a.html\n\n.. youtube:: abc123\n   :width: 640\n\nAfter.\n\n"
        ".. note:: kept\n\n.. gallery:: trip\n"
    )
    changes = FileChanges(text=text)
    convert_rst_directives(changes, known_rst_directives())
    edit_header(changes, "rst", None, {"template": None})
    rewrite_links(changes, "rst", resolver(), "cat/b.rst", "blog/2015/01/02/b/")
    out = changes.text
    assert ":template:" not in out and ":date: 2015-01-02" in out
    assert "`next <{filename}/posts/a.md>`_" in out
    assert ".. image:: {static}/images/x.png" in out and ":target: {filename}/posts/a.md" in out
    assert "`Watch the video on YouTube <https://www.youtube.com/watch?v=abc123>`__" in out
    assert ":width:" not in out and "After." in out and ".. note:: kept" in out
    assert set(changes.directives) == {"gallery"}


def test_liquid_tags_convert_or_are_named():
    text = (
        '{% img left /images/x.png 300 200 "The title" "The alt" %}\n'
        "{% youtube abc123 %}\n{% gist 1234abcd %}\n{% photo beach.jpg %}\n{% illus a.svg %}\n"
        "```\n{% img /images/x.png %}\n```\nA Jinja example: {% block content %}\n"
    )
    changes = FileChanges(text=text)
    convert_liquid(changes, lambda url: resolver().rewrite(url, "a.md", "a.html")[0])
    lines = changes.text.splitlines()
    assert lines[0] == '![The alt]({static}/images/x.png "The title")'
    assert lines[1] == "[Watch the video on YouTube](https://www.youtube.com/watch?v=abc123)"
    assert lines[2] == "[See the code on GitHub Gist](https://gist.github.com/1234abcd)"
    assert "{% photo beach.jpg %}" in changes.text and "{% img /images/x.png %}" in changes.text
    assert "pelican-photos" in changes.liquid_needs["photo"]
    assert "old site's own" in changes.liquid_needs["illus"]
    assert "block" not in changes.liquid_needs


def test_markdown_header_lines_are_dropped_or_replaced_only_in_the_header():
    text = "Title: Home\nSave_as: index.html\nURL:\nTemplate: landing\n\nSave_as: index.html is body text.\n"
    changes = FileChanges(text=text)
    edit_header(changes, "markdown", text.index("\n\n") + 1, {"save_as": ("Status", "hidden"), "url": None, "template": None})
    assert changes.text == "Title: Home\nStatus: hidden\n\nSave_as: index.html is body text.\n"


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 100_000,
        "](" * 100_000,
        "<" * 100_000 + ">`_",
        "{%" * 100_000,
        "{% " + "x " * 100_000,
        # Many real links: each is resolved, so fewer of them in the same budget.
        "[a](" + "b[c](" * 10_000,
        'src="' * 10_000,
        "[x]: " * 10_000,
    ],
)
def test_scanners_take_linear_time_on_hostile_input(hostile):
    started = time.perf_counter()
    for fmt in ("markdown", "rst"):
        link_spans(hostile, fmt)
        changes = FileChanges(text=hostile)
        rewrite_links(changes, fmt, resolver(), "a.md", "a.html")
    convert_liquid(FileChanges(text=hostile), lambda url: None)
    convert_rst_directives(FileChanges(text=hostile), set())
    assert time.perf_counter() - started < 5.0


def test_old_settings_take_only_literals_and_never_run():
    values, skipped = literal_assignments(
        "import os\nos.system('touch /tmp/never')\nTIMEZONE = 'Europe/Madrid'\n"
        "SITEURL = os.environ['X']\nARTICLE_URL: str = 'blog/{slug}/'\nPLUGINS = ['a'] + EXTRA\nlower = 1\n",
        "old.py",
    )
    assert values == {"TIMEZONE": "Europe/Madrid", "ARTICLE_URL": "blog/{slug}/"}
    assert skipped == ["SITEURL", "PLUGINS"]


def test_old_settings_with_a_syntax_error_is_one_line_naming_the_file(tmp_path):
    bad = tmp_path / "pelicanconf.py"
    bad.write_text("TIMEZONE = 'x'\nARTICLE_URL = (\n")
    with pytest.raises(OldSettingsError) as info:
        read_old_settings(bad)
    message = str(info.value)
    assert str(bad) in message and "line" in message and "\n" not in message


def test_no_old_settings_means_pelicans_defaults(tmp_path):
    old = read_old_settings(None)
    assert old["ARTICLE_URL"] == "{slug}.html" and old["ARTICLE_PATHS"] == [""] and old["PAGE_PATHS"] == ["pages"]


def _plan(tmp_path, **options):
    corpus = make_corpus(tmp_path / "old", posts=4, seed=5)
    ours = {"PATH": str(tmp_path / "content"), "ARTICLE_PATHS": ["posts"], "PAGE_PATHS": ["pages"],
            "STATIC_PATHS": ["images"], "EXTRA_PATH_METADATA": {}}
    return make_plan(corpus.content, read_old_settings(corpus.settings), ROOT, ours, Options(**options), "today")


def test_keep_urls_carries_the_old_scheme_and_writes_no_redirects(tmp_path):
    plan = _plan(tmp_path, keep_urls=True)
    assert plan.redirects == []
    assert "ARTICLE_URL = 'blog/{date:%Y}/{date:%m}/{date:%d}/{slug}/'" in plan.settings_block
    assert "PAGE_URL = 'pages/{slug}.html'" in plan.settings_block  # Pelican's default, kept too


def test_home_keep_keeps_the_writers_home_page(tmp_path):
    plan = _plan(tmp_path, home="keep")
    assert "INDEX_SAVE_AS = 'blog/index.html'" in plan.settings_block
    home = next(i for i in plan.items if i.old == "pages/home.md")
    assert home.new_text is None or "Save_as: index.html" in home.new_text


def test_default_home_handling_moves_the_home_page_out_of_index_html(tmp_path):
    plan = _plan(tmp_path)
    home = next(i for i in plan.items if i.old == "pages/home.md")
    missing = next(i for i in plan.items if i.old == "pages/404.md")
    assert "Save_as" not in home.new_text and "URL:" not in home.new_text
    assert "Status: hidden" in missing.new_text and "Save_as" not in missing.new_text


# --- plugins/redirects ------------------------------------------------------------------------


def _post(url, save_as, source, uuid="3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b"):
    return SimpleNamespace(url=url, save_as=save_as, relative_source_path=source, title="A <b> & \"q\"",
                           metadata={"uuid": uuid}, lang="pt")


def test_redirect_plan_follows_uuid_then_source_and_refuses_real_pages():
    post = _post("2015/new/", "2015/new/index.html", "posts/new.md")
    entries = [
        {"from": "old.html", "uuid": "3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b", "source": "posts/renamed.md"},
        {"from": "blog/x/index.html", "source": "posts/new.md"},
        {"from": "about/index.html", "source": "posts/new.md"},  # a real page of the site now
        {"from": "gone.html", "source": "posts/gone.md"},
        {"from": "2015/new/index.html", "source": "posts/new.md"},  # still its address
    ]
    redirects, problems = plan(entries, [post], {"about/index.html", "2015/new/index.html"}, "https://new.example")
    assert [(r.save_as, r.target) for r in redirects] == [
        ("old.html", "https://new.example/2015/new/"),
        ("blog/x/index.html", "https://new.example/2015/new/"),
    ]
    assert len(problems) == 2
    assert any("about/index.html" in p and "no redirect written" in p for p in problems)
    assert any("gone.md" in p for p in problems)


def test_redirect_page_has_refresh_canonical_and_link_and_no_script():
    redirect, _ = plan([{"from": "a.html", "source": "posts/new.md"}], [_post("2015/new/", "x", "posts/new.md")], set(), "")
    page = render(redirect[0], "en")
    assert '<meta http-equiv="refresh" content="0; url=/2015/new/">' in page
    assert '<link rel="canonical" href="/2015/new/">' in page
    assert '<a href="/2015/new/">A &lt;b&gt; &amp; &quot;q&quot;</a>' in page
    assert "<script" not in page and 'lang="pt"' in page


def test_a_malformed_redirects_file_names_itself(tmp_path):
    path = tmp_path / "redirects.json"
    path.write_text('{"version": 1, "redirects": [{"url": "x"}]}')
    with pytest.raises(RedirectsError, match="redirects.json.*entry 0"):
        load_entries(path)
    assert load_entries(tmp_path / "none.json") == []


# --- plugins/markup_fixes -----------------------------------------------------------------------


def test_rest_titles_become_plain_text():
    assert plain_title("Microframework contra &quot;Baterias Incluídas&quot;") == 'Microframework contra "Baterias Incluídas"'
    assert plain_title("Using <code>x &lt; y</code>") == "Using x < y"
    assert plain_title("Plain & simple") == "Plain & simple"


def test_heading_ids_give_way_to_the_writers_anchors_and_the_toc_follows():
    html = (
        '<div class="toc"><ul><li><a href="#setup">Setup</a></li><li><a href="#main">Main</a></li></ul></div>\n'
        '<p><a id="setup"></a></p>\n<h2 id="setup">Setup</h2>\n<h2 id="main">Main</h2>\n'
        '<p><a href="#setup">back</a></p>'
    )
    fixed, count = unique_ids(html)
    assert count == 4
    assert '<a id="setup"></a>' in fixed and '<h2 id="setup-2">' in fixed and '<h2 id="main-2">' in fixed
    assert '<a href="#setup-2">Setup</a>' in fixed and '<a href="#main-2">Main</a>' in fixed
    assert '<a href="#setup">back</a>' in fixed  # the writer's own link still goes to the anchor
    assert unique_ids("<p id='a'>x</p><p id='b'>y</p>") == ("<p id='a'>x</p><p id='b'>y</p>", 0)


def test_markup_fixes_is_loaded_before_the_plugins_that_read_titles():
    text = Path(SAMPLE / "pelicanconf.py").read_text()  # as shipped
    plugins = text[text.index("PLUGINS = ["):]
    assert plugins.index('"markup_fixes"') < plugins.index('"site_feeds"') < plugins.index('"redirects"')


def test_from_may_be_the_old_project_folder(tmp_path):
    from scripts.import_blog import ImportBlogError, content_folder

    settings = tmp_path / "pelicanconf.py"
    (tmp_path / "content").mkdir()
    assert content_folder(str(tmp_path), settings, "content") == tmp_path / "content"
    assert content_folder(None, settings, "content") == tmp_path / "content"
    assert content_folder(str(tmp_path / "content"), settings, "content") == tmp_path / "content"
    assert content_folder("/elsewhere", None, None) == Path("/elsewhere")
    with pytest.raises(ImportBlogError, match="FROM is missing"):
        content_folder(None, None, None)


def test_leftover_liquid_tags_outside_code_are_found():
    html = "<p>{% photo a.jpg %}</p><pre><code>{% gallery x %}</code></pre><p>{% block x %} {% illus b %}</p>"
    assert leftover_liquid_tags(html) == ["photo", "illus"]


def test_files_are_classified_from_the_old_layout():
    from scripts.import_blog.old_settings import OldSettings, pelican_defaults
    from scripts.import_blog.plan import classify

    values = pelican_defaults()
    values.update({"ARTICLE_PATHS": ["blog"], "PAGE_PATHS": ["pages"], "STATIC_PATHS": ["images", "extra/CNAME"],
                   "ARTICLE_EXCLUDES": ["blog/wip"], "PLUGINS": ["pelican-ipynb.markup"]})
    ours = {"ARTICLE_PATHS": ["posts"], "PAGE_PATHS": ["pages"]}
    files = ["blog/a.md", "blog/2015/b.rst", "blog/2015/pic.png", "blog/nb.ipynb", "blog/wip/c.md",
             "pages/about.md", "images/x.png", "extra/CNAME", "theme/old.css"]
    got = {old: (new, kind) for old, new, kind, _ in classify(files, OldSettings(values=values), ours)}
    assert got == {
        "blog/a.md": ("posts/a.md", "post"),
        "blog/2015/b.rst": ("posts/2015/b.rst", "post"),
        "blog/2015/pic.png": ("posts/2015/pic.png", "static"),
        "blog/nb.ipynb": ("posts/nb.ipynb", "notebook"),
        "blog/wip/c.md": ("blog/wip/c.md", "extra"),
        "pages/about.md": ("pages/about.md", "page"),
        "images/x.png": ("images/x.png", "static"),
        "extra/CNAME": ("extra/CNAME", "static"),
        "theme/old.css": ("theme/old.css", "extra"),
    }


def test_dates_pelican_reads_are_written_in_iso_form_the_same_moment():
    from scripts.import_blog.rewrite import normal_date

    assert normal_date("2014-10-1") == "2014-10-01"
    assert normal_date(" 2014-06-06 2:00") == "2014-06-06 02:00"
    assert normal_date("2014-06-10 8:30:15") == "2014-06-10 08:30:15"
    assert normal_date("2014-6-10 8:30+02:00") == "2014-06-10 08:30+02:00"
    assert normal_date("2014/06/10 08:30") == "2014-06-10 08:30"
    assert normal_date("2026-11-20 09:00") is None  # already ISO: left as written
    assert normal_date("2026-11-20") is None
    assert normal_date("next tuesday-ish") is None  # Pelican could not read it either: the build says so
    assert normal_date("1850-1-1") is None  # read, but outside the years the build takes: left for it to name


def test_roles_are_found_in_linear_time_and_only_as_roles():
    from scripts.import_blog.rewrite import rst_roles_used

    text = "A :py:`x` and :bash:`ls`, :py:func:`f`, :py:`again`; not word:`x` nor ::`y` nor :-x:`z`."
    assert rst_roles_used(text) == ["py", "bash", "py:func"]
    start = time.perf_counter()
    assert rst_roles_used(":a" * 200_000 + ":`" * 200_000) == []
    assert time.perf_counter() - start < 2


def test_unknown_roles_are_declared_as_code_and_read_by_docutils(tmp_path):
    from pelican.readers import RstReader
    from pelican.settings import DEFAULT_CONFIG

    from scripts.import_blog.rewrite import declare_rst_roles, known_rst_roles

    text = "Title\n#####\n\n:date: 2014-10-01\n:tags: a\n\nCall :py:`len(x)` and :code:`y` and :emphasis:`z`.\n"
    changes = FileChanges(text=text)
    declare_rst_roles(changes, known_rst_roles())
    assert changes.roles == ["py"]
    assert ":tags: a\n\n.. role:: py(code)\n" in changes.text
    path = tmp_path / "post.rst"
    path.write_text(changes.text, encoding="utf-8")
    settings = dict(DEFAULT_CONFIG, DOCUTILS_SETTINGS={"halt_level": 2})
    html, meta = RstReader(settings).read(str(path))
    assert meta["title"] == "Title" and "tags" in meta
    doc = lxml.html.fromstring(html)
    assert [c.text_content() for c in doc.iter("code")] == ["len(x)", "y"]
    again = FileChanges(text=changes.text)
    declare_rst_roles(again, known_rst_roles())  # the file declares it now: nothing more
    assert again.text == changes.text and again.roles == []


@pytest.mark.parametrize(
    ("settings", "kind"),
    [({"PLUGINS": ["pelican-ipynb.markup"]}, "notebook"), ({"PLUGINS": ["pelican_jupyter.markup"]}, "notebook"),
     ({"MARKUP": ["md", "ipynb"]}, "notebook"), ({"MARKUP": ["md"], "PLUGINS": ["ipynb.markup"]}, "static"),
     ({"PLUGINS": ["liquid_tags.notebook"]}, "static"), ({}, "static")],
)
def test_notebooks_are_posts_only_where_the_old_blog_read_them(settings, kind):
    """jakevdp's blog kept notebooks as downloads (STATIC_PATHS, MARKUP = ['md']): moving
    them to posts/ broke every /downloads/notebooks/… address."""
    from scripts.import_blog.old_settings import OldSettings, pelican_defaults
    from scripts.import_blog.plan import classify

    values = pelican_defaults()
    values.update({"STATIC_PATHS": ["images", "downloads"], **settings})
    ours = {"ARTICLE_PATHS": ["posts"], "PAGE_PATHS": ["pages"]}
    files = ["downloads/notebooks/Big.ipynb", "nb.ipynb"]
    got = {old: (new, kind) for old, new, kind, _ in classify(files, OldSettings(values=values), ours)}
    if kind == "notebook":
        assert got == {"downloads/notebooks/Big.ipynb": ("posts/downloads/notebooks/Big.ipynb", "notebook"),
                       "nb.ipynb": ("posts/nb.ipynb", "notebook")}
    else:  # copied where the old blog served them
        assert got["downloads/notebooks/Big.ipynb"] == ("downloads/notebooks/Big.ipynb", "static")
        assert got["nb.ipynb"][1] == "static"


def _settings_pair(folder: Path, publish: str = "from pelicanconf import *\n") -> tuple[Path, Path]:
    folder.mkdir()
    base = folder / "pelicanconf.py"
    base.write_text("SITEURL = ''\nARTICLE_URL = 'posts/{slug}.html'\nTIMEZONE = 'Europe/Lisbon'\n", encoding="utf-8")
    production = folder / "publishconf.py"
    production.write_text("import os, sys\nsys.path.append(os.curdir)\n" + publish
                          + "SITEURL = 'https://old.example'\nARTICLE_SAVE_AS = 'posts/{slug}'\n", encoding="utf-8")
    return base, production


def test_either_settings_file_of_a_quickstart_pair_reads_both(tmp_path):
    """publishconf.py (production: SITEURL) over pelicanconf.py, given either of them."""
    base, production = _settings_pair(tmp_path / "old")
    for given in (base, production):
        old = read_old_settings(given)
        assert old["SITEURL"] == "https://old.example", given
        assert old["ARTICLE_URL"] == "posts/{slug}.html" and old["ARTICLE_SAVE_AS"] == "posts/{slug}"
        assert old["TIMEZONE"] == "Europe/Lisbon"
        assert old.read == [base, production]


def test_a_publishconf_that_does_not_start_from_pelicanconf_is_not_read(tmp_path):
    base, _ = _settings_pair(tmp_path / "old", publish="")
    old = read_old_settings(base)
    assert old["SITEURL"] == "" and old.read == [base]


def test_old_extra_path_metadata_onto_our_paths_is_left_out(tmp_path):
    """variable-scope mapped static/robots.txt to robots.txt, which our extra/robots.txt
    writes: carried over, two files raced for one path."""
    from scripts.import_blog.old_settings import OldSettings, pelican_defaults
    from scripts.import_blog.plan import clashing_extra, settings_block

    values = pelican_defaults()
    values["EXTRA_PATH_METADATA"] = {"static/robots.txt": {"path": "robots.txt"},
                                     "static/CNAME": {"path": "CNAME"}}
    old = OldSettings(values=values, given={})
    ours = {"EXTRA_PATH_METADATA": {"extra/robots.txt": {"path": "robots.txt"}}, "STATIC_PATHS": ["images"]}
    block = settings_block(old, [], ours, Options(), "today")
    assert "static/CNAME" in block and "static/robots.txt" not in block
    assert clashing_extra(old, ours) == ["static/robots.txt → robots.txt"]
