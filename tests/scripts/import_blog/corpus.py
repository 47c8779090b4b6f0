"""A seeded generator of old Pelican blogs, in the shapes real imports showed.

`make_corpus(base, scheme=...)` writes an old blog (content/ and pelicanconf.py)
under `base` and returns what the tests need to know about it. The same seed
gives the same blog byte for byte; nothing of it is committed.

Shapes (issues 12 and 18): Markdown and reST posts in category folders and at
the root, reST titles with quotes and directives (`.. code-block::`,
`.. youtube::`), reference links and bracket storms, relative images written
for `{slug}.html` URLs, `{filename}`/`|filename|`/`{static}` links, internal
links to old URLs (flat or dated), several authors, translations, notebooks,
liquid tags, a home page and a 404 page with Save_as, custom templates, many
tags, a table of contents next to the writer's own anchors, `<!-- more -->`.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

WORDS = (
    "career network mentor project team review offer interview salary feedback lead manager "
    "engineer python release deploy meeting plan growth skill habit notes writing colleague "
    "referral follow-up thanks conference talk community open source learning"
).split()
TAG_POOL = [f"topic-{n:02d}" for n in range(40)]
AUTHORS = ["Ana Silva", "Bruno Costa", "Carla Dias", "Diego Rocha"]
SCHEMES = {
    # old ARTICLE_URL / ARTICLE_SAVE_AS, and how a post links to another
    "default": ("{slug}.html", "{slug}.html"),
    "dated": ("blog/{date:%Y}/{date:%m}/{date:%d}/{slug}/", "blog/{date:%Y}/{date:%m}/{date:%d}/{slug}/index.html"),
}


@dataclass
class Post:
    path: str  # under content/
    slug: str
    date: datetime
    title: str
    fmt: str
    lang: str = ""  # "": the old DEFAULT_LANG
    authors: tuple[str, ...] = ()

    def old_url(self, scheme: str) -> str:
        pattern = SCHEMES[scheme][0] if not self.lang else "{slug}-{lang}.html"
        return pattern.format(slug=self.slug, date=self.date, lang=self.lang)


@dataclass
class Corpus:
    content: Path
    settings: Path | None
    scheme: str
    posts: list[Post] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)
    liquid_needing_plugins: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    images: list[str] = field(default_factory=list)
    quoted_titles: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # slugs of posts with TOC + own anchors
    loose_dates: list[str] = field(default_factory=list)  # paths whose Date: Pelican reads, ISO does not
    role_posts: list[str] = field(default_factory=list)  # paths using :py: (an old plugin's role)

    def old_urls(self) -> list[str]:
        return [p.old_url(self.scheme) for p in self.posts]


def png(width: int = 4, height: int = 3) -> bytes:
    """A tiny valid PNG."""
    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_corpus(base: Path, *, scheme: str = "dated", seed: int = 18, posts: int = 20, with_settings: bool = True) -> Corpus:
    rng = random.Random(seed)
    content = base / "content"
    settings = base / "pelicanconf.py" if with_settings else None
    corpus = Corpus(content=content, settings=settings, scheme=scheme)
    (content / "images").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "extra").mkdir()
    (content / "extra" / "CNAME").write_text("old.example\n")
    for name in ("diagram.png", "team.png", "chart.png"):
        (content / "images" / name).write_bytes(png())
        corpus.images.append(f"images/{name}")
    start = datetime(2014, 3, 1, 9, 30)
    folders = ["", "python", "career"]
    all_posts: list[Post] = []
    for n in range(posts):
        fmt = "rst" if n % 3 == 1 else "md"
        folder = folders[n % len(folders)]
        slug = f"post-{n:02d}-{rng.choice(WORDS)}"
        title = f"Post {n}: {rng.choice(WORDS)} {rng.choice(WORDS)}"
        if fmt == "rst" and n % 2 == 1:
            title = f'Microframework contra "Baterias Incluídas" {n}'
            corpus.quoted_titles.append(title)
        path = f"{folder + '/' if folder else ''}{slug}.{fmt}"
        authors = tuple(rng.sample(AUTHORS, 2)) if n % 4 == 0 else ()
        all_posts.append(Post(path, slug, start + timedelta(days=9 * n, hours=n), title, fmt, authors=authors))
    for index, post in enumerate(all_posts):
        other = all_posts[(index + 1) % len(all_posts)]
        tags = rng.sample(TAG_POOL, rng.randint(3, 6))
        body = _body(rng, corpus, post, other, index, scheme)
        (content / post.path).parent.mkdir(parents=True, exist_ok=True)
        header = _header(post, tags)
        if index % 5 == 2:
            # Written as real blogs have them (2014-6-6 9:00): Pelican reads it, ISO does not.
            d = post.date
            header = header.replace(f"{d:%Y-%m-%d %H:%M}", f"{d.year}-{d.month}-{d.day} {d.hour}:{d.minute:02d}")
            corpus.loose_dates.append(post.path)
        if post.fmt == "rst" and index % 2 == 0:
            corpus.role_posts.append(post.path)
        (content / post.path).write_text(header + body, encoding="utf-8")
    corpus.posts = list(all_posts)
    # A translation of the first post.
    first = all_posts[0]
    # The old DEFAULT_LANG is "pt" with the settings file, Pelican's "en" without.
    other_lang = "en" if with_settings else "fr"
    translation = Post(f"{first.slug}-{other_lang}.md", first.slug, first.date, "First post, translated", "md", lang=other_lang)
    (content / translation.path).write_text(
        f"Title: {translation.title}\nDate: {first.date:%Y-%m-%d %H:%M}\nSlug: {first.slug}\nLang: {other_lang}\n"
        f"Tags: topic-00\n\nThe English version. ![Diagram](images/diagram.png)\n",
        encoding="utf-8",
    )
    corpus.posts.append(translation)
    # A post in Pelican's HTML format.
    html_post = Post("python/html-post.html", "an-html-post", start + timedelta(days=400), "An HTML post", "html")
    image = "images/chart.png" if scheme == "default" else "/images/chart.png"
    (content / html_post.path).write_text(
        f"<html><head><title>{html_post.title}</title>\n"
        f'<meta name="date" content="{html_post.date:%Y-%m-%d %H:%M}">\n<meta name="tags" content="topic-01">\n'
        f'</head><body><p>An <a href="/{first.old_url(scheme)}">older post</a> and <img src="{image}" alt="Chart">.</p>'
        "</body></html>\n",
        encoding="utf-8",
    )
    corpus.posts.append(html_post)
    # Notebook posts (pelican-ipynb style: the notebook and its metadata file).
    for n in range(2):
        name = f"notebook-{n}.ipynb"
        (content / name).write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        (content / f"notebook-{n}.ipynb-meta").write_text(f"Title: Notebook {n}\nDate: 2016-01-0{n + 1}\n")
        corpus.notebooks.append(name)
    # Pages: a home page and a 404 page with Save_as, custom templates, an ordinary page.
    pages = {
        "home.md": "Title: Welcome\nSave_as: index.html\nURL: \n\nWelcome to my site. Read the [first post]({filename}/"
        + all_posts[0].path + ").\n",
        "404.md": "Title: Not found\nSave_as: 404.html\n\nThat page is gone. Try the [home page](/).\n",
        "contact.md": "Title: Contact\nTemplate: contact\n\nWrite to me.\n",
        "landing.md": "Title: Landing\nTemplate: landing\n\nA landing page ![Team](/images/team.png).\n",
        "about.md": "Title: About me\n\nI write about careers. ![Chart]({static}/images/chart.png)\n",
    }
    for name, text in pages.items():
        (content / "pages" / name).write_text(text, encoding="utf-8")
        corpus.pages.append(f"pages/{name}")
    corpus.templates = {"contact", "landing"}
    if settings is not None:
        url, save_as = SCHEMES[scheme]
        settings.write_text(
            "import os\n"
            "open(os.path.join(os.path.dirname(__file__), 'EXECUTED'), 'w').write('the import ran me')\n"
            "AUTHOR = 'Ana Silva'\n"
            "SITENAME = 'Old blog'\n"
            "SITEURL = os.environ.get('SITEURL', 'https://old.example')\n"
            "PATH = 'content'\n"
            "TIMEZONE = 'America/Sao_Paulo'\n"
            "DEFAULT_LANG = 'pt'\n"
            f"ARTICLE_URL = {url!r}\n"
            f"ARTICLE_SAVE_AS = {save_as!r}\n"
            "STATIC_PATHS = ['images', 'extra/CNAME']\n"
            "EXTRA_PATH_METADATA = {'extra/CNAME': {'path': 'CNAME'}}\n"
            "PLUGINS = ['liquid_tags.img', 'liquid_tags.youtube', 'photos', 'pelican-ipynb.markup']\n",
            encoding="utf-8",
        )
    return corpus


def _header(post: Post, tags: list[str]) -> str:
    if post.fmt == "rst":
        lines = [post.title, "#" * (len(post.title) + 2), "", f":date: {post.date:%Y-%m-%d %H:%M}",
                 f":slug: {post.slug}", f":tags: {', '.join(tags)}"]
        if post.authors:
            lines.append(f":authors: {', '.join(post.authors)}")
        return "\n".join(lines) + "\n\n"
    lines = [f"Title: {post.title}", f"Date: {post.date:%Y-%m-%d %H:%M}", f"Slug: {post.slug}", f"Tags: {', '.join(tags)}"]
    if post.authors:
        lines.append(f"Authors: {', '.join(post.authors)}")
    return "\n".join(lines) + "\n\n"


def _body(rng: random.Random, corpus: Corpus, post: Post, other: Post, index: int, scheme: str) -> str:
    depth = post.path.count("/")
    up = "../" * depth
    if post.fmt == "rst":
        parts = [
            _sentence(rng),
            "",
            f"See `the next post <|filename|/{other.path}>`_ and `this one <{{filename}}{up}{other.path}>`_.",
            "",
            ".. image:: {static}/images/diagram.png",
            "   :alt: A diagram",
            "",
            ".. code-block:: python",
            "",
            "    items = [[1, 2], [3, [4, [5]]]]",
            "",
            _sentence(rng),
            "",
        ]
        if index % 2 == 1:
            parts += [".. youtube:: dQw4w9WgXcQ", "   :width: 640", "", _sentence(rng), ""]
        else:
            # A role the old blog's own plugin provided (variable-scope's :py:, :bash:).
            parts += ["Call :py:`len(items) > 2` and then :bash:`ls -l`.", ""]
        return "\n".join(parts)
    old_link = "/" + other.old_url(scheme)
    image = "images/team.png" if scheme == "default" and depth == 0 else "/images/team.png"
    parts = [
        _sentence(rng),
        "",
        "<!-- more -->",
        "",
        f"Read [the next post]({old_link}) and [Requests & Responses][{index + 10}].",
        "",
        f"![Team]({image}) and ![Diagram]({{filename}}{up}images/diagram.png)",
        "",
        "[" * 30 + " bracket storm " + "]" * 30 + " [a](b [c](d [e](f",
        "",
        f"[{index + 10}]: https://example.org/requests-{index}",
        "",
    ]
    if index % 5 == 0:
        corpus.anchors.append(post.slug)
        parts = ["[TOC]", "", '<a id="setup"></a>', "", "## Setup", "", _sentence(rng), "",
                 '<span id="results"></span>', "", "## Results", "", _sentence(rng), ""] + parts
    if index % 4 == 2:
        parts += ['{% img right /images/chart.png 300 200 "Chart title" "Chart alt" %}', "",
                  "{% youtube dQw4w9WgXcQ %}", ""]
    if index % 6 == 3:
        parts += ["{% photo trip/beach.jpg A beach %}", "", "{% gallery trip %}", ""]
        corpus.liquid_needing_plugins |= {"photo", "gallery"}
    if index % 7 == 4:
        parts += ["{% illus figure.svg %}", ""]
        corpus.liquid_needing_plugins.add("illus")
    parts += ["```python", "print('[link](images/not-a-link.png)')", "```", ""]
    return "\n".join(parts)
