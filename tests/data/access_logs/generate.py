"""Writes the sample access logs of the shipped sample site (seeded: the same bytes every time).

    .venv/bin/python -m tests.data.access_logs.generate [DIR]

access.log.2.gz (11 Aug – 28 Nov 2026), access.log.1 (29 Nov) and access.log
(30 Nov), as nginx writes them on a server in Europe/London (+0100 in summer,
+0000 from 25 Oct): visits to the sample's five published posts (not the draft) from LinkedIn, search,
the newsletter's ?ref=newsletter links and elsewhere, crawlers, assets, 404s,
feed polls by Feedly, Inoreader and NewsBlur (with their subscriber counts)
and by NetNewsWire, and a few malformed lines. `generate()` also returns its
ledger: what it wrote, counted as it wrote it, for tests/scripts/stats/test_stats_sample_site.py.
"""

from __future__ import annotations

import gzip
import random
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
POSTS = {  # slug → published (from the sample's content/posts)
    "network-before-you-need-it": date(2026, 8, 11),
    "keeping-in-touch-with-former-colleagues": date(2026, 9, 1),
    "why-write-a-newsletter": date(2026, 9, 29),
    "asking-for-and-giving-referrals": date(2026, 10, 27),
    "interview-follow-up": date(2026, 11, 19),
}
NOT_EMAILED = {"interview-follow-up"}  # newer than the sample's send record: no edition links to it
FIRST, LAST = date(2026, 8, 11), date(2026, 11, 30)
SOURCES = [("https://www.linkedin.com/feed/", "LinkedIn"), ("https://lnkd.in/gS4mpl3", "LinkedIn"),
           ("https://www.google.com/", "Search engines"), ("https://duckduckgo.com/", "Search engines"),
           ("-", "Direct"), ("-", "Direct"), ("https://news.example.net/links", "Other sites")]
AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"]
BST_ENDS = date(2026, 10, 25)


def _zone(day: date) -> timezone:
    return timezone(timedelta(hours=1 if day < BST_ENDS else 0))


def _stamp(day: date, seconds: int) -> str:
    moment = datetime(day.year, day.month, day.day, tzinfo=_zone(day)) + timedelta(seconds=seconds)
    return moment.strftime("%d/%b/%Y:%H:%M:%S %z")


def _line(addr, day, seconds, path, agent, referrer="-", status=200):
    return f'{addr} - - [{_stamp(day, seconds)}] "GET {path} HTTP/1.1" {status} 4096 "{referrer}" "{agent}"'


def generate(directory: Path = HERE) -> dict:
    rng = random.Random(20261130)
    ledger = {"views": {slug: 0 for slug in POSTS}, "sources": {}, "bots": 0, "malformed": 0,
              "feedly": 0, "inoreader": 0, "newsblur": 0}
    days: dict[date, list[str]] = {}
    day = FIRST
    while day <= LAST:
        rows: list[tuple[int, str]] = []
        for slug, published in POSTS.items():
            if published > day:
                continue
            age = (day - published).days
            visits = max(0, int(rng.gauss(6 if age < 7 else 1.5, 1.2)))
            for _ in range(visits):
                addr = f"203.0.113.{rng.randint(1, 120)}"
                agent = rng.choice(AGENTS)
                seconds = rng.randint(0, 86399)
                if age < 4 and slug not in NOT_EMAILED and rng.random() < 0.4:
                    path, referrer, group = f"/2026/{slug}/?ref=newsletter", "-", "Email"
                else:
                    (referrer, group), path = rng.choice(SOURCES), f"/2026/{slug}/"
                rows.append((seconds, _line(addr, day, seconds, path, agent, referrer)))
                rows.append((seconds + 1, _line(addr, day, seconds + 1, "/theme/css/style.css", agent,
                                                f"https://your-name.example/2026/{slug}/")))
                ledger["views"][slug] += 1
                ledger["sources"][group] = ledger["sources"].get(group, 0) + 1
        for _ in range(rng.randint(1, 4)):
            seconds = rng.randint(0, 86399)
            rows.append((seconds, _line("66.249.66.1", day, seconds, f"/2026/{rng.choice(list(POSTS))}/",
                                        rng.choice(BOTS))))
            ledger["bots"] += 1
        if rng.random() < 0.3:
            seconds = rng.randint(0, 86399)
            rows.append((seconds, _line("192.0.2.66", day, seconds, "/wp-login.php", AGENTS[1], status=404)))
        weeks = (day - FIRST).days / 7
        feedly, inoreader, newsblur = 20 + int(weeks * 2.5), 3 + int(weeks * 0.6), 2 + int(weeks // 5)
        for hour in (2, 14):
            rows.append((hour * 3600, _line("64.6.1.1", day, hour * 3600, "/feeds/all.atom.xml",
                                            f"Feedly/1.0 (+http://www.feedly.com/fetcher.html; {feedly} subscribers; "
                                            "like FeedFetcher-Google)")))
        rows.append((5 * 3600, _line("64.6.1.2", day, 5 * 3600, "/feeds/all.rss.xml",
                                     f"Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; "
                                     f"{inoreader} subscribers)")))
        rows.append((6 * 3600, _line("64.6.1.3", day, 6 * 3600, "/feeds/all.atom.xml",
                                     f"NewsBlur Feed Fetcher - {newsblur} subscribers - https://www.newsblur.com/")))
        for reader in range(rng.randint(1, 3)):
            rows.append((8 * 3600 + reader, _line(f"198.51.100.{reader + 1}", day, 8 * 3600 + reader,
                                                  "/feeds/all.atom.xml",
                                                  "NetNewsWire (RSS Reader; https://netnewswire.com/)")))
        if rng.random() < 0.05:
            rows.append((43200, "\x16\x03\x01 malformed TLS hello on the plain port"))
            ledger["malformed"] += 1
        ledger["feedly"], ledger["inoreader"], ledger["newsblur"] = feedly, inoreader, newsblur
        days[day] = [text for _, text in sorted(rows)]
        day += timedelta(days=1)
    directory.mkdir(parents=True, exist_ok=True)
    older = "".join(line + "\n" for d, rows_ in days.items() if d < date(2026, 11, 29) for line in rows_)
    # mtime=0: the gzip header carries no date, so the file's bytes are the same every time.
    with open(directory / "access.log.2.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(older.encode())
    (directory / "access.log.1").write_text("".join(r + "\n" for r in days[date(2026, 11, 29)]), encoding="utf-8")
    (directory / "access.log").write_text("".join(r + "\n" for r in days[date(2026, 11, 30)]), encoding="utf-8")
    return ledger


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(generate(target))
