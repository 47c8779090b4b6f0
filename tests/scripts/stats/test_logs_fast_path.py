"""The reader's fast path (scripts/stats_logs.py) against a straightforward reference.

A seeded corpus of hostile lines — quotes and escaped quotes in agents and referrers,
missing fields, the common format, user names, IPv6, odd and invalid time zones and
times, CR/LF, lines just under and over the length limit, invalid UTF-8, statuses and
sizes that are not numbers — is read by read_logs() (at several read sizes, and in two
runs through the cache) and by `reference()` below: one line at a time through
access_logs.parse_line() (the linear pattern and the escape-aware scanner), the site map,
crawlerdetect's own CrawlerDetect class, and plain sets. Every figure must be equal.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from crawlerdetect import CrawlerDetect

import scripts.stats_logs as stats_logs
from scripts import access_logs as al
from scripts.stats_logs import build_site_map, read_logs

SITE = build_site_map({f"uuid-{i}": f"https://example.com/2026/post-{i:02d}/" for i in range(8)},
                      ["feeds/all.atom.xml", "feeds/{slug}.atom.xml"], "https://example.com")
TZ = ZoneInfo("Europe/Paris")
AGENTS = [
    b"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    b"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    b"curl/8.5.0", b"-", b"", b"Mozilla/5.0", b"   ",
    b'Mozilla/5.0 (\\"quoted\\") Firefox/133.0', b"Agent ending in a backslash \\\\",
    b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers)",
    b"NewsBlur Feed Fetcher - 5 SUBSCRIBERS - https://www.newsblur.com/",
    b"Some Aggregator; 12 reader", b"NetNewsWire (RSS Reader; https://netnewswire.com/)",
    b"Mozilla/5.0 caf\xe9 \xff\xfe invalid UTF-8", b"Mozilla/5.0 " + b"x" * 3000,
]
REFERRERS = [b"-", b"", b"https://www.linkedin.com/feed/", b"https://lnkd.in/x", b"https://www.google.co.uk/",
             b"https://mail.google.com/", b"https://example.com/2026/post-01/", b"https://news.example.org/a",
             b"android-app://com.linkedin.android/", b"https://[2001:db8::1]:8443/x", b"http://\xc3\xa9.example/",
             b'https://q.example/?q=\\"x\\"', b"no scheme at all"]
PATHS = [b"/2026/post-0%d/" % i for i in range(8)] + [
    b"/2026/post-01/index.html", b"/2026/post-02", b"/2026/post-03/?ref=newsletter", b"/2026/post-04/?utm_medium=email",
    b"/2026/post-%30%35/", b"/", b"/archives.html", b"/feeds/all.atom.xml", b"/feeds/careers.atom.xml",
    b"/theme/css/site.css", b"/robots.txt", b"/wp-login.php", b"//double/", b"relative", b"/a#frag",
]
ADDRS = [b"203.0.113.%d" % i for i in range(1, 6)] + [b"2001:db8::%x" % i for i in range(1, 4)] + [b"::1", b""]


def stamp(moment: datetime, zone_minutes: int) -> bytes:
    local = moment.astimezone(timezone(timedelta(minutes=zone_minutes)))
    return local.strftime("%d/%b/%Y:%H:%M:%S %z").encode()


def hostile_time(rng: random.Random, good: bytes) -> bytes:
    return rng.choice([
        good.replace(b"/", b"-", 1), good[1:], good[:-1], good.replace(b":", b" ", 1), b"01/Foo/2026:10:00:00 +0000",
        good[:18] + b"61" + good[20:], good[:18] + b"6x" + good[20:], good[:21] + b"*" + good[22:], b"31/Nov/2026:10:00:00 +0000",
        good.replace(b" ", b"  "), good[:12] + b"+1" + good[14:], b"", b"x" * 26, good + b"]x",
    ])


def one_line(rng: random.Random, moment: datetime, zone: int) -> bytes:
    """One line: mostly well formed, with every field sometimes broken."""
    time = stamp(moment, zone) if rng.random() > 0.08 else hostile_time(rng, stamp(moment, zone))
    method = rng.choice([b"GET"] * 8 + [b"POST", b"HEAD", b"get"])
    request = method + b" " + rng.choice(PATHS) + rng.choice([b" HTTP/1.1"] * 9 + [b"", b" HTTP/1.1 extra"])
    status = rng.choice([b"200"] * 8 + [b"204", b"304", b"301", b"404", b"500", b"2000", b"20", b"abc"])
    size = rng.choice([b"5120"] * 6 + [b"-", b"0", b"abc", b"12abc", b"", b"-5"])
    user = rng.choice([b"- -"] * 12 + [b"- alice", b"ident -", b"-  -"])
    head = rng.choice(ADDRS) + b" " + user + b" [" + time + b"] "
    agent = rng.choice(AGENTS)
    tail = rng.choice([b' "%s" "%s"' % (rng.choice(REFERRERS), agent)] * 12 + [
        b"", b' "%s"' % rng.choice(REFERRERS), b' "%s" "%s" "198.51.100.1"' % (rng.choice(REFERRERS), agent),
        b' "%s" "%s" 0.042' % (rng.choice(REFERRERS), agent), b' "%s"x"%s"' % (rng.choice(REFERRERS), agent),
        b' "%s" "%s' % (rng.choice(REFERRERS), agent),
    ])
    line = head + b'"' + request + b'" ' + status + b" " + size + tail
    roll = rng.random()
    if roll < 0.03:
        line += b"\r"  # CR/LF
    elif roll < 0.04:
        line = line.replace(b'"', b"'", 1)
    elif roll < 0.05:
        line = rng.choice([b"garbage", b"\r", b"", b'"' * 7, line[: rng.randrange(len(line))], b"\xff\xfe\x00"])
    elif roll < 0.055:
        pad = al.MAX_LINE - len(line) + rng.choice([-3, 0, 1, 20])
        line = line.replace(b'" "', b'" "' + b"y" * max(pad, 0), 1) if b'" "' in line else line
    elif roll < 0.057:
        line += b"z" * 40_000  # over the limit, across several reads
    return line


def corpus(seed: int, count: int) -> bytes:
    rng = random.Random(seed)
    moment = datetime(2026, 10, 24, 20, tzinfo=UTC)  # over the end of summer time in Paris
    lines = []
    zone = 0
    for _ in range(count):
        moment += timedelta(seconds=rng.choice([0, 1, 7, 59, 600]))
        if rng.random() < 0.3:  # mostly the zone of the line before: minutes repeat, as in real logs
            zone = rng.choice([0, 60, 120, -300, 330, -570, 840, -720])
        lines.append(one_line(rng, moment, zone))
    return b"\n".join(lines) + b"\n"


def reference(data: bytes) -> dict:
    """The same figures, one line at a time, the plain way."""
    detect = CrawlerDetect()
    days: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(Counter)))
    seen: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    totals = Counter()
    for line in data.split(b"\n")[:-1]:
        if not line:
            continue
        parts = al.parse_line(line)
        if parts is None:
            totals["malformed"] += 1
            continue
        addr, time, request, status, referrer, agent = parts
        referrer, agent = referrer or b"", agent or b""
        target = al.request_target(request) if request.startswith(b"GET ") else None
        kind = SITE.classify(target[1]) if target else None
        if kind is None or not (status.startswith(b"2") or status == b"304"):
            totals["ignored"] += 1
            continue
        moment = al.log_time(time)
        if moment is None:
            totals["malformed"] += 1
            continue
        day = moment.astimezone(TZ).date().isoformat()
        counts, sets = days[day], seen[day]
        bot = agent in (b"", b"-") or len(agent) > al.MAX_AGENT or detect.is_crawler(agent.decode("latin-1"))
        what, name = kind
        visitor = (addr, agent)
        if what == "feed":
            reported = al.subscribers(agent)
            if reported:
                counts["subscribers"][name][reported[0]] = max(counts["subscribers"][name][reported[0]], reported[1])
            elif bot and not al.looks_like_reader(agent):
                totals["bots"] += 1
            else:
                counts["fetches"][name][None] += 1
                sets["fetchers"][name].add(visitor)
            continue
        if bot:
            totals["bots"] += 1
            continue
        group, host = (al.EMAIL, "") if al.has_email_marker(target[2]) else al.source_group(referrer, b"", SITE.hosts)
        counts["views"][name][None] += 1
        counts["sources"][name][group] += 1
        if group == al.OTHER and host:
            counts["hosts"][name][host] += 1
        sets["visitors"][name].add(visitor)
        sets["site"][None].add(visitor)
        if group != al.EMAIL:
            sets["people"][name].add(visitor)
    out = {}
    for day in sorted(set(days) | set(seen)):
        counts, sets = days[day], seen[day]
        flat = {key: {n: c[None] for n, c in counts[key].items()} for key in ("views", "fetches")}
        flat.update({key: {n: dict(c) for n, c in counts[key].items()} for key in ("sources", "hosts", "subscribers")})
        flat.update({key: {n: len(s) for n, s in sets[key].items()} for key in ("visitors", "people", "fetchers")})
        flat["site_visitors"] = len(sets["site"][None])
        out[day] = flat
    return {"days": out, **{k: totals[k] for k in ("malformed", "bots", "ignored")}}


def figures(result) -> dict:
    days = {day: {key: value for key, value in counts.items() if value not in ({}, 0) or key == "site_visitors"}
            for day, counts in result.days.items()}
    return {"days": days, "malformed": result.malformed, "bots": result.bots, "ignored": result.ignored}


def comparable(expected: dict) -> dict:
    return {**expected, "days": {day: {k: v for k, v in counts.items() if v not in ({}, 0) or k == "site_visitors"}
                                 for day, counts in expected["days"].items()}}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("chunk", [stats_logs.CHUNK, 4096])
def test_the_fast_path_counts_what_the_reference_counts(tmp_path, monkeypatch, seed, chunk):
    data = corpus(seed, 6000)
    path = tmp_path / "access.log"
    path.write_bytes(data)
    monkeypatch.setattr(stats_logs, "CHUNK", chunk)
    result, _ = read_logs([path], SITE, None, timezone=TZ, today=date(2027, 1, 1))
    expected = comparable(reference(data))
    assert expected["malformed"] > 100 and expected["bots"] > 100 and expected["ignored"] > 100
    assert len(expected["days"]) >= 3
    assert figures(result) == expected


def test_two_runs_through_the_cache_count_what_one_run_counts(tmp_path):
    data = corpus(4, 6000)
    path = tmp_path / "access.log"
    half = data.index(b"\n", len(data) // 2) + 1
    path.write_bytes(data[:half])
    days = sorted(reference(data[:half])["days"])
    # The first run's today is a day in the middle: the days from it on stay open and are re-read.
    _, cache = read_logs([path], SITE, None, timezone=TZ, today=date.fromisoformat(days[len(days) // 2]))
    path.write_bytes(data)
    result, _ = read_logs([path], SITE, cache, timezone=TZ, today=date(2027, 1, 1))
    assert figures(result) == comparable(reference(data))


def test_hostile_lines_really_occur_in_the_corpus():
    """The corpus is not accidentally tame: each trap is there, and takes the careful path."""
    data = corpus(1, 6000)
    lines = data.split(b"\n")
    assert any(b'\\"' in x for x in lines) and any(x.endswith(b"\r") for x in lines)
    assert any(len(x) > al.MAX_LINE for x in lines) and any(al.MAX_LINE - 5 < len(x) <= al.MAX_LINE for x in lines)
    assert any(b"\xff" in x for x in lines) and any(b"2001:db8::" in x for x in lines)
    assert any(b" alice [" in x for x in lines) and any(b" +0530]" in x for x in lines)
    assert sum(al.parse_line(x) is not None and al.parse_line(x)[5] is None for x in lines) > 50  # common format


def test_long_user_agents_are_bots_at_once(tmp_path):
    """crawlerdetect's pattern is quadratic in the agent's length (33 s at 16 KB): a longer agent
    than any browser sends is a bot without asking it, so hostile agents cost linear time."""
    import time

    path = tmp_path / "access.log"
    lines = [b'203.0.113.%d - - [01/Dec/2026:10:00:%02d +0000] "GET /2026/post-01/ HTTP/1.1" 200 1 "-" "%s"'
             % (i, i, b"Mozilla/5.0 " + bytes([65 + i]) * (al.MAX_LINE - 200)) for i in range(20)]
    lines.append(b'203.0.113.9 - - [01/Dec/2026:10:01:00 +0000] "GET /2026/post-01/ HTTP/1.1" 200 1 "-" "'
                 + AGENTS[0] + b'"')
    path.write_bytes(b"\n".join(lines) + b"\n")
    began = time.process_time()
    result, _ = read_logs([path], SITE, None, timezone=UTC, today=date(2027, 1, 1))
    assert time.process_time() - began < 2
    assert result.bots == 20 and result.days["2026-12-01"]["views"] == {"uuid-1": 1}
