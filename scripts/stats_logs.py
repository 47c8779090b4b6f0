"""Web and feed reach from the server's access logs, read incrementally (`make stats`).

    result = read_logs(files, site_map, cache["logs"], timezone=tz, today=date)

Streams every file matched by STATS["ACCESS_LOGS"] (plain or .gz) in chunks,
parses each line with scripts/access_logs.py and counts, per day of the site's
time zone: page views per post, unique visitors per post and per site, the
source of each view, and per feed the subscribers aggregators report and the
distinct direct fetchers. Bots (the `crawlerdetect` list), assets, errors and
non-GET requests are counted as excluded, malformed lines as skipped.

Privacy: a visitor is a keyed BLAKE2b digest of address + user agent whose key
is random per run (os.urandom) and never written anywhere; digests live in
memory for one run and only their counts reach the cache. So a day's unique
visitors can only be counted within one run, which is why a day is committed
to the cache only once it is over (before `today` in the site's time zone):
lines of today are re-read on the next run; lines of closed days never are.

The cache (the "logs" part of .cache/stats.json) knows each file by the hash
of its first line (a rename by logrotate, a gzip of it, a copytruncate copy
all keep it) plus device, inode and size, and the offset read to; a file
that shrank below that offset was rewritten, and every log is re-read from the
start (the counts of the old cache are dropped, never double-counted).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import struct
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scripts import access_logs as al

log = logging.getLogger(__name__)

CHUNK = 1 << 20
VERSION = 1
_CACHE_LIMIT = 200_000  # entries in the per-run path, agent and minute caches before they are cleared
ASSET_SUFFIXES = (".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".woff",
                  ".woff2", ".ttf", ".map", ".txt", ".avif", ".pdf", ".webmanifest", ".mp4", ".mp3")
OTHER_PAGES = ""  # the key under which views of pages that are not posts are counted


class LogsError(Exception):
    """An access log cannot be read; the message names the file and the fix."""


class _Rebuild(Exception):
    """A known file shrank: the cache no longer describes the logs."""


# ------------------------------------------------------------------------------ site map
@dataclass
class SiteMap:
    """Which request paths are posts (by uuid), feeds and the site's own hosts."""

    posts: dict[bytes, str]
    feeds: set[bytes]
    feed_patterns: list[tuple[bytes, bytes]]
    hosts: frozenset[str]
    base: bytes = b"/"  # the site's path prefix ("/blog/" for a site under a folder)

    def classify(self, path: bytes) -> tuple[str, str] | None:
        """("post", uuid) | ("page", "") | ("feed", "/feeds/all.atom.xml") | None for assets."""
        if path.endswith(b"/index.html"):
            path = path[: -len(b"index.html")]
        uuid = self.posts.get(path) or self.posts.get(path + b"/")
        if uuid:
            return "post", uuid
        if path in self.feeds or any(
            path.startswith(p) and path.endswith(s) and len(path) > len(p) + len(s)
            for p, s in self.feed_patterns
        ):
            return "feed", path.decode("utf-8", "replace")
        last = path.rsplit(b"/", 1)[-1].lower()
        if b"." in last and not last.endswith((b".html", b".htm")):
            return None  # an asset (css, image, font, robots.txt …) or a file we do not know
        if not path.startswith(self.base):
            return None
        return "page", OTHER_PAGES


def url_path(url: str) -> bytes:
    from urllib.parse import unquote, urlsplit

    path = urlsplit(url).path or "/"
    return unquote(path).encode("utf-8")


def build_site_map(post_urls: dict[str, str], feed_paths: list[str], site_url: str) -> SiteMap:
    """post_urls: uuid → URL (absolute or site-relative); feed_paths: output paths, "{slug}" allowed."""
    from urllib.parse import urlsplit

    base = url_path(site_url.rstrip("/") + "/") if site_url else b"/"
    posts: dict[bytes, str] = {}
    for uuid, url in post_urls.items():
        if not url:
            continue
        path = url_path(url) if "://" in url or url.startswith("/") else base + url.encode("utf-8")
        posts[path] = uuid
    feeds: set[bytes] = set()
    patterns: list[tuple[bytes, bytes]] = []
    for feed in feed_paths:
        full = base + feed.lstrip("/").encode("utf-8")
        if b"{slug}" in full:
            prefix, _, suffix = full.partition(b"{slug}")
            patterns.append((prefix, suffix))
        else:
            feeds.add(full)
    host = (urlsplit(site_url).hostname or "").lower().removeprefix("www.") if site_url else ""
    return SiteMap(posts, feeds, patterns, frozenset({host} if host else ()), base)


# ------------------------------------------------------------------------------ tallies
@dataclass
class DayTally:
    """One day's hits while a run reads them; only `counts()` (no digest) reaches the cache.

    The hot loop only appends tuples (name, visitor, group, host) and (feed, fetcher):
    grouping and de-duplicating happen once per day, at C speed, in counts().
    """

    hits: list = field(default_factory=list)
    feed_hits: list = field(default_factory=list)
    subscribers: dict[tuple[str, str], int] = field(default_factory=dict)  # (feed, aggregator) → most reported

    def counts(self) -> dict[str, Any]:
        """The non-identifying summary that the cache keeps."""
        from collections import Counter
        from operator import itemgetter

        hits = self.hits
        pairs = set(map(itemgetter(0, 1), hits))
        people = {(n, w) for n, w, g, _ in hits if g != al.EMAIL}
        sources: dict[str, dict[str, int]] = {}
        for (key, group), n in Counter(map(itemgetter(0, 2), hits)).items():
            sources.setdefault(key, {})[group] = n
        hosts: dict[str, dict[str, int]] = {}
        for (key, host), n in Counter((n, h) for n, _, g, h in hits if g == al.OTHER and h).items():
            hosts.setdefault(key, {})[host] = n
        subs: dict[str, dict[str, int]] = {}
        for (feed, name), n in self.subscribers.items():
            subs.setdefault(feed, {})[name] = n
        return {"views": dict(Counter(map(itemgetter(0), hits))),
                "visitors": dict(Counter(map(itemgetter(0), pairs))),
                "people": dict(Counter(map(itemgetter(0), people))),
                "site_visitors": len(set(map(itemgetter(1), hits))),
                "sources": sources, "hosts": hosts,
                "fetches": dict(Counter(map(itemgetter(0), self.feed_hits))),
                "fetchers": dict(Counter(map(itemgetter(0), set(self.feed_hits)))),
                "subscribers": subs}


def merge_counts(old: dict | None, new: dict) -> dict:
    """Add a day's new counts to what the cache holds (subscribers: the larger report)."""
    if not old:
        return new
    out = dict(old)
    for name in ("views", "visitors", "people", "fetches", "fetchers"):
        merged = dict(old.get(name) or {})
        for key, n in (new.get(name) or {}).items():
            merged[key] = merged.get(key, 0) + n
        out[name] = merged
    for name in ("sources", "hosts"):
        merged = {k: dict(v) for k, v in (old.get(name) or {}).items()}
        for key, inner in (new.get(name) or {}).items():
            target = merged.setdefault(key, {})
            for sub, n in inner.items():
                target[sub] = target.get(sub, 0) + n
        out[name] = merged
    subs = {k: dict(v) for k, v in (old.get("subscribers") or {}).items()}
    for feed, inner in (new.get("subscribers") or {}).items():
        target = subs.setdefault(feed, {})
        for name, n in inner.items():
            target[name] = max(target.get(name, 0), n)
    out["subscribers"] = subs
    for name in ("site_visitors",):
        out[name] = int(old.get(name) or 0) + int(new.get(name) or 0)
    return out


# ------------------------------------------------------------------------------ reading
@dataclass
class LogsResult:
    days: dict[str, dict]  # YYYY-MM-DD → counts (closed days from the cache + this run's)
    files: list[str]  # the files read (display names)
    bytes_read: int = 0
    lines_read: int = 0
    malformed: int = 0  # lines skipped, in total over every run
    bots: int = 0  # page and feed requests by bots and crawlers, excluded (in total)
    ignored: int = 0  # assets, errors, redirects, non-GET and unknown files (in total)
    new_malformed: int = 0
    duplicates: int = 0  # files skipped as copies of another matched file
    notices: list[str] = field(default_factory=list)


def empty_logs_cache() -> dict[str, Any]:
    return {"version": VERSION, "cutoff": "", "files": {}, "days": {}, "malformed": 0, "bots": 0,
            "ignored": 0}


def _open(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb"), True
    return open(path, "rb"), False


def _first_line(path: Path) -> bytes:
    handle, _ = _open(path)
    with handle:
        return handle.readline(al.MAX_LINE + 1)


def _gzip_size(path: Path) -> int | None:
    """The uncompressed size mod 2**32 from a gzip trailer (one member), without decompressing."""
    try:
        with open(path, "rb") as f:
            f.seek(-4, os.SEEK_END)
            return struct.unpack("<I", f.read(4))[0]
    except OSError:
        return None


class _Reader:
    """One run's state: the per-run key, the caches of the hot loop, the day tallies."""

    def __init__(self, site: SiteMap, tz, today: str):
        self.site = site
        self.tz = tz
        self.today = today
        # Visitors are hash((key, address, agent)): SipHash, keyed per process by Python and
        # salted here with random bytes per run, kept in memory only, never written.
        self.key = os.urandom(32)
        self.exclusions, self.crawlers = _crawler_patterns()
        self.stripped: dict[str, bool] = {}
        self.days: dict[str, DayTally] = {}
        self.done: dict[str, dict] = {}  # days summed up while reading
        self.newest = ""
        self.day_of: dict[bytes, str | None] = {}
        self.referrers: dict[bytes, tuple[str, str]] = {}
        self.kinds: dict[bytes, tuple[str, str, bytes] | None] = {}
        self.bot: dict[bytes, bool] = {}
        self.bytes_read = 0
        self.lines_read = 0
        self.malformed = 0
        self.ignored = 0
        self.bots = 0

    def _day(self, time: bytes) -> str | None:
        # Minute and zone decide the local day: cache on "01/Dec/2026:13:17" + " +0100".
        key = time[:17] + time[20:]
        day = self.day_of.get(key, False)
        if day is False:
            moment = al.log_time(time)
            day = moment.astimezone(self.tz).date().isoformat() if moment else None
            if len(self.day_of) > _CACHE_LIMIT:
                self.day_of.clear()
            self.day_of[key] = day
        return day

    def _new_day(self, day: str) -> DayTally:
        """A tally for `day`; days two behind the newest are summed up first, to bound memory.

        Files are read oldest first and lines come in time order, so a day left behind
        gets no more lines; one that does (a file out of order) is summed up again and added.
        """
        tally = self.days[day] = DayTally()
        if day > self.newest:
            for old in [d for d in self.days if d < self.newest]:
                counts = self.days.pop(old).counts()
                self.done[old] = merge_counts(self.done.get(old), counts)
            self.newest = day
        return tally

    def day_counts(self) -> dict[str, dict]:
        out = dict(self.done)
        for day, tally in self.days.items():
            out[day] = merge_counts(out.get(day), tally.counts())
        return out

    def _is_bot(self, agent: bytes | None) -> bool:
        if not agent or agent == b"-":
            return True
        known = self.bot.get(agent)
        if known is None:
            # crawlerdetect's own rule: strip the browser tokens (exclusions), then search
            # the crawler list. Browsers that differ only in versions strip to the same
            # text, so the slow search runs once per stripped form, not per agent.
            stripped = self.exclusions.sub("", agent.decode("latin-1").strip())
            known = self.stripped.get(stripped)
            if known is None:
                known = bool(stripped) and self.crawlers.search(stripped) is not None
                self.stripped[stripped] = known
            if len(self.bot) > _CACHE_LIMIT:
                self.bot.clear()
            self.bot[agent] = known
        return known

    def _request(self, request: bytes):
        """What a request line counts as: ("post"|"page"|"feed", name, query) or None (ignored)."""
        if not request.startswith(b"GET "):
            return None
        target = al.request_target(request)
        if target is None:
            return None
        _, path, query = target
        kind = self.site.classify(path)
        return None if kind is None else (kind[0], kind[1], query)

    def lines(self, data: bytes, *, skip_before: str | None, open_from: list) -> None:
        """Count every complete line of `data`.

        skip_before: set when `data` was read by an earlier run (a replayed region): days before
        it were committed then, and excluded/malformed lines were counted then. open_from is set
        to [True] when a line of a still-open day (today or later) is seen.

        The hot loop splits each line on its quotes (one C call) rather than running the
        pattern: the fields of the combined format are exactly the quoted runs and what lies
        between them, and only a line with an escaped quote needs the careful scanner.
        """
        new = skip_before is None
        escaped = b'\\"' in data
        salt = self.key
        today = self.today
        days = self.days
        kinds = self.kinds
        request_kind = self._request
        day_of = self.day_of
        site_hosts = self.site.hosts
        referrers = self.referrers
        known_bots = self.bot
        email = (al.EMAIL, "")
        malformed = ignored = bots = 0
        for line in data.split(b"\n"):
            # At most 7 parts: before the request, request, status and size, referrer, " ",
            # agent, and whatever a custom format logs after the agent.
            p = line.split(b'"', 6)
            count = len(p)
            if count == 1:
                if line:
                    malformed += 1
                continue
            if escaped and b'\\"' in line:
                parts = al.split_line(line)
                if parts is None:
                    malformed += 1
                    continue
                addr, time, request, status, referrer, agent = parts
                head = addr + b" - - [" + time + b"] "
                tail = b" " + status + b" 0"
                p = [head, request, tail, referrer or b"", b" ", agent or b"", b""]
                count = 7 if agent is not None else 3
            if (count != 3 and count != 7) or len(line) > al.MAX_LINE:
                malformed += 1
                continue
            # Most lines are assets: the request decides first (cached per distinct request).
            request = p[1]
            kind = kinds.get(request, False)
            if kind is False:
                kind = request_kind(request)
                if len(kinds) > _CACHE_LIMIT:
                    kinds.clear()
                kinds[request] = kind
            if kind is None:  # an asset or a request we do not count: no need to look further
                ignored += 1
                continue
            tail = p[2]
            if tail[4:5] != b" " or tail[:1] != b" " or not tail[1:4].isdigit():
                malformed += 1
                continue
            status = tail[1:4]
            if status[0] != 0x32 and status != b"304":
                ignored += 1
                continue
            head = p[0]
            if head[-2:] != b"] ":
                malformed += 1
                continue
            # The standard time field is fixed-width: "[01/Dec/2026:13:17:11 +0000] " ends the head.
            if head[-29:-28] == b"[":
                time = head[-28:-2]
            else:
                bracket = head.find(b" [")
                if bracket <= 0:
                    malformed += 1
                    continue
                time = head[bracket + 2 : -2]
            stamp = time[:17] + time[20:]
            day = day_of.get(stamp)
            if day is None:
                day = self._day(time)
                if day is None:
                    malformed += 1
                    continue
            if day >= today:
                open_from[0] = True
            if not new and day < skip_before:
                continue  # counted and committed by an earlier run
            what, name, query = kind
            agent = p[5] if count >= 7 else b""
            tally = days.get(day)
            if tally is None:
                tally = self._new_day(day)
            isbot = known_bots.get(agent)
            if isbot is None:
                isbot = self._is_bot(agent)
            if what == "feed":
                if b"ubscriber" in agent or b"eaders" in agent:
                    reported = al.subscribers(agent)
                    if reported is not None:
                        slot = (name, reported[0])
                        if reported[1] > tally.subscribers.get(slot, -1):
                            tally.subscribers[slot] = reported[1]
                        continue
                if isbot and not al.looks_like_reader(agent):
                    bots += 1
                    continue
                tally.feed_hits.append((name, hash((salt, head[: head.find(b" ")], agent))))
                continue
            if isbot:
                bots += 1
                continue
            if query and al.has_email_marker(query):
                found = email
            else:
                referrer = p[3] if count >= 7 else b""
                found = referrers.get(referrer)
                if found is None:
                    found = al.source_group(referrer, b"", site_hosts)
                    if len(referrers) > _CACHE_LIMIT:
                        referrers.clear()
                    referrers[referrer] = found
            tally.hits.append((name, hash((salt, head[: head.find(b" ")], agent)), *found))
        self.lines_read += data.count(b"\n") + 1
        if new:
            self.malformed += malformed
            self.ignored += ignored
            self.bots += bots

    def read(self, handle, start: int, replay_end: int, skip_before: str) -> tuple[int, int]:
        """Read from `start` (already positioned) to the last complete line; (end, resume).

        Bytes before `replay_end` were read by an earlier run (see lines()); a line longer
        than MAX_LINE is skipped to its newline and counted malformed once.
        """
        position = start  # bytes taken from the file so far
        resume = None
        pending = b""
        skipping = False  # inside an overlong line
        while True:
            replaying = position < replay_end
            size = min(CHUNK, replay_end - position) if replaying else CHUNK
            chunk = handle.read(size)
            if not chunk:
                break
            position += len(chunk)
            self.bytes_read += len(chunk)
            if skipping:
                at = chunk.find(b"\n")
                if at < 0:
                    continue
                skipping = False
                if not replaying:
                    self.malformed += 1
                chunk = chunk[at + 1 :]
            data = pending + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                if len(pending) > al.MAX_LINE:
                    skipping, pending = True, b""
                continue
            chunk_start = position - len(data)
            flag = [False]
            self.lines(data[:cut], skip_before=skip_before if replaying else None, open_from=flag)
            if flag[0] and resume is None:
                resume = chunk_start
            pending = data[cut + 1 :]
            if len(pending) > al.MAX_LINE:
                skipping, pending = True, b""
        end = position - len(pending)  # an unfinished last line waits for the next run
        return end, end if resume is None else min(resume, end)


def _crawler_patterns():
    """crawlerdetect's compiled exclusion and crawler patterns (the well-kept list)."""
    from crawlerdetect import crawlerdetect as cd

    return cd.get_compiled_exclusions_regex(), cd.get_compiled_crawler_regex()


def read_logs(
    files: list[Path],
    site: SiteMap,
    cache: dict | None,
    *,
    timezone,
    today: date,
    display=str,
) -> tuple[LogsResult, dict]:
    """Read what is new in `files`; return (result for the report, the new logs cache)."""
    try:
        return _read(files, site, cache, timezone=timezone, today=today, display=display)
    except _Rebuild as exc:
        result, fresh = _read(files, site, empty_logs_cache(), timezone=timezone, today=today,
                              display=display)
        result.notices.insert(0, f"{exc} was rewritten since the last run (it is shorter than what was "
                                 "read): every access log was read again from the start.")
        return result, fresh


def _valid_cache(cache: dict | None) -> dict:
    if not isinstance(cache, dict) or cache.get("version") != VERSION:
        return empty_logs_cache()
    for name, kind in (("files", dict), ("days", dict), ("cutoff", str), ("malformed", int),
                       ("bots", int), ("ignored", int)):
        if not isinstance(cache.get(name), kind):
            return empty_logs_cache()
    return cache


def _read(files, site, cache, *, timezone, today, display) -> tuple[LogsResult, dict]:
    cache = _valid_cache(cache)
    today_text = today.isoformat()
    previous_cutoff = cache["cutoff"] or ""
    cutoff = max(today_text, previous_cutoff)
    reader = _Reader(site, timezone, cutoff)
    known: dict[str, dict] = {k: dict(v) for k, v in cache["files"].items() if isinstance(v, dict)}
    seen: set[str] = set()
    result = LogsResult(days={}, files=[])
    ordered = []
    for path in files:
        try:
            ordered.append((path.stat().st_mtime, path))
        except OSError as exc:
            raise LogsError(f"{display(path)} cannot be read ({exc.strerror}): check STATS['ACCESS_LOGS'] "
                            "and the file's permissions (in pelicanconf.py).") from None
    for _, path in sorted(ordered):
        try:
            first = _first_line(path)
            if not first:
                continue
            identity = hashlib.sha256(first).hexdigest()
            if identity in seen:
                result.duplicates += 1
                continue
            seen.add(identity)
            info = path.stat()
            entry = known.get(identity)
            handle, is_gzip = _open(path)
            with handle:
                start = replay_end = 0
                if entry is not None:
                    end = int(entry.get("end") or 0)
                    resume = int(entry.get("resume") or 0)
                    size = None if is_gzip else info.st_size
                    if size is not None and size < end:
                        raise _Rebuild(display(path))
                    if resume >= end and (size == end or (
                            is_gzip and _gzip_size(path) == end % (1 << 32))):
                        known[identity] = {**entry, "path": str(path), "dev": info.st_dev,
                                           "inode": info.st_ino, "size": info.st_size}
                        result.files.append(display(path))
                        continue
                    start, replay_end = min(resume, end), end
                    _seek(handle, start, is_gzip)
                new_end, new_resume = reader.read(handle, start, replay_end, previous_cutoff)
                if entry is not None and new_end < int(entry.get("end") or 0):
                    raise _Rebuild(display(path))
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and exc.errno:
                raise LogsError(f"{display(path)} cannot be read ({exc.strerror}): check "
                                "STATS['ACCESS_LOGS'] and the file's permissions (in pelicanconf.py).") from None
            result.notices.append(f"{display(path)} is a damaged gzip file ({exc}): it was skipped; "
                                  "copy it from the server again (make fetch-logs).")
            continue
        known[identity] = {"path": str(path), "dev": info.st_dev, "inode": info.st_ino,
                           "size": info.st_size, "gzip": is_gzip, "end": new_end, "resume": new_resume}
        result.files.append(display(path))
    result.bytes_read = reader.bytes_read
    result.lines_read = reader.lines_read
    result.new_malformed = reader.malformed
    result.malformed = int(cache["malformed"]) + reader.malformed
    result.bots = int(cache["bots"]) + reader.bots
    result.ignored = int(cache["ignored"]) + reader.ignored

    committed = {day: counts for day, counts in cache["days"].items() if isinstance(counts, dict)}
    shown = dict(committed)
    for day, counts in reader.day_counts().items():
        if day < cutoff:
            committed[day] = merge_counts(committed.get(day), counts)
            shown[day] = committed[day]
        else:
            shown[day] = merge_counts(shown.get(day), counts)
    result.days = dict(sorted(shown.items()))
    new_cache = {"version": VERSION, "cutoff": cutoff, "files": known,
                 "days": dict(sorted(committed.items())), "malformed": result.malformed,
                 "bots": result.bots, "ignored": result.ignored}
    return result, new_cache


def _seek(handle, offset: int, is_gzip: bool) -> None:
    if not is_gzip:
        handle.seek(offset)
        return
    remaining = offset
    while remaining > 0:  # gzip has no random access: decompress and drop
        data = handle.read(min(CHUNK, remaining))
        if not data:
            raise EOFError("shorter than before")
        remaining -= len(data)
