"""fast_build's Markdown reader gives Pelican's MarkdownReader's HTML and metadata."""

from __future__ import annotations

import random

from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG

from plugins.fast_build.parallel_markdown import (
    MarkerCheckedTocTreeprocessor,
    RawMarkdownReader,
    StylesheetOnceFormatter,
)
from tests.conftest import read_project_settings

POST = """Title: Code in a post
Date: 2026-01-02
Summary: A *short* summary with `code`.

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"  # a comment
```

    :::bash
    for f in *.md; do echo "$f"; done

```yaml
key: [1, 2.5, "three"]
```
"""


def _settings(codehilite: dict) -> dict:
    settings = dict(DEFAULT_CONFIG)
    settings["MARKDOWN"] = {
        "extension_configs": {
            "markdown.extensions.codehilite": codehilite,
            "markdown.extensions.extra": {},
            "markdown.extensions.meta": {},
        },
        "output_format": "html5",
    }
    return settings


CONFIGS = [
    {"css_class": "highlight"},
    {"css_class": "highlight", "classprefix": "tok-"},
    {"css_class": "code", "noclasses": True, "pygments_style": "monokai"},
    {"css_class": "code", "noclasses": True, "pygments_style": "default"},
    {"linenums": True},
]


def test_same_html_as_pelicans_reader(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(POST, encoding="utf-8")
    StylesheetOnceFormatter._tables.clear()
    # One after another in one process, as a build's posts are: each configuration
    # finds the tables the ones before it made.
    for codehilite in CONFIGS + CONFIGS[::-1]:
        fast = RawMarkdownReader(_settings(codehilite))
        first, second = fast.read(str(post)), fast.read(str(post))
        content, metadata = MarkdownReader(_settings(codehilite)).read(str(post))
        assert first[0] == second[0] == content, codehilite
        assert '<span class="' in content or 'style="' in content
        assert first[1]["summary"] == metadata["summary"]
    assert len(StylesheetOnceFormatter._tables) == 3  # the fast reader did use the formatter


def test_a_sites_own_formatter_is_kept():
    class Mine(StylesheetOnceFormatter):
        pass

    settings = _settings({"pygments_formatter": Mine})
    reader = RawMarkdownReader(settings)
    config = reader.settings["MARKDOWN"]["extension_configs"]["markdown.extensions.codehilite"]
    assert config["pygments_formatter"] is Mine
    # The site's settings are not changed by the reader.
    assert settings["MARKDOWN"]["extension_configs"]["markdown.extensions.codehilite"] == {"pygments_formatter": Mine}
    assert "extensions" not in settings["MARKDOWN"]


POSTS = [
    """Title: Footnotes and abbreviations
Summary: Uses HTML[^1] and *more*.

The HTML spec[^1] and "quotes" -- dashes... [link][ref].

*[HTML]: Hyper Text Markup Language

[^1]: A footnote.

[ref]: https://example.com/ref "Ref"

## Same heading

## Same heading
""",
    """Title: No footnotes here
Summary: Key: value lines

HTML is not an abbreviation here; [ref] is no link here.

| a | b |
|:--|--:|
| 1 | 2 |

Term
:   Definition {: #def-id }

<div markdown="1">*inside*</div>

## Same heading
""",
    """Title: Third
Tags: a, b

Summary: not a header, the text has begun.
""",
]


def test_one_reader_for_many_posts_reads_each_as_a_fresh_one(tmp_path):
    # The site's own Markdown settings, as shipped: each post read by the one reusable
    # reader, after the others, gives what Pelican's reader gives it alone.
    settings = dict(DEFAULT_CONFIG)
    settings["MARKDOWN"] = read_project_settings("pelicanconf.py")["MARKDOWN"]
    reader = RawMarkdownReader(settings)
    paths = []
    for i, text in enumerate(POSTS):
        paths.append(tmp_path / f"post-{i}.md")
        paths[-1].write_text(text, encoding="utf-8")
    for path in paths + paths[::-1]:
        content, raw = reader.read(str(path))
        expected, metadata = MarkdownReader(settings).read(str(path))
        assert content == expected, path.name
        assert raw.get("summary") == metadata.get("summary"), path.name
        assert sorted(raw) == sorted(metadata)
    first = reader.read(str(paths[0]))[0]
    assert "<abbr" in first and 'class="footnote"' in first and 'id="same-heading_1"' in first
    assert "<abbr" not in reader.read(str(paths[1]))[0]


# Where a [TOC] marker can stand, and where it only looks like one.
_TOC_PIECES = [
    "[TOC]",
    "  [TOC]  ",
    "[TOC] and more text",
    "## [TOC]",
    "## A heading",
    "### A *heading* with `code`",
    "    [TOC]",
    "`[TOC]`",
    "> [TOC]",
    "- [TOC]\n- item",
    "*[TOC]*",
    "Text\n[TOC]",
    '<div markdown="1">[TOC]</div>',
    "[TOC]: https://example.com/toc",
    "[[TOC]]",
    "Term\n:   [TOC]",
    "A footnote[^n].\n\n[^n]: [TOC]",
    "{marker}",
    "## Heading {{: #own-id }}",
    "Plain text with no marker.",
]
_TOC_CONFIGS = [
    {},
    {"marker": ""},
    {"marker": "{marker}"},
    {"anchorlink": True},
    {"permalink": "[TOC]"},
    {"permalink": True, "baselevel": 2, "title": "Contents"},
    {"toc_depth": "2-3", "marker": "[[TOC]]"},
]


def _toc_settings(toc: dict) -> dict:
    settings = dict(DEFAULT_CONFIG)
    settings["MARKDOWN"] = {
        "extension_configs": {
            "markdown.extensions.extra": {},
            "markdown.extensions.meta": {},
            "markdown.extensions.toc": toc,
        },
        "output_format": "html5",
    }
    return settings


def test_the_table_of_contents_is_the_stock_ones(tmp_path):
    # A seeded corpus of posts made of the pieces above, in every configuration: the
    # reader's toc (which skips the marker search when no text has the marker) gives
    # the HTML Pelican's reader gives, marker replaced where and only where it was.
    rng = random.Random(14)
    posts = []
    for i in range(60):
        pieces = rng.sample(_TOC_PIECES, rng.randint(1, 6))
        path = tmp_path / f"toc-{i}.md"
        path.write_text(f"Title: Post {i}\n\n" + "\n\n".join(pieces) + "\n", encoding="utf-8")
        posts.append(path)
    replaced = kept = 0
    for toc in _TOC_CONFIGS:
        reader = RawMarkdownReader(_toc_settings(toc))
        for path in posts:
            content, _ = reader.read(str(path))
            assert type(reader._body_md.treeprocessors["toc"]) is MarkerCheckedTocTreeprocessor
            expected, _ = MarkdownReader(_toc_settings(toc)).read(str(path))
            assert content == expected, (toc, path.read_text())
            if '<div class="toc">' in content:
                replaced += 1
            else:
                kept += 1
    assert replaced > 20 and kept > 20  # the corpus has both kinds


def test_a_sites_own_toc_treeprocessor_is_kept(tmp_path):
    from markdown.extensions.toc import TocExtension, TocTreeprocessor

    class Mine(TocTreeprocessor):
        pass

    class MyToc(TocExtension):
        TreeProcessorClass = Mine

    settings = _toc_settings({})
    settings["MARKDOWN"]["extension_configs"].pop("markdown.extensions.toc")
    settings["MARKDOWN"]["extensions"] = [MyToc()]
    post = tmp_path / "post.md"
    post.write_text("Title: T\n\n[TOC]\n\n## Heading\n", encoding="utf-8")
    reader = RawMarkdownReader(settings)
    content, _ = reader.read(str(post))
    assert type(reader._body_md.treeprocessors["toc"]) is Mine
    assert '<div class="toc">' in content and 'id="heading"' in content


_INLINE_PIECES = [
    "word", "two words", " ", " ", "\n", "  \n", "\n\n", "*", "**", "_", "__", "`", "``", "\\",
    "\\*", "\\`", "[", "]", "(", ")", "!", "![", "[^1]", "[^1]: note", "[ref]", "[ref]: /r",
    "<", ">", "<b>", "</b>", "<!-- c -->", "&", "&amp;", "&#169;", ";", "@", "<me@example.com>",
    "<https://example.com/a>", "https://example.com", "://", '"', "'", "--", "...", "[TOC]",
    "*[HTML]: Hyper", "HTML", "{: #an-id }", "    code", "```", "- ", "> ", "## ", "|", ":",
]  # fmt: skip


def test_the_inline_pass_gives_the_stock_html_on_generated_text():
    # Seeded text made of the characters the inline patterns look for, in every mix:
    # skipping a pattern for a text without what it needs changes nothing.
    from markdown import Markdown
    from markdown.treeprocessors import InlineProcessor

    from plugins.fast_build.parallel_markdown import SkippingInlineProcessor

    configs = read_project_settings("pelicanconf.py")["MARKDOWN"]["extension_configs"]
    stock = Markdown(extensions=list(configs), extension_configs=configs, output_format="html5")
    fast = Markdown(extensions=list(configs), extension_configs=configs, output_format="html5")
    SkippingInlineProcessor.adopt(fast)
    assert type(stock.treeprocessors["inline"]) is InlineProcessor
    assert type(fast.treeprocessors["inline"]) is SkippingInlineProcessor
    rng = random.Random(1402)
    for _ in range(1500):
        text = "".join(rng.choice(_INLINE_PIECES) for _ in range(rng.randint(1, 40)))
        stock.reset()
        fast.reset()
        assert fast.convert(text) == stock.convert(text), repr(text)


def test_a_pattern_it_does_not_know_is_always_tried():
    from markdown import Markdown
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from plugins.fast_build.parallel_markdown import SkippingInlineProcessor

    md = Markdown()
    # Strikethrough as a site's own extension might add it: ~~text~~.
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 75)
    SkippingInlineProcessor.adopt(md)
    assert md.convert("a ~~b~~ *c* d") == "<p>a <del>b</del> <em>c</em> d</p>"
