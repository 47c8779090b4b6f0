"""Smart punctuation: one rule for post bodies, summaries, cards and share text.

Post bodies and summaries get them from `connected.smart_punctuation`, a
Markdown extension (MARKDOWN in pelicanconf.py) that runs this over the text of
the converted post; titles are metadata and stay as typed on pages, feeds and
subjects. The drawn link-preview cards and the LinkedIn share text use
`smart_text` too. One linear pass: a pattern of fixed strings of at most three
characters finds what to change, nothing that can backtrack.
"""

from __future__ import annotations

import re

_OPENING_CONTEXT = set(" \t\n([{<\u2014\u2013-/\u00a0")


# What smart_text changes: a quote, two or three dashes, three dots. Fixed strings of
# at most three characters, the longer dash tried first: each try looks at three
# characters at most, so the scan is linear (nothing to backtrack into), the text
# between matches is copied in slices, and a lone hyphen or full stop (every
# sentence has one) never reaches Python code.
_SPECIAL = re.compile(r"---|--|\.\.\.|[\"']")


def smart_text(text: str, before: str = "") -> str:
    """Curly quotes, en/em dashes (-- and ---) and an ellipsis (...) in plain text.

    before: the text just before this piece, as typed (the Markdown extension
    passes the end of the previous text node, so `"*word*"` closes its quote).
    """
    context = str(before or "")[-2:]
    text = context + str(text or "")
    n = len(text)
    out: list[str] = []
    copied = len(context)  # text[:copied] is in out (or is the context)
    for match in _SPECIAL.finditer(text, copied):
        i, found = match.start(), match.group()
        char = found[0]
        if found == "---":
            replacement, width = "\u2014", 3
        elif found == "--":
            replacement, width = "\u2013", 2
        elif char == ".":
            replacement, width = "\u2026", 3
        else:
            previous = text[i - 1] if i else " "
            opening = previous in _OPENING_CONTEXT or (
                previous in "\"'" and (text[i - 2] if i > 1 else " ") in _OPENING_CONTEXT
            )
            width = 1
            if char == '"':
                replacement = "\u201c" if opening else "\u201d"
            elif opening and not (i + 1 < n and text[i + 1].isdigit()):
                replacement = "\u2018"  # an opening single quote ('90s stays an apostrophe)
            else:
                replacement = "\u2019"  # apostrophe or closing single quote
        out.append(text[copied:i])
        out.append(replacement)
        copied = i + width
    out.append(text[copied:])
    return "".join(out)
