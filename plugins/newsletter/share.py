"""The share kit: a LinkedIn-ready post text for each edition (a pure renderer).

`linkedin_text(title, summary, url, tags)` returns the text the writer pastes
into LinkedIn after `make publish` sends the post: a hook from the summary,
the link, and up to three hashtags made from the post's tags. LinkedIn cuts a
post at 3,000 characters; the hook is shortened (on a word boundary) so the
whole text always fits with the link and hashtags intact. The build writes it
to <EDITIONS_PATH>/<uuid>/linkedin.txt (manifest.write_share_text).
"""

from __future__ import annotations

from connected.typography import smart_text

from .plaintext import truncate

LINKEDIN_LIMIT = 3000
MAX_HASHTAGS = 3
SHARE_FILE = "linkedin.txt"


def hashtag(tag: str) -> str:
    """A LinkedIn hashtag from a tag: "follow-up" → "#FollowUp", "career" → "#Career"; "" if none."""
    words: list[str] = []
    word = ""
    for char in str(tag):
        if char.isalnum():
            word += char
        elif word:
            words.append(word)
            word = ""
    if word:
        words.append(word)
    body = "".join(w[:1].upper() + w[1:] for w in words)
    return f"#{body}" if body and not body.isdigit() else ""


def hashtags(tags) -> list[str]:
    """Up to MAX_HASHTAGS distinct hashtags, in the post's tag order."""
    out: list[str] = []
    for tag in tags or []:
        tagged = hashtag(getattr(tag, "name", tag))
        if tagged and tagged.lower() not in {t.lower() for t in out}:
            out.append(tagged)
        if len(out) == MAX_HASHTAGS:
            break
    return out


def linkedin_text(title: str, summary: str, url: str, tags=()) -> str:
    """The LinkedIn post text (plain text, at most LINKEDIN_LIMIT characters)."""
    title = smart_text(" ".join(str(title or "").split()))
    summary = " ".join(str(summary or "").split())
    tail = [f"New post: {title}", url]
    tagged = hashtags(tags)
    if tagged:
        tail.append(" ".join(tagged))
    tail_text = "\n\n".join(tail)
    # Whatever the summary's length, the link and the hashtags always fit.
    room = LINKEDIN_LIMIT - len(tail_text) - 2
    hook = truncate(summary, room) if summary and room > 40 else ""
    if not hook:
        return truncate(tail_text, LINKEDIN_LIMIT) if len(tail_text) > LINKEDIN_LIMIT else tail_text
    return f"{hook}\n\n{tail_text}"
