"""`make stats` against the fake Mailchimp with 30 sent posts: the numbers, the faults."""

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest

from scripts.backends.base import BackendError
from tests.scripts.stats.stats_testkit import NOW, ROOT, pct


def cell(row, field):
    return row.xpath(f'string(./td[@data-field="{field}"])').strip()


def weighted(posts, attr):
    total = sum(p.emails_sent for p in posts)
    return sum(getattr(p, attr) * p.emails_sent for p in posts) / total


def test_html_and_terminal_numbers_match_the_canned_reports(project, account, fake_mailchimp):
    code, out, err = project.run(env=account.env())
    assert code == 0, err
    page = project.page()
    rows = page.xpath('//table[@id="posts"]/tbody/tr')
    assert len(rows) == 30
    by_uuid = {r.get("data-uuid"): r for r in rows}
    for post in account.posts:
        row = by_uuid[post.uuid]
        assert row.get("data-state") == "measured"
        assert cell(row, "emails_sent") == f"{post.emails_sent:,}"
        assert cell(row, "unique_opens") == f"{post.unique_opens:,}"
        assert cell(row, "open_rate") == pct(post.open_rate)
        assert cell(row, "unique_clicks") == f"{post.clickers:,}"
        assert cell(row, "click_rate") == pct(post.click_rate)
        assert cell(row, "unsubscribed") == str(post.unsubscribed)
        assert cell(row, "bounces") == str(sum(post.bounces))
        # Top links: the three with the most unique clicks, most first.
        best = sorted(post.links, key=lambda u: (-u["unique_clicks"], -u["total_clicks"]))[:3]
        assert row.xpath('.//ol[@class="links"]/li/a/@href') == [u["url"] for u in best]
        assert post.category in row.xpath("string(./td[1])")
    # Newest first.
    sent = [r.xpath('string(./td[@class="date"])').strip() for r in rows]
    assert sent == sorted(sent, reverse=True)

    cards = {c.get("data-card"): c.xpath('string(.//p[@class="value"])') for c in page.xpath("//li[@class='card']")}
    assert cards["Open rate"] == pct(weighted(account.posts, "open_rate"))
    assert cards["Click rate"] == pct(weighted(account.posts, "click_rate"))
    assert cards["Posts sent"] == "30"
    assert cards["Audience"] == f"{account.growth[-1]['subscribed']:,}"
    assert cards["Unique clicks"] == f"{sum(p.clickers for p in account.posts):,}"

    # Growth history in the audience chart's table fallback; one dot per month.
    audience = page.xpath('//table[@data-chart="chart-audience"]/tbody/tr')
    assert [r.xpath("string(./td[2])") for r in audience] == [f"{m['subscribed']:,}" for m in account.growth]
    assert len(page.xpath('//*[@id="chart-audience"]//*[local-name()="circle"]')) == len(account.growth)
    assert len(page.xpath('//*[@id="chart-opens"]//*[local-name()="circle"]')) == 30
    # Ranked chart: highest click rate first.
    ranked = page.xpath('//table[@data-chart="chart-ranked"]/tbody/tr/td[2]/text()')
    best_first = sorted(account.posts, key=lambda p: (-p.click_rate, -p.open_rate))
    assert ranked == [p.title for p in best_first]
    # Category breakdown: every category, click rate weighted by sends.
    categories = {r.xpath("string(./td[1])"): r.xpath("string(./td[5])")
                  for r in page.xpath('//table[@data-chart="chart-category"]/tbody/tr')}
    for name in {p.category for p in account.posts}:
        posts = [p for p in account.posts if p.category == name]
        assert categories[name] == pct(weighted(posts, "click_rate"))
    assert page.xpath('//*[@id="privacy-note"]') and "Apple Mail" in page.xpath('string(//*[@id="privacy-note"])')

    # The terminal table: one aligned line per post with the same numbers.
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Sent"))
    body = lines[header + 2: header + 32]
    assert len({len(line) for line in body}) == 1, "columns are aligned"
    for post in account.posts:
        line = next(line for line in body if line.startswith(post.send_time.strftime("%Y-%m-%d")))
        numbers = line.split()[-7:]
        assert numbers == [f"{post.emails_sent:,}", f"{post.unique_opens:,}", pct(post.open_rate),
                           f"{post.clickers:,}", pct(post.click_rate), str(post.unsubscribed),
                           str(sum(post.bounces))]
    assert "30/30" in err  # progress, plain (not a TTY)

    # Calls: one ping, one growth history, one report and one click-details per campaign.
    assert len(fake_mailchimp.calls("GET", r"/reports/\w+")) == 30
    assert len(fake_mailchimp.calls("GET", r"/reports/\w+/click-details")) == 30
    assert len(fake_mailchimp.calls("GET", r"/lists/\w+/growth-history")) == 1
    assert len(fake_mailchimp.requests) == 62


def test_fetches_in_parallel_within_the_concurrency_setting(tmp_path, fake_mailchimp):
    from tests.scripts.stats.stats_testkit import CannedAccount, make_stats_project

    project = make_stats_project(tmp_path, 30, stats='{"CONCURRENCY": 3}')
    account = CannedAccount(fake_mailchimp, project)
    project.write_record(account.record_entries())
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    assert 2 <= fake_mailchimp.peak <= 3


def test_a_deleted_campaign_is_marked_and_does_not_stop_the_report(project, account, fake_mailchimp):
    entries = account.record_entries()
    gone = account.posts[5]
    entries[gone.uuid]["campaign_id"] = "0123456789"  # Mailchimp answers 404
    project.write_record(entries)
    code, out, err = project.run(env=account.env())
    assert code == 0, err
    rows = {r.get("data-uuid"): r for r in project.page().xpath('//table[@id="posts"]/tbody/tr')}
    assert rows[gone.uuid].get("data-state") == "deleted"
    assert "deleted or unknown" in rows[gone.uuid].text_content()
    assert sum(1 for r in rows.values() if r.get("data-state") == "measured") == 29
    assert "deleted or unknown" in out


def test_429s_are_retried_with_backoff(project, account, fake_mailchimp):
    target = account.posts[0].campaign_id
    fake_mailchimp.inject("GET", rf"/reports/{target}", 429, times=2)
    sleeps = []
    code, _, err = project.run(env=account.env(), sleeps=sleeps)
    assert code == 0, err
    assert len(sleeps) == 2
    row = project.page().xpath(f'//tr[@data-uuid="{account.posts[0].uuid}"]')[0]
    assert row.get("data-state") == "measured"


def test_a_rejected_key_stops_with_the_publishing_message(project, account, fake_mailchimp):
    env = {**account.env(), "MAILCHIMP_API_KEY": "ffffffffffffffffffffffffffffffff-us99"}
    with pytest.raises(BackendError, match=r"API key rejected \(401\): check MAILCHIMP_API_KEY in \.env"):
        project.run(env=env)
    assert not project.report_path.exists()


def test_cli_exit_code_and_message_for_a_rejected_key(project, account, fake_mailchimp):
    env = {**account.env(), "MAILCHIMP_API_KEY": "ffffffffffffffffffffffffffffffff-us99", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.stats", "--root", str(project.path), "--settings", "settings.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "make stats stopped: Mailchimp API key rejected (401)" in result.stderr
    assert "ffffffffffffffff" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_the_report_says_how_old_the_figures_are(project, account):
    project.run(env=account.env())
    text = project.page().xpath('string(//*[@id="data-age"])')
    assert re.search(r"fetched from Mailchimp less than a minute ago", text), text
    assert NOW.year == 2026


def test_scheduled_and_held_entries_are_not_fetched(project, account, fake_mailchimp):
    entries = account.record_entries()
    later, held = account.posts[-1], account.posts[-2]
    entries[later.uuid]["status"] = "scheduled"
    entries[held.uuid]["status"] = "held"
    project.write_record(entries)
    code, _, err = project.run(env=account.env())
    assert code == 0, err
    fetched = {c.path for c in fake_mailchimp.calls("GET", r"/reports/\w+")}
    assert f"/reports/{later.campaign_id}" not in fetched
    assert f"/reports/{held.campaign_id}" not in fetched
    assert len(fetched) == 28
    states = {r.get("data-uuid"): r.get("data-state")
              for r in project.page().xpath('//table[@id="other-posts"]/tbody/tr')}
    assert states == {later.uuid: "scheduled", held.uuid: "held"}


def test_a_report_that_keeps_failing_is_shown_from_cache_with_a_notice(project, account, fake_mailchimp):
    assert project.run(env=account.env())[0] == 0
    flaky, fresh = account.posts[-1], account.posts[-2]
    fake_mailchimp.inject("GET", rf"/reports/{flaky.campaign_id}", 503, times=100)
    fake_mailchimp.inject("GET", rf"/reports/{fresh.campaign_id}", 503, times=100)
    # Drop one campaign from the cache: it has nothing to fall back on.


    cache = json.loads(project.cache_path.read_text(encoding="utf-8"))
    del cache["campaigns"][fresh.campaign_id]
    project.cache_path.write_text(json.dumps(cache), encoding="utf-8")
    code, out, err = project.run(env=account.env(), now=NOW + timedelta(days=2))
    assert code == 0, err
    page = project.page()
    rows = {r.get("data-uuid"): r for r in page.xpath('//table[@id="posts"]/tbody/tr')}
    assert rows[flaky.uuid].get("data-state") == "measured"  # the cached copy
    assert rows[fresh.uuid].get("data-state") == "failed"
    assert "2 report(s) could not be fetched" in page.xpath("string(//p[@class='notice'])")
    assert "503" in out
