"""The one settings schema: the keys of every settings dict in pelicanconf.py.

Each component keeps one UPPER_SNAKE dict (STYLE.md › Settings). This module
lists, per dict, every key it accepts as Key(default, meaning, check), and
`read_dict` is the one validation step every component's loader starts with:
not a dict, an unknown key, or a value its check refuses raises the component's
own subclass of connected.errors.SettingsError, naming `DICT['KEY']` and the fix.
The components then only derive what needs more than one key or the site
(defaults from AUTHOR_PROFILE, paths made absolute, feed URLs).

- plugins/post_checks calls `settings_problems` to stop the build on a mistyped
  key (`AUTHOR_PROFILE["LINKEDIN"]` → "did you mean 'LINKEDIN_URL'?") before any
  component silently ignores it, and checks the values of the dicts no component
  loads (AUTHOR_PROFILE, SUBSCRIBE, POST_CHECKS);
- docs/settings.md documents every key here (tests/test_docs.py reads SCHEMA);
- every component takes its dict's keys and defaults from here (scripts/stats.py's
  STATS_KEYS too); tests/connected/test_settings_schema.py holds them equal.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connected.errors import SettingsError

__all__ = [
    "OWNERS",
    "SCHEMA",
    "Key",
    "closest_key",
    "edit_distance",
    "read_dict",
    "settings_dict",
    "settings_problems",
]


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


def _text_like(example: str) -> Callable[[Any], str | None]:
    """A check: text (None reads as empty), the message showing `example`."""

    def check(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return None
        return f"must be text like {example!r}, not {type(value).__name__}"

    return check


def _text_list(example: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            return None
        return f"must be a list of strings, e.g. {example}; got {value!r}"

    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be bool, got {value!r}"


def _whole(minimum: int, *, none_ok: bool = False) -> Callable[[Any], str | None]:
    """A check: an int (not a bool) of at least `minimum` (or None when `none_ok`)."""

    def check(value: Any) -> str | None:
        if value is None and none_ok:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            tail = ", or None" if none_ok else ""
            return f"must be a whole number of at least {minimum}{tail}; got {value!r}"
        return None

    return check


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"must be {' or '.join(repr(c) for c in choices)}; got {value!r}"

    return check


def _host_list(value: Any) -> str | None:
    if not value or isinstance(value, list | tuple):
        return None  # each host is checked by plugins/link_checks/csp.py (its CSP source form)
    return 'must be a list of host names, e.g. ["player.vimeo.com"]'


def _output_path(default: str, *, pattern: bool = False) -> Callable[[Any], str | None]:
    """A check: a feed's output path inside the output ("" or None: that feed is off)."""

    def check(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return f"must be an output path string or None, not {value!r}"
        if value.startswith("/") or "\\" in value or ".." in value.split("/"):
            return f"must be a relative path inside the output, like {default!r}"
        if value.endswith("/"):
            return f"must name a file, not a folder: {value!r}"
        if pattern:
            if "{slug}" not in value:
                return f"must contain {{slug}}, like {default!r}; got {value!r}"
            try:
                value.format(slug="x")
            except (KeyError, IndexError, ValueError):
                return f"may use only the {{slug}} placeholder; got {value!r}"
        return None

    return check


def _icon(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return None
    return f"must be a path in the output or a URL, or None; got {value!r}"


def _http_url(value: Any) -> str | None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an absolute http(s) URL; got {value!r}"
    return None


def _links(value: Any) -> str | None:
    pairs = value if isinstance(value, list | tuple) else None
    if pairs is None or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        return 'must be a list of (label, url) pairs, e.g. [("GitHub", "https://github.com/you")]'
    # The theme passes each url through checked_url (a javascript: link becomes "#").
    for label, url in pairs:
        if not (isinstance(label, str) and isinstance(url, str)):
            return f"has {(label, url)!r}: write each pair as two texts, (label, url)"
    return None


# A post is mailed whole or as an excerpt: NEWSLETTER["MODE"], and a post's own Email_mode:.
EMAIL_MODES = ("full", "excerpt")

SCHEMA: dict[str, dict[str, Key]] = {
    "AUTHOR_PROFILE": {
        "NAME": Key("", "your name (header, footer, JSON-LD, newsletter sender)", _text),
        "HEADLINE": Key("", "one line under your name", _text),
        "EMAIL": Key("", "your address: Reply by email, the subscribe box, the footer", _text),
        "LINKEDIN_URL": Key("", "your LinkedIn profile; also sameAs in JSON-LD", _text),
        "LINKS": Key([], "other profiles as (label, url) pairs", _links),
        "DEFAULT_IMAGE": Key("", "link-preview image for pages without Image:, a path in content/", _text),
        "POSTAL_ADDRESS": Key("", "postal address for the newsletter footer", _text),
        "SHOW_ADDRESS": Key(False, "True: the site shows POSTAL_ADDRESS too", _flag),
        # PHOTO and CV: connected/profile.py also checks that the file is there and what it is.
        "PHOTO": Key("", "your photo, a path in content/ (resized for the hero, byline, About, email)", _text),
        "LOCATION": Key("", "where you are, shown on the About page", _text),
        "CV": Key("", "a PDF in content/ offered as Download CV on the About page", _text),
    },
    "SUBSCRIBE": {
        "FORM_URL": Key("", "the Mailchimp embedded form's action URL (https only)", _https_or_empty),
        "HONEYPOT_NAME": Key("", "the honeypot field name from Mailchimp's embed code", _text),
        "PITCH": Key("", "the sentence above the signup form", _text),
    },
    "SITE_FEEDS": {
        "ALL_ATOM": Key("feeds/all.atom.xml", "Atom feed of all posts (None: off)", _output_path("feeds/all.atom.xml")),
        "ALL_RSS": Key("feeds/all.rss.xml", "RSS feed of all posts (None: off)", _output_path("feeds/all.rss.xml")),
        "ALL_JSON": Key("feeds/all.json", "JSON Feed of all posts (None: off)", _output_path("feeds/all.json")),
        "CATEGORY_ATOM": Key(
            "feeds/category/{slug}.atom.xml", "per-category Atom feeds",
            _output_path("feeds/category/{slug}.atom.xml", pattern=True),
        ),
        "CATEGORY_RSS": Key(
            "feeds/category/{slug}.rss.xml", "per-category RSS feeds",
            _output_path("feeds/category/{slug}.rss.xml", pattern=True),
        ),
        "TAG_ATOM": Key(
            "feeds/tag/{slug}.atom.xml", "per-tag Atom feeds", _output_path("feeds/tag/{slug}.atom.xml", pattern=True)
        ),
        "TAG_RSS": Key(
            "feeds/tag/{slug}.rss.xml", "per-tag RSS feeds", _output_path("feeds/tag/{slug}.rss.xml", pattern=True)
        ),
        "MAX_ITEMS": Key(20, "newest posts per feed; None for all", _whole(1, none_ok=True)),
        "TAG_MIN_POSTS": Key(2, "a tag gets its own feeds only with at least this many posts", _whole(1)),
        "CONTENT": Key("full", '"full" or "summary"', _one_of("full", "summary")),
        "ICON": Key(None, "square feed icon: a path in the output or a URL", _icon),
        "DEV_SITEURL": Key("http://localhost:8000", "where feed links point when SITEURL is empty", _http_url),
    },
    "NEWSLETTER": {
        "EDITIONS_PATH": Key("build/editions", "where the build writes email editions"),
        "RECORD_PATH": Key("send-record.json", "the send record"),
        "OUTBOX_PATH": Key("outbox", "where the outbox backend writes messages"),
        "FROM_NAME": Key(None, "sender name (default AUTHOR_PROFILE['NAME'])"),
        "FROM_EMAIL": Key(None, "sender address (default AUTHOR_PROFILE['EMAIL'])"),
        "REPLY_TO": Key(None, "reply-to address (default AUTHOR_PROFILE['EMAIL'])"),
        "POSTAL_ADDRESS": Key(None, "footer postal address (default AUTHOR_PROFILE['POSTAL_ADDRESS'])"),
        "MODE": Key("full", '"full" or "excerpt"', _one_of(*EMAIL_MODES)),
        # Gmail clips messages above ~102 KB; stay below it with a margin.
        "MAX_HTML_BYTES": Key(100_000, "largest HTML edition before falling back to excerpt", _whole(1_000)),
        "MAX_PER_RUN": Key(3, "most posts one publish run may send", _whole(1)),
        "SCHEDULE_DELAY_MINUTES": Key(0, "minutes to delay a campaign; 0 sends now", _whole(0)),
        "WHY_LINE": Key(None, "the footer line saying why the reader gets this email"),
        "UNSUBSCRIBE_URL": Key(None, "unsubscribe link of the outbox edition"),
        "REPLY_LINE": Key(
            "Reply to this email — I read every reply, and it goes straight to me.",
            "the invitation to reply, after the post",
        ),
        "READ_MORE_TEXT": Key("Read the rest on the web →", "link text under an excerpt"),
        "EDITIONS": Key("unsent", '"unsent" or "all"', _one_of("unsent", "all")),
        "CADENCE": Key("each", '"each" (one email per post), "weekly" or "monthly" (digests)'),
        "DIGEST_DAY": Key(None, "weekday (weekly, default monday) or day of month 1-28 (monthly, default 1) of a digest"),
        "DIGEST_TIME": Key("09:00", "HH:MM in TIMEZONE when a digest goes"),
        "DIGEST_SUBJECT": Key("{site}: {posts} since {since}", "subject template of a digest"),
    },
    "STATS": {
        # scripts/stats.py checks the values; its messages quote these meanings.
        "OUTPUT_PATH": Key("reports/index.html", "where the HTML report is written (relative to the project)"),
        "CACHE_PATH": Key(".cache/stats.json", "the cache of fetched reports (relative to the project)"),
        "MAX_AGE_HOURS": Key(24, "a cached report older than this is refetched while the campaign is young"),
        "FINAL_AFTER_DAYS": Key(30, "a campaign this old has final figures: fetched once more, then never"),
        "CONCURRENCY": Key(4, "reports fetched at once (1–10; Mailchimp allows 10 connections)"),
        "ACCESS_LOGS": Key([], 'globs of the web server\'s access logs, plain or .gz, e.g. ["logs/access.log*"]'),
        "LOGS_REMOTE": Key("", 'where make fetch-logs copies the logs from, e.g. "user@host:/var/log/nginx/"'),
        "LOGS_DIR": Key("logs", "where make fetch-logs puts the logs (relative to the project)"),
    },
    "DEPLOY": {
        # scripts/deploy.py adds the rules that need more than one key (a destination
        # for rsync, a branch and remote for GitHub Pages, no --delete of a home directory).
        "TARGET": Key("none", '"none" (no deploy), "rsync" or "github-pages"', _one_of("none", "rsync", "github-pages")),
        "RSYNC_DESTINATION": Key(
            "", 'rsync destination, e.g. "user@host:/var/www/site/" (rsync only)',
            _text_like("user@host:/var/www/site/"),
        ),
        "RSYNC_OPTIONS": Key(
            [], 'extra rsync arguments as a list, e.g. ["-e", "ssh -p 2222"] (rsync only)',
            _text_list('["-e", "ssh -p 2222"]'),
        ),
        "GITHUB_PAGES_BRANCH": Key("gh-pages", 'branch GitHub Pages serves (default "gh-pages")', _text_like("gh-pages")),
        "GITHUB_PAGES_REMOTE": Key("origin", 'git remote to push to (default "origin")', _text_like("origin")),
        "GITHUB_PAGES_CNAME": Key(
            "", "custom domain written to a CNAME file (default none)", _text_like("www.example.com")
        ),
        "GITHUB_PAGES_MESSAGE": Key(
            "Publish site", 'commit message on the pages branch (default "Publish site")', _text_like("Publish site")
        ),
    },
    "FAST_BUILD": {
        "ENABLED": Key(True, "False: plain Pelican behaviour", _flag),
        "WORKERS": Key(0, "processes for Markdown and rendering; 0 = one per CPU", _whole(0)),
        "MIN_PARALLEL_FILES": Key(24, "fewer Markdown files than this: convert in-process", _whole(0)),
        "MIN_PARALLEL_PAGES": Key(64, "fewer pages than this: render in-process", _whole(0)),
        "MARKDOWN_CACHE": Key(True, "cache converted Markdown in CACHE_PATH", _flag),
        "INCREMENTAL": Key(True, "re-render only pages whose inputs changed", _flag),
        "TIMINGS": Key(False, "log each plugin's handler time", _flag),
    },
    "CSP": {
        "EMBED_HOSTS": Key([], "hosts whose iframes and embed scripts the page CSP allows", _host_list),
        "IMAGE_HOSTS": Key([], "hosts whose images the page CSP allows", _host_list),
    },
    "REDIRECTS": {
        "FILE": Key("extra/redirects.json", "the redirects data file make import writes (relative to PATH)", _text),
    },
    "POST_CHECKS": {
        "EXTRA_KEYS": Key([], "header keys your theme or plugins read, besides ours"),
        "UNREADABLE_FILES": Key(
            "stop", '"stop": a file Pelican cannot read stops the build; "list": it is listed, the rest builds'
        ),
    },
}


# The loader of each dict (it calls read_dict, or keeps its own key list in step with
# SCHEMA); the dicts not named here are checked by settings_problems (plugins/post_checks).
OWNERS: dict[str, str] = {
    "SITE_FEEDS": "plugins/site_feeds/settings.py",
    "NEWSLETTER": "connected/newsletter_settings.py",
    "STATS": "scripts/stats.py",
    "DEPLOY": "scripts/deploy.py",
    "FAST_BUILD": "plugins/fast_build/settings.py",
    "CSP": "plugins/link_checks/csp.py",
    "REDIRECTS": "plugins/redirects/pages.py",
    "POST_CHECKS": "plugins/post_checks/checks.py",
}


def read_dict(
    settings: dict,
    name: str,
    *,
    error: type[SettingsError] = SettingsError,
    suffix: str = " (see docs/settings.md).",
) -> dict[str, Any]:
    """settings[name] merged over its SCHEMA defaults, every key known and every check passed.

    None or a missing dict gives the defaults. Raises `error` (the component's subclass of
    SettingsError) naming `NAME['KEY']` and the fix, the message ending with `suffix`.
    """
    keys = SCHEMA[name]
    given = settings.get(name)
    if given is None:
        given = {}
    if not isinstance(given, dict):
        first = next(iter(keys))
        raise error(
            f"{name} must be a dict, but {name} in pelicanconf.py is a {type(given).__name__}: "
            f"write a dict, e.g. {name} = {{{first!r}: {keys[first].default!r}}}{suffix}"
        )
    unknown = sorted(str(key) for key in given if key not in keys)
    if unknown:
        guess = closest_key(unknown[0], keys)
        hint = f"did you mean {guess!r}? " if guess else ""
        raise error(
            f"{name}[{unknown[0]!r}] is not a {name} setting: {hint}remove or rename the "
            f"unknown key(s) {', '.join(unknown)}; known keys: {', '.join(keys)}{suffix}"
        )
    merged = {key: copy.copy(spec.default) for key, spec in keys.items()}
    merged.update(given)
    for key, spec in keys.items():
        problem = spec.check(merged[key]) if spec.check else None
        if problem:
            raise error(f"{name}[{key!r}] {problem}{suffix}")
    return merged


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
        if value is not None and not isinstance(value, dict) and name not in OWNERS:
            problems.append(
                f"{settings_file}: {name} must be a dict, not {type(value).__name__} — "
                f"e.g. {name} = {{{next(iter(keys))!r}: ...}}"
            )
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
            if name in OWNERS or spec.check is None or key not in value:
                continue  # an owner's read_dict checks its values (with its own error class)
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
