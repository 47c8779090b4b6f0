"""The SITE_FEEDS settings dict: defaults, validation, and the values a build uses.

Every key is optional; `SITE_FEEDS = {}` gives Atom, RSS and JSON Feed for all
posts plus Atom and RSS per category and per tag. A bad value raises
SiteFeedsError naming the key and saying what would be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from connected.urls import absolute_url

# Output paths are relative to OUTPUT_PATH; None or "" turns that feed off.
DEFAULTS: dict = {
    "ALL_ATOM": "feeds/all.atom.xml",
    "ALL_RSS": "feeds/all.rss.xml",
    "ALL_JSON": "feeds/all.json",
    "CATEGORY_ATOM": "feeds/category/{slug}.atom.xml",
    "CATEGORY_RSS": "feeds/category/{slug}.rss.xml",
    "TAG_ATOM": "feeds/tag/{slug}.atom.xml",
    "TAG_RSS": "feeds/tag/{slug}.rss.xml",
    # Newest posts per feed; None for every post (slow and large on big sites).
    "MAX_ITEMS": 20,
    # A tag gets its own feeds only with at least this many posts (a blog with
    # a thousand one-post tags would otherwise write two thousand feed files).
    "TAG_MIN_POSTS": 2,
    # "full": the whole post in each entry; "summary": only its summary.
    "CONTENT": "full",
    # Square image for feed readers: a path in the output ("images/icon.png") or a URL.
    "ICON": None,
    # Where feed links point when SITEURL is empty (the development build).
    "DEV_SITEURL": "http://localhost:8000",
}

PATH_KEYS = ("ALL_ATOM", "ALL_RSS", "ALL_JSON")
PATTERN_KEYS = ("CATEGORY_ATOM", "CATEGORY_RSS", "TAG_ATOM", "TAG_RSS")
CONTENT_MODES = ("full", "summary")


class SiteFeedsError(ValueError):
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


def _fail(key: str, problem: str) -> SiteFeedsError:
    return SiteFeedsError(f"SITE_FEEDS[{key!r}] {problem} (see docs/feeds.md).")


def _check_path(key: str, value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(key, f"must be an output path string or None, not {value!r}")
    if value.startswith("/") or "\\" in value or ".." in value.split("/"):
        raise _fail(key, f"must be a relative path inside the output, like {DEFAULTS[key]!r}")
    if value.endswith("/"):
        raise _fail(key, f"must name a file, not a folder: {value!r}")
    if key in PATTERN_KEYS:
        if "{slug}" not in value:
            raise _fail(key, f"must contain {{slug}}, like {DEFAULTS[key]!r}; got {value!r}")
        try:
            value.format(slug="x")
        except (KeyError, IndexError, ValueError):
            raise _fail(key, f"may use only the {{slug}} placeholder; got {value!r}") from None
    return value


def validate(raw) -> dict:
    """SITE_FEEDS merged over DEFAULTS; raises SiteFeedsError naming the first bad key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SiteFeedsError(
            f"SITE_FEEDS must be a dict, not {type(raw).__name__} (see docs/feeds.md)."
        )
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise _fail(
            unknown[0], "is not a known setting; known keys: " + ", ".join(sorted(DEFAULTS))
        )
    merged = {**DEFAULTS, **raw}
    for key in PATH_KEYS + PATTERN_KEYS:
        merged[key] = _check_path(key, merged[key])
    enabled = [merged[k] for k in PATH_KEYS + PATTERN_KEYS if merged[k]]
    for path in enabled:
        if enabled.count(path) > 1:
            key = next(k for k in PATH_KEYS + PATTERN_KEYS if merged[k] == path)
            raise _fail(key, f"uses the same path as another feed: {path!r}")
    max_items = merged["MAX_ITEMS"]
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1
    ):
        raise _fail(
            "MAX_ITEMS", f"must be a whole number of at least 1, or None; got {max_items!r}"
        )
    min_posts = merged["TAG_MIN_POSTS"]
    if isinstance(min_posts, bool) or not isinstance(min_posts, int) or min_posts < 1:
        raise _fail("TAG_MIN_POSTS", f"must be a whole number of at least 1; got {min_posts!r}")
    if merged["CONTENT"] not in CONTENT_MODES:
        raise _fail("CONTENT", f"must be 'full' or 'summary'; got {merged['CONTENT']!r}")
    icon = merged["ICON"]
    if icon is not None and (not isinstance(icon, str) or not icon.strip()):
        raise _fail("ICON", f"must be a path in the output or a URL, or None; got {icon!r}")
    dev = merged["DEV_SITEURL"]
    parts = urlsplit(dev) if isinstance(dev, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _fail("DEV_SITEURL", f"must be an absolute http(s) URL; got {dev!r}")
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
