"""A throw-away project and a canned Mailchimp account for the reach-report tests.

`make_stats_project(tmp_path, n)` writes n posts (with Uuid, category and tags)
under tmp_path/content and a settings file that imports the shipped sample's pelicanconf.py
and points the send record and the STATS paths into tmp_path. `CannedAccount`
puts one sent campaign per post on a FakeMailchimp with deterministic figures,
click details and growth history, and writes the matching send record; the tests
compare what the report shows against `expected(...)` computed from the same
numbers, never against our own code's output.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[3]
# The shipped sample's settings, never the working copy's (the writer's own).
SAMPLE = ROOT / "tests" / "data" / "sample_site"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CATEGORIES = ("Job search", "Networking", "Writing")
TAGS = ("interviews", "referrals", "follow-up", "mentoring", "habits")


def uuid_for(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def sent_at(i: int, n: int) -> datetime:
    """Post i of n: one a week, the newest (i = n - 1) a day before NOW."""
    return NOW - timedelta(days=1) - timedelta(weeks=n - 1 - i)


@dataclass
class Project:
    path: Path
    n: int

    @property
    def record_path(self) -> Path:
        return self.path / "send-record.json"

    @property
    def report_path(self) -> Path:
        return self.path / "reports" / "index.html"

    @property
    def cache_path(self) -> Path:
        return self.path / ".cache" / "stats.json"

    def write_record(self, entries: dict[str, dict]) -> None:
        self.record_path.write_text(json.dumps({"version": 1, "posts": entries}), encoding="utf-8")

    def run(self, *, env: dict | None = None, now: datetime = NOW, refresh: bool = False,
            sleeps: list | None = None):
        """Run the command in process; returns (exit code, stdout, stderr)."""
        from scripts.stats import run

        out, err = io.StringIO(), io.StringIO()
        code = run(
            root=self.path, settings_file="settings.py", refresh=refresh,
            env=env if env is not None else {}, clock=lambda: now,
            backend_options={"backoff": 0.001, "timeout": 5.0,
                             "sleep": (sleeps if sleeps is not None else []).append},
            out=out, err=err,
        )
        return code, out.getvalue(), err.getvalue()

    def page(self):
        return lxml_html.fromstring(self.report_path.read_text(encoding="utf-8"))


def make_stats_project(tmp_path: Path, n: int = 30, *, stats: str = "{}") -> Project:
    content = tmp_path / "content" / "posts"
    content.mkdir(parents=True)
    for i in range(n):
        when = sent_at(i, n) - timedelta(hours=2)
        tags = ", ".join([TAGS[i % len(TAGS)], TAGS[(i + 2) % len(TAGS)]])
        (content / f"post-{i:02d}.md").write_text(
            f"Title: Post {i:02d} about careers\nDate: {when:%Y-%m-%d %H:%M}\n"
            f"Category: {CATEGORIES[i % len(CATEGORIES)]}\nTags: {tags}\nSlug: post-{i:02d}\n"
            f"Uuid: {uuid_for(i)}\nSummary: Summary {i}.\n\nBody of post {i}.\n",
            encoding="utf-8",
        )
    (tmp_path / "settings.py").write_text(
        "from connected.site_settings import settings_in\n"
        f"sample = settings_in({str(SAMPLE / 'pelicanconf.py')!r})\n"
        "globals().update(sample)\n"
        f"PATH = {str(tmp_path / 'content')!r}\n"
        "NEWSLETTER = {**sample['NEWSLETTER'], "
        f"'RECORD_PATH': {str(tmp_path / 'send-record.json')!r}}}\n"
        f"STATS = {stats}\n",
        encoding="utf-8",
    )
    return Project(tmp_path, n)


@dataclass
class Canned:
    """One post's canned Mailchimp figures."""

    uuid: str
    title: str
    category: str
    tags: list[str]
    campaign_id: str
    send_time: datetime
    emails_sent: int
    unique_opens: int
    open_rate: float
    clickers: int
    click_rate: float
    unsubscribed: int
    bounces: tuple[int, int, int]
    links: list[dict] = field(default_factory=list)


def figures(i: int) -> dict:
    emails = 300 + 7 * i
    bounces = (i % 2, 1 if i % 4 == 0 else 0, 0)
    delivered = emails - sum(bounces)
    opens = 90 + (i * 37) % 120
    clickers = 3 + (i * 11) % 29
    return {
        "emails_sent": emails,
        "unique_opens": opens,
        "open_rate": opens / delivered,
        "clickers": clickers,
        "click_rate": clickers / delivered,
        "unsubscribed": i % 3,
        "bounces": bounces,
    }


class CannedAccount:
    """Puts the project's posts on the fake as sent campaigns with canned reports."""

    def __init__(self, fake, project: Project):
        from tests.kit.fake_mailchimp import DEFAULT_LIST_ID

        self.fake = fake
        self.project = project
        self.list_id = DEFAULT_LIST_ID
        self.posts: list[Canned] = []
        for i in range(project.n):
            uuid = uuid_for(i)
            cid = fake.add_campaign(f"connected:{uuid}", status="sent")
            numbers = figures(i)
            post = Canned(
                uuid=uuid, title=f"Post {i:02d} about careers",
                category=CATEGORIES[i % len(CATEGORIES)],
                tags=[TAGS[i % len(TAGS)], TAGS[(i + 2) % len(TAGS)]],
                campaign_id=cid, send_time=sent_at(i, project.n), **numbers,
            )
            links = [
                {"url": f"https://example.com/2026/post-{i:02d}/#{k}", "total_clicks": 3 * (k + 1) + i,
                 "unique_clicks": (k * 5 + i) % 17 + k, "click_percentage": 0.1}
                for k in range(4)
            ]
            post.links = links
            self.set_figures(post)
            fake.set_click_details(cid, links)
            self.posts.append(post)
        self.growth = [
            {"month": f"2026-{m:02d}", "subscribed": 150 + 12 * m + (m % 3) * 5, "unsubscribed": m % 4}
            for m in range(1, 12)
        ]
        fake.set_growth_history(self.list_id, self.growth)

    def set_figures(self, post: Canned) -> None:
        hard, soft, syntax = post.bounces
        self.fake.set_report(
            post.campaign_id,
            emails_sent=post.emails_sent,
            unsubscribed=post.unsubscribed,
            send_time=post.send_time.isoformat(),
            bounces={"hard_bounces": hard, "soft_bounces": soft, "syntax_errors": syntax},
            opens={"unique_opens": post.unique_opens, "opens_total": post.unique_opens * 2,
                   "open_rate": post.open_rate},
            clicks={"unique_subscriber_clicks": post.clickers, "unique_clicks": post.clickers + 2,
                    "clicks_total": post.clickers * 3, "click_rate": post.click_rate},
        )

    def record_entries(self) -> dict[str, dict]:
        return {
            p.uuid: {"status": "sent", "at": p.send_time.isoformat(), "backend": "mailchimp",
                     "campaign_id": p.campaign_id, "title": p.title,
                     "url": f"https://example.com/2026/post-{p.uuid[-2:]}/"}
            for p in self.posts
        }

    def env(self) -> dict:
        return {"MAILCHIMP_API_KEY": self.fake.api_key, "MAILCHIMP_AUDIENCE_ID": self.list_id,
                "MAILCHIMP_API_URL": self.fake.url}


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"
