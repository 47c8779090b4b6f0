"""Access-log lines for the reach tests, written as nginx and Apache would write them.

`line(...)` builds one combined-format line; `known_logs(dir)` writes the three
files of a rotated log (access.log.2.gz, access.log.1, access.log) whose every
figure the tests know by construction (EXPECTED), for the 30-post project of
stats_testkit (posts at /2026/post-NN/, feeds under /feeds/).
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
AHREFS = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"
NETNEWSWIRE = "NetNewsWire (RSS Reader; https://netnewswire.com/)"


def feedly(n: int) -> str:
    return f"Feedly/1.0 (+http://www.feedly.com/fetcher.html; {n} subscribers; like FeedFetcher-Google)"


def stamp(moment: datetime) -> str:
    return moment.strftime("%d/%b/%Y:%H:%M:%S %z")


def line(addr: str, moment: datetime, path: str, *, status: int = 200, referrer: str = "-",
         agent: str = CHROME, method: str = "GET", size: int = 5120) -> str:
    return (f'{addr} - - [{stamp(moment)}] "{method} {path} HTTP/1.1" {status} {size} '
            f'"{referrer}" "{agent}"\n')


def at(day: int, hour: int, minute: int = 0, offset_hours: float = 0) -> datetime:
    """A moment in November 2026 written with the given UTC offset (London is UTC+0 then)."""
    zone = timezone(timedelta(hours=offset_hours))
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC).astimezone(zone)


V1 = "203.0.113.10"
V2 = "198.51.100.7"
V3 = "2001:db8::1f"  # IPv6


def day_a() -> str:
    """20 Nov 2026 (a Friday, week of 16 Nov)."""
    rows = [
        # post-00: 5 views by 3 visitors (V1 three times), from LinkedIn, lnkd.in, the newsletter,
        # Google and nowhere.
        line(V1, at(20, 9), "/2026/post-00/", referrer="https://www.linkedin.com/feed/"),
        line(V1, at(20, 9, 5), "/2026/post-00/", referrer="https://lnkd.in/eXaMpLe"),
        line(V1, at(20, 10), "/2026/post-00/?ref=newsletter"),
        line(V2, at(20, 11), "/2026/post-00/index.html", referrer="https://www.google.co.uk/", agent=FIREFOX),
        # written in another zone: 00:30 +0200 on the 21st is 22:30 UTC on the 20th
        line(V3, at(20, 22, 30, offset_hours=2), "/2026/post-00/", agent=IPHONE),
        # post-01: 1 view from another site
        line(V2, at(20, 12), "/2026/post-01/", referrer="https://news.example.org/item?id=1", agent=FIREFOX),
        # the home page: a page that is not a post
        line(V2, at(20, 12, 1), "/", agent=FIREFOX),
        # bots: excluded (3)
        line("66.249.66.1", at(20, 3), "/2026/post-00/", agent=GOOGLEBOT),
        line("66.249.66.1", at(20, 4), "/2026/post-01/", agent=GOOGLEBOT),
        line("54.36.148.1", at(20, 5), "/2026/post-00/", agent=AHREFS),
        # ignored (5): assets, a 404, a POST, a redirect
        line(V1, at(20, 9, 1), "/theme/css/style.css", referrer="https://example.com/2026/post-00/"),
        line(V1, at(20, 9, 1), "/images/network-map.png"),
        line(V1, at(20, 9, 2), "/wp-login.php", status=404),
        line(V1, at(20, 9, 3), "/2026/post-00/", method="POST"),
        line(V1, at(20, 9, 4), "/2026/post-00", status=301),
        # feeds: Feedly says 42 then 45 subscribers (the day's most: 45)
        line("64.6.1.1", at(20, 6), "/feeds/all.atom.xml", agent=feedly(42)),
        line("64.6.1.1", at(20, 18), "/feeds/all.atom.xml", agent=feedly(45), status=304),
        # malformed (2)
        "this is not a log line\n",
        f'{V1} - - [{stamp(at(20, 13))}] "GET /2026/post-00/ HTTP/1.1"\n',
    ]
    return "".join(rows)


def day_b() -> str:
    """21 Nov 2026 (Saturday): V1 returns (a visitor again, on a new day)."""
    return "".join([
        # 23:30 -0500 on the 20th is 04:30 UTC on the 21st: a line of day B
        line(V1, at(21, 4, 30, offset_hours=-5), "/2026/post-00/"),
        line(V1, at(21, 8), "/2026/post-02/", referrer="https://duckduckgo.com/"),
        line(V2, at(21, 9), "/2026/post-02/", referrer="https://mail.google.com/", agent=FIREFOX),
        # Apache writes a quote inside the agent as \"
        f'{V3} - - [{stamp(at(21, 10))}] "GET /2026/post-02/ HTTP/1.1" 200 100 "-" '
        f'"Mozilla/5.0 (\\"quoted\\") Firefox/133.0"\n',
    ])


def day_c() -> str:
    """24 Nov 2026 (Tuesday, week of 23 Nov): feeds and one view."""
    return "".join([
        line("64.6.1.1", at(24, 6), "/feeds/all.atom.xml", agent=feedly(47)),
        line("64.6.1.2", at(24, 7), "/feeds/all.rss.xml",
             agent="Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; 7 subscribers)"),
        line("64.6.1.3", at(24, 8), "/feeds/all.atom.xml",
             agent="NewsBlur Feed Fetcher - 5 subscribers - https://www.newsblur.com/site/1/x"),
        line(V1, at(24, 9), "/feeds/all.atom.xml", agent=NETNEWSWIRE),
        line(V1, at(24, 15), "/feeds/all.atom.xml", agent=NETNEWSWIRE, status=304),
        line(V2, at(24, 9), "/feeds/all.atom.xml", agent=NETNEWSWIRE),
        line("66.249.66.1", at(24, 9), "/feeds/all.atom.xml", agent=GOOGLEBOT),  # a bot (4th)
        line(V2, at(24, 10), "/2026/post-01/", referrer="https://www.bing.com/", agent=FIREFOX),
    ])


# What the three files hold, counted by hand from the lines above.
EXPECTED = {
    "post-00": {"views": 6, "visitors": 4, "people": 4, "sources": {"LinkedIn": 2, "Direct": 2, "Email": 1,
                                                                    "Search engines": 1}},
    # post-00 visitors: day A V1, V2, V3 (3) + day B V1 (1) = 4; V1's email view is not a person
    # reached on its own (V1 also came from LinkedIn that day), so people = 4.
    "post-01": {"views": 2, "visitors": 2, "people": 2, "sources": {"Other sites": 1, "Search engines": 1}},
    "post-02": {"views": 3, "visitors": 3, "people": 2, "sources": {"Search engines": 1, "Email": 1,
                                                                    "Direct": 1}},
    "page_views": 12,  # 11 post views + the home page
    "site_visitors": 7,  # day A: V1, V2, V3; day B: V1, V2, V3; day C: V2
    "reached": 9,  # no Mailchimp figures: every visitor, 4 + 2 + 3
    "bots": 4,
    "ignored": 5,
    "malformed": 2,
    # latest week (23 Nov): Feedly 47 + Inoreader 7 + NewsBlur 5 + 2 direct NetNewsWire fetchers
    "feed_subscribers": 61,
}


def known_logs(directory: Path) -> list[Path]:
    """access.log.2.gz (day A), access.log.1 (day B), access.log (day C), oldest first."""
    directory.mkdir(parents=True, exist_ok=True)
    oldest = directory / "access.log.2.gz"
    with gzip.open(oldest, "wb") as f:
        f.write(day_a().encode())
    (directory / "access.log.1").write_text(day_b(), encoding="utf-8")
    (directory / "access.log").write_text(day_c(), encoding="utf-8")
    import os

    for age, name in ((3, "access.log.2.gz"), (2, "access.log.1"), (1, "access.log")):
        stamp_ = datetime(2026, 11, 26, tzinfo=UTC).timestamp() - age * 86400
        os.utime(directory / name, (stamp_, stamp_))
    return [oldest, directory / "access.log.1", directory / "access.log"]
