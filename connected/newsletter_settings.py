"""The NEWSLETTER settings dict: defaults and validation, in one place.

Both the newsletter plugin (at build time) and scripts/publish.py (at send
time) call `newsletter_settings(settings)` so they agree on every default and
fail the same way on a bad value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from connected.errors import SettingsError
from connected.settings_schema import SCHEMA, read_dict

_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# Every key with its default, meaning and simple check: connected/settings_schema.py.
KNOWN_KEYS = SCHEMA["NEWSLETTER"]
_WHERE = " (in pelicanconf.py)."

CADENCES = ("each", "weekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class NewsletterSettingsError(SettingsError):
    """NEWSLETTER is misconfigured; the message names the key and the fix."""


def _fail(key: str, problem: str, fix: str) -> NewsletterSettingsError:
    return NewsletterSettingsError(f"NEWSLETTER[{key!r}] {problem}: {fix}{_WHERE}")


def _path(merged: dict, key: str) -> Path:
    value = merged[key]
    if not isinstance(value, str | Path) or not str(value).strip():
        raise _fail(key, f"must be a path, got {value!r}", f"set it to {KNOWN_KEYS[key].meaning}")
    # Relative paths are taken from the current directory (make runs at the repo root).
    return Path(value).expanduser().resolve()


def _text(merged: dict, key: str, *, required: bool) -> str:
    value = merged[key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(key, f"must be text, got {type(value).__name__}", f"set {KNOWN_KEYS[key].meaning}")
    value = " ".join(value.split())
    if required and not value:
        raise _fail(key, "is empty", f"set {KNOWN_KEYS[key].meaning}")
    return value


def _email(merged: dict, key: str) -> str:
    value = _text(merged, key, required=True)
    if not _EMAIL_RE.match(value):
        raise _fail(key, f"is not an email address ({value!r})", "use name@domain.tld")
    return value


def newsletter_settings(settings: dict) -> dict[str, Any]:
    """Return settings["NEWSLETTER"] merged with defaults and validated.

    Paths come back as absolute `Path`s, addresses and texts as stripped
    strings, numbers as ints. Raises SettingsError naming the key and the fix.
    """
    raw = settings.get("NEWSLETTER") or {}
    # The keys, and the values the schema checks (MODE, the numbers, EDITIONS); the
    # defaults that depend on the rest of the site (None in the schema) are filled below.
    read_dict({"NEWSLETTER": raw}, "NEWSLETTER", error=NewsletterSettingsError, suffix=_WHERE)
    profile = settings.get("AUTHOR_PROFILE") or {}
    sitename = settings.get("SITENAME") or profile.get("NAME") or "this site"
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    why = f"You are receiving this because you subscribed to {sitename}'s newsletter"
    why += f" at {siteurl}." if siteurl else "."
    # The schema's defaults (None where they come from the rest of the site), then those.
    # EDITIONS "unsent": a post in the send record is never sent again, so rendering its
    # edition on every build is wasted work (most of a large site's). CADENCE "each": one
    # email per post (digests: docs/digest.md). DIGEST_DAY: monday (weekly) or 1 (monthly), below.
    defaults = {key: spec.default for key, spec in KNOWN_KEYS.items()}
    defaults.update(
        FROM_NAME=profile.get("NAME") or settings.get("AUTHOR") or "",
        FROM_EMAIL=profile.get("EMAIL") or "",
        REPLY_TO=None,  # filled from FROM_EMAIL's source below
        POSTAL_ADDRESS=profile.get("POSTAL_ADDRESS") or "",
        WHY_LINE=why,
        UNSUBSCRIBE_URL=None,  # mailto:REPLY_TO, below
    )
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
    # MODE and the numbers were checked by read_dict (the schema's checks).
    for key in ("MODE", "MAX_HTML_BYTES", "MAX_PER_RUN", "SCHEDULE_DELAY_MINUTES"):
        out[key] = merged[key]
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
        subject.format(site="", count=0, posts="", since="")
    except (ValueError, KeyError, IndexError, AttributeError):
        raise _fail(
            "DIGEST_SUBJECT",
            f"is {subject!r}, not a subject template",
            "write text with only {site}, {posts}, {count} and {since} in braces",
        ) from None
    return {
        "CADENCE": cadence,
        "DIGEST_DAY": day,
        "DIGEST_TIME": (hour, minute),
        "DIGEST_SUBJECT": " ".join(subject.split()),
    }
