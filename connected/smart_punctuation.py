"""Markdown extension: curly quotes, en/em dashes and ellipses in a post's text.

Python-Markdown's own `smarty` does this with a second pass of inline patterns
over the whole tree: on a real post that is more than half of the Markdown
time (4.4 million pattern tries for 1000 posts, against 1 million for
everything else). This treeprocessor walks the converted tree once and runs
`connected.typography.smart_text` — the rule the cards and the share text use —
over each text node, carrying the end of the previous node, so `"*word*"`
opens and closes its quotes around the emphasis.

Left as typed: code (`<code>`, `<pre>`, `<kbd>`, `<samp>`) and other atomic
text, attribute values (URLs, titles), raw HTML blocks (stashed by Markdown and
never in the tree), and backslash-escaped quotes (`\\"` is still a placeholder
here). It runs where `smarty` did, after the inline patterns, footnotes,
attr_list and abbr, and before `toc` reads the headings.

Registered through pelicanconf.py's MARKDOWN setting:
    "connected.smart_punctuation": {}
"""

from __future__ import annotations

from markdown import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .typography import smart_text

__all__ = ["SmartPunctuationExtension", "makeExtension"]

# Text in these is code (or not text): never curled; it still counts as what
# came before the next piece of text.
_VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math", "svg"})
# Elements inside a line of text: the quote before one and the one after it are
# in the same sentence. Any other element starts afresh.
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
    "var", "wbr", "br", "img",
})  # fmt: skip


def _curl(text, before: str, verbatim: bool) -> str:
    if not text or verbatim or isinstance(text, AtomicString):
        return text
    return smart_text(text, before)


def _tail_of(before: str, text) -> str:
    """The last two characters typed, once `text` follows `before`."""
    return (before + text)[-2:] if text else before


class SmartPunctuationTreeprocessor(Treeprocessor):
    def run(self, root):
        self._walk(root, " ", False)

    def _walk(self, element, before: str, verbatim: bool) -> str:
        """Curl element's text and its children's (not its tail); return what was typed last."""
        verbatim = verbatim or element.tag in _VERBATIM
        if element.tag not in _INLINE:
            before = " "
        text = element.text
        element.text = _curl(text, before, verbatim)
        before = _tail_of(before, text)
        for child in element:
            before = self._walk(child, before, verbatim)
            if child.tag not in _INLINE:
                before = " "
            tail = child.tail
            child.tail = _curl(tail, before, verbatim)
            before = _tail_of(before, tail)
        return before


class SmartPunctuationExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        # As with smarty, \" and \' are escapes: a quote the writer wants straight.
        md.ESCAPED_CHARS.extend(char for char in "\"'" if char not in md.ESCAPED_CHARS)
        # Priority 6: where smarty ran (after inline 20, attr_list 8, abbr 7; before toc 5).
        md.treeprocessors.register(SmartPunctuationTreeprocessor(md), "smart_punctuation", 6)


def makeExtension(**kwargs):  # noqa: N802 (Python-Markdown's entry point)
    return SmartPunctuationExtension(**kwargs)
