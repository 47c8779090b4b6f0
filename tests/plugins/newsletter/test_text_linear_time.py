"""No text handling of post content can hang: pathological inputs, each run in its
own subprocess under a hard timeout, through everything that reads a post's
HTML on its way out (the sanitizer and absolutizer for feeds, the email body,
the text part, the subject line), each finishing in under 2 seconds.

The inputs are the shapes that made the old Markdown link regex of
plugins/newsletter/plaintext.py take exponential time (issues 12 and 18):
reference-style links, bracket storms, WordPress [sourcecode] tags, Python
lists in code; plus nesting 10 000 deep and 100 KB lines. Python-Markdown
itself is not timed here (see docs/safety.md: its own bracket handling is
quadratic); the HTML given to our code is what it would produce, or worse.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LIMIT_SECONDS = 2.0
HARD_TIMEOUT = 60  # a hang fails the test instead of stalling the suite

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from connected.sanitize import sanitize_html
    from connected.urls import absolutize_html
    from plugins.newsletter.body import prepare_body
    from plugins.newsletter.plaintext import html_to_text, plain_line
    case = json.loads(sys.stdin.read())
    html = case["html"]
    if case.get("markdown"):
        import markdown
        html = markdown.markdown(html, extensions=["markdown.extensions.extra"])
    base = "https://s.example/2026/post/"
    times = {}
    def timed(name, fn):
        start = time.perf_counter()
        result = fn()
        times[name] = time.perf_counter() - start
        return result
    timed("feed: sanitize + absolutize", lambda: sanitize_html(html, base))
    timed("absolutizer on raw input", lambda: absolutize_html(html, base))
    body = timed("email body", lambda: prepare_body(html, base, lambda url: None))
    text = timed("text part", lambda: html_to_text(body, base_url=base))
    timed("text part of raw input", lambda: html_to_text(html, base_url=base))
    timed("subject line", lambda: plain_line(html[:20000], markup=False))
    print(json.dumps({"times": times, "text_chars": len(text), "html_chars": len(html)}))
    """
)


def _reference_heavy_markdown(n: int = 1500) -> str:
    paragraphs = [
        f"See [Requests & Responses][{i}], [the docs][d{i}] and [[nested [brackets]]] "
        f'[sourcecode language="python"] x = [1, [2, [3, [{i}]]]] [/sourcecode]'
        for i in range(n)
    ]
    refs = [f"[{i}]: https://example.org/{i}\n[d{i}]: ../docs/{i}/" for i in range(n)]
    code = "    data = [[1, 2], [3, [4, [5]]]]\n" * 200
    return "\n\n".join(paragraphs) + "\n\n" + code + "\n" + "\n".join(refs)


CASES = {
    "long brackets": "<p>" + "[" * 100_000 + "x" + "]" * 100_000 + "</p>",
    "nested brackets 10k deep": "<p>" + "[" * 10_000 + "a" + "](x)" * 10_000 + "</p>",
    "bracket storm": "<p>" + "[](" * 40_000 + "</p>",
    "unclosed link text": "<p>" + "[a" * 50_000 + "</p>",
    "100 KB line": "<p>"
    + ("word [Requests & Responses][12] <a href='x'>l</a> " * 2500)[:100_000]
    + "</p>",
    "100 KB pre line": "<pre><code>" + ("[1, [2, [3]]], " * 7000)[:100_000] + "</code></pre>",
    "wordpress sourcecode": '<p>[sourcecode language="python"]</p>\n<pre>'
    + "x = [[1, 2], [3, 4]]\n" * 5000
    + "</pre><p>[/sourcecode]</p>",
    "nested inline elements 10k deep": "<b>" * 10_000 + "x" + "</b>" * 10_000,
    "nested links 10k deep": '<a href="x">' * 10_000 + "x",
    "tags that never close": "<a " * 30_000,
    "attributes that never close": '<a href="x" ' * 30_000,
    "unclosed comments": "<!--" * 30_000,
    "comment tricks": "<!-->" * 30_000 + "<p>x</p>",
    "css url storm": '<p style="' + "url(" * 30_000 + '">x</p>',
    "many images": '<p><img src="a.png" alt="a" srcset="a.png 1x, b.png 2x"></p>' * 5000,
    "lists 2000 items": "<ul>" + "<li>item [x][1] <a href='/y'>y</a></li>" * 2000 + "</ul>",
}


def _run(case: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(case),
        capture_output=True,
        text=True,
        timeout=HARD_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", list(CASES))
def test_pathological_html_is_handled_fast(name):
    result = _run({"html": CASES[name]})
    slow = {step: round(t, 3) for step, t in result["times"].items() if t >= LIMIT_SECONDS}
    assert slow == {}, (name, result["times"])
    assert result["html_chars"] > 1000


def test_reference_link_heavy_post_is_handled_fast():
    result = _run({"html": _reference_heavy_markdown(), "markdown": True})
    slow = {step: round(t, 3) for step, t in result["times"].items() if t >= LIMIT_SECONDS}
    assert slow == {}, result["times"]
    assert result["text_chars"] > 100_000  # the whole post became text


def test_the_text_of_a_reference_heavy_post_has_its_links():
    import markdown

    from plugins.newsletter.plaintext import html_to_text

    html = markdown.markdown(
        _reference_heavy_markdown(20), extensions=["markdown.extensions.extra"]
    )
    text = html_to_text(html, base_url="https://s.example/2026/post/")
    words = " ".join(text.split())  # paragraphs are wrapped at 72 columns
    assert "Requests & Responses (https://example.org/7)" in words
    assert "the docs (https://s.example/2026/docs/7/)" in words
    assert '[sourcecode language="python"] x = [1, [2, [3, [7]]]] [/sourcecode]' in words
    assert "    data" not in text and "data = [[1, 2], [3, [4, [5]]]]" in text
