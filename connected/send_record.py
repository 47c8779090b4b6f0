"""The send record: which posts the newsletter has already handled.

`send-record.json` is committed with the site so that any machine (a laptop,
a CI runner) knows what went out. Format (docs/ARCHITECTURE.md):

    {"version": 1,
     "posts": {"<uuid>": {"status": "sent|scheduled|held", "at": "<ISO 8601>",
                           "backend": "outbox|mailchimp|baseline",
                           "campaign_id": "…", "title": "…", "url": "…",
                           "source_path": "posts/….md", "previous_ids": ["<older uuid>"]}},
     "pending": {"<uuid>": {"campaign_id": "…", "at": "<ISO 8601>"}}}   (optional)

`pending` lists Mailchimp campaigns created but not yet confirmed sent; an entry
leaves it when the post is recorded in `posts`.

Every status means "do not send this post automatically": `sent` went out (or
was marked as already sent by a baseline), `scheduled` is waiting in Mailchimp,
`held` was unscheduled by the writer and waits for `make publish RELEASE=…`.

The file is written with sorted keys and one post per line, so a git diff
shows one added line per send. Writes are atomic (temp file in the same
directory, fsync, os.replace): a crash leaves the old record or the new one,
never half a file. A record that does not parse is never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connected.errors import ConnectedError
from connected.files import write_atomic
from connected.identity import canonical_uuid

log = logging.getLogger(__name__)

VERSION = 1
STATUSES = ("sent", "scheduled", "held")
BACKENDS = ("outbox", "mailchimp", "baseline")


class RecordError(ConnectedError):
    """The send record cannot be read or written; the message names the file and the fix."""


def empty_record() -> dict[str, Any]:
    return {"version": VERSION, "posts": {}}


FIX = (
    "fix it by hand (git diff / git checkout of that file shows the last good version); "
    "it was left untouched"
)


def load_record(path: Path) -> dict[str, Any] | None:
    """Return the record at `path`, or None when there is no record file yet.

    The one reader of the format: Uuid keys are normalised (trimmed, lower case) so a
    key typed or pasted in upper case still names its post; every way the file can be
    unreadable is one RecordError line naming the file and the fix.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordError(f"Cannot read the send record {path}: {exc.strerror or exc}.") from exc
    text = _decode(path, raw)
    if not text.strip():
        raise RecordError(f"The send record {path} is empty: {FIX}.")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys(path))
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"The send record {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}): {FIX}."
        ) from None
    problem = _validate(data)
    if problem:
        raise RecordError(f"The send record {path} is not a valid record ({problem}): {FIX}.")
    problem = _normalise(data)
    if problem:
        raise RecordError(f"The send record {path} is not a valid record ({problem}): {FIX}.")
    return data


def recorded_uuids(path: Path) -> set[str]:
    """The (normalised) Uuids the record lists; empty when there is no record.

    Raises RecordError like load_record; callers that only optimise with it (the
    newsletter plugin skips rendering recorded posts) treat an error as "none".
    """
    record = load_record(path)
    return set(record["posts"]) if record else set()


def normalise_uuid(key: str) -> str:
    """The canonical form of a Uuid key (lower case, hyphenated), as the manifest spells it."""
    try:
        return canonical_uuid(key)
    except ValueError:
        return key.strip().lower()  # not a UUID: still compared without case


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and (raw[0] == 0 or raw[1] == 0)):
        raise RecordError(
            f"The send record {path} is saved as UTF-16, not UTF-8: save it as UTF-8 "
            "(your editor's encoding menu, or `iconv -f UTF-16 -t UTF-8`); it was left untouched."
        )
    try:
        return raw.decode("utf-8-sig")  # a UTF-8 byte-order mark (some Windows editors) is fine
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"The send record {path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}): save it as UTF-8, or {FIX}."
        ) from None


def _no_duplicate_keys(path: Path):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # json.loads would keep the last of two equal keys silently: one post, two entries.
        # dict() in C, then the count: a 10 000-post record is 10 000 objects (the loop
        # this replaced cost 0.1 ms each); the slow walk runs only to name the key.
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    raise RecordError(f"The send record {path} lists {key!r} twice: {FIX}.")
                seen.add(key)
        return out

    return hook


def _normalise(data: dict[str, Any]) -> str | None:
    """Lower-case the Uuid keys of "posts" and "pending" in place; a clash is a problem."""
    for section in ("posts", "pending"):
        entries = data.get(section)
        if not entries:
            continue
        normalised: dict[str, Any] = {}
        for key, entry in entries.items():
            uuid = normalise_uuid(key)
            if not uuid:
                return f'"{section}" has an empty Uuid key'
            if uuid in normalised:
                return f'"{section}" lists {uuid} twice (keys differing only in case)'
            normalised[uuid] = entry
        data[section] = normalised
    return None


def _validate(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the top level must be an object"
    if data.get("version") != VERSION:
        return f"version must be {VERSION}, found {data.get('version')!r}"
    posts = data.get("posts")
    if not isinstance(posts, dict):
        return '"posts" must be an object keyed by post Uuid'
    for uuid, entry in posts.items():
        if not isinstance(entry, dict):
            return f"the entry for {uuid} must be an object"
        if entry.get("status") not in STATUSES:
            return f"the entry for {uuid} has status {entry.get('status')!r}, expected one of {', '.join(STATUSES)}"
    pending = data.get("pending", {})
    if not isinstance(pending, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("campaign_id"), str) for e in pending.values()
    ):
        return '"pending" must map post Uuids to {"campaign_id": "…"}'
    return None


def dumps_record(record: dict[str, Any]) -> str:
    """Serialise with sorted keys and one post per line (readable git diffs)."""
    posts = record.get("posts", {})
    lines = ["{"]
    if posts:
        lines.append('  "posts": {')
        items = sorted(posts.items())
        for i, (uuid, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            line = f"    {json.dumps(uuid)}: {json.dumps(entry, sort_keys=True, ensure_ascii=False)}{comma}"
            lines.append(line)
        lines.append("  },")
    else:
        lines.append('  "posts": {},')
    pending = record.get("pending") or {}
    if pending:
        # Campaigns created but not yet confirmed sent (see set_pending); usually absent.
        lines.append('  "pending": {')
        items = sorted(pending.items())
        for i, (uuid, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(f"    {json.dumps(uuid)}: {json.dumps(entry, sort_keys=True)}{comma}")
        lines.append("  },")
    lines.append(f'  "version": {json.dumps(record.get("version", VERSION))}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_record(path: Path, record: dict[str, Any]) -> None:
    """Write the record atomically: temp file in the same directory, fsync, os.replace."""
    path = Path(path)
    problem = _validate(record)
    if problem:  # a bug in our code, not the user's: refuse rather than write garbage
        raise RecordError(f"Refusing to write an invalid send record to {path}: {problem}.")
    text = dumps_record(record)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"), durable=True)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise RecordError(f"Cannot write the send record {path}: {exc}.") from exc
    log.debug("send record: wrote %s (%s posts)", path, len(record["posts"]))


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets us open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("send-record times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def set_entry(
    record: dict[str, Any], uuid: str, *, status: str, at: datetime, backend: str,
    title: str = "", url: str = "", campaign_id: str | None = None, source_path: str = "",
) -> dict[str, Any]:
    """Add or replace the entry for `uuid` (in memory; call save_record to persist).

    source_path lets a later run recognise the post if its id ever differs (match_posts).
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    entry: dict[str, Any] = {"status": status, "at": iso(at), "backend": backend}
    if campaign_id:
        entry["campaign_id"] = campaign_id
    if title:
        entry["title"] = title
    if url:
        entry["url"] = url
    if source_path:
        entry["source_path"] = source_path
    record["posts"][uuid] = entry
    clear_pending(record, uuid)
    return entry


def record_delivery(
    record: dict[str, Any], uuid: str, delivery: Any, *, title: str = "", url: str = "", source_path: str = ""
) -> dict[str, Any]:
    """set_entry for what a backend's Delivery says happened (status, time, backend, campaign)."""
    return set_entry(
        record,
        uuid,
        status=delivery.status,
        at=delivery.at,
        backend=delivery.backend,
        title=title,
        url=url,
        campaign_id=delivery.campaign_id,
        source_path=source_path,
    )


def set_pending(record: dict[str, Any], uuid: str, *, campaign_id: str, at: datetime) -> None:
    """Note a campaign created for `uuid` before it is sent (in memory; then save_record).

    Mailchimp's campaign list can lag behind a create by a few seconds; a run killed
    after sending, before the post was recorded, would then not find its campaign by
    marker and create and send a second one. The id noted here is read directly
    (GET /campaigns/{id} is up to date) by the next run.
    """
    pending = record.setdefault("pending", {})
    plan = (pending.get(uuid) or {}).get("digest")
    pending[uuid] = {"campaign_id": campaign_id, "at": iso(at)}
    if plan:  # a digest's planned posts stay with its campaign id (scripts/digest.py)
        pending[uuid]["digest"] = plan


def clear_pending(record: dict[str, Any], uuid: str) -> None:
    pending = record.get("pending")
    if pending and uuid in pending:
        del pending[uuid]
    if "pending" in record and not record["pending"]:
        del record["pending"]


def pending_campaigns(record: dict[str, Any]) -> dict[str, str]:
    """uuid -> campaign id of campaigns created by a run that did not record a send."""
    return {u: e["campaign_id"] for u, e in (record.get("pending") or {}).items()}


def mark_baseline(record: dict[str, Any], posts: list[dict[str, Any]], *, at: datetime) -> list[str]:
    """Mark manifest posts that the record does not list as sent, without sending.

    Returns the uuids that were added. Used once, when the newsletter starts on
    a site that already has an archive, so the archive is not mailed out.
    """
    added = []
    for post in posts:
        uuid = post["uuid"]
        if uuid in record["posts"]:
            continue
        set_entry(
            record,
            uuid,
            status="sent",
            at=at,
            backend="baseline",
            title=post.get("title", ""),
            url=post.get("url", ""),
            source_path=post.get("source_path", ""),
        )
        added.append(uuid)
    return added


def entries_with_status(record: dict[str, Any], status: str) -> dict[str, dict[str, Any]]:
    return {u: e for u, e in record["posts"].items() if e.get("status") == status}


def hold(record: dict[str, Any], campaign_id: str, *, at: datetime) -> list[str]:
    """Mark every scheduled entry of `campaign_id` as held (in memory; then save_record).

    `make unschedule` calls it once Mailchimp has cancelled and deleted the campaign. A
    digest and its posts share one campaign (docs/digest.md), so all of them are held
    with it. The deleted campaign's id is dropped, out of the way of a later send.
    Returns the held uuids.
    """
    held = []
    for uuid, entry in record["posts"].items():
        if entry.get("status") == "scheduled" and entry.get("campaign_id") == campaign_id:
            entry.update(status="held", at=iso(at))
            del entry["campaign_id"]
            held.append(uuid)
    return held


def release(record: dict[str, Any], uuid: str) -> None:
    """Remove a held post's entry so the next publish sends it (in memory; then save_record)."""
    entry = record["posts"].get(uuid)
    if entry is None or entry.get("status") != "held":
        raise ValueError(f"only a held entry can be released, {uuid} is {entry and entry.get('status')}")
    del record["posts"][uuid]


# --- Recognising a post recorded under an older id (docs/identity.md) --------------------------
# A record made before ids were pinned in the files may list a post under the id derived
# from its old path, or the post's file may have since been given a different Uuid or a
# new name. Such an entry still means "already handled": it is found by the post's id,
# then by the id its current path gives, then by the source path and the URL it records.
MATCHED_BY = ("id", "path-derived id", "source path", "URL")


@dataclass(frozen=True)
class RecordMatch:
    """The record entry that stands for a post, and how it was found."""

    key: str  # the id the entry is recorded under
    entry: dict[str, Any]
    by: str  # one of MATCHED_BY
    shared: bool = False  # the same old entry also stands for another current post

    @property
    def older_id(self) -> bool:
        return self.by != "id"


def _url_key(url: Any) -> str:
    return str(url or "").strip().rstrip("/")


def match_posts(record: dict[str, Any], posts: list[dict[str, Any]]) -> dict[str, RecordMatch]:
    """{post uuid: RecordMatch} for every manifest post the record already lists.

    A post is found by its own id first, then by the id its current path gives,
    then by the source path and the URL an entry records. One entry may stand for
    two current posts (a post renamed before it had a Uuid: line, and a new file in
    its old place): then neither is sent, the safe side of an ambiguity, and the
    match is marked `shared`.
    """
    from connected.identity import fallback_uuid

    entries = record.get("posts") or {}
    ordered = sorted(entries.items())
    matches: dict[str, RecordMatch] = {}
    for post in posts:
        uuid = post["uuid"]
        if uuid in entries:
            matches[uuid] = RecordMatch(uuid, entries[uuid], "id")
            continue
        source = str(post.get("source_path") or "")
        url = _url_key(post.get("url"))
        derived = fallback_uuid(source) if source else None
        found = None
        if derived and derived in entries:
            found = RecordMatch(derived, entries[derived], "path-derived id")
        if found is None and source:
            found = next(
                (RecordMatch(k, e, "source path") for k, e in ordered if e.get("source_path") == source), None
            )
        if found is None and url:
            found = next((RecordMatch(k, e, "URL") for k, e in ordered if _url_key(e.get("url")) == url), None)
        if found is not None:
            matches[uuid] = found
    users: dict[str, int] = {}
    for match in matches.values():
        users[match.key] = users.get(match.key, 0) + 1
    return {
        uuid: RecordMatch(m.key, m.entry, m.by, shared=True) if users[m.key] > 1 else m
        for uuid, m in matches.items()
    }


def rekey_entry(record: dict[str, Any], post: dict[str, Any], match: RecordMatch) -> bool:
    """Move a `sent` entry found under an older id to the post's current id (in memory).

    From then on the post is recognised by its own id, whatever later happens to
    its path or URL; `previous_ids` keeps the old key. Left alone: entries that
    stand for two current posts (moving one would make the other look new),
    and scheduled or held ones (make unschedule and RELEASE= work on those).
    Returns True when the record changed.
    """
    posts = record["posts"]
    if (
        not match.older_id
        or match.shared
        or match.entry.get("status") != "sent"
        or post["uuid"] in posts
        or posts.get(match.key) is not match.entry
    ):
        return False
    entry = dict(posts.pop(match.key))
    entry["previous_ids"] = [*entry.get("previous_ids", []), match.key]
    for key in ("url", "source_path"):
        if post.get(key):
            entry[key] = post[key]
    posts[post["uuid"]] = entry
    return True


# --- One writer at a time ----------------------------------------------------------------------
LOCK_NAME = ".publish.lock"
LOCK_TIMEOUT = 5.0  # seconds a second run waits before refusing


class RecordLocked(RecordError):
    """Another publish or unschedule holds the record's lock; waiting for it is the fix."""


@contextmanager
def record_lock(record_path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One publish (or unschedule) at a time per site; released when the process ends.

    The lock file sits beside the record, so two checkouts of one site that share a
    record directory also wait for each other.
    """
    from filelock import FileLock, Timeout

    lock_path = Path(record_path).parent / LOCK_NAME
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise RecordLocked(
            f"Another `make publish` or `make unschedule` is running for this site (it holds {lock_path}); "
            "wait for it to finish, then run yours. The lock goes away by itself when that process "
            "ends, so there is nothing to delete.",
        ) from None
    try:
        yield
    finally:
        lock.release()
