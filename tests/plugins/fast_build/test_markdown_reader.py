"""fast_build's Markdown reader gives Pelican's MarkdownReader's HTML and metadata."""

from __future__ import annotations

from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG

from plugins.fast_build.parallel_markdown import RawMarkdownReader, StylesheetOnceFormatter
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
