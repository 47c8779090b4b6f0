"""Reach across channels, as pure functions: the access logs' day counts → per-post and weekly figures.

scripts/stats_logs.py reads the logs into day counts (YYYY-MM-DD → views,
visitors, sources, feed figures); this module sums them per post and per week
for scripts/stats_report.py, and holds the one "people reached" rule:

    people reached ≈ unique email opens (Mailchimp)
                   + web visitors who did not arrive through an edition's link
                   (without email figures: every web visitor)

Visitors are counted per day (a person who comes back on another day counts
again), and a visitor from an email link already opened the email, so they are
left out of the web half. Feed subscribers are shown beside it, not added: a
feed reader shows the post without visiting the site, so nobody can tell which
subscriber read which post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from scripts.access_logs import EMAIL, SOURCE_GROUPS

TOP_SOURCES = 3
METHOD = (
    "People reached ≈ unique email opens (Mailchimp) + web visitors who did not arrive through an "
    "edition's link (those already opened the email). Visitors are counted once per day, from a hash "
    "of address and browser with a random key that is never stored, so a person who returns on "
    "another day counts again, and several people behind one address and browser count once. "
    "Without Mailchimp figures for a post, all its web visitors count. Opens are inflated by mail "
    "privacy features. Feed subscribers are shown "
    "separately and not added: a feed reader shows the post without visiting the site."
)


@dataclass
class WebPost:
    views: int = 0
    visitors: int = 0  # summed over days
    people: int = 0  # visitors not from an email link, summed over days
    sources: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, int] = field(default_factory=dict)

    def top_sources(self, n: int = TOP_SOURCES) -> list[tuple[str, int]]:
        return sorted(self.sources.items(), key=lambda kv: (-kv[1], SOURCE_GROUPS.index(kv[0])
                                                           if kv[0] in SOURCE_GROUPS else 99))[:n]


@dataclass
class Week:
    start: date
    views: int  # every page
    post_views: int
    visitors: int  # site visitors, summed over the week's days
    aggregator_subscribers: int  # the most each aggregator reported that week, summed
    direct_fetchers: int  # the most distinct direct fetchers on one day of the week


@dataclass
class Web:
    posts: dict[str, WebPost]
    weeks: list[Week]
    sources: list[tuple[str, int]]  # over every post view, largest first
    other_sites: list[tuple[str, int]]
    feeds: dict[str, dict[str, int]]  # feed → {aggregator: subscribers} in the latest week
    feed_direct: dict[str, int]  # feed → most distinct direct fetchers on a day of the latest week
    page_views: int
    other_page_views: int
    site_visitors: int  # summed over days
    first_day: str | None
    last_day: str | None
    bots: int
    ignored: int
    malformed: int
    files: list[str]

    @property
    def feed_subscribers(self) -> int:
        return sum(sum(v.values()) for v in self.feeds.values()) + sum(self.feed_direct.values())


def week_of(day: str) -> date:
    moment = date.fromisoformat(day)
    return moment - timedelta(days=moment.weekday())


def _new_week() -> dict:
    return {"views": 0, "post_views": 0, "visitors": 0, "subs": {}, "direct": 0, "feeds": {}, "direct_by": {}}


def _add_per_post(posts: dict[str, WebPost], by_post: dict, field: str, totals: dict[str, int]) -> None:
    """Add one day's {post: {group or host: n}} into each post's `field` and into `totals`
    (views of pages that are not posts, under "", count in neither)."""
    for key, inner in (by_post or {}).items():
        if not key:
            continue
        target = getattr(posts.setdefault(key, WebPost()), field)
        for name, n in inner.items():
            target[name] = target.get(name, 0) + n
            totals[name] = totals.get(name, 0) + n


def _add_day_to_posts(posts: dict[str, WebPost], counts: dict, totals: dict, hosts_total: dict) -> None:
    for name in ("views", "visitors", "people"):
        for key, n in (counts.get(name) or {}).items():
            if key:
                post = posts.setdefault(key, WebPost())
                setattr(post, name, getattr(post, name) + n)
    _add_per_post(posts, counts.get("sources"), "sources", totals)
    _add_per_post(posts, counts.get("hosts"), "hosts", hosts_total)


def _add_day_to_week(week: dict, counts: dict) -> None:
    views = counts.get("views") or {}
    day_views = sum(views.values())
    week["views"] += day_views
    week["post_views"] += day_views - views.get("", 0)
    week["visitors"] += int(counts.get("site_visitors") or 0)
    # Feed figures are the week's most (a subscriber count is a level, not a flow).
    for feed, names in (counts.get("subscribers") or {}).items():
        for name, n in names.items():
            week["subs"][(feed, name)] = max(week["subs"].get((feed, name), 0), n)
    fetchers = counts.get("fetchers") or {}
    week["direct"] = max(week["direct"], sum(fetchers.values()))
    for feed, n in fetchers.items():
        week["direct_by"][feed] = max(week["direct_by"].get(feed, 0), n)


def build_web(days: dict[str, dict], *, bots: int = 0, ignored: int = 0, malformed: int = 0,
              files: list[str] | None = None) -> Web:
    """Sum the day counts (see scripts/stats_logs.py DayTally.counts) per post and per week."""
    posts: dict[str, WebPost] = {}
    weeks: dict[date, dict] = {}
    totals: dict[str, int] = {}
    hosts_total: dict[str, int] = {}
    page_views = other_views = site_visitors = 0
    for day in sorted(days):
        counts = days[day]
        views = counts.get("views") or {}
        page_views += sum(views.values())
        other_views += views.get("", 0)
        site_visitors += int(counts.get("site_visitors") or 0)
        _add_day_to_week(weeks.setdefault(week_of(day), _new_week()), counts)
        _add_day_to_posts(posts, counts, totals, hosts_total)
    ordered = sorted(weeks)
    week_list = [Week(start, w["views"], w["post_views"], w["visitors"], sum(w["subs"].values()), w["direct"])
                 for start, w in ((s, weeks[s]) for s in ordered)]
    feeds: dict[str, dict[str, int]] = {}
    feed_direct: dict[str, int] = {}
    if ordered:
        latest = weeks[ordered[-1]]
        for (feed, name), n in latest["subs"].items():
            feeds.setdefault(feed, {})[name] = n
        feed_direct = dict(latest["direct_by"])
    return Web(
        posts=posts, weeks=week_list,
        sources=sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])),
        other_sites=sorted(hosts_total.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        feeds=feeds, feed_direct=feed_direct, page_views=page_views, other_page_views=other_views,
        site_visitors=site_visitors, first_day=min(days) if days else None,
        last_day=max(days) if days else None, bots=bots, ignored=ignored, malformed=malformed,
        files=list(files or []),
    )


def people_reached(unique_opens: int | None, web: WebPost | None) -> int:
    """The estimate of METHOD for one post (unique_opens None: no Mailchimp figures)."""
    if unique_opens is None:  # no email figures: a visitor from an email link is still a person reached
        return web.visitors if web else 0
    return unique_opens + (web.people if web else 0)


def from_email(web: WebPost | None) -> int:
    return (web.sources.get(EMAIL, 0) if web else 0)
