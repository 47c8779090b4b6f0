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


_STX, _ETX = "\x02", "\x03"  # Python-Markdown's placeholder brackets
# Stashed entities after which a quote opens (as after a space or a dash).
_SPACE_ENTITIES = frozenset({"&nbsp;", "&#160;", "&#xa0;", "&mdash;", "&ndash;", "&#8212;", "&#8211;"})


class SmartPunctuationTreeprocessor(Treeprocessor):
    def run(self, root):
        self._walk(root, " ", False)

    def _walk(self, element, before: str, verbatim: bool) -> str:
        """Curl element's text and its children's (not its tail); return what was typed last."""
        verbatim = verbatim or element.tag in _VERBATIM
        if element.tag not in _INLINE:
            before = " "
        element.text, before = self._curl(element.text, before, verbatim)
        for child in element:
            before = self._walk(child, before, verbatim)
            if child.tag not in _INLINE:
                before = " "
            child.tail, before = self._curl(child.tail, before, verbatim)
        return before

    def _curl(self, text, before: str, verbatim: bool) -> tuple:
        """(text curled, the last two characters as typed) — placeholders for inline
        HTML, entities and escapes kept as they are, each read as what it stands for."""
        if not text:
            return text, before
        if verbatim or isinstance(text, AtomicString):
            return text, (before + self._typed(text))[-2:]
        if _STX not in text and '"' not in text and "'" not in text and "--" not in text and "..." not in text:
            # Most text nodes: nothing smart_text changes (a quote, "--", "..."; it
            # never joins dashes or dots across nodes), and no placeholder to read.
            return text, text[-2:] if len(text) > 1 else (before + text)[-2:]
        out, position = [], 0
        while position < len(text):
            start = text.find(_STX, position)
            end = text.find(_ETX, start + 1) if start >= 0 else -1
            if end < 0:
                start = end = len(text)
            plain = text[position:start]
            out.append(smart_text(plain, before))
            before = (before + plain)[-2:]
            if start < len(text):
                out.append(text[start : end + 1])
                before = (before + self._stands_for(text[start + 1 : end]))[-2:]
            position = end + 1
        return "".join(out), before

    def _typed(self, text: str) -> str:
        """The last characters of verbatim text, placeholders read as what they stand for."""
        end = text.rfind(_ETX)
        if end < 0 or end < len(text) - 1:
            return text[-2:]
        start = text.rfind(_STX, 0, end)
        return self._stands_for(text[start + 1 : end]) if start >= 0 else text[-2:]

    def _stands_for(self, inner: str) -> str:
        """A character standing for a placeholder as the quote rule sees it: a space
        after an opening tag, a comment, &nbsp; or a dash; a letter after a closing
        tag or anything else; the character itself for a backslash escape."""
        if inner.isdigit():  # \" and friends: the escaped character
            return chr(int(inner)) if len(inner) < 7 and int(inner) < 0x110000 else "a"
        index = inner.rpartition(":")[2]
        blocks = self.md.htmlStash.rawHtmlBlocks
        if not index.isdigit() or int(index) >= len(blocks):
            return "a"
        raw = blocks[int(index)]
        raw = raw.strip().lower() if isinstance(raw, str) else ""
        if raw in _SPACE_ENTITIES or (raw.startswith("<") and not raw.startswith("</")):
            return " "
        return "a"


class SmartPunctuationExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        # As with smarty, \" and \' are escapes: a quote the writer wants straight.
        md.ESCAPED_CHARS.extend(char for char in "\"'" if char not in md.ESCAPED_CHARS)
        # Priority 6: where smarty ran (after inline 20, attr_list 8, abbr 7; before toc 5).
        md.treeprocessors.register(SmartPunctuationTreeprocessor(md), "smart_punctuation", 6)


def makeExtension(**kwargs):  # noqa: N802 (Python-Markdown's entry point)
    return SmartPunctuationExtension(**kwargs)
