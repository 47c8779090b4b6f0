"""fast_build's linear versions of two Pelican scans give Pelican's own answers."""

from __future__ import annotations

import copy
import logging
import random

from pelican import contents, generators, utils
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from scripts.build import reset_pelican_state
from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.pelican_scans import linear_translations, quick_static_links  # noqa: E402

LANGS = ["en", "en", "en", "fr", "de"]


def _settings():
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings["DEFAULT_LANG"] = "en"
    return settings


def _corpus(seed: int, count: int = 300) -> list[Article]:
    """Posts in translation groups of 1-4 (shared slugs), some marked Translation:,
    some groups with two originals or only translations (Pelican warns of both)."""
    rng = random.Random(seed)
    settings = _settings()
    posts = []
    for i in range(count):
        slug = f"post-{rng.randrange(count // 2)}"
        meta = {"title": f"Post {i}", "slug": slug, "lang": rng.choice(LANGS), "date": utils.SafeDatetime(2020, 1, 1 + i % 28)}
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


def test_translations_grouped_per_group_are_pelicans(caplog):
    linear_translations()
    ours = generators.process_translations
    assert ours is not utils.process_translations and ours.__wrapped__ is utils.process_translations
    for seed in range(5):
        posts = _corpus(seed)
        for translation_id in ("slug", ("slug", "lang"), ["slug"], None, ""):
            expected = _run(utils.process_translations, posts, translation_id, caplog)
            got = _run(ours, posts, translation_id, caplog)
            assert got == expected, (seed, translation_id)
        # Somewhere in the corpus Pelican warned (so the comparison covers its warnings).
        assert _run(ours, posts, "slug", caplog)["warnings"]


def test_translations_errors_are_pelicans():
    linear_translations()
    posts = _corpus(1, 10)
    for bad in ("no_such_attribute", 5):
        raised = []
        for function in (utils.process_translations, generators.process_translations):
            try:
                function(list(posts), bad)
            except (TypeError, AttributeError) as exc:
                raised.append((type(exc), str(exc)))
        assert len(raised) == 2 and raised[0] == raised[1]


def test_static_links_are_pelicans():
    quick_static_links()
    ours = contents.Content.get_static_links
    pelican_version = ours.__wrapped__
    settings = _settings()
    rng = random.Random(7)
    pieces = [
        '<a href="{static}/images/a.png">a</a>', "<img src='{attach}b.jpg'>", '<a href="|static|c d.pdf">',
        '<a href="{filename}other.md">x</a>', "<p>static electricity, attachments</p>", "<code>{static}</code>",
        '<a href="{static}../up.png">', '<a href="https://example.com/static/x.css">', "<p>plain</p>",
    ]
    checked = 0
    for i in range(400):
        html = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 5)))
        article = Article(html, metadata={"title": "t", "date": utils.SafeDatetime(2020, 1, 1)}, settings=settings,
                          source_path=f"/content/posts/p{i}.md", context={})  # fmt: skip
        article.settings["PATH"] = "/content"
        assert ours(article) == pelican_version(article), html
        checked += bool(pelican_version(article))
    assert checked > 50  # links were found, not only empty sets compared
