"""Every header key Pelican, our plugins and our theme read — the one list.

A header key that is not here (nor in POST_CHECKS["EXTRA_KEYS"]) is either a
typo of one of these (stops the build: "did you mean 'Status'?") or a key
only some other theme or plugin reads (allowed, listed once as a note).

Found by reading the code (grep plugins/ theme/ for `metadata`, `article.`,
`page.`) and Pelican 4.12's readers and contents.py. docs/writing.md documents
each key; tests/plugins/post_checks/test_header_checks.py checks it names them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

# key (as written in a Markdown header) -> who reads it
HEADER_KEYS: dict[str, str] = {
    # Pelican (readers.py, contents.py)
    "Title": "Pelican, the theme, feeds, the newsletter",
    "Date": "Pelican, the theme, feeds, the newsletter",
    "Modified": "Pelican, the theme, feeds",
    "Tags": "Pelican, the theme, feeds",
    "Category": "Pelican, the theme, feeds",
    "Author": "Pelican, feeds",
    "Authors": "Pelican, feeds",
    "Slug": "Pelican (the page's URL and file name)",
    "Status": "Pelican (published, draft, hidden)",
    "Summary": "Pelican, the theme, feeds, the newsletter",
    "Lang": "Pelican (translations), the theme",
    "Translation": "Pelican (translations)",
    "Template": "Pelican (which theme template renders the page)",
    "Save_as": "Pelican (the output file)",
    "Url": "Pelican (the page's link)",
    "Timezone": "Pelican (the time zone of Date and Modified)",
    "Date_format": "Pelican (how the theme prints the date, strftime codes)",
    # our plugins
    "Uuid": "post_checks, newsletter, site_feeds (the post's identity)",
    "Newsletter": "newsletter (no: never email this post; now: send it on its own in digest mode)",
    "Email_mode": "newsletter (full or excerpt)",
    "Subject": "newsletter (the email subject)",
    "Preheader": "newsletter (the inbox preview line)",
    "Audience_tag": "newsletter (send only to members with this Mailchimp tag)",
    # the theme (theme/templates, plugins/theme_helpers)
    "Image": "theme (link-preview image)",
    "Original_url": "theme (canonical URL of a post first published elsewhere)",
    "Original_name": "theme (the name of that other site)",
}

# Keys that take one value: a second line (or an indented continuation line,
# which Pelican would also turn into a list) is an error.
# (Uuid: repeated lines are reported by the Uuid check itself.)
SINGLE_VALUED = frozenset(
    name.lower() for name in HEADER_KEYS if name not in ("Summary", "Uuid")
)


def known_header_keys(settings: dict) -> Mapping[str, str]:
    """HEADER_KEYS plus POST_CHECKS["EXTRA_KEYS"] (lower-case name -> key as documented)."""
    return _known_keys(tuple(extra_keys(settings)))


@lru_cache(maxsize=16)
def _known_keys(extras: tuple[str, ...]) -> Mapping[str, str]:
    # Asked once per file on every build: built once per set of extra keys.
    known = {name.lower(): name for name in HEADER_KEYS}
    for extra in extras:
        known.setdefault(extra.lower(), extra)
    return MappingProxyType(known)


def extra_keys(settings: dict) -> list[str]:
    config = settings.get("POST_CHECKS") or {}
    extra = config.get("EXTRA_KEYS") if isinstance(config, dict) else None
    return [str(key) for key in (extra or []) if str(key).strip()]
