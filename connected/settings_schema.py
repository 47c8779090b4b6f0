"""The keys of every settings dict in pelicanconf.py, in one place.

Each component keeps one UPPER_SNAKE dict (STYLE.md › Settings). This module
lists, per dict, every key it accepts with its default, a one-line meaning
and (for the dicts no component validates yet) a check of its value. It is a
first step towards one settings schema:

- plugins/post_checks reads it to stop the build on a mistyped key
  (`AUTHOR_PROFILE["LINKEDIN"]` → "did you mean 'LINKEDIN_URL'?") before any
  component silently ignores it;
- docs/writing.md and the README document the same keys;
- the older per-component validators (connected/newsletter_settings.py,
  plugins/site_feeds/settings.py, plugins/fast_build/settings.py,
  scripts/stats.py, scripts/deploy.py) still own their value checks and
  their defaults; tests/site/test_settings_schema.py fails when their key lists
  and this one drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SCHEMA", "Key", "closest_key", "edit_distance", "settings_dict", "settings_problems"]


@dataclass(frozen=True)
class Key:
    """One key of a settings dict."""

    default: Any
    meaning: str
    # value -> problem text (without the key's name) or None; None: no check here
    # (the component's own validator checks it).
    check: Callable[[Any], str | None] | None = None


def _https_or_empty(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        return f"must be an https:// URL or empty, not {type(value).__name__}"
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.netloc or any(ch in value for ch in ' "<>\'`'):
        return f"must be an https:// URL or empty, not {value!r}"
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return None
    return f"must be text, not {type(value).__name__}"


SCHEMA: dict[str, dict[str, Key]] = {
    "AUTHOR_PROFILE": {
        "NAME": Key("", "your name (header, footer, JSON-LD, newsletter sender)", _text),
        "HEADLINE": Key("", "one line under your name", _text),
        "EMAIL": Key("", "your address: Reply by email, the subscribe box, the footer", _text),
        "LINKEDIN_URL": Key("", "your LinkedIn profile; also sameAs in JSON-LD"),
        "LINKS": Key([], "other profiles as (label, url) pairs"),
        "DEFAULT_IMAGE": Key("", "link-preview image for pages without Image:, a path in content/"),
        "POSTAL_ADDRESS": Key("", "postal address for the newsletter footer", _text),
        "SHOW_ADDRESS": Key(False, "True: the site shows POSTAL_ADDRESS too"),
        "PHOTO": Key("", "your photo, a path in content/ (resized for the hero, byline, About, email)"),
        "LOCATION": Key("", "where you are, shown on the About page", _text),
        "CV": Key("", "a PDF in content/ offered as Download CV on the About page"),
    },
    "SUBSCRIBE": {
        "FORM_URL": Key("", "the Mailchimp embedded form's action URL (https only)", _https_or_empty),
        "HONEYPOT_NAME": Key("", "the honeypot field name from Mailchimp's embed code", _text),
        "PITCH": Key("", "the sentence above the signup form", _text),
    },
    # Owner: plugins/site_feeds/settings.py (DEFAULTS, validate()).
    "SITE_FEEDS": {
        "ALL_ATOM": Key("feeds/all.atom.xml", "Atom feed of all posts (None: off)"),
        "ALL_RSS": Key("feeds/all.rss.xml", "RSS feed of all posts (None: off)"),
        "ALL_JSON": Key("feeds/all.json", "JSON Feed of all posts (None: off)"),
        "CATEGORY_ATOM": Key("feeds/category/{slug}.atom.xml", "per-category Atom feeds"),
        "CATEGORY_RSS": Key("feeds/category/{slug}.rss.xml", "per-category RSS feeds"),
        "TAG_ATOM": Key("feeds/tag/{slug}.atom.xml", "per-tag Atom feeds"),
        "TAG_RSS": Key("feeds/tag/{slug}.rss.xml", "per-tag RSS feeds"),
        "MAX_ITEMS": Key(20, "newest posts per feed; None for all"),
        "TAG_MIN_POSTS": Key(2, "a tag gets its own feeds only with at least this many posts"),
        "CONTENT": Key("full", '"full" or "summary"'),
        "ICON": Key(None, "square feed icon: a path in the output or a URL"),
        "DEV_SITEURL": Key("http://localhost:8000", "where feed links point when SITEURL is empty"),
    },
    # Owner: connected/newsletter_settings.py (KNOWN_KEYS, newsletter_settings()).
    "NEWSLETTER": {
        "EDITIONS_PATH": Key("build/editions", "where the build writes email editions"),
        "RECORD_PATH": Key("send-record.json", "the send record"),
        "OUTBOX_PATH": Key("outbox", "where the outbox backend writes messages"),
        "FROM_NAME": Key(None, "sender name (default AUTHOR_PROFILE['NAME'])"),
        "FROM_EMAIL": Key(None, "sender address (default AUTHOR_PROFILE['EMAIL'])"),
        "REPLY_TO": Key(None, "reply-to address (default AUTHOR_PROFILE['EMAIL'])"),
        "POSTAL_ADDRESS": Key(None, "footer postal address (default AUTHOR_PROFILE['POSTAL_ADDRESS'])"),
        "MODE": Key("full", '"full" or "excerpt"'),
        "MAX_HTML_BYTES": Key(100_000, "largest HTML edition before falling back to excerpt"),
        "MAX_PER_RUN": Key(3, "most posts one publish run may send"),
        "SCHEDULE_DELAY_MINUTES": Key(0, "minutes to delay a campaign; 0 sends now"),
        "WHY_LINE": Key(None, "the footer line saying why the reader gets this email"),
        "UNSUBSCRIBE_URL": Key(None, "unsubscribe link of the outbox edition"),
        "REPLY_LINE": Key(None, "the invitation to reply, after the post"),
        "READ_MORE_TEXT": Key(None, "link text under an excerpt"),
        "EDITIONS": Key("unsent", '"unsent" or "all"'),
        "CADENCE": Key("each", '"each" (one email per post), "weekly" or "monthly" (digests)'),
        "DIGEST_DAY": Key("monday", "weekday (weekly) or day of month 1-28 (monthly) of a digest"),
        "DIGEST_TIME": Key("09:00", "HH:MM in TIMEZONE when a digest goes"),
        "DIGEST_SUBJECT": Key("{site}: {count} new posts since {since}", "subject template of a digest"),
    },
    # Owner: scripts/stats.py (STATS_KEYS).
    "STATS": {
        "OUTPUT_PATH": Key("reports/index.html", "the HTML report"),
        "CACHE_PATH": Key(".cache/stats.json", "the cache of fetched reports"),
        "MAX_AGE_HOURS": Key(24, "refetch a cached report older than this"),
        "FINAL_AFTER_DAYS": Key(30, "a campaign this old has final figures"),
        "CONCURRENCY": Key(4, "reports fetched at once (1–10)"),
        "ACCESS_LOGS": Key([], "globs of the web server's access logs, plain or .gz"),
        "LOGS_REMOTE": Key("", "where make fetch-logs copies the logs from (rsync source)"),
        "LOGS_DIR": Key("logs", "where make fetch-logs puts the logs"),
    },
    # Owner: scripts/deploy.py (KNOWN_KEYS, DEFAULTS).
    "DEPLOY": {
        "TARGET": Key("none", '"none", "rsync" or "github-pages"'),
        "RSYNC_DESTINATION": Key("", "rsync destination"),
        "RSYNC_OPTIONS": Key([], "extra rsync arguments"),
        "GITHUB_PAGES_BRANCH": Key("gh-pages", "branch GitHub Pages serves"),
        "GITHUB_PAGES_REMOTE": Key("origin", "git remote to push to"),
        "GITHUB_PAGES_CNAME": Key("", "custom domain for a CNAME file"),
        "GITHUB_PAGES_MESSAGE": Key("Publish site", "commit message on the pages branch"),
    },
    # Owner: plugins/fast_build/settings.py (DEFAULTS, load()).
    "FAST_BUILD": {
        "ENABLED": Key(True, "False: plain Pelican behaviour"),
        "WORKERS": Key(0, "processes for Markdown and rendering; 0 = one per CPU"),
        "MIN_PARALLEL_FILES": Key(24, "fewer Markdown files than this: convert in-process"),
        "MIN_PARALLEL_PAGES": Key(64, "fewer pages than this: render in-process"),
        "MARKDOWN_CACHE": Key(True, "cache converted Markdown in CACHE_PATH"),
        "INCREMENTAL": Key(True, "re-render only pages whose inputs changed"),
        "TIMINGS": Key(False, "log each plugin's handler time"),
    },
    # Owner: plugins/post_checks (this dict is read there).
    "POST_CHECKS": {
        "EXTRA_KEYS": Key([], "header keys your theme or plugins read, besides ours"),
        "UNREADABLE_FILES": Key(
            "stop", '"stop": a file Pelican cannot read stops the build; "list": it is listed, the rest builds'
        ),
    },
}


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and
    swaps of two neighbours each cost 1 (so 'Stauts' is 1 away from 'Status')."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest_key(key: str, known) -> str | None:
    """The known key `key` is most likely a typo of, or None.

    Case, '-' and '_' are ignored; a key of up to 4 letters may be 1 edit away,
    a longer one 2 (Tag → Tags, Dat → Date, Titel → Title, Sumary → Summary).
    """

    def norm(text: str) -> str:
        return str(text).lower().replace("-", "_")

    probe = norm(key)
    best: tuple[int, str] | None = None
    for candidate in known:
        target = norm(candidate)
        if target == probe:
            return candidate
        # LINKEDIN for LINKEDIN_URL, Original for Original_url: a whole word missing.
        if len(probe) >= 4 and (target.startswith(probe + "_") or probe.startswith(target + "_")):
            best = best or (3, candidate)
            continue
        limit = 1 if len(target) <= 4 else 2
        if abs(len(target) - len(probe)) > limit:
            continue
        distance = edit_distance(probe, target)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def settings_problems(settings: dict, settings_file: str = "pelicanconf.py") -> tuple[list[str], list[str]]:
    """(problems, notes) for every settings dict of SCHEMA present in `settings`.

    Problems: a key close to a known one (a typo), a value this schema checks
    and finds wrong. Notes: other unknown keys (a customised theme may read
    them); the components that own a dict may still refuse those.
    """
    problems: list[str] = []
    notes: list[str] = []
    for name, keys in SCHEMA.items():
        value = settings.get(name)
        if not isinstance(value, dict):
            continue
        for key in value:
            if key in keys:
                continue
            guess = closest_key(str(key), keys)
            if guess is not None:
                problems.append(
                    f"{settings_file}: {name} has unknown key {key!r} — did you mean {guess!r}? "
                    f"Rename {name}[{key!r}] to {name}[{guess!r}]"
                )
            else:
                notes.append(
                    f"{settings_file}: {name} has unknown key {key!r} (known keys: {', '.join(keys)})"
                )
        for key, spec in keys.items():
            if spec.check is None or key not in value:
                continue
            problem = spec.check(value[key])
            if problem:
                problems.append(f"{settings_file}: {name}[{key!r}] {problem} — {spec.meaning}")
    return problems, notes


def settings_dict(
    settings: dict, name: str, known: Iterable[str], error: type[Exception], not_a_dict: str
) -> dict:
    """settings[name] ({} when unset), raised as `error` unless it is a dict of `known` keys.

    `not_a_dict` is the message for a value that is not a dict (it names the fix); an
    unknown key is named with the known ones. The component checks the values itself.
    """
    raw = settings.get(name) or {}
    if not isinstance(raw, dict):
        raise error(not_a_dict)
    known = list(known)
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise error(
            f"{name} has unknown key(s) {', '.join(unknown)}: remove or rename them "
            f"(known keys: {', '.join(known)})."
        )
    return raw
