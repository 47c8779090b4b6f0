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
memory for one run (a large file's worker processes, forked for this run, send theirs
to this process through a pipe) and only their counts reach the cache. So a day's unique
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

import gc
import gzip
import hashlib
import io
import logging
import os
import struct
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from connected.errors import ConnectedError
from scripts import access_logs as al

log = logging.getLogger(__name__)

CHUNK = 1 << 20
VERSION = 1
_CACHE_LIMIT = 200_000  # entries in the per-run path, agent and minute caches before they are cleared
_ZONES = 16  # time zones whose minutes are remembered at once (a log has one or two: summer time)
ASSET_SUFFIXES = (".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".woff",
                  ".woff2", ".ttf", ".map", ".txt", ".avif", ".pdf", ".webmanifest", ".mp4", ".mp3")
OTHER_PAGES = ""  # the key under which views of pages that are not posts are counted


class LogsError(ConnectedError):
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

    The hot loop only appends tuples (name, visitor, (group, host)) and (feed, fetcher):
    grouping and de-duplicating happen once per day, at C speed, in fold(). `folded` is the
    day's raw tally so far (see _raw_from()): what a worker process read of this day is
    added to it (absorb()) as sets of visitors, never as counts, so nobody is counted twice.
    """

    hits: list = field(default_factory=list)
    feed_hits: list = field(default_factory=list)
    subscribers: dict[tuple[str, str], int] = field(default_factory=dict)  # (feed, aggregator) → most reported
    folded: dict | None = None

    def fold(self) -> dict:
        """Move the hits into the raw tally (in the order they came) and return it."""
        fresh = _raw_from(self.hits, self.feed_hits, self.subscribers)
        self.folded = fresh if self.folded is None else _merge_raw(self.folded, fresh)
        self.hits, self.feed_hits, self.subscribers = [], [], {}
        return self.folded

    def absorb(self, raw: dict) -> None:
        """Add a raw tally of lines that come after every hit held so far."""
        if self.folded is None and not (self.hits or self.feed_hits or self.subscribers):
            self.folded = raw  # a new day: nothing to merge with
            return
        self.folded = _merge_raw(self.fold(), raw)

    def counts(self) -> dict[str, Any]:
        """The non-identifying summary that the cache keeps."""
        from collections import Counter
        from operator import itemgetter

        raw = self.fold()
        people, email_only = raw["people"], raw["email_only"]
        # A post's visitors are its people and those who came only from an edition (few).
        people_per_post = Counter(map(itemgetter(0), people))
        visitors = people_per_post + Counter(map(itemgetter(0), email_only)) if email_only else people_per_post
        site_visitors = set(map(itemgetter(1), people))
        site_visitors.update(map(itemgetter(1), email_only))
        views: dict[str, int] = {}
        sources: dict[str, dict[str, int]] = {}
        hosts: dict[str, dict[str, int]] = {}
        for (key, (group, host)), n in raw["views"].items():
            views[key] = views.get(key, 0) + n
            by_group = sources.setdefault(key, {})
            by_group[group] = by_group.get(group, 0) + n
            if group == al.OTHER and host:
                hosts.setdefault(key, {})[host] = n
        subs: dict[str, dict[str, int]] = {}
        for (feed, name), n in raw["subscribers"].items():
            subs.setdefault(feed, {})[name] = n
        return {"views": views,
                "visitors": dict(visitors),
                "people": dict(people_per_post),
                "site_visitors": len(site_visitors),
                "sources": sources, "hosts": hosts,
                "fetches": dict(raw["fetches"]),
                "fetchers": dict(Counter(map(itemgetter(0), raw["fetchers"]))),
                "subscribers": subs}


def _raw_from(hits: list, feed_hits: list, subscribers: dict) -> dict:
    """A day's raw tally: views per (name, (group, host)) in first-seen order, the distinct
    (name, visitor) pairs in two disjoint sets — "people", from views that did not come from
    an edition, and "email_only", the few others (together: every pair) —, fetches per feed,
    the distinct (feed, fetcher) pairs, the most subscribers each aggregator reported."""
    from collections import Counter
    from itertools import compress
    from operator import itemgetter

    groups = list(map(itemgetter(0), map(itemgetter(2), hits)))
    # One pass over the views builds the pairs that count as people; only the views from an
    # edition (a tenth, say) are passed over again, not every view for a set of all pairs.
    people = set(map(itemgetter(0, 1), compress(hits, map(al.EMAIL.__ne__, groups))))
    return {"views": Counter(map(itemgetter(0, 2), hits)),
            "people": people,
            "email_only": set(map(itemgetter(0, 1), compress(hits, map(al.EMAIL.__eq__, groups)))) - people,
            "fetches": Counter(map(itemgetter(0), feed_hits)),
            "fetchers": set(feed_hits),
            "subscribers": dict(subscribers)}


def _merge_raw(into: dict | None, later: dict) -> dict:
    """Add the raw tally of later lines to `into` (changed in place): sums, set unions, maxima."""
    if into is None:
        return later
    into["views"].update(later["views"])  # a Counter keeps the first-seen order: `into` first
    into["fetches"].update(later["fetches"])
    for name in ("people", "fetchers"):  # sets: the smaller goes into the larger
        small, large = sorted((into[name], later[name]), key=len)
        large |= small
        into[name] = large
    # A pair that came only from an edition in one part and not in the other is a person.
    into["email_only"] = (into["email_only"] | later["email_only"]) - into["people"]
    subs = into["subscribers"]
    for slot, n in later["subscribers"].items():
        if n > subs.get(slot, -1):
            subs[slot] = n
    return into


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


# The fast path of _Reader.lines() takes a line whose shape is the everyday one and checks it
# with a few slices and dictionary lookups; every other line goes to access_logs.parse_line().
# Status codes as they sit between the request and the size: " 200 " → counted (2xx, 304),
# " 404 " → not counted; anything else is not a status (the line takes the careful path).
_STATUS = {b" %03d " % code: (200 <= code < 300 or code == 304) for code in range(1000)}
# The seconds of a time, ":00" to ":59": with them the day is the minute's (see log_time()).
_SECONDS = frozenset(b":%02d" % s for s in range(60))
_IGNORED = ("", "", False)  # what _kind() gives a request that is not counted
_SIXTY = {b"%02d" % n: n for n in range(60)}  # minutes and seconds
_UNSEEN = object()
_HEAD_END = b" " + b"-" * 33  # after an address: a head of the everyday length (see lines())


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
        # The hot loop's caches, each bounded by _CACHE_LIMIT (cleared when full):
        # b":05 +0000] " (every second) → that zone's b"- - [01/Dec/2026:13:17" → local day
        self.zones: dict[bytes, dict[bytes, str]] = {}
        self.hours: dict[bytes, datetime | None] = {}  # b"01/Dec/2026:13 +0000" → its first moment
        self.referrers: dict[bytes, tuple[str, str]] = {}  # referrer → (group, host)
        self.kinds: dict[bytes, tuple[str, str, bool]] = {}  # request → (what, name, edition marker)
        self.bot: dict[bytes, bool] = {}  # user agent → whether crawlerdetect calls it a bot
        self.feed_agents: dict[bytes, tuple[str, int] | bool] = {}  # user agent → see _feed_agent()
        self.bytes_read = 0
        self.lines_read = 0
        self.malformed = 0
        self.ignored = 0
        self.bots = 0

    def _day(self, time: bytes) -> str | None:
        """The local day of a log time, remembered per minute (the seconds cannot change it)."""
        moment = self._moment(time)
        if moment is None:
            return None
        # One str object per day, so that lines() tells a change of day by identity.
        day = sys.intern(moment.astimezone(self.tz).date().isoformat())
        # The everyday head ends with b"- - [01/Dec/2026:13:17" b":05 +0000] ". The second part
        # (any of the 60 seconds, with this zone) finds the zone's minutes, the first the day:
        # two lookups of two slices of the head, no join (see lines()).
        # Bounded as one cache of _CACHE_LIMIT minutes: _ZONES zones, each of a share of them.
        ending = time[20:] + b"] "
        minutes = self.zones.get(b":00" + ending)
        if minutes is None:
            if len(self.zones) >= _ZONES * len(_SECONDS):
                self.zones.clear()
            minutes = {}
            self.zones.update((second + ending, minutes) for second in _SECONDS)
        if len(minutes) >= _CACHE_LIMIT // _ZONES:
            minutes.clear()
        minutes[b"- - [" + time[:17]] = day
        return day

    def _head_day(self, head: bytes) -> str | None:
        """The day of a head b"… - - [01/Dec/2026:13:17:05 +0000] " whose minute is new, or None."""
        if head[-33:-28] != b"- - [" or head[-2:] != b"] ":
            return None
        return self._day(head[-28:-2])

    def _moment(self, time: bytes):
        """access_logs.log_time(time), its date, hour and zone parsed once per hour.

        The minutes and seconds (00-59, as log_time wants them) are added to the hour's
        moment: with a fixed offset that is the same aware datetime."""
        if len(time) != 26 or time[14:15] != b":" or time[17:18] != b":":
            return None
        minute, second = _SIXTY.get(time[15:17]), _SIXTY.get(time[18:20])
        if minute is None or second is None:
            return None
        key = time[:14] + time[20:]
        hour = self.hours.get(key, _UNSEEN)
        if hour is _UNSEEN:
            if len(self.hours) > _CACHE_LIMIT:
                self.hours.clear()
            hour = self.hours[key] = al.log_time(time[:14] + b":00:00" + time[20:])
        return None if hour is None else hour + timedelta(minutes=minute, seconds=second)

    def open_day(self, day: str) -> DayTally:
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

    def _is_bot(self, agent: bytes) -> bool:
        """Whether crawlerdetect calls `agent` a bot (no agent, or an overlong one, is one), remembered."""
        known = self.bot.get(agent)
        if known is None:
            known = (agent in (b"", b"-") or len(agent) > al.MAX_AGENT
                     or self._crawler(agent.decode("latin-1").strip()))
            if len(self.bot) > _CACHE_LIMIT:
                self.bot.clear()
            self.bot[agent] = known
        return known

    def _crawler(self, agent: str) -> bool:
        # crawlerdetect's own rule: strip the browser tokens (exclusions), then search
        # the crawler list. Browsers that differ only in versions strip to the same
        # text, so the slow search runs once per stripped form, not per agent.
        stripped = self.exclusions.sub("", agent)
        known = self.stripped.get(stripped)
        if known is None:
            known = self.stripped[stripped] = bool(stripped) and self.crawlers.search(stripped) is not None
        return known

    def _kind(self, request: bytes) -> tuple[str, str, bool]:
        """What a request line counts as, remembered: (what, name, edition marker) or _IGNORED.

        what is "post", "page" or "feed"; the marker is the edition's ?ref=newsletter.
        """
        target = al.request_target(request) if request.startswith(b"GET ") else None
        kind = self.site.classify(target[1]) if target is not None else None
        found = _IGNORED if kind is None else (kind[0], kind[1], bool(target[2]) and al.has_email_marker(target[2]))
        if len(self.kinds) > _CACHE_LIMIT:
            self.kinds.clear()
        self.kinds[request] = found
        return found

    def _source(self, referrer: bytes) -> tuple[str, str]:
        found = al.source_group(referrer, b"", self.site.hosts)
        if len(self.referrers) > _CACHE_LIMIT:
            self.referrers.clear()
        self.referrers[referrer] = found
        return found

    def _careful(self, line: bytes) -> tuple[bytes, str | None, bytes, bool, bytes, bytes] | None:
        """The hot loop's fields of a line off the everyday shape, by the reference parser.

        (address, local day or None when the time is unreadable, request, counted status,
        referrer, agent), or None for a line that is not a log line at all.
        """
        parts = al.parse_line(line)
        if parts is None:
            return None
        addr, time, request, status, referrer, agent = parts
        return addr, self._day(time), request, _STATUS[b" " + status + b" "], referrer or b"", agent or b""

    def _feed(self, tally: DayTally, name: str, addr: bytes, agent: bytes) -> int:
        """Count a feed fetch: an aggregator's report, a reader, or (1 is returned) a bot."""
        verdict = self.feed_agents.get(agent)
        if verdict is None:
            verdict = self._feed_agent(agent)
        if verdict is True:
            return 1
        if verdict:
            slot = (name, verdict[0])
            if verdict[1] > tally.subscribers.get(slot, -1):
                tally.subscribers[slot] = verdict[1]
        else:
            tally.feed_hits.append((name, hash((self.key, addr, agent))))
        return 0

    def _feed_agent(self, agent: bytes) -> tuple[str, int] | bool:
        """What a feed fetcher is, remembered: (aggregator, subscribers) it reports, True for a
        bot (not a reader), False for a direct fetcher."""
        verdict = al.subscribers(agent) or (self._is_bot(agent) and not al.looks_like_reader(agent))
        if len(self.feed_agents) > _CACHE_LIMIT:
            self.feed_agents.clear()
        self.feed_agents[agent] = verdict
        return verdict

    def lines(self, lines: list[bytes], *, escaped: bool, skip_before: str | None) -> bool:
        """Count complete lines (each ends with its newline); True when one is of a still-open day.

        skip_before: set when the lines were read by an earlier run (a replayed region): days
        before it were committed then, and excluded/malformed lines were counted then.
        escaped: whether any line holds an Apache-escaped quote (\\").

        Why it is fast: one C split per line on its quotes gives every field of the combined
        format (before the request, request, status and size, referrer, " ", agent, the rest);
        a few slices and lookups in per-run caches check that the line has the everyday shape
        (`A - - [DD/Mon/YYYY:HH:MM:SS ±ZZZZ] "…" SSS N "…" "…"`) and give its request's kind,
        its minute's day and its agent's verdict. A line of any other shape — escaped quotes,
        a user name, the common format, an unknown minute, a long line — is parsed by the
        reference parser (access_logs.parse_line) instead; both give the same fields
        (tests/scripts/stats/test_logs_fast_path.py compares them on hostile lines). Decoding,
        hashing and the source lookup happen only for lines that count.
        """
        floor = skip_before or ""  # "" for new lines: no day is before it
        today, salt, days, new_day, feed = self.today, self.key, self.days, self.open_day, self._feed
        kinds, kind_of, zones, bot, is_bot = self.kinds, self._kind, self.zones, self.bot, self._is_bot
        referrers, source, careful, status_of, head_day = (self.referrers, self._source, self._careful, _STATUS,
                                                           self._head_day)
        email, longest, no_zone = (al.EMAIL, ""), al.MAX_LINE + 1, {}  # (+ 1: the newline)
        # Two rare shapes are looked for once per chunk, in C, rather than on every line: a line
        # over the limit and an escaped quote; only in a chunk that has one are lines checked for it.
        odd = escaped or max(map(len, lines), default=0) > longest
        malformed = ignored = bots = 0
        open_day = False
        # The day of the last counted line and its tally, looked up again when the day changes
        # (lines come in time order: rarely). A day is opened by its first counted line, as ever.
        current, tally, hits = "", None, None  # "": no day yet (not None: see below)
        for line in lines:
            p = line.split(b'"', 6)
            if len(p) == 7:
                head, request, tail, referrer, sep, agent, _ = p
            else:
                head = tail = sep = b""  # fails the checks below: the reference parser decides
            counted = status_of.get(tail[:5])
            day = zones.get(head[-11:], no_zone).get(head[-33:-11])
            # The everyday shape, or the reference parser. (`counted` is None unless tail has 5
            # bytes or more: the checks after it may index it.) The head is the address, a space
            # and the 33 bytes the day was found by (a minute not seen yet is read from them): its
            # first space is 34 bytes from its end.
            if (counted is None or (day is None and (day := head_day(head)) is None) or sep != b" " or tail[-1] != 32
                    or not (tail[5:-1].isdigit() or tail[5:-1] == b"-")
                    or not head.find(b" ") == len(head) - 34 > 0
                    or (odd and (len(line) > longest or b'\\"' in line))):
                fields = careful(line[:-1])
                if fields is None:
                    malformed += 1 if len(line) > 1 else 0  # an empty line is nothing, not a malformed one
                    continue
                addr, day, request, counted, referrer, agent = fields
                head = addr + _HEAD_END  # head[:-34] is the address, as on the fast path
            what, name, marked = kinds.get(request) or kind_of(request)
            if not what or not counted:  # an asset, an error, a redirect, not a GET …
                ignored += 1
                continue
            if day is not current:  # (days are one str object per day: see _day())
                if day is None:  # a log line whose time cannot be read
                    malformed += 1
                    continue
                if day >= today:
                    open_day = True
                if day < floor:
                    continue  # counted and committed by an earlier run (`current` is kept: asked again)
                current = day
                tally = days.get(day) or new_day(day)
                hits = tally.hits
            if what == "feed":
                bots += feed(tally, name, head[:-34], agent)
                continue
            isbot = bot.get(agent)
            if isbot or (isbot is None and is_bot(agent)):
                bots += 1
                continue
            hits.append((name, hash((salt, head[:-34], agent)),
                         email if marked else (referrers.get(referrer) or source(referrer))))
        self.lines_read += len(lines)
        if skip_before is None:
            self.malformed += malformed
            self.ignored += ignored
            self.bots += bots
        return open_day

    def read(self, handle, start: int, replay_end: int, skip_before: str) -> tuple[int, int]:
        """Read from `start` (already positioned) to the last complete line; (end, resume).

        Bytes before `replay_end` were read by an earlier run (see lines()); a line longer
        than MAX_LINE is skipped to its newline and counted malformed once. `resume` is where
        the first chunk holding a line of a still-open day starts (the next run reads from it).
        """
        scan = self.scan(handle, start, replay_end, skip_before)
        return scan.end, scan.end if scan.resume is None else min(scan.resume, scan.end)

    def scan(self, handle, start: int, replay_end: int, skip_before: str, *, stop: int | None = None,
             grid: int | None = None) -> _Scan:
        """read() up to `stop` (a line start) or the end; `grid`: read in the chunks a serial
        read from `grid` would take (a worker's range, see _parallel_read)."""
        position = start  # bytes taken from the file so far
        scan = _Scan(start, None, False, start)
        pending = b""
        skipping = False  # inside an overlong line
        reads = 0
        while True:
            replaying = position < replay_end
            size = _chunk_size(position, replay_end if replaying else None, grid, stop)
            chunk = handle.read(size) if size else b""
            if not chunk:
                break
            position += len(chunk)
            reads += 1
            self.bytes_read += len(chunk)
            if skipping:
                at = chunk.find(b"\n")
                if at < 0:
                    continue
                skipping = False
                self.malformed += 0 if replaying else 1
                chunk = chunk[at + 1 :]
            data = pending + chunk
            scan.last_start = position - len(data)
            # The lines with their newlines: BytesIO finds them with memchr, in about a third of
            # the time split() takes to look at every byte.
            lines = io.BytesIO(data).readlines()
            pending = lines.pop() if lines and lines[-1][-1:] != b"\n" else b""  # the unfinished last line
            if lines and self.lines(lines, escaped=b"\\" in data and b'\\"' in data, skip_before=skip_before if replaying else None):
                if scan.resume is None:
                    scan.resume, scan.first_open = scan.last_start, reads == 1
            if len(pending) > al.MAX_LINE:
                skipping, pending = True, b""
        scan.end = position - len(pending)  # an unfinished last line waits for the next run
        return scan


@dataclass
class _Scan:
    """Where a read ended, where its first chunk with a line of an open day began (None: no
    such chunk), whether that was its first chunk, and where its last chunk's lines began."""

    end: int
    resume: int | None
    first_open: bool
    last_start: int


def _chunk_size(position: int, replay_end: int | None, grid: int | None, stop: int | None) -> int:
    """The next read: CHUNK, but not past the replayed region, a grid point or `stop`."""
    if replay_end is not None:
        size = min(CHUNK, replay_end - position)
    elif grid is not None:
        size = CHUNK - (position - grid) % CHUNK
    else:
        size = CHUNK
    return size if stop is None else min(size, stop - position)


# ------------------------------------------------------------------------------ parallel reading
# The fresh part of a large plain file is read in worker processes, one byte range each.
# The ranges start at line starts and each worker reads in the chunks a serial read would
# take (the same CHUNK grid from replay_end), so every line — an overlong one too — is taken
# exactly as the serial read takes it; each worker returns raw tallies (visitor sets), its
# counters and the order in which days came (runs), and _merge_ranges() replays the serial
# read's day book-keeping on them. Worker processes are forked: a fork shares Python's hash
# key with this process, so the visitors' digests (hash()) of every worker agree.
PARALLEL_MIN = 32 * 1000 * 1000  # fresh bytes of one file from which it is read in parallel
PARALLEL_RANGE = 16 * 1000 * 1000  # the byte range given to a worker at a time: its raw tallies
# (a day or two of visitor sets) bound the memory of the worker and of the results waiting here
MAX_WORKERS = 4
_RUNS_LIMIT = 1 << 20  # day changes a worker records; more (days interleaved line by line): read serially


class _RangeReader(_Reader):
    """A worker's reader: keeps raw tallies (not counts) and records the order of the days."""

    def __init__(self, site: SiteMap, tz, today: str, key: bytes):
        super().__init__(site, tz, today)
        self.key = key  # the parent's: the same visitor has the same digest in every worker
        self.tallies: dict[str, DayTally] = {}
        self.runs: list[str] = []  # the day of each run of lines of one day, in order
        self.overflow = False

    def open_day(self, day: str) -> DayTally:
        # `days` holds only the current day, so the hot loop calls this at every change of day.
        if len(self.runs) < _RUNS_LIMIT:
            self.runs.append(day)
        else:
            self.overflow = True
        tally = self.tallies.get(day)
        if tally is None:
            tally = self.tallies[day] = DayTally()
            if day > self.newest:  # fold days left behind: raw tallies are smaller than hits
                for old in [d for d in self.tallies if d < self.newest]:
                    self.tallies[old].fold()
                self.newest = day
        self.days.clear()
        self.days[day] = tally
        return tally


def _read_range(job: tuple, caches: dict = {}) -> dict:  # noqa: B006 (one worker's caches, see below)
    """A worker: read one byte range of a plain log; its raw tallies, counters and _Scan."""
    path, start, stop, grid, site, tz, today, key = job
    reader = _RangeReader(site, tz, today, key)
    # The hot loop's caches (days of minutes, kinds of requests, bot verdicts …) are pure
    # functions of the run's settings: a worker process keeps them from range to range of
    # the same run (the key is new each run), so a cold cache is not paid once per range.
    if caches.get("key") != key:
        caches.clear()
        caches.update(key=key, shared=(reader.stripped, reader.zones, reader.hours, reader.referrers,
                                       reader.kinds, reader.bot, reader.feed_agents))
    (reader.stripped, reader.zones, reader.hours, reader.referrers, reader.kinds, reader.bot,
     reader.feed_agents) = caches["shared"]
    collecting = gc.isenabled()
    gc.disable()  # as in read_logs()
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            scan = reader.scan(handle, start, grid, "", stop=stop, grid=grid)
    finally:
        if collecting:
            gc.enable()
    raws = {day: tally.fold() for day, tally in reader.tallies.items()}
    return {"scan": scan, "runs": None if reader.overflow else reader.runs, "raw": raws,
            "counters": (reader.bytes_read, reader.lines_read, reader.malformed, reader.ignored, reader.bots)}


def _workers() -> int:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, MAX_WORKERS)


def _line_start_from(handle, target: int) -> int | None:
    """The first line start at or after `target` (None: no newline from there to the end)."""
    handle.seek(target - 1)
    position = target - 1
    while True:
        block = handle.read(1 << 16)
        if not block:
            return None
        at = block.find(b"\n")
        if at >= 0:
            return position + at + 1
        position += len(block)


def _split(path: Path, begin: int, size: int) -> list[int]:
    """Range starts: `begin`, then the line starts at or after every PARALLEL_RANGE bytes."""
    step = max(PARALLEL_RANGE, 1)
    starts = [begin]
    with open(path, "rb") as handle:
        target = begin + step
        while target < size:
            found = _line_start_from(handle, target)
            if found is None or found >= size:
                break
            if found > starts[-1]:
                starts.append(found)
            target = max(target + step, found + 1)
    return starts


def _parallel_read(reader: _Reader, handle, path: Path, begin: int, size: int) -> _Scan:
    """Read `path` from `begin` (a line start: the fresh part) in worker processes into `reader`.

    The ranges' results are booked one by one, in file order, as they come (the reader's
    memory holds one range's raw tallies at a time, and closes days as the serial read does)."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    workers = _workers()
    starts = _split(path, begin, size)
    stops: list[int | None] = [*starts[1:], None]  # the last range reads to the end, as read() does
    jobs = [(str(path), a, z, begin, reader.site, reader.tz, reader.today, reader.key)
            for a, z in zip(starts, stops, strict=True)]
    scans = []
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        # A few ranges in flight, not all: results wait here in memory until their turn.
        waiting = iter(jobs)
        flight = deque((job, pool.submit(_read_range, job)) for job in islice(waiting, 2 * workers))
        while flight:
            job, future = flight.popleft()
            part = future.result()
            for later in islice(waiting, 1):
                flight.append((later, pool.submit(_read_range, later)))
            scans.append(_take_range(reader, part, handle, job[1], job[2], begin))
            del part, future
    return _joined_scan(scans, starts, begin)


def _take_range(reader: _Reader, part: dict, handle, start: int, stop: int | None, grid: int) -> _Scan:
    """Book one range's result into `reader` as the serial read would have counted its lines.

    A day the serial read would sum up and then see again within the range is booked by it in
    two parts (see _Reader.open_day), which the range's raw tally cannot tell apart: such a
    range (rare: days out of order) is read again here, serially, from the same position."""
    runs = part["runs"]
    if runs is None or not _books_like_serial(set(reader.days), reader.newest, runs):
        log.info("%s: days out of order in bytes %s-%s, read again in one process", handle.name, start, stop)
        handle.seek(start)
        return reader.scan(handle, start, grid, "", stop=stop, grid=grid)
    absorbed: set[str] = set()
    for day in runs:  # the serial read's day book-keeping, run by run
        if day not in reader.days:
            reader.open_day(day)
        if day not in absorbed:
            reader.days[day].absorb(part["raw"][day])
            absorbed.add(day)
    n_bytes, n_lines, malformed, ignored, bots = part["counters"]
    reader.bytes_read += n_bytes
    reader.lines_read += n_lines
    reader.malformed += malformed
    reader.ignored += ignored
    reader.bots += bots
    return part["scan"]


def _books_like_serial(open_days: set[str], newest: str, runs: list[str]) -> bool:
    """Whether, read serially from this state, no day of these runs would be summed up and
    then seen again."""
    seen: set[str] = set()
    for day in runs:
        if day not in open_days:
            if day in seen:
                return False
            open_days.add(day)
            if day > newest:
                open_days = {d for d in open_days if not d < newest}
                newest = day
        seen.add(day)
    return True


def _joined_scan(scans: list[_Scan], starts: list[int], grid: int) -> _Scan:
    """The _Scan a serial read of the ranges would give. A serial chunk can hold the end of one
    range and the start of the next: its lines begin where the earlier range's last chunk did."""
    carry = starts[0]  # where the serial chunk in progress at a range start began
    resume = None
    for index, scan in enumerate(scans):
        if resume is None and scan.resume is not None:
            on_grid = (starts[index] - grid) % CHUNK == 0
            resume = carry if scan.first_open and not on_grid else scan.resume
        if index + 1 < len(starts):
            last_grid_point = grid + (starts[index + 1] - 1 - grid) // CHUNK * CHUNK
            if last_grid_point >= starts[index]:
                carry = scan.last_start
    return _Scan(scans[-1].end, resume, False, scans[-1].last_start)


def _read_file(reader: _Reader, handle, path: Path, is_gzip: bool, span: tuple[int, int, int],
               skip_before: str) -> tuple[int, int]:
    """reader.read() of one file; its fresh part in parallel when large (plain files only)."""
    start, replay_end, size = span
    if is_gzip or size - replay_end < PARALLEL_MIN or _workers() < 2:
        return reader.read(handle, start, replay_end, skip_before)
    at_line_start = _line_start(handle, replay_end)
    handle.seek(start)
    if not at_line_start:  # an unfinished line at the end of the replayed part: read on serially
        return reader.read(handle, start, replay_end, skip_before)
    replayed = reader.scan(handle, start, replay_end, skip_before, stop=replay_end)
    from concurrent.futures.process import BrokenProcessPool

    try:
        fresh = _parallel_read(reader, handle, path, replay_end, size)
    except BrokenProcessPool:
        # A worker was killed (out of memory, a signal): this run's figures are incomplete, so
        # nothing is saved; the cache still holds the last complete run.
        raise LogsError(f"{path}: a process reading this log stopped before the end (out of memory, or "
                        "killed): nothing was saved; run make stats again.") from None
    resume = replayed.resume if replayed.resume is not None else fresh.resume
    return fresh.end, fresh.end if resume is None else min(resume, fresh.end)


def _line_start(handle, position: int) -> bool:
    if position == 0:
        return True
    handle.seek(position - 1)
    return handle.read(1) == b"\n"


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
    # The tallies hold a tuple per page view and no reference cycle: the cyclic garbage
    # collector would only walk them, again and again as they grow (a third of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(files, site, cache, timezone=timezone, today=today, display=display)
    except _Rebuild as exc:
        result, fresh = _read(files, site, empty_logs_cache(), timezone=timezone, today=today,
                              display=display)
        result.notices.insert(0, f"{exc} was rewritten since the last run (it is shorter than what was "
                                 "read): every access log was read again from the start.")
        return result, fresh
    finally:
        if collecting:
            gc.enable()


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
                new_end, new_resume = _read_file(reader, handle, path, is_gzip, (start, replay_end, info.st_size),
                                                 previous_cutoff)
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
