"""fast_build's linear versions of two Pelican scans, and its strftime, give Pelican's own answers (and errors)."""

from __future__ import annotations

import copy
import datetime
import logging
import os
import random
from zoneinfo import ZoneInfo

import pytest
from pelican import contents, generators, utils
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from scripts.build import reset_pelican_state
from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.pelican_scans import use_linear_scans  # noqa: E402

LANGS = ["en", "en", "en", "fr", "de"]


@pytest.fixture
def linear():
    """The scans on for this test, and off again after it (as a build with fast_build off)."""
    use_linear_scans(True)
    yield
    use_linear_scans(False)


def _settings(**changes):
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings["DEFAULT_LANG"] = "en"
    settings.update(changes)
    return settings


def _corpus(seed: int, count: int = 300) -> list[Article]:
    """Posts in translation groups of 1-4 (shared slugs), some marked Translation:,
    some groups with two originals or only translations (Pelican warns of both)."""
    rng = random.Random(seed)
    settings = _settings()
    posts = []
    for i in range(count):
        meta = {
            "title": f"Post {i}",
            "slug": f"post-{rng.randrange(count // 2)}",
            "lang": rng.choice(LANGS),
            "date": utils.SafeDatetime(2020, 1, 1 + i % 28),
        }
        if rng.random() < 0.2:
            meta["translation"] = rng.choice(["true", "false", "True"])
        posts.append(Article(f"<p>{i}</p>", metadata=meta, settings=settings, source_path=f"/c/p{i}.md", context={}))
    return posts


def _run(function, posts, translation_id, caplog):
    items = list(posts)
    reset_pelican_state()  # Pelican's log filter shows a repeated warning once per process
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pelican.utils"):
        index, translations = function(items, translation_id)
    return {
        "index": [id(x) for x in index],
        "translations": [id(x) for x in translations],
        "attrs": {id(x): [id(t) for t in x.translations] for x in items},
        "sorted": [id(x) for x in items],
        "warnings": [r.getMessage() for r in caplog.records],
    }


def test_translations_grouped_per_group_are_pelicans(caplog, linear):
    ours = generators.process_translations
    assert ours is not utils.process_translations and ours.__wrapped__ is utils.process_translations
    for seed in range(5):
        posts = _corpus(seed)
        for translation_id in ("slug", ("slug", "lang"), ["slug"], {"slug", "lang"}, None, ""):
            expected = _run(utils.process_translations, posts, translation_id, caplog)
            got = _run(ours, posts, translation_id, caplog)
            assert got == expected, (seed, translation_id)
        # Somewhere in the corpus Pelican warned (so the comparison covers its warnings).
        assert _run(ours, posts, "slug", caplog)["warnings"]


def test_translations_errors_are_pelicans(linear):
    posts = _corpus(1, 10)
    for bad in ("no_such_attribute", 5):
        raised = []
        for function in (utils.process_translations, generators.process_translations):
            try:
                function(list(posts), bad)
            except (TypeError, AttributeError) as exc:
                raised.append((type(exc), str(exc)))
        assert len(raised) == 2 and raised[0] == raised[1]


def _outcome(function, article):
    try:
        return ("links", function(article))
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc))


PIECES = [
    '<a href="{static}/images/a.png">a</a>', "<img src='{attach}b.jpg'>", '<a href="|static|c d.pdf">',
    '<a href="{filename}other.md">x</a>', "<p>static electricity, attachments</p>", "<code>{static}</code>",
    '<a href="{static}../up.png">', '<a href="https://example.com/static/x.css">', "<p>plain</p>",
    '<a href="{filename}http://[broken">', "<p>a {brace} and a | pipe</p>", '<a href="{index}">',
]


@pytest.mark.parametrize(
    "regex",
    [DEFAULT_CONFIG["INTRASITE_LINK_REGEX"], r"\{(?P<what>.*?)\}", r"[{|](?P<kind>.*?)[|}]", r"[{|(?P<what>"],
    ids=["pelican's", "braces only", "no what group", "invalid"],
)
def test_static_links_and_their_errors_are_pelicans(linear, regex):
    ours = contents.Content.get_static_links
    pelican_version = ours.__wrapped__
    settings = _settings(INTRASITE_LINK_REGEX=regex, PATH="/content")
    rng = random.Random(7)
    outcomes = []
    for i in range(300):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 5)))
        article = Article(html, metadata={"title": "t", "date": utils.SafeDatetime(2020, 1, 1)}, settings=settings,
                          source_path=f"/content/posts/p{i}.md", context={})  # fmt: skip
        expected = _outcome(pelican_version, article)
        assert _outcome(ours, article) == expected, html
        outcomes.append(expected[0] if expected[0] == "error" else bool(expected[1]))
    if regex == DEFAULT_CONFIG["INTRASITE_LINK_REGEX"]:
        # Links were found, errors raised and empty sets answered: all three compared.
        assert {True, False, "error"} <= set(outcomes)


def test_a_build_with_fast_build_off_runs_pelicans_code(monkeypatch):
    """Installed once per process, used only by builds that turn fast_build on."""
    posts = _corpus(2, 40)
    article = Article("<p>no links</p>", metadata={"title": "t", "date": utils.SafeDatetime(2020, 1, 1)},
                      settings=_settings(), source_path="/content/p.md", context={})  # fmt: skip
    groupings, scans = [], []
    real_groupby = utils.groupby
    monkeypatch.setattr(utils, "groupby", lambda *a: groupings.append(1) or real_groupby(*a))
    real_regex = contents.Content._get_intrasite_link_regex
    monkeypatch.setattr(contents.Content, "_get_intrasite_link_regex", lambda self: scans.append(1) or real_regex(self))

    def calls():
        groupings.clear()
        scans.clear()
        generators.process_translations(list(posts), "slug")
        assert contents.Content.get_static_links(article) == set()
        return len(groupings), len(scans)

    use_linear_scans(True)
    on = calls()
    use_linear_scans(False)
    off = calls()
    groups = len({p.slug for p in posts})
    # Pelican groups once per call, and get_original_items groups each group by language.
    assert on == (groups + groups, 0)  # its function once per group; no regex scan of link-free HTML
    assert off == (1 + groups, 1)  # its own code, as it is: one pass over the whole list, one scan


class _OddZone(datetime.tzinfo):
    """A zone whose name holds the separator the fast path formats with, and a "%"."""

    def utcoffset(self, _date):
        return datetime.timedelta(hours=-3, minutes=-30)

    def dst(self, _date):
        return datetime.timedelta(0)

    def tzname(self, _date):
        return "odd\x1fzone%Z"


def _formats(rng: random.Random):
    pieces = ["%Y", "%-d", "%d", "%B", "%b", "%a", "%A", "%H", "%-H", "%M", "%S", "%z", "%Z", "%f", "%j", "%-j",
              "%%", "%-%", "%F", "%e", "%-e", "%Q", "%T", "%s", "T", "-", " ", ", ", "de", "é", "\x1f", "{}", "%\n"]  # fmt: skip
    yield from [
        "",
        "%",
        "plain",
        "%Y-%m-%dT%H:%M:%S",
        "%-d %B %Y",
        "%a, %d %b %Y %H:%M:%S %z",
        "100%",
        "%-",
    ]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 7)))
        yield text + rng.choice(["", "", "%", "%-"])


def _dates():
    yield utils.SafeDatetime(2024, 3, 5, 7, 8, 9, 10)
    yield utils.SafeDatetime(2024, 3, 5, 7, 8, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    yield utils.SafeDatetime(1999, 12, 31, 23, 59, tzinfo=datetime.UTC)
    yield utils.SafeDatetime(2024, 10, 1, tzinfo=_OddZone())
    yield datetime.datetime(2001, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("America/New_York"))
    yield datetime.datetime(2001, 1, 2, tzinfo=_OddZone())
    yield datetime.date(2010, 6, 7)


def _formatted(function, date, date_format):
    try:
        return ("text", function(date, date_format))
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc))


def test_strftime_gives_pelicans_text_and_errors(linear):
    ours = utils.strftime
    pelican_version = ours.__wrapped__
    rng = random.Random(11)
    outcomes = set()
    for date_format in _formats(rng):
        for date in _dates():
            expected = _formatted(pelican_version, date, date_format)
            assert _formatted(ours, date, date_format) == expected, (date, date_format)
            assert _formatted(ours, date, date_format) == expected  # again, from the kept split
            outcomes.add(expected[0])
    # Through SafeDatetime.strftime, as a post's locale_date and the sitemap reach it.
    date = utils.SafeDatetime(2024, 3, 5, 7, 8, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert date.strftime("%-d %B %Y") == pelican_version(date, "%-d %B %Y") == "5 March 2024"
    assert date.strftime("%Y-%m-%dT%H:%M:%S") == "2024-03-05T07:08:09"
    # Texts and errors were both compared (a stray "%" makes Pelican's `template % values` fail).
    assert outcomes == {"text", "error"}


def test_strftime_with_fast_build_off_is_pelicans(monkeypatch):
    date = utils.SafeDatetime(2024, 3, 5)
    use_linear_scans(True)
    calls = []
    real_findall = utils.re.findall
    monkeypatch.setattr(utils.re, "findall", lambda *a: calls.append(1) or real_findall(*a))
    assert date.strftime("%-d %B") == "5 March" and calls == []  # the split is ours, kept
    use_linear_scans(False)
    assert date.strftime("%-d %B") == "5 March" and calls == [1]  # Pelican's own code


# --- file stamps -------------------------------------------------------------------------


def _cacher(tmp_path, policy: bool, load: bool, stamps: list):
    from pelican.cache import FileStampDataCacher

    settings = _settings(CACHE_PATH=str(tmp_path / "cache"), GZIP_CACHE=False, CHECK_MODIFIED_METHOD="mtime")
    cacher = FileStampDataCacher(settings, "test-cache", policy, load)
    stamp = cacher._filestamp_func
    cacher._filestamp_func = lambda name: stamps.append(name) or stamp(name)
    return cacher


@pytest.mark.parametrize("seed", range(3))
def test_file_stamps_give_pelicans_answers_and_skip_the_unused_ones(tmp_path, seed):
    """Each cacher (caching on or off, a cache loaded or not) answers a seeded series of
    lookups and stores as Pelican's own does; with caching off no file is stamped."""
    import pickle

    rng = random.Random(seed)
    files = []
    for i in range(12):
        path = tmp_path / f"f{i}.md"
        path.write_text(str(i), encoding="utf-8")
        files.append(str(path))
    files.append(str(tmp_path / "missing.md"))
    (tmp_path / "cache").mkdir()
    stored = {name: (os.path.getmtime(name) if rng.random() < 0.5 else 1.0, f"old {name}") for name in files[:8]}
    (tmp_path / "cache" / "test-cache").write_bytes(pickle.dumps(stored))
    steps = [(rng.choice(("get", "put")), rng.choice(files)) for _ in range(60)]
    for policy in (False, True):
        for load in (False, True):
            answers, stamps = {}, {}
            for patched in (False, True):
                use_linear_scans(patched)
                try:
                    taken: list = []
                    cacher = _cacher(tmp_path, policy, load, taken)
                    got = [
                        cacher.get_cached_data(name, "default") if verb == "get" else cacher.cache_data(name, f"new {name}")
                        for verb, name in steps
                    ]
                    answers[patched], stamps[patched] = (got, cacher._cache), taken
                finally:
                    use_linear_scans(False)
            assert answers[True] == answers[False], (policy, load)
            if not policy and not load:
                assert stamps[False] and not stamps[True]
            assert set(stamps[True]) <= set(stamps[False])
