"""The NEWSLETTER settings dict: defaults and validation, in one place.

Both the newsletter plugin (at build time) and scripts/publish.py (at send
time) call `newsletter_settings(settings)` so they agree on every default and
fail the same way on a bad value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MODES = ("full", "excerpt")

# Gmail clips messages above ~102 KB; stay below it with a margin.
DEFAULT_MAX_HTML_BYTES = 100_000

_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# key -> one-line meaning, used in error messages and kept in step with the README.
KNOWN_KEYS = {
    "EDITIONS_PATH": "directory the build writes email editions and manifest.json to",
    "RECORD_PATH": "the send record (send-record.json)",
    "OUTBOX_PATH": "directory the outbox backend writes messages to",
    "FROM_NAME": "sender name (default AUTHOR_PROFILE['NAME'])",
    "FROM_EMAIL": "sender address (default AUTHOR_PROFILE['EMAIL'])",
    "REPLY_TO": "reply-to address (default AUTHOR_PROFILE['EMAIL'])",
    "POSTAL_ADDRESS": "postal address for the footer (default AUTHOR_PROFILE['POSTAL_ADDRESS'])",
    "MODE": '"full" or "excerpt"',
    "MAX_HTML_BYTES": "largest inlined HTML edition before falling back to excerpt",
    "MAX_PER_RUN": "most posts one publish run may send",
    "SCHEDULE_DELAY_MINUTES": "minutes to delay (schedule) a campaign; 0 sends now",
    "WHY_LINE": "the footer line saying why the reader gets this email",
    "UNSUBSCRIBE_URL": "unsubscribe link in the outbox edition (default mailto:REPLY_TO)",
    "REPLY_LINE": "the invitation to reply, shown after the post",
    "READ_MORE_TEXT": "link text under an excerpt",
    "EDITIONS": '"unsent" (render only posts the send record lacks) or "all"',
    "CADENCE": '"each" (one email per post), "weekly" or "monthly" (one digest per period)',
    "DIGEST_DAY": "digest send day: a weekday name (weekly) or a day of the month 1-28 (monthly)",
    "DIGEST_TIME": 'digest send time "HH:MM", in the site\'s TIMEZONE',
    "DIGEST_SUBJECT": "digest subject template with {site}, {count} and {since}",
}

CADENCES = ("each", "weekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_DIGEST_SUBJECT = "{site}: {count} new posts since {since}"

EDITIONS_CHOICES = ("unsent", "all")


class SettingsError(Exception):
    """NEWSLETTER is misconfigured; the message names the key and the fix."""


def _fail(key: str, problem: str, fix: str) -> SettingsError:
    return SettingsError(f"NEWSLETTER[{key!r}] {problem}: {fix} (in pelicanconf.py).")


def _path(merged: dict, key: str) -> Path:
    value = merged[key]
    if not isinstance(value, str | Path) or not str(value).strip():
        raise _fail(key, f"must be a path, got {value!r}", f"set it to the {KNOWN_KEYS[key]}")
    # Relative paths are taken from the current directory (make runs at the repo root).
    return Path(value).expanduser().resolve()


def _text(merged: dict, key: str, *, required: bool) -> str:
    value = merged[key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(key, f"must be text, got {type(value).__name__}", f"set the {KNOWN_KEYS[key]}")
    value = " ".join(value.split())
    if required and not value:
        raise _fail(key, "is empty", f"set the {KNOWN_KEYS[key]}")
    return value


def _email(merged: dict, key: str) -> str:
    value = _text(merged, key, required=True)
    if not _EMAIL_RE.match(value):
        raise _fail(key, f"is not an email address ({value!r})", "use name@domain.tld")
    return value


def _int(merged: dict, key: str, minimum: int) -> int:
    value = merged[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(key, f"must be a whole number >= {minimum}, got {value!r}", "fix the number")
    return value


def newsletter_settings(settings: dict) -> dict[str, Any]:
    """Return settings["NEWSLETTER"] merged with defaults and validated.

    Paths come back as absolute `Path`s, addresses and texts as stripped
    strings, numbers as ints. Raises SettingsError naming the key and the fix.
    """
    raw = settings.get("NEWSLETTER") or {}
    if not isinstance(raw, dict):
        raise SettingsError(
            "NEWSLETTER must be a dict of settings: see docs/settings.md."
        )
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise SettingsError(
            f"NEWSLETTER has unknown key(s) {', '.join(unknown)}: remove or rename them "
            f"(known keys: {', '.join(KNOWN_KEYS)})."
        )
    profile = settings.get("AUTHOR_PROFILE") or {}
    sitename = settings.get("SITENAME") or profile.get("NAME") or "this site"
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    why = f"You are receiving this because you subscribed to {sitename}'s newsletter"
    why += f" at {siteurl}." if siteurl else "."
    defaults = {
        "EDITIONS_PATH": "build/editions",
        "RECORD_PATH": "send-record.json",
        "OUTBOX_PATH": "outbox",
        "FROM_NAME": profile.get("NAME") or settings.get("AUTHOR") or "",
        "FROM_EMAIL": profile.get("EMAIL") or "",
        "REPLY_TO": None,  # filled from FROM_EMAIL's source below
        "POSTAL_ADDRESS": profile.get("POSTAL_ADDRESS") or "",
        "MODE": "full",
        "MAX_HTML_BYTES": DEFAULT_MAX_HTML_BYTES,
        "MAX_PER_RUN": 3,
        "SCHEDULE_DELAY_MINUTES": 0,
        "WHY_LINE": why,
        "UNSUBSCRIBE_URL": None,  # mailto:REPLY_TO, below
        "REPLY_LINE": "Reply to this email — I read every reply, and it goes straight to me.",
        "READ_MORE_TEXT": "Read the rest on the web →",
        # A post in the send record is never sent again, so rendering its
        # edition on every build is wasted work (most of a large site's).
        "EDITIONS": "unsent",
        # Digest editions (docs/digest.md): "each" keeps one email per post.
        "CADENCE": "each",
        "DIGEST_DAY": None,  # monday (weekly) or 1 (monthly), below
        "DIGEST_TIME": "09:00",
        "DIGEST_SUBJECT": DEFAULT_DIGEST_SUBJECT,
    }
    merged = {**defaults, **raw}
    if merged["REPLY_TO"] is None:
        merged["REPLY_TO"] = profile.get("EMAIL") or merged["FROM_EMAIL"]

    out: dict[str, Any] = {}
    for key in ("EDITIONS_PATH", "RECORD_PATH", "OUTBOX_PATH"):
        out[key] = _path(merged, key)
    out["FROM_NAME"] = _text(merged, "FROM_NAME", required=True)
    out["FROM_EMAIL"] = _email(merged, "FROM_EMAIL")
    out["REPLY_TO"] = _email(merged, "REPLY_TO")
    # May be empty at build time; the outbox backend refuses to send without it.
    out["POSTAL_ADDRESS"] = _text(merged, "POSTAL_ADDRESS", required=False)
    mode = merged["MODE"]
    if mode not in MODES:
        raise _fail("MODE", f"is {mode!r}", 'use "full" or "excerpt"')
    out["MODE"] = mode
    out["MAX_HTML_BYTES"] = _int(merged, "MAX_HTML_BYTES", 1_000)
    out["MAX_PER_RUN"] = _int(merged, "MAX_PER_RUN", 1)
    out["SCHEDULE_DELAY_MINUTES"] = _int(merged, "SCHEDULE_DELAY_MINUTES", 0)
    out["WHY_LINE"] = _text(merged, "WHY_LINE", required=True)
    unsub = merged["UNSUBSCRIBE_URL"]
    if unsub is None:
        unsub = f"mailto:{out['REPLY_TO']}?subject=Unsubscribe"
    if not isinstance(unsub, str) or not re.match(r"^(https?://|mailto:)\S+$", unsub):
        raise _fail(
            "UNSUBSCRIBE_URL",
            f"must be an https:// or mailto: URL, got {unsub!r}",
            "leave it unset for mailto:REPLY_TO?subject=Unsubscribe",
        )
    out["UNSUBSCRIBE_URL"] = unsub
    out["REPLY_LINE"] = _text(merged, "REPLY_LINE", required=False)
    out["READ_MORE_TEXT"] = _text(merged, "READ_MORE_TEXT", required=True)
    if merged["EDITIONS"] not in EDITIONS_CHOICES:
        raise _fail("EDITIONS", f"is {merged['EDITIONS']!r}", 'use "unsent" or "all"')
    out["EDITIONS"] = merged["EDITIONS"]
    out.update(_digest(merged))
    return out


def _digest(merged: dict) -> dict[str, Any]:
    """CADENCE, DIGEST_DAY (weekday index 0-6 or day of month), DIGEST_TIME (hour, minute)."""
    cadence = merged["CADENCE"]
    if cadence not in CADENCES:
        raise _fail("CADENCE", f"is {cadence!r}", 'use "each", "weekly" or "monthly"')
    day = merged["DIGEST_DAY"]
    if cadence == "monthly":
        day = 1 if day is None else day
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 28:
            raise _fail(
                "DIGEST_DAY",
                f"is {day!r}, but a monthly digest needs a day of the month",
                "use a whole number from 1 to 28 (every month has those days)",
            )
    else:
        name = "monday" if day is None else day
        if not isinstance(name, str) or name.strip().lower() not in WEEKDAYS:
            raise _fail(
                "DIGEST_DAY",
                f"is {day!r}, but a weekly digest needs a weekday",
                "use a weekday name such as \"monday\"",
            )
        day = WEEKDAYS.index(name.strip().lower())
    raw_time = merged["DIGEST_TIME"]
    hour = minute = -1
    if isinstance(raw_time, str) and re.fullmatch(r"\d{1,2}:\d{2}", raw_time.strip()):
        hour, minute = (int(part) for part in raw_time.strip().split(":"))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _fail("DIGEST_TIME", f"is {raw_time!r}", 'write a 24-hour time "HH:MM" such as "09:00"')
    subject = merged["DIGEST_SUBJECT"]
    try:
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError
        subject.format(site="", count=0, since="")
    except (ValueError, KeyError, IndexError, AttributeError):
        raise _fail(
            "DIGEST_SUBJECT",
            f"is {subject!r}, not a subject template",
            "write text with only {site}, {count} and {since} in braces",
        ) from None
    return {
        "CADENCE": cadence,
        "DIGEST_DAY": day,
        "DIGEST_TIME": (hour, minute),
        "DIGEST_SUBJECT": " ".join(subject.split()),
    }
