"""connected.smart_punctuation: smarty's curly quotes and dashes, in one pass over the tree."""

from __future__ import annotations

import html
import time
from pathlib import Path

import markdown
import pytest

from tests.kit.hostile_corpus import generate

ROOT = Path(__file__).resolve().parents[2]
OTHERS = ["markdown.extensions.extra", "markdown.extensions.toc", "markdown.extensions.codehilite"]


def convert(text: str, extension: str = "connected.smart_punctuation") -> str:
    return markdown.Markdown(extensions=[extension, *OTHERS]).convert(text)


def test_quotes_dashes_and_ellipses_outside_code():
    out = convert(
        "\"Hello\" it's -- and --- ... `code \"x\"` *\"em\"* \"*em*\" '90s "
        '[a "link"](https://x.example/ "t") \\"straight\\"\n\n'
        "## It's \"done\"\n\n    block \"code\"\n"
    )
    assert out == (
        "<p>\u201cHello\u201d it\u2019s \u2013 and \u2014 \u2026 <code>code \"x\"</code> "
        "<em>\u201cem\u201d</em> \u201c<em>em</em>\u201d \u201990s "
        '<a href="https://x.example/" title="t">a \u201clink\u201d</a> "straight"</p>\n'
        '<h2 id="its-done">It\u2019s \u201cdone\u201d</h2>\n'
        '<div class="codehilite"><pre><span></span><code>block &quot;code&quot;\n</code></pre></div>'
    )


def _bodies():
    # The fixtures and the sample as shipped (tests/data/sample_site), never the writer's content/.
    posts = sorted((ROOT / "tests" / "data").glob("**/*.md"))
    yield from (path.read_text(encoding="utf-8").split("\n\n", 1)[-1] for path in posts)
    for name, text in sorted(generate(seed=11, count=330).items()):
        if name.endswith(".md") and isinstance(text, str):
            yield text.split("\n\n", 1)[-1]


def test_the_same_text_as_smarty_on_real_and_hostile_posts():
    """What a reader sees (entities unescaped) is smarty's, post for post."""
    compared = 0
    for body in _bodies():
        assert html.unescape(convert(body)) == html.unescape(convert(body, "markdown.extensions.smarty")), body[:300]
        compared += 1
    assert compared > 300


@pytest.mark.parametrize("hostile", ['"' * 200_000, "'a" * 100_000, "-" * 200_000, '*"' * 50_000])
def test_linear_on_hostile_text(hostile):
    started = time.perf_counter()
    convert(hostile)
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Price&nbsp;"quoted"', "Price\u00a0\u201cquoted\u201d"),
        ('<b>"bold"</b>', "<b>\u201cbold\u201d</b>"),
        ('&mdash;"q"', "\u2014\u201cq\u201d"),
        ("a <!-- c -->'x'", "a <!-- c -->\u2018x\u2019"),
        ("<span>it</span>'s", "<span>it</span>\u2019s"),
        ('He said \\"hi\\" ok', 'He said "hi" ok'),
    ],
)
def test_quotes_next_to_inline_html_entities_and_escapes(text, expected):
    """Markdown hides inline HTML, entities and escapes behind placeholders: each is
    read as what it stands for (an opening tag or &nbsp; as a space, a closing tag as
    a letter), as smarty reads them."""
    assert html.unescape(convert(text)) == f"<p>{expected}</p>"
    assert html.unescape(convert(text, "markdown.extensions.smarty")) == f"<p>{expected}</p>"


def _one_character_scan(text: str, before: str = "") -> str:
    """smart_text as it was written first (one match per quote, hyphen or full stop),
    kept here as the reference for the scan that skips lone hyphens and full stops."""
    import re

    from connected.typography import _OPENING_CONTEXT

    context = str(before or "")[-2:]
    text = context + str(text or "")
    n, out, copied = len(text), [], len(context)
    for match in re.compile(r"[-.\"']").finditer(text, copied):
        i = match.start()
        if i < copied:
            continue
        char = text[i]
        if char == "-":
            if text.startswith("---", i):
                replacement, width = "\u2014", 3
            elif text.startswith("--", i):
                replacement, width = "\u2013", 2
            else:
                continue
        elif char == ".":
            if not text.startswith("...", i):
                continue
            replacement, width = "\u2026", 3
        else:
            previous = text[i - 1] if i else " "
            opening = previous in _OPENING_CONTEXT or (previous in "\"'" and (text[i - 2] if i > 1 else " ") in _OPENING_CONTEXT)
            width = 1
            if char == '"':
                replacement = "\u201c" if opening else "\u201d"
            elif opening and not (i + 1 < n and text[i + 1].isdigit()):
                replacement = "\u2018"
            else:
                replacement = "\u2019"
        out.append(text[copied:i])
        out.append(replacement)
        copied = i + width
    out.append(text[copied:])
    return "".join(out)


@pytest.mark.parametrize("seed", range(4))
def test_the_scan_gives_what_one_match_per_character_gave(seed):
    """Seeded strings dense in dashes, dots and quotes, after every kind of context."""
    import random

    from connected.typography import smart_text

    rng = random.Random(seed)
    alphabet = ["-", "-", "-", ".", ".", ".", '"', "'", "a", " ", "9", "(", "\u2014", "\n", "\u00a0"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        before = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 3)))
        assert smart_text(text, before) == _one_character_scan(text, before), (text, before)


@pytest.mark.parametrize("seed", range(4))
def test_a_text_node_with_nothing_to_change_is_passed_through_as_smart_text_would(seed):
    """The treeprocessor's shortcut for text without quotes, "--", "..." or placeholders
    gives what running smart_text over it gave: the same text, and the same last two
    characters carried to the next node (a dash or dots split across nodes stay apart)."""
    import random

    from connected.smart_punctuation import SmartPunctuationTreeprocessor
    from connected.typography import smart_text

    curl = SmartPunctuationTreeprocessor(markdown.Markdown())._curl
    rng = random.Random(seed)
    alphabet = ["-", "-", ".", ".", '"', "'", "a", " ", "9", "(", "\u2014", "\n", "\u00a0", "\u2019"]
    shortcut = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
        before = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 3)))
        shortcut += not any(mark in text for mark in ('"', "'", "--", "..."))
        assert curl(text, before, False) == (smart_text(text, before), (before + text)[-2:]), (text, before)
    assert shortcut > 400  # the shortcut was taken, not only the full scan
