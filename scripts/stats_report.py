"""The reach report, as pure functions: send record + cached reports → model → HTML / text.

Nothing here fetches, reads the clock or writes a file: scripts/stats.py does
that and hands over plain data. `build_model()` joins the send record, the
cached Mailchimp reports and the posts' categories and tags into a `Report`;
`render_html()` turns it into one self-contained page (inline CSS and SVG, no
script, nothing loaded from elsewhere); `render_table()` into the compact
terminal table. The charts are drawn here as inline SVG by small functions, so
the report opens offline, prints, follows dark mode through CSS variables, and
needs no charting library or CDN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from scripts.stats_cache import describe_age, parse_time
from scripts.stats_reach import METHOD as REACH_METHOD

TEMPLATE_NAME = "report.html"
RANKED_POSTS = 10  # bars in the "ranked by engagement" chart; the table lists every post
RANKED_TAGS = 10
TOP_LINKS = 3

# Row states, in the words the report uses.
MEASURED = "measured"
DELETED = "deleted"  # Mailchimp answered 404: deleted or unknown campaign
UNFETCHED = "unfetched"  # sent through Mailchimp, but no report cached and none fetched
FAILED = "failed"  # the fetch failed and nothing is cached
OUTBOX = "outbox"
BASELINE = "baseline"
SCHEDULED = "scheduled"
HELD = "held"
WEB_ONLY = "web"  # a post on the site that the send record does not list (never emailed)

STATE_TEXT = {
    DELETED: "campaign deleted or unknown to Mailchimp (404)",
    UNFETCHED: "no report yet: set MAILCHIMP_API_KEY and run make stats",
    FAILED: "report could not be fetched",
    OUTBOX: "written to outbox/ — nobody was emailed",
    BASELINE: "marked as already sent — not emailed by Connected",
    SCHEDULED: "scheduled in Mailchimp, not sent yet",
    HELD: "held (unscheduled); release it with make publish RELEASE=…",
    WEB_ONLY: "not emailed: on the site only",
}


@dataclass
class PostRow:
    uuid: str
    title: str
    url: str
    sent_at: datetime | None
    backend: str
    status: str
    campaign_id: str | None
    state: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    emails_sent: int = 0
    unique_opens: int = 0
    open_rate: float = 0.0
    unique_clicks: int = 0
    click_rate: float = 0.0
    unsubscribed: int = 0
    bounces: int = 0
    links: list[dict] = field(default_factory=list)
    fetched_at: datetime | None = None
    web: Any = None  # scripts.stats_reach.WebPost when access logs were read

    @property
    def reached(self) -> int:
        """People reached (scripts/stats_reach.py METHOD): opens + web visitors not from email."""
        from scripts.stats_reach import people_reached

        return people_reached(self.unique_opens if self.measured else None, self.web)

    @property
    def measured(self) -> bool:
        return self.state == MEASURED

    @property
    def note(self) -> str:
        return STATE_TEXT.get(self.state, "")


@dataclass
class Breakdown:
    name: str
    posts: int
    emails_sent: int
    open_rate: float
    click_rate: float


@dataclass
class Report:
    generated_at: datetime
    site_name: str
    rows: list[PostRow]
    growth: list[tuple[str, int]]  # (YYYY-MM, subscribed at the end of that month)
    categories: list[Breakdown]
    tags: list[Breakdown]
    notices: list[str]
    oldest_fetch: datetime | None
    newest_fetch: datetime | None
    live: bool  # figures were (re)fetched in this run, or at least checked fresh
    timezone: Any = None
    web: Any = None  # scripts.stats_reach.Web, or None when no access log was read
    missing: list[str] = field(default_factory=list)  # what the report cannot show, and why

    @property
    def reach_rows(self) -> list[PostRow]:
        """Every post for the reach table: emailed ones and, with logs, those on the site only."""
        return [r for r in self.rows if r.status == "sent" or r.state == WEB_ONLY]

    @property
    def measured(self) -> list[PostRow]:
        return [r for r in self.rows if r.measured]

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def data_age(self) -> timedelta | None:
        return None if self.oldest_fetch is None else self.generated_at - self.oldest_fetch


# ------------------------------------------------------------------------------ model
def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float:
    try:
        number = float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def weighted(rows: list[PostRow], attr: str) -> float:
    """The mean of a per-post rate weighted by emails sent (a big send counts more)."""
    total = sum(r.emails_sent for r in rows)
    if total <= 0:
        return 0.0
    return sum(getattr(r, attr) * r.emails_sent for r in rows) / total


def _breakdown(groups: dict[str, list[PostRow]]) -> list[Breakdown]:
    out = [
        Breakdown(name, len(rows), sum(r.emails_sent for r in rows),
                  weighted(rows, "open_rate"), weighted(rows, "click_rate"))
        for name, rows in groups.items()
        if rows
    ]
    return sorted(out, key=lambda b: (-b.click_rate, -b.open_rate, b.name.lower()))


def apply_report(row: PostRow, cached: dict) -> None:
    """Fill a row's figures from one cache entry (see scripts/stats_cache.py)."""
    row.fetched_at = parse_time(cached.get("fetched_at"))
    if cached.get("state") == DELETED:
        row.state = DELETED
        return
    report = cached.get("report") or {}
    opens = report.get("opens") or {}
    clicks = report.get("clicks") or {}
    bounces = report.get("bounces") or {}
    row.state = MEASURED
    row.emails_sent = _int(report.get("emails_sent"))
    row.unique_opens = _int(opens.get("unique_opens"))
    row.open_rate = _float(opens.get("open_rate"))
    # Mailchimp's click rate counts subscribers who clicked, so the count shown next
    # to it is the same: unique_subscriber_clicks, not unique clicks per link.
    row.unique_clicks = _int(clicks.get("unique_subscriber_clicks"))
    row.click_rate = _float(clicks.get("click_rate"))
    row.unsubscribed = _int(report.get("unsubscribed"))
    row.bounces = sum(_int(bounces.get(k)) for k in ("hard_bounces", "soft_bounces", "syntax_errors"))
    links = [dict(link) for link in cached.get("links") or [] if isinstance(link, dict)]
    links.sort(key=lambda u: (-_int(u.get("unique_clicks")), -_int(u.get("total_clicks")),
                              str(u.get("url"))))
    row.links = links
    sent = parse_time(report.get("send_time"))
    if sent is not None:
        row.sent_at = sent


def _record_row(uuid: str, entry: dict, meta: dict, campaigns: dict, failed: set[str], web: Any) -> PostRow:
    """One post of the send record, in the state its backend, status and cached report give it."""
    backend = entry.get("backend") or ""
    status = entry.get("status") or ""
    campaign_id = entry.get("campaign_id") or None
    row = PostRow(
        uuid=uuid,
        title=entry.get("title") or meta.get("title") or uuid,
        url=entry.get("url") or meta.get("url") or "",
        sent_at=parse_time(entry.get("at")),
        backend=backend,
        status=status,
        campaign_id=campaign_id,
        state=UNFETCHED,
        category=meta.get("category"),
        tags=list(meta.get("tags") or []),
    )
    if status == "scheduled":
        row.state = SCHEDULED
    elif status == "held":
        row.state = HELD
    elif backend == "outbox":
        row.state = OUTBOX
    elif backend == "baseline" or not campaign_id:
        row.state = BASELINE
        if backend == "baseline" and meta.get("date"):
            # Marked as sent when the archive was taken in, not mailed then: the post's own
            # date places it (the baseline's day is the same for every imported post).
            row.sent_at = parse_time(meta.get("date")) or row.sent_at
    elif campaign_id in campaigns:
        apply_report(row, campaigns[campaign_id])
    elif campaign_id in failed:
        row.state = FAILED
    if web is not None:
        row.web = web.posts.get(uuid)
    return row


def _web_only_rows(web: Any, metadata: dict[str, dict], listed: set[str]) -> list[PostRow]:
    """Posts on the site that were never emailed: they still have readers."""
    rows = []
    for uuid, counts in web.posts.items():
        if uuid in listed:
            continue
        meta = metadata.get(uuid, {})
        rows.append(PostRow(uuid=uuid, title=meta.get("title") or uuid, url=meta.get("url") or "",
                            sent_at=parse_time(meta.get("date")), backend="", status="",
                            campaign_id=None, state=WEB_ONLY, category=meta.get("category"),
                            tags=list(meta.get("tags") or []), web=counts))
    return rows


def build_model(
    record: dict | None,
    cache: dict,
    metadata: dict[str, dict],
    *,
    now: datetime,
    site_name: str = "",
    notices: list[str] | None = None,
    failed: set[str] | None = None,
    live: bool = False,
    timezone: Any = None,
    web: Any = None,
    missing: list[str] | None = None,
) -> Report:
    """Join the send record, cached reports and post metadata into a Report.

    metadata: uuid → {"category": str | None, "tags": [str], "title": str, "url": str}.
    failed: campaign ids whose fetch failed in this run (shown from cache if cached).
    """
    failed = failed or set()
    campaigns = cache.get("campaigns") or {}
    rows = [_record_row(uuid, entry, metadata.get(uuid, {}), campaigns, failed, web)
            for uuid, entry in ((record or {}).get("posts") or {}).items()]
    if web is not None:
        rows.extend(_web_only_rows(web, metadata, {r.uuid for r in rows}))
    # Newest first; undated rows (a hand-edited record) last.
    rows.sort(key=lambda r: (r.sent_at is not None, r.sent_at or now), reverse=True)

    measured = [r for r in rows if r.measured]
    by_category: dict[str, list[PostRow]] = {}
    by_tag: dict[str, list[PostRow]] = {}
    for row in measured:
        by_category.setdefault(row.category or "Uncategorised", []).append(row)
        for tag in row.tags:
            by_tag.setdefault(tag, []).append(row)
    tags = sorted(_breakdown(by_tag), key=lambda b: (-b.posts, -b.click_rate, b.name.lower()))
    tags = sorted(tags[:RANKED_TAGS], key=lambda b: (-b.click_rate, -b.open_rate, b.name.lower()))

    growth: list[tuple[str, int]] = []
    cached_growth = cache.get("growth") or {}
    for month in cached_growth.get("history") or []:
        if isinstance(month, dict) and isinstance(month.get("month"), str):
            growth.append((month["month"], _int(month.get("subscribed"))))
    growth.sort()

    fetches = [r.fetched_at for r in rows if r.fetched_at and r.state in (MEASURED, DELETED)]
    growth_time = parse_time(cached_growth.get("fetched_at"))
    if growth_time is not None and growth:
        fetches.append(growth_time)
    return Report(
        generated_at=now,
        site_name=site_name,
        rows=rows,
        growth=growth,
        categories=_breakdown(by_category),
        tags=tags,
        notices=list(notices or []),
        oldest_fetch=min(fetches) if fetches else None,
        newest_fetch=max(fetches) if fetches else None,
        live=live,
        timezone=timezone,
        web=web,
        missing=list(missing or []),
    )


# ------------------------------------------------------------------------------ formatting
def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def tick_pct(value: float) -> str:
    """An axis label: 25%, 7.5%, 0.3% — no trailing .0."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def count(value: int) -> str:
    return f"{value:,}"


def day(moment: datetime | None, tz: Any = None) -> str:
    if moment is None:
        return "—"
    return (moment.astimezone(tz) if tz else moment).strftime("%Y-%m-%d")


def link_text(url: str) -> str:
    """A clicked URL as shown: without its scheme and "www.", shortened."""
    text = str(url or "").split("://", 1)[-1].removeprefix("www.")
    return shorten(text, 48)


def month_label(month: str) -> str:
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%b %Y")
    except ValueError:
        return month


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def age_sentence(report: Report) -> str:
    """How old the figures are, for the report header and the terminal."""
    if report.oldest_fetch is None:
        return "No Mailchimp figures have been fetched yet."
    oldest = describe_age(report.generated_at - report.oldest_fetch)
    newest = describe_age(report.generated_at - report.newest_fetch) if report.newest_fetch else oldest
    if oldest == newest:
        return f"Figures fetched from Mailchimp {oldest} ago."
    return f"Figures fetched from Mailchimp between {newest} and {oldest} ago."


# ------------------------------------------------------------------------------ SVG charts
# Charts are 340 user units wide: on a 375 px phone (about 320 px of chart) the text
# keeps about its nominal size, and on a desktop the CSS caps their width so they do
# not balloon.
WIDTH = 340


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k at or above value (a round axis maximum)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    # Steps whose quarters are round too (the axis has four gridlines above zero).
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        candidate = step * 10**exponent
        if candidate >= value * 0.999999:
            return candidate
    return 10 ** (exponent + 1)


def _svg_open(chart_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def line_chart(
    chart_id: str,
    points: list[tuple[float, float, str]],
    *,
    title: str,
    desc: str,
    x_labels: list[tuple[float, str]],
    y_format=tick_pct,
    series_class: str = "s1",
    area: bool = False,
) -> str:
    """A line chart: points are (x in 0..1, y value, tooltip); x_labels (x in 0..1, text)."""
    height = 190
    left, right, top, bottom = 40, 12, 12, 30
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    y_max = nice_ceiling(max((p[1] for p in points), default=0.0))
    out = _svg_open(chart_id, height, title, desc)

    def sx(x: float) -> float:
        return left + x * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y / y_max) * plot_h

    for i in range(5):
        value = y_max * i / 4
        y = sy(value)
        out.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{escape(y_format(value))}</text>")
    for x, text in x_labels:
        anchor = "start" if x < 0.08 else "end" if x > 0.92 else "middle"
        out.append(f'<text class="tick" x="{sx(x):.1f}" y="{height - 10}" '
                   f'text-anchor="{anchor}">{escape(text)}</text>')
    coords = [(sx(x), sy(y)) for x, y, _ in points]
    if len(coords) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
        if area:
            base = sy(0)
            out.append(f'<path class="area {series_class}" d="{path} L{coords[-1][0]:.1f},{base:.1f} '
                       f'L{coords[0][0]:.1f},{base:.1f} Z"/>')
        out.append(f'<path class="line {series_class}" d="{path}"/>')
    radius = 3.5 if len(coords) <= 40 else 2
    for (x, y), (_, _, tip) in zip(coords, points, strict=True):
        out.append(f'<circle class="dot {series_class}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}">'
                   f"<title>{escape(tip)}</title></circle>")
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    chart_id: str,
    bars: list[tuple[str, float, str]],
    *,
    title: str,
    desc: str,
    series_class: str = "s2",
) -> str:
    """Horizontal bars, each with its label on a line above: (label, value, value text)."""
    row_h = 36
    top = 6
    height = top + row_h * max(len(bars), 1) + 4
    label_x, value_room = 2, 140
    bar_w = WIDTH - label_x - value_room
    peak = max((b[1] for b in bars), default=0.0) or 1.0
    out = _svg_open(chart_id, height, title, desc)
    for i, (label, value, text) in enumerate(bars):
        y = top + i * row_h
        length = max(bar_w * value / peak, 2 if value > 0 else 0)
        out.append(f'<text class="label" x="{label_x}" y="{y + 12}">{escape(shorten(label, 46))}'
                   f"<title>{escape(label)}</title></text>")
        out.append(f'<rect class="bar {series_class}" x="{label_x}" y="{y + 17}" '
                   f'width="{length:.1f}" height="12" rx="2"><title>{escape(label)}: '
                   f"{escape(text)}</title></rect>")
        out.append(f'<text class="value" x="{label_x + length + 6:.1f}" y="{y + 27}">'
                   f"{escape(text)}</text>")
    out.append("</svg>")
    return "\n".join(out)


def _time_axis(moments: list[datetime], tz: Any) -> tuple[list[float], list[tuple[float, str]]]:
    """x positions (0..1) for moments, and up to four date labels."""
    first, last = min(moments), max(moments)
    span = (last - first).total_seconds()
    if span <= 0:
        xs = [0.5 for _ in moments]
        return xs, [(0.5, day(first, tz))]
    xs = [(m - first).total_seconds() / span for m in moments]
    labels = []
    for fraction in (0.0, 1 / 3, 2 / 3, 1.0):
        moment = first + timedelta(seconds=span * fraction)
        labels.append((fraction, (moment.astimezone(tz) if tz else moment).strftime("%-d %b %y")))
    if span < 86400 * 7:  # under a week: two labels do not collide or repeat
        labels = [labels[0], labels[-1]]
    return xs, labels


@dataclass
class Chart:
    """One chart and its table fallback, ready for the template."""

    id: str
    heading: str
    caption: str
    svg: str
    columns: list[str]
    data: list[list[str]]


def charts(report: Report) -> list[Chart]:
    """The email charts, each from its named builder (None when it has nothing to show)."""
    timed = sorted((r for r in report.measured if r.sent_at), key=lambda r: r.sent_at)
    built = [
        _rate_chart(timed, report.timezone, "chart-opens", "Open rate per post",
                    "Unique opens ÷ delivered, by send date. Inflated by mail privacy features (see note).",
                    "open_rate", "opened", "s1"),
        _rate_chart(timed, report.timezone, "chart-clicks", "Click rate per post",
                    "Subscribers who clicked a link ÷ delivered, by send date.", "click_rate", "clicked", "s2"),
        _audience_chart(report.growth),
        _ranked_chart(ranked_rows(report)),
        _breakdown_chart("category", report.categories),
        _breakdown_chart("tag", report.tags),
    ]
    return [chart for chart in built if chart is not None]


def _rate_chart(timed: list[PostRow], tz: Any, chart_id: str, heading: str, note: str, attr: str, verb: str,
                series: str) -> Chart | None:
    """A rate (open or click) per post over the send dates."""
    if not timed:
        return None
    xs, labels = _time_axis([r.sent_at for r in timed], tz)
    rates = [getattr(r, attr) for r in timed]
    noun = heading.split(" per ")[0].lower()
    span = f"{noun}s from {pct(min(rates))} to {pct(max(rates))}."
    first, last = day(timed[0].sent_at, tz), day(timed[-1].sent_at, tz)
    desc = (f"{len(timed)} posts from {first} to {last}; {span}" if attr == "open_rate"
            else f"{len(timed)} posts; {span}")
    return Chart(
        chart_id, heading, note,
        line_chart(
            chart_id,
            [(x, rate, f"{r.title} — {day(r.sent_at, tz)}: {pct(rate)} {verb}")
             for x, r, rate in zip(xs, timed, rates, strict=True)],
            title=f"{heading} over time", desc=desc, x_labels=labels, series_class=series,
        ),
        ["Sent", "Post", "Open rate", "Click rate"],
        [[day(r.sent_at, tz), r.title, pct(r.open_rate), pct(r.click_rate)] for r in timed],
    )


def _audience_chart(months: list[tuple[str, int]]) -> Chart | None:
    """Subscribed members at the end of each month."""
    if not months:
        return None
    n = len(months)
    points = [((i / (n - 1)) if n > 1 else 0.5, float(size), f"{month_label(m)}: {count(size)} subscribed")
              for i, (m, size) in enumerate(months)]
    picks = sorted({0, n // 3, (2 * n) // 3, n - 1}) if n > 1 else [0]
    x_labels = [(points[i][0], month_label(months[i][0])) for i in picks]
    return Chart(
        "chart-audience", "Audience size",
        "Subscribed members at the end of each month (Mailchimp growth history).",
        line_chart(
            "chart-audience", points,
            title="Audience size over time",
            desc=f"From {count(months[0][1])} subscribers in {month_label(months[0][0])} to "
                 f"{count(months[-1][1])} in {month_label(months[-1][0])}.",
            x_labels=x_labels, y_format=lambda v: count(int(round(v))), series_class="s3",
            area=True,
        ),
        ["Month", "Subscribed"],
        [[month_label(m), count(size)] for m, size in months],
    )


def _ranked_chart(ranked: list[PostRow]) -> Chart | None:
    """The posts by click rate, the top RANKED_POSTS drawn, every one in the table."""
    if not ranked:
        return None
    shown = ranked[:RANKED_POSTS]
    heading = "Posts ranked by engagement"
    if len(ranked) > len(shown):
        heading = f"Top {len(shown)} posts by engagement"
    return Chart(
        "chart-ranked", heading,
        "Ranked by click rate (clicks are a truer signal than opens); open rate breaks ties.",
        bar_chart(
            "chart-ranked",
            [(r.title, r.click_rate, f"{pct(r.click_rate)} · opens {pct(r.open_rate)}") for r in shown],
            title=heading,
            desc="Click rate per post, highest first: "
                 + "; ".join(f"{r.title} {pct(r.click_rate)}" for r in shown[:5]) + ".",
            series_class="s2",
        ),
        ["Rank", "Post", "Click rate", "Open rate"],
        [[str(i), r.title, pct(r.click_rate), pct(r.open_rate)] for i, r in enumerate(ranked, 1)],
    )


def _breakdown_chart(kind: str, items: list) -> Chart | None:
    """Engagement per category or per tag, weighted by emails sent."""
    if not items:
        return None
    chart_id = f"chart-{kind}"
    return Chart(
        chart_id, "By category" if kind == "category" else "By tag",
        f"Click rate of the posts in each {kind}, weighted by emails sent"
        + (f"; the {RANKED_TAGS} most used tags." if kind == "tag" else "."),
        bar_chart(
            chart_id,
            [(f"{b.name} ({b.posts} post{'s' if b.posts != 1 else ''})", b.click_rate,
              f"{pct(b.click_rate)} · opens {pct(b.open_rate)}") for b in items],
            title=f"Engagement by {kind}",
            desc="; ".join(f"{b.name}: clicks {pct(b.click_rate)}, opens {pct(b.open_rate)}"
                           for b in items) + ".",
            series_class="s4",
        ),
        [kind.capitalize(), "Posts", "Emails sent", "Open rate", "Click rate"],
        [[b.name, str(b.posts), count(b.emails_sent), pct(b.open_rate), pct(b.click_rate)]
         for b in items],
    )


def ranked_rows(report: Report) -> list[PostRow]:
    return sorted(report.measured, key=lambda r: (-r.click_rate, -r.open_rate, r.title.lower()))


# ------------------------------------------------------------------------------ summary
@dataclass
class Card:
    label: str
    value: str
    detail: str = ""


def cards(report: Report) -> list[Card]:
    measured = report.measured
    out: list[Card] = []
    if report.growth:
        latest = report.growth[-1][1]
        detail = f"end of {month_label(report.growth[-1][0])}"
        if len(report.growth) > 1:
            change = latest - report.growth[-2][1]
            detail += f" · {change:+,} since {month_label(report.growth[-2][0])}"
        out.append(Card("Audience", count(latest), detail))
    sent = [r for r in report.rows if r.status == "sent"]
    out.append(Card("Posts sent", count(len(sent)),
                    f"{len(measured)} with Mailchimp figures" if measured else "no Mailchimp figures yet"))
    if measured:
        out.append(Card("Open rate", pct(weighted(measured, "open_rate")),
                        "across posts, weighted by sends (inflated, see note)"))
        out.append(Card("Click rate", pct(weighted(measured, "click_rate")),
                        "across posts, weighted by sends"))
        out.append(Card("Unique clicks", count(sum(r.unique_clicks for r in measured)),
                        f"emails sent: {count(sum(r.emails_sent for r in measured))}"))
        out.append(Card("Unsubscribes", count(sum(r.unsubscribed for r in measured)),
                        f"bounces: {count(sum(r.bounces for r in measured))}"))
    return out


# ------------------------------------------------------------------------------ reach across channels
def week_label(start) -> str:
    return start.strftime("%-d %b %y")


def reach_charts(report: Report) -> list[Chart]:
    """Views per week, sources of post views, feed subscribers per week (access logs)."""
    web = report.web
    if web is None or not web.weeks:
        return []
    out: list[Chart] = []
    weeks = web.weeks
    n = len(weeks)

    def xs(i: int) -> float:
        return (i / (n - 1)) if n > 1 else 0.5

    picks = sorted({0, n // 3, (2 * n) // 3, n - 1}) if n > 1 else [0]
    labels = [(xs(i), week_label(weeks[i].start)) for i in picks]
    whole = lambda v: count(int(round(v)))  # noqa: E731 - an axis formatter
    out.append(Chart(
        "chart-views", "Page views per week",
        "Views of every page on the site by people (bots excluded), per week from Monday.",
        line_chart(
            "chart-views",
            [(xs(i), float(w.views), f"Week of {week_label(w.start)}: {count(w.views)} views, "
              f"{count(w.post_views)} of posts") for i, w in enumerate(weeks)],
            title="Page views per week",
            desc=f"{n} week{'s' if n != 1 else ''} from {week_label(weeks[0].start)}; "
                 f"from {count(min(w.views for w in weeks))} to {count(max(w.views for w in weeks))} "
                 "views a week.",
            x_labels=labels, y_format=whole, series_class="s1", area=True,
        ),
        ["Week of", "Page views", "Post views", "Visitors (per day, summed)"],
        [[week_label(w.start), count(w.views), count(w.post_views), count(w.visitors)] for w in weeks],
    ))
    if web.sources:
        total = sum(v for _, v in web.sources) or 1
        out.append(Chart(
            "chart-sources", "Where post views come from",
            "Views of posts by source: the edition's ?ref=newsletter links, the referring site, or none.",
            bar_chart(
                "chart-sources",
                [(group, float(views), f"{count(views)} · {pct(views / total)}") for group, views in web.sources],
                title="Post views by source",
                desc="; ".join(f"{g}: {count(v)}" for g, v in web.sources) + ".",
                series_class="s2",
            ),
            ["Source", "Post views", "Share"],
            [[g, count(v), pct(v / total)] for g, v in web.sources],
        ))
    if any(w.aggregator_subscribers or w.direct_fetchers for w in weeks):
        out.append(Chart(
            "chart-feeds", "Feed subscribers per week",
            "Subscribers that aggregators (Feedly, Inoreader, NewsBlur …) report, plus distinct direct "
            "feed readers on the busiest day of the week.",
            line_chart(
                "chart-feeds",
                [(xs(i), float(w.aggregator_subscribers + w.direct_fetchers),
                  f"Week of {week_label(w.start)}: {count(w.aggregator_subscribers)} via aggregators + "
                  f"{count(w.direct_fetchers)} direct") for i, w in enumerate(weeks)],
                title="Feed subscribers per week",
                desc=f"From {count(weeks[0].aggregator_subscribers + weeks[0].direct_fetchers)} to "
                     f"{count(weeks[-1].aggregator_subscribers + weeks[-1].direct_fetchers)} feed subscribers.",
                x_labels=labels, y_format=whole, series_class="s3", area=True,
            ),
            ["Week of", "Via aggregators", "Direct readers", "Total"],
            [[week_label(w.start), count(w.aggregator_subscribers), count(w.direct_fetchers),
              count(w.aggregator_subscribers + w.direct_fetchers)] for w in weeks],
        ))
    return out


def reach_cards(report: Report) -> list[Card]:
    web = report.web
    if web is None:
        return []
    rows = report.reach_rows
    out = [
        Card("People reached", count(sum(r.reached for r in rows)), "estimate, across posts (method below)"),
        Card("Page views", count(web.page_views), f"{count(web.page_views - web.other_page_views)} of posts"),
        Card("Visitors", count(web.site_visitors), "per day, summed"),
        Card("Feed subscribers", count(web.feed_subscribers), "latest week, aggregators + direct"),
        Card("Bot requests", count(web.bots), "excluded from every figure"),
    ]
    return out


def source_text(row: PostRow) -> str:
    if not row.web:
        return ""
    return ", ".join(f"{g} {count(n)}" for g, n in row.web.top_sources())


def logs_sentence(report: Report) -> str:
    web = report.web
    if web is None:
        return ""
    span = f"from {web.first_day} to {web.last_day}" if web.first_day else "with no dated request yet"
    return (f"Web figures from {len(web.files)} access log file{'s' if len(web.files) != 1 else ''}, "
            f"{span}. Excluded: {count(web.bots)} requests by bots and crawlers (crawlerdetect's list), "
            f"{count(web.ignored)} requests for assets, errors, redirects or with another method than GET; "
            f"{count(web.malformed)} malformed line{'s' if web.malformed != 1 else ''} skipped.")


# ------------------------------------------------------------------------------ HTML
def _environment(template_dir: Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["count"] = count
    env.filters["shorten"] = shorten
    env.filters["link_text"] = link_text
    return env


def site_palette(site_css: Path) -> str:
    """The site's colour and font variables (its `:root` rules, light and dark) as CSS text.

    The report opens offline as one file, so it cannot link the site's stylesheet; it
    carries the same palette by taking these rules out of the theme's site.css (parsed
    with tinycss2), so a writer who recolours the site recolours the report too.
    """
    import tinycss2

    try:
        text = site_css.read_text(encoding="utf-8")
    except OSError:
        return ""  # without it the page keeps the browser's default colours, still readable
    kept = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == ":root":
            kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            if "prefers-color-scheme" in tinycss2.serialize(rule.prelude) and all(
                r.type == "qualified-rule" and tinycss2.serialize(r.prelude).strip() == ":root"
                for r in inner
            ):
                kept.append(rule)
    return "\n".join(tinycss2.serialize([rule]) for rule in kept)


def render_html(report: Report, template_dir: Path) -> str:
    """The whole report page as one string (CSS and SVG inline)."""
    from markupsafe import Markup

    env = _environment(Path(template_dir))
    # theme/templates/report/ → theme/static/css/site.css of the same theme.
    palette = site_palette(Path(template_dir).parent.parent / "static" / "css" / "site.css")
    template = env.get_template(TEMPLATE_NAME)
    chart_list = charts(report)
    web_charts = reach_charts(report)
    for chart in chart_list + web_charts:
        chart.svg = Markup(chart.svg)  # built by this module, every text escaped above
    tz = report.timezone
    return template.render(
        report=report,
        palette=Markup(palette.replace("</", "<\\/")),  # the theme's own CSS; never closes <style>
        cards=cards(report),
        charts=chart_list,
        measured_rows=[r for r in report.rows if r.measured or r.state in (DELETED, UNFETCHED, FAILED)],
        other_rows=[r for r in report.rows if r.state in (OUTBOX, BASELINE, SCHEDULED, HELD)],
        age=age_sentence(report),
        generated=report.generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if tz
        else report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        day=lambda m: day(m, tz),
        top_links=TOP_LINKS,
        states={"measured": MEASURED, "deleted": DELETED},
        reach_cards=reach_cards(report),
        reach_charts=web_charts,
        reach_rows=report.reach_rows,
        reach_method=REACH_METHOD,
        logs_sentence=logs_sentence(report),
        source_text=source_text,
    )


# ------------------------------------------------------------------------------ terminal
TABLE_COLUMNS = ("Sent", "Post", "Emails", "Opens", "Open%", "Clicks", "Click%", "Unsub", "Bounce")


def table_rows(report: Report) -> list[list[str]]:
    """The terminal table's cells, one list per post (also what the tests compare)."""
    rows = []
    for r in report.rows:
        if r.measured:
            rows.append([day(r.sent_at, report.timezone), r.title, count(r.emails_sent),
                         count(r.unique_opens), pct(r.open_rate), count(r.unique_clicks),
                         pct(r.click_rate), count(r.unsubscribed), count(r.bounces)])
        else:
            rows.append([day(r.sent_at, report.timezone), r.title, *([""] * 7), r.note])
    return rows


REACH_COLUMNS = ("Sent", "Post", "Emails", "Opens", "Clicks", "Views", "Visitors", "Top source", "Reached")


def reach_table_rows(report: Report) -> list[list[str]]:
    """With access logs: the terminal table's cells per post, email and web side by side."""
    rows = []
    for r in report.reach_rows:
        mail = [count(r.emails_sent), count(r.unique_opens), count(r.unique_clicks)] if r.measured \
            else ["—", "—", "—"]
        top = r.web.top_sources(1) if r.web else []
        web = [count(r.web.views), count(r.web.visitors)] if r.web else ["0", "0"]
        when = "not sent" if r.state == WEB_ONLY else day(r.sent_at, report.timezone)
        rows.append([when, r.title, *mail, *web,
                     f"{top[0][0]} {count(top[0][1])}" if top else "—", count(r.reached)])
    return rows


def render_reach_table(report: Report, *, title_width: int = 34) -> str:
    body = reach_table_rows(report)
    cells = [list(REACH_COLUMNS)] + [[row[0], shorten(row[1], title_width), *row[2:]] for row in body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(REACH_COLUMNS))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(c.ljust(widths[i]) if i in (0, 1, 7) else c.rjust(widths[i])
                               for i, c in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    web = report.web
    lines.append("")
    how = ("unique opens + web visitors not from an email link" if report.measured
           else "web visitors: no email figures")
    lines.append(f"People reached, across posts: {count(sum(r.reached for r in report.reach_rows))} "
                 f"({how}; see the report for the method).")
    lines.append(f"Web: {count(web.page_views)} page views, {count(web.site_visitors)} visitors (per day, "
                 f"summed); feed subscribers {count(web.feed_subscribers)} in the latest week.")
    lines.append(f"Excluded: {count(web.bots)} bot requests; {count(web.ignored)} asset, error or non-GET "
                 f"requests; {count(web.malformed)} malformed lines skipped.")
    if not report.measured:
        lines.append("Email columns show — : no Mailchimp figures (see the note below).")
    return "\n".join(lines)


def render_table(report: Report, *, title_width: int = 34) -> str:
    """A compact, aligned text table of the same numbers as the HTML report."""
    if report.web is not None and report.reach_rows:
        return render_reach_table(report, title_width=title_width)
    if report.empty:
        return "The send record lists no posts yet: nothing has been sent, so there is nothing to report."
    if not report.measured:
        # Nothing measured: the figure columns would all be blank.
        width = max(len(shorten(r.title, title_width)) for r in report.rows)
        lines = [f"{'Sent':<10}  {'Post':<{width}}  How", f"{'-' * 10}  {'-' * width}  ---"]
        for r in report.rows:
            lines.append(f"{day(r.sent_at, report.timezone):<10}  "
                         f"{shorten(r.title, title_width):<{width}}  {r.backend}: {r.note}")
        return "\n".join(lines)
    body = table_rows(report)
    cells = [list(TABLE_COLUMNS)] + [[*row[:1], shorten(row[1], title_width), *row[2:9]] for row in body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(TABLE_COLUMNS))]
    lines = []
    for index, row in enumerate(cells):
        note = body[index - 1][9] if index > 0 and len(body[index - 1]) > 9 else ""
        parts = []
        for i, cell in enumerate(row):
            parts.append(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]))
        line = "  ".join(parts).rstrip()
        if note:
            line = "  ".join(parts[:2]).rstrip().ljust(sum(widths[:2]) + 2) + "  " + note
        lines.append(line)
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    measured = report.measured
    if measured:
        lines.append("")
        lines.append(
            f"Across {len(measured)} post(s), weighted by sends: open rate "
            f"{pct(weighted(measured, 'open_rate'))}, click rate {pct(weighted(measured, 'click_rate'))}."
        )
    if report.growth:
        month, size = report.growth[-1]
        lines.append(f"Audience: {count(size)} subscribed at the end of {month_label(month)}.")
    return "\n".join(lines)
