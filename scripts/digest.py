"""Digest editions at publish time: periods, identity, selection, the Edition, the record.

NEWSLETTER["CADENCE"] = "weekly" | "monthly" makes `make publish` mail one digest per
period instead of one email per post (docs/digest.md). The send moments are wall-clock
times in the site's TIMEZONE (DIGEST_DAY, DIGEST_TIME), computed with zoneinfo, so a
09:00 digest stays at 09:00 across daylight-saving changes.

A digest is an ordinary backends.base.Edition whose uuid is the digest's own stable id
(uuid5 of site, audience, cadence and period start): the backends deliver it through
the same path as a post (marker `connected:<digest uuid>`, election, settle window,
crash recovery) and need no digest case. What it holds is written to the send record's
"pending" entry for its id *before* delivery, so a run that crashed after the send
records exactly the posts that went out, not today's selection.
"""

from __future__ import annotations

import uuid as uuid_lib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connected.console import plural
from connected.editions import Edition
from connected.errors import ConnectedError
from connected.files import path_inside, write_atomic
from connected.send_record import iso, record_delivery
from scripts.backends.base import Delivery

# Namespace of digest ids (a fixed random uuid: digest ids never collide with post ids).
DIGEST_NAMESPACE = uuid_lib.UUID("6f1d3c52-8a4e-4f0b-9d7a-2b5e8c1f4a90")
DIGESTS_DIR = "digests"  # under EDITIONS_PATH; not uuid-named, so the plugin's pruning skips it
NOW_ENV = "CONNECTED_NOW"  # test hook, read only by the publish CLI (docs/digest.md)


class DigestError(ConnectedError):
    """A digest cannot be planned (bad TIMEZONE, bad CONNECTED_NOW); the message names the fix."""


@dataclass(frozen=True)
class Period:
    """The digest period ending at `send_at`: posts dated in (start, send_at] belong to it."""

    start: datetime  # the previous send moment, aware, UTC
    send_at: datetime  # aware, UTC
    next_send: datetime  # aware, UTC

    def local(self, tz: ZoneInfo, which: str = "send_at") -> datetime:
        return getattr(self, which).astimezone(tz)


def is_digest_mode(nl: dict) -> bool:
    return nl.get("CADENCE", "each") != "each"


def site_timezone(settings: dict) -> ZoneInfo:
    name = settings.get("TIMEZONE") or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise DigestError(
            f"TIMEZONE is {name!r}, which is not a time zone name: digests are sent at "
            "DIGEST_TIME in the site's TIMEZONE; write an IANA name such as \"Europe/London\" in "
            "pelicanconf.py."
        ) from None


def parse_now(value: str | None) -> datetime:
    """The current moment, or CONNECTED_NOW (ISO 8601 with an offset) when a test sets it."""
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DigestError(
            f"{NOW_ENV}={value!r} is not an ISO 8601 moment with an offset (e.g. "
            f"2026-11-30T09:00:00+00:00): unset it (it is a test hook)."
        )
    return moment.astimezone(UTC)


def _moment(day: date, at: tuple[int, int], tz: ZoneInfo) -> datetime:
    """The wall-clock time `at` on `day` in `tz`, as UTC. zoneinfo's fold=0 makes a time the
    clocks skip (spring forward: 01:30 in London) the same reading on the old offset, which is
    02:30 BST, the first moment the writer's clock shows after it; a time that happens twice
    (autumn) is its first occurrence."""
    return datetime.combine(day, time(*at), tzinfo=tz).astimezone(UTC)


def _send_day(cadence: str, day_setting: int, local_day: date, step: int) -> date:
    """The send day `step` periods after the one on or before local_day."""
    if cadence == "weekly":
        back = (local_day.weekday() - day_setting) % 7
        return local_day - timedelta(days=back) + timedelta(weeks=step)
    month = local_day.year * 12 + local_day.month - 1
    if local_day.day < day_setting:
        month -= 1
    month += step
    return date(month // 12, month % 12 + 1, day_setting)


def period_at(now: datetime, nl: dict, tz: ZoneInfo) -> Period:
    """The latest period whose send moment is at or before `now` (a send "has passed" at
    its exact moment), with the one before and the one after."""
    cadence, day, at = nl["CADENCE"], nl["DIGEST_DAY"], nl["DIGEST_TIME"]
    local_day = now.astimezone(tz).date()
    send_at = _moment(_send_day(cadence, day, local_day, 0), at, tz)
    step = 0
    if send_at > now:  # today is the send day, but its time is still to come
        step = -1
        send_at = _moment(_send_day(cadence, day, local_day, -1), at, tz)
    start = _moment(_send_day(cadence, day, local_day, step - 1), at, tz)
    next_send = _moment(_send_day(cadence, day, local_day, step + 1), at, tz)
    return Period(start=start, send_at=send_at, next_send=next_send)


def digest_uuid(siteurl: str, audience: str, cadence: str, start: datetime) -> str:
    """The digest's stable id: the same on every machine and every re-run for that period."""
    name = f"{siteurl.rstrip('/')}|{audience}|{cadence}|{start.astimezone(UTC).isoformat()}"
    return str(uuid_lib.uuid5(DIGEST_NAMESPACE, name))


def post_date(post: dict[str, Any]) -> datetime:
    moment = datetime.fromisoformat(post["date"])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def due_posts(new: list[dict[str, Any]], period: Period) -> list[dict[str, Any]]:
    """The new posts a digest sent at period.send_at holds: dated at or before it, newest first.

    `new` is already filtered (published, Newsletter not no/now, not in the record)."""
    held = [p for p in new if post_date(p) <= period.send_at]
    return sorted(held, key=lambda p: p["date"], reverse=True)


# --- The plan: what a digest holds, kept in the record before it is delivered ----------------
def pending_plans(record: dict) -> dict[str, dict]:
    """digest uuid -> plan, for digests planned (maybe sent) but not recorded."""
    return {
        u: e["digest"]
        for u, e in (record.get("pending") or {}).items()
        if isinstance(e.get("digest"), dict) and u not in record["posts"]
    }


def note_plan(record: dict, digest: str, period: Period, post_uuids: list[str], at: datetime) -> None:
    """Write the digest's posts into record["pending"] (in memory; then save_record)."""
    pending = record.setdefault("pending", {})
    entry = pending.get(digest) or {"campaign_id": "", "at": iso(at)}
    entry["digest"] = {
        "start": iso(period.start),
        "send_at": iso(period.send_at),
        "next_send": iso(period.next_send),
        "posts": list(post_uuids),
    }
    pending[digest] = entry


def plan_period(plan: dict) -> Period:
    return Period(
        start=datetime.fromisoformat(plan["start"]),
        send_at=datetime.fromisoformat(plan["send_at"]),
        next_send=datetime.fromisoformat(plan.get("next_send") or plan["send_at"]),
    )


@dataclass(frozen=True)
class DigestPlan:
    """One digest to deliver: its id, period and posts (manifest entries, newest first)."""

    uuid: str
    period: Period
    posts: list[dict[str, Any]]
    post_uuids: list[str]  # every post it holds, also one no longer in the manifest
    recovered: bool = False  # planned by an earlier run that did not record it


@dataclass(frozen=True)
class DigestOutlook:
    """What digest mode will do now and next: for the run and for DRY_RUN=1."""

    period: Period | None  # None with CADENCE "each": only digests planned earlier are finished
    plans: list[DigestPlan]
    waiting: list[dict[str, Any]]  # new posts that go with the next digest
    already_sent: bool  # this period's digest is in the record


def plan_digests(
    record: dict, manifest: list[dict[str, Any]], candidates: list[dict[str, Any]], *,
    now: datetime, nl: dict, tz: ZoneInfo, siteurl: str, audience: str,
) -> DigestOutlook:
    """Digests to deliver: first any an earlier run planned and did not record (with exactly
    the posts it planned), then this period's, if its send moment has passed and it has posts."""
    by_uuid = {p["uuid"]: p for p in manifest}
    plans, planned = [], set()
    for uuid, plan in sorted(pending_plans(record).items(), key=lambda item: item[1]["send_at"]):
        ids = [u for u in plan["posts"] if u not in record["posts"]]
        entries = sorted((by_uuid[u] for u in ids if u in by_uuid), key=lambda p: p["date"], reverse=True)
        plans.append(DigestPlan(uuid, plan_period(plan), entries, ids, recovered=True))
        planned.update(ids)
    if not is_digest_mode(nl):
        # Switched back to one email per post with a digest still planned: finish that digest
        # (it may have gone out already), never mail its posts one by one.
        return DigestOutlook(period=None, plans=plans, waiting=[], already_sent=False)
    period = period_at(now, nl, tz)
    current = digest_uuid(siteurl, audience, nl["CADENCE"], period.start)
    free = [p for p in candidates if p["uuid"] not in planned]
    already = current in record["posts"]
    due = [] if already or current in {p.uuid for p in plans} else due_posts(free, period)
    if due:
        plans.append(DigestPlan(current, period, due, [p["uuid"] for p in due]))
    chosen = {p["uuid"] for p in due}
    waiting = sorted((p for p in free if p["uuid"] not in chosen), key=lambda p: p["date"], reverse=True)
    return DigestOutlook(period=period, plans=plans, waiting=waiting, already_sent=already)


# --- The edition --------------------------------------------------------------------------------
def since_display(settings: dict, period: Period, posts: list[dict[str, Any]], tz: ZoneInfo) -> str:
    earliest = min([period.start, *(post_date(p) for p in posts)])
    fmt = settings.get("DEFAULT_DATE_FORMAT") or "%Y-%m-%d"
    try:
        return earliest.astimezone(tz).strftime(fmt)
    except ValueError:
        return earliest.astimezone(tz).date().isoformat()


def digest_subject(nl: dict, settings: dict, count: int, since: str) -> str:
    site = settings.get("SITENAME") or nl["FROM_NAME"]
    # {posts}: "1 new post" / "3 new posts"; {count}: the bare number, for templates of one's own.
    return nl["DIGEST_SUBJECT"].format(site=site, count=count, posts=plural(count, "new post"), since=since)


def build_edition(
    settings: dict, digest: str, period: Period, posts: list[dict[str, Any]], editions_path: Path
) -> tuple[Edition, list[str]]:
    """Render the digest of `posts` into EDITIONS_PATH/digests/<uuid>/ and return its Edition
    (and the renderer's warnings). Deterministic: the same posts give the same bytes."""
    from plugins.newsletter.digest import render_digest
    from plugins.newsletter.render import make_context

    tz = site_timezone(settings)
    ctx = make_context(settings)
    since = since_display(settings, period, posts, tz)
    subject = digest_subject(ctx.nl, settings, len(posts), since)
    rendered = render_digest(posts, ctx, subject=subject, since_display=since)
    folder = path_inside(editions_path, DIGESTS_DIR, digest)
    files = {
        "mailchimp.html": rendered.mailchimp_html,
        "outbox.html": rendered.outbox_html,
        "email.txt": rendered.text,
        "mailchimp.txt": rendered.mailchimp_text,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        write_atomic(folder / name, body.encode("utf-8"))
    local = period.send_at.astimezone(tz)
    edition = Edition(
        uuid=digest,
        title=f"Digest of {local:%Y-%m-%d}",
        url=(settings.get("SITEURL") or "").rstrip("/") + "/",
        slug=f"digest-{local:%Y-%m-%d}",
        date=period.send_at,
        subject=subject,
        preheader=rendered.preheader,
        mode=rendered.mode,
        audience_tag=None,
        mailchimp_html=folder / "mailchimp.html",
        outbox_html=folder / "outbox.html",
        text=folder / "email.txt",
        mailchimp_text=folder / "mailchimp.txt",
    )
    return edition, list(rendered.warnings)


def record_digest(
    record: dict, edition: Edition, delivery: Delivery, post_uuids: list[str], posts_by_uuid: dict
) -> None:
    """The digest's entry and one entry per post it held, in memory: the caller saves them
    in one save_record, so they land together or not at all."""
    entry = record_delivery(record, edition.uuid, delivery, title=edition.title)
    entry["kind"] = "digest"
    entry["digest_posts"] = list(post_uuids)
    for uuid in post_uuids:
        post = posts_by_uuid.get(uuid) or {}
        item = record_delivery(
            record, uuid, delivery,
            title=post.get("title", ""), url=post.get("url", ""), source_path=post.get("source_path", ""),
        )
        item["digest"] = edition.uuid


def next_digest(
    record: dict, manifest: list[dict[str, Any]], *, now: datetime, nl: dict, tz: ZoneInfo,
    siteurl: str, audience: str,
) -> tuple[DigestPlan, bool] | None:
    """The digest `make publish` would send next and whether it is due now (for
    `make preview-email`): a planned or due one, else the next period's with the posts
    waiting so far; None when no new post waits for a digest."""
    from connected.send_record import match_posts

    matches = match_posts(record, manifest)
    candidates = [
        p for p in manifest
        if p.get("newsletter", True) and not p.get("newsletter_now")
        and p["uuid"] not in matches and p.get("uuid_in_file")
    ]
    outlook = plan_digests(
        record, manifest, candidates, now=now, nl=nl, tz=tz, siteurl=siteurl, audience=audience
    )
    if outlook.plans:
        return outlook.plans[0], True
    if not outlook.waiting or outlook.period is None:
        return None
    period = outlook.period
    following = Period(start=period.send_at, send_at=period.next_send, next_send=period.next_send)
    uuid = digest_uuid(siteurl, audience, nl["CADENCE"], following.start)
    return DigestPlan(uuid, following, outlook.waiting, [p["uuid"] for p in outlook.waiting]), False
