"""The SITE_FEEDS settings dict: defaults, validation, and the values a build uses.

Every key is optional; `SITE_FEEDS = {}` gives Atom, RSS and JSON Feed for all
posts plus Atom and RSS per category and per tag. A bad value raises
SiteFeedsError naming the key and saying what would be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from connected.errors import SettingsError
from connected.settings_schema import SCHEMA, read_dict
from connected.urls import absolute_url

# Output paths are relative to OUTPUT_PATH; None or "" turns that feed off. Every key,
# its default and its check: connected/settings_schema.py SCHEMA["SITE_FEEDS"].
DEFAULTS: dict = {key: spec.default for key, spec in SCHEMA["SITE_FEEDS"].items()}

PATH_KEYS = ("ALL_ATOM", "ALL_RSS", "ALL_JSON")
PATTERN_KEYS = ("CATEGORY_ATOM", "CATEGORY_RSS", "TAG_ATOM", "TAG_RSS")


class SiteFeedsError(SettingsError):
    """SITE_FEEDS is malformed; the message names the key and the fix."""


@dataclass(frozen=True)
class FeedSettings:
    """SITE_FEEDS merged with defaults and checked, plus the site values feeds need."""

    paths: dict  # key -> output path (or pattern with {slug}); only enabled feeds
    max_items: int | None
    content: str
    site_root: str  # absolute, no trailing slash: "https://example.com" or ".../blog"
    content_siteurl: str  # SITEURL exactly as written (Pelican memoizes content per siteurl)
    icon: str | None  # absolute URL
    title: str
    subtitle: str
    language: str
    author: str
    tag_min_posts: int = 1

    def url_for(self, path: str) -> str:
        """Absolute URL of an output path (a feed file or a page URL like "2026/slug/")."""
        return self.site_root + "/" + path.lstrip("/")


_DOCS = " (see docs/feeds.md)."


def _fail(key: str, problem: str) -> SiteFeedsError:
    return SiteFeedsError(f"SITE_FEEDS[{key!r}] {problem}{_DOCS}")


def validate(raw) -> dict:
    """SITE_FEEDS merged over DEFAULTS; raises SiteFeedsError naming the first bad key."""
    merged = read_dict({"SITE_FEEDS": raw}, "SITE_FEEDS", error=SiteFeedsError, suffix=_DOCS)
    for key in PATH_KEYS + PATTERN_KEYS:
        merged[key] = merged[key] or None
    enabled = [merged[k] for k in PATH_KEYS + PATTERN_KEYS if merged[k]]
    for path in enabled:
        if enabled.count(path) > 1:
            key = next(k for k in PATH_KEYS + PATTERN_KEYS if merged[k] == path)
            raise _fail(key, f"uses the same path as another feed: {path!r}")
    return merged


def resolve(pelican_settings: dict) -> FeedSettings:
    """Validate SITE_FEEDS and combine it with the site settings feeds depend on."""
    merged = validate(pelican_settings.get("SITE_FEEDS"))
    site_root = (pelican_settings.get("SITEURL") or merged["DEV_SITEURL"]).rstrip("/")
    parts = urlsplit(site_root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SiteFeedsError(
            f"SITEURL {site_root!r} is not an absolute URL: feeds need one, e.g. "
            "SITEURL = 'https://example.com' in publishconf.py."
        )
    icon = merged["ICON"]
    return FeedSettings(
        paths={k: merged[k] for k in PATH_KEYS + PATTERN_KEYS if merged[k]},
        max_items=merged["MAX_ITEMS"],
        content=merged["CONTENT"],
        site_root=site_root,
        content_siteurl=pelican_settings.get("SITEURL") or site_root,
        icon=absolute_url(site_root + "/", icon) if icon else None,
        title=str(pelican_settings.get("SITENAME") or site_root),
        subtitle=str(pelican_settings.get("SITESUBTITLE") or ""),
        language=str(pelican_settings.get("DEFAULT_LANG") or "en"),
        author=str(pelican_settings.get("AUTHOR") or pelican_settings.get("SITENAME") or ""),
        tag_min_posts=merged["TAG_MIN_POSTS"],
    )
