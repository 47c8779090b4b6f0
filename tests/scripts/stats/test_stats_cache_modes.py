"""Cache freshness (fresh, stale, final, --refresh), offline, no key, outbox-only and empty records."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from scripts.stats_cache import describe_age, load_cache, needs_refresh
from tests.scripts.stats.stats_testkit import NOW, make_stats_project, pct

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def report_calls(fake):
    return [c.path for c in fake.calls("GET", r"/reports/\w+")]


def state_of(project, uuid):
    return project.page().xpath(f'//tr[@data-uuid="{uuid}"]')[0].get("data-state")


def open_rate_shown(project, uuid):
    return project.page().xpath(f'string(//tr[@data-uuid="{uuid}"]/td[@data-field="open_rate"])').strip()


# ------------------------------------------------------------------------ the rule itself
@pytest.mark.parametrize(
    "fetched, sent, now, expected",
    [
        (None, NOW - DAY, NOW, True),  # never fetched
        (NOW - 2 * HOUR, NOW - DAY, NOW, False),  # fresh
        (NOW - 25 * HOUR, NOW - 3 * DAY, NOW, True),  # stale, campaign young
        (NOW - 40 * DAY, NOW - 80 * DAY, NOW, False),  # fetched after it turned final
        (NOW - 70 * DAY, NOW - 80 * DAY, NOW, True),  # fetched while young: once more
        (NOW - 25 * HOUR, None, NOW, True),  # unknown send time: treated as young
    ],
)
def test_needs_refresh(fetched, sent, now, expected):
    assert needs_refresh(fetched, sent, now, max_age=24 * HOUR, final_after=30 * DAY) is expected


def test_describe_age():
    assert describe_age(timedelta(seconds=20)) == "less than a minute"
    assert describe_age(timedelta(minutes=1)) == "1 minute"
    assert describe_age(timedelta(hours=5, minutes=3)) == "5 hours"
    assert describe_age(timedelta(days=3, hours=2)) == "3 days"


def test_unreadable_cache_is_ignored(tmp_path):
    path = tmp_path / "stats.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_cache(path)["campaigns"] == {}


# ------------------------------------------------------------------------ against the fake
def test_fresh_cache_makes_no_request(project, account, fake_mailchimp):
    assert project.run(env=account.env())[0] == 0
    before = len(fake_mailchimp.requests)
    code, out, _ = project.run(env=account.env(), now=NOW + 2 * HOUR)
    assert code == 0
    assert len(fake_mailchimp.requests) == before
    assert len(project.page().xpath('//tr[@data-state="measured"]')) == 30
    assert "Figures fetched from Mailchimp 2 hours ago" in project.page().xpath('string(//*[@id="data-age"])')


def test_stale_reports_of_young_campaigns_are_refetched_and_final_ones_are_not(project, account, fake_mailchimp):
    assert project.run(env=account.env())[0] == 0  # first run at NOW fetches all 30
    young = [p for p in account.posts if NOW - p.send_time < timedelta(days=30)]
    assert 0 < len(young) < 30
    # New figures on the remote for every post; only the young ones may be refetched.
    for post in account.posts:
        post.open_rate = 0.9
        account.set_figures(post)
    before = len(report_calls(fake_mailchimp))
    code, _, err = project.run(env=account.env(), now=NOW + 25 * HOUR)
    assert code == 0, err
    refetched = report_calls(fake_mailchimp)[before:]
    assert sorted(refetched) == sorted(f"/reports/{p.campaign_id}" for p in young)
    for post in account.posts:
        expected = "90.0%" if post in young else pct(json_rate(project, post))
        assert open_rate_shown(project, post.uuid) == expected
    # --refresh forces every report.
    before = len(report_calls(fake_mailchimp))
    assert project.run(env=account.env(), now=NOW + 26 * HOUR, refresh=True)[0] == 0
    assert len(report_calls(fake_mailchimp)) - before == 30
    assert all(open_rate_shown(project, p.uuid) == "90.0%" for p in account.posts)


def json_rate(project, post):
    cache = json.loads(project.cache_path.read_text(encoding="utf-8"))
    return cache["campaigns"][post.campaign_id]["report"]["opens"]["open_rate"]


def test_offline_renders_from_cache_and_says_how_old(project, account, fake_mailchimp):
    assert project.run(env=account.env())[0] == 0
    env = {**account.env(), "MAILCHIMP_API_URL": "http://127.0.0.1:9/3.0"}  # nothing listens there
    code, out, err = project.run(env=env, now=NOW + 3 * DAY)
    assert code == 0, err
    page = project.page()
    assert len(page.xpath('//tr[@data-state="measured"]')) == 30
    assert "Could not reach Mailchimp" in page.xpath("string(//p[@class='notice'])")
    assert "Figures fetched from Mailchimp 3 days ago" in page.xpath('string(//*[@id="data-age"])')
    assert "from the cache: 3 days old" in out


def test_no_key_shows_mailchimp_entries_from_cache(project, account, fake_mailchimp):
    assert project.run(env=account.env())[0] == 0
    before = len(fake_mailchimp.requests)
    code, out, _ = project.run(env={}, now=NOW + 2 * DAY)
    assert code == 0
    assert len(fake_mailchimp.requests) == before
    post = account.posts[-1]
    assert open_rate_shown(project, post.uuid) == pct(post.open_rate)
    assert "MAILCHIMP_API_KEY is not set" in project.page().xpath("string(//p[@class='notice'])")
    assert "2 days old" in out


def test_no_key_and_no_cache_says_figures_are_missing(project, account):
    code, out, _ = project.run(env={})
    assert code == 0
    assert len(project.page().xpath('//tr[@data-state="unfetched"]')) == 30
    assert "no report yet" in out


def test_outbox_only_record_lists_what_was_sent(tmp_path):
    project = make_stats_project(tmp_path, 3)
    when = datetime(2026, 11, 2, 9, tzinfo=UTC)
    project.write_record({
        "00000000-0000-4000-8000-000000000000": {"status": "sent", "at": when.isoformat(),
                                                 "backend": "outbox", "title": "First <post> & co"},
        "00000000-0000-4000-8000-000000000001": {"status": "sent", "at": (when + 7 * DAY).isoformat(),
                                                 "backend": "baseline", "title": "Second post"},
    })
    code, out, _ = project.run(env={})
    assert code == 0
    page = project.page()
    rows = page.xpath('//table[@id="other-posts"]/tbody/tr')
    assert [r.xpath("string(./td[1])") for r in rows] == ["Second post", "First <post> & co"]
    assert [r.xpath("string(./td[2])") for r in rows] == ["2026-11-09", "2026-11-02"]
    assert "outbox" in rows[1].xpath("string(./td[3])")
    assert "need Mailchimp" in page.xpath('string(//p[@id="needs-mailchimp"])')
    assert not page.xpath('//table[@id="posts"]')
    assert "2026-11-02  First <post> & co" in out
    assert "need Mailchimp" in out
    assert not project.cache_path.exists()


def test_empty_record_yields_a_report_that_says_so(tmp_path):
    project = make_stats_project(tmp_path, 1)
    code, out, _ = project.run(env={})
    assert code == 0
    page = project.page()
    assert page.xpath('//section[@id="empty"]')
    assert "nothing to report" in page.xpath('string(//section[@id="empty"])')
    assert "nothing has been sent" in out


def test_an_imported_posts_row_is_placed_by_its_own_date_not_the_baseline_day():
    """Every post of an imported archive is marked sent on the import's day: listing them
    as "sent" that day put a 2019 post in 2026, and the rows out of date order."""
    from scripts.stats_report import BASELINE, _record_row

    entry = {"status": "sent", "at": "2026-12-02T10:00:00+00:00", "backend": "baseline"}
    row = _record_row("u1", entry, {"title": "Old post", "date": "2019-03-04T09:00:00+00:00"}, {}, set(), None)
    assert row.state == BASELINE and row.sent_at.isoformat() == "2019-03-04T09:00:00+00:00"
    outbox = _record_row("u2", {**entry, "backend": "outbox"}, {"date": "2019-03-04T09:00:00+00:00"}, {}, set(), None)
    assert outbox.sent_at.isoformat() == "2026-12-02T10:00:00+00:00"  # a real send keeps its day
