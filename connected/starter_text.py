"""The starter sentences `make newpost` and `make init` write, which nothing should be
published with: the one owner of their wording.

scripts/newpost.py writes NEWPOST_BODY under a new draft's header (and `make init`'s starter
draft is such a draft); scripts/init.py writes the About page's skeleton with ABOUT_WORK and
ABOUT_WHY. plugins/post_checks stops `make publish` when a published post still holds one
(a writer who only deleted the Status line would mail it) and warns for pages;
`make publish CHECK=1` names an About page that does.
"""

from __future__ import annotations

NEWPOST_BODY = (
    "Write here. Fill in Tags (comma-separated) and a one-sentence Summary "
    "(used for link previews and the newsletter), then delete the Status line to publish."
)
ABOUT_WORK = "Write a few sentences about your work: what you do, for whom, and what you are good at."
ABOUT_WHY = "Say what readers can expect from this site and the newsletter, and how often."
STARTER_SENTENCES = (NEWPOST_BODY, ABOUT_WORK, ABOUT_WHY)


def starter_sentence(text: str) -> str | None:
    """The first starter sentence `text` still holds, or None (str.find: linear)."""
    for sentence in STARTER_SENTENCES:
        if sentence in text:
            return sentence
    return None
