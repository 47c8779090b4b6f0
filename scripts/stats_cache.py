"""The reach report's local cache of Mailchimp reports (default .cache/stats.json).

Fetching thirty campaign reports on every `make stats` would be slow and would
fail offline, so each fetched report is kept with the time it was fetched:

    {"version": 1,
     "campaigns": {"<campaign id>": {"fetched_at": "<ISO 8601>", "state": "ok|deleted",
                                     "report": {…trimmed report…}, "links": [{…}, …]}},
     "growth": {"fetched_at": "<ISO 8601>", "list_id": "…", "history": [{…}, …]},
     "logs": {…}}  # the access logs read so far: counts per day only (scripts/stats_logs.py)

`needs_refresh()` holds the freshness rule in one place. The file is written
atomically (temp file + os.replace) so an interrupted run never leaves half a
cache; a cache that does not parse is ignored (and replaced), never fatal:
it only saves requests.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from connected.console import plural
from connected.files import write_atomic

log = logging.getLogger(__name__)

VERSION = 1


def empty_cache() -> dict[str, Any]:
    return {"version": VERSION, "campaigns": {}, "growth": None}


def load_cache(path: Path) -> dict[str, Any]:
    """The cache at `path`, or an empty one when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty_cache()
    except (OSError, ValueError) as exc:
        log.warning("stats: ignoring the unreadable cache %s (%s); it will be rebuilt", path, exc)
        return empty_cache()
    if not isinstance(data, dict) or data.get("version") != VERSION:
        log.warning("stats: ignoring the cache %s (unknown format); it will be rebuilt", path)
        return empty_cache()
    if not isinstance(data.get("campaigns"), dict):
        data["campaigns"] = {}
    if not isinstance(data.get("growth"), dict):
        data["growth"] = None
    return data


def save_cache(path: Path, cache: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cache, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string, or None for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def needs_refresh(
    fetched_at: datetime | None,
    sent_at: datetime | None,
    now: datetime,
    *,
    max_age: timedelta,
    final_after: timedelta,
) -> bool:
    """Whether a campaign's cached report must be fetched again.

    Never fetched → yes. Fetched once the campaign was `final_after` old → never
    again: opens and clicks have stopped moving by then. Otherwise → when the copy
    is older than `max_age`. So a campaign last fetched while young is fetched one
    more time after it turns final, and the cache then holds its final figures.
    """
    if fetched_at is None:
        return True
    if sent_at is not None and fetched_at >= sent_at + final_after:
        return False
    return now - fetched_at > max_age


def describe_age(delta: timedelta) -> str:
    """'3 minutes', '5 hours', '2 days' — how old cached data is, for people."""
    seconds = max(int(delta.total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return plural(count, unit)
    return "less than a minute"
