"""Smart punctuation: one rule for post bodies, summaries, cards and share text.

Post bodies and summaries get them from `connected.smart_punctuation`, a
Markdown extension (MARKDOWN in pelicanconf.py) that runs this over the text of
the converted post; titles are metadata and stay as typed on pages, feeds and
subjects. The drawn link-preview cards and the LinkedIn share text use
`smart_text` too. One linear pass over the characters, no regular expressions
on post text.
"""

from __future__ import annotations

_OPENING_CONTEXT = set(" \t\n([{<\u2014\u2013-/\u00a0")


def smart_text(text: str, before: str = "") -> str:
    """Curly quotes, en/em dashes (-- and ---) and an ellipsis (...) in plain text.

    before: the text just before this piece, as typed (the Markdown extension
    passes the end of the previous text node, so `"*word*"` closes its quote).
    """
    context = str(before or "")[-2:]
    text = context + str(text or "")
    out: list[str] = []
    i, n = len(context), len(text)
    while i < n:
        char = text[i]
        if char == "-" and text.startswith("---", i):
            out.append("\u2014")
            i += 3
            continue
        if char == "-" and text.startswith("--", i):
            out.append("\u2013")
            i += 2
            continue
        if char == "." and text.startswith("...", i):
            out.append("\u2026")
            i += 3
            continue
        if char in "\"'":
            previous = text[i - 1] if i else " "
            opening = previous in _OPENING_CONTEXT or (
                previous in "\"'" and (text[i - 2] if i > 1 else " ") in _OPENING_CONTEXT
            )
            if char == '"':
                out.append("\u201c" if opening else "\u201d")
            elif opening and not (i + 1 < n and text[i + 1].isdigit()):
                out.append("\u2018")  # an opening single quote ('90s stays an apostrophe)
            else:
                out.append("\u2019")  # apostrophe or closing single quote
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)
