"""`make stats` with access logs: exact web and feed figures in the report and the terminal,
with and without Mailchimp, and the incremental cache (appends, rotation, gzip, rewrites)."""

import gzip
import json
import shutil
from datetime import UTC, date, datetime

import pytest

from scripts.stats import StatsError, stats_settings
from scripts.stats_logs import build_site_map, read_logs
from tests.scripts.stats.logs_testkit import EXPECTED, V2, at, known_logs, line
from tests.scripts.stats.stats_testkit import CannedAccount, make_stats_project, uuid_for

LOGS = '{"ACCESS_LOGS": ["logs/access.log*"]}'


def outbox_record(project, n=3):
    project.write_record({
        uuid_for(i): {"status": "sent", "at": f"2026-11-0{i + 1}T09:00:00+00:00", "backend": "outbox",
                      "title": f"Post {i:02d} about careers", "url": f"https://example.com/2026/post-{i:02d}/"}
        for i in range(n)
    })


def reach_cells(page, uuid):
    row = page.xpath(f'//table[@id="reach-posts"]/tbody/tr[@data-uuid="{uuid}"]')
    assert row, f"no reach row for {uuid}"
    return {td.get("data-field"): td.text_content().strip() for td in row[0].xpath("td[@data-field]")}


def card(page, section, label):
    return page.xpath(f'string(//ul[@id="{section}"]/li[@data-card="{label}"]/p[@class="value"])')


@pytest.fixture
def logged(tmp_path):
    project = make_stats_project(tmp_path, 30, stats=LOGS)
    known_logs(project.path / "logs")
    return project


def test_web_and_feed_figures_without_mailchimp(logged):
    outbox_record(logged)
    code, out, err = logged.run(env={})
    assert code == 0, err
    page = logged.page()
    for i in range(3):
        expected = EXPECTED[f"post-{i:02d}"]
        cells = reach_cells(page, uuid_for(i))
        assert cells["views"] == str(expected["views"])
        assert cells["visitors"] == str(expected["visitors"])
        assert cells["reached"] == str(expected["visitors"])  # no opens: every visitor counts
        assert cells["emails_sent"] == "—"
        shown = dict(part.rsplit(" ", 1) for part in cells["sources"].split(", "))
        top = sorted(expected["sources"].items(), key=lambda kv: -kv[1])[:3]
        assert {k: int(v) for k, v in shown.items()}.items() <= expected["sources"].items()
        assert len(shown) == min(3, len(expected["sources"])) and max(shown.values(), key=int) == str(top[0][1])
    assert card(page, "reach-cards", "Page views") == str(EXPECTED["page_views"])
    assert card(page, "reach-cards", "Visitors") == str(EXPECTED["site_visitors"])
    assert card(page, "reach-cards", "Feed subscribers") == str(EXPECTED["feed_subscribers"])
    assert card(page, "reach-cards", "Bot requests") == str(EXPECTED["bots"])
    assert card(page, "reach-cards", "People reached") == str(EXPECTED["reached"])
    summary = page.xpath('string(//p[@id="logs-summary"])')
    assert f"{EXPECTED['bots']} requests by bots and crawlers" in summary
    assert f"{EXPECTED['ignored']} requests for assets" in summary
    assert f"{EXPECTED['malformed']} malformed lines skipped" in summary
    assert "from 2026-11-20 to 2026-11-24" in summary
    feeds = {(tr.get("data-feed"), tr.get("data-reader")): tr.xpath("string(td[3])")
             for tr in page.xpath('//table[@id="feeds"]/tbody/tr')}
    assert feeds == {("/feeds/all.atom.xml", "Feedly"): "47", ("/feeds/all.rss.xml", "Inoreader"): "7",
                     ("/feeds/all.atom.xml", "NewsBlur"): "5", ("/feeds/all.atom.xml", "direct"): "2"}
    assert "need Mailchimp" in page.xpath('string(//section[@id="reach"])')
    assert "People reached ≈ unique email opens" in page.xpath('string(//p[@id="reach-method"])')
    # Charts: views per week, sources, feed subscribers; each with its data table.
    weeks = [[td.text for td in tr.xpath("td")] for tr in
             page.xpath('//table[@data-chart="chart-views"]/tbody/tr')]
    assert weeks == [["16 Nov 26", "11", "10", "6"], ["23 Nov 26", "1", "1", "1"]]
    sources = {tr.xpath("string(td[1])"): tr.xpath("string(td[2])")
               for tr in page.xpath('//table[@data-chart="chart-sources"]/tbody/tr')}
    assert sources == {"Direct": "3", "Search engines": "3", "LinkedIn": "2", "Email": "2", "Other sites": "1"}
    feeds_weeks = [[td.text for td in tr.xpath("td")] for tr in
                   page.xpath('//table[@data-chart="chart-feeds"]/tbody/tr')]
    assert feeds_weeks == [["16 Nov 26", "45", "0", "45"], ["23 Nov 26", "59", "2", "61"]]
    assert page.xpath('//svg[@id="chart-views"]') and page.xpath('//svg[@id="chart-sources"]')
    # The terminal table: the same figures.
    rows = out.splitlines()
    post00 = next(r for r in rows if "Post 00 about careers" in r).split()
    assert post00[-8:] == ["—", "—", "—", "6", "4", "LinkedIn", "2", "4"]
    post02 = next(r for r in rows if "Post 02 about careers" in r).split()
    assert post02[-6:] == ["3", "3", "Search", "engines", "1", "3"]  # a tie: the first group in order
    assert f"Excluded: {EXPECTED['bots']} bot requests" in out
    assert f"{EXPECTED['malformed']} malformed lines skipped" in out
    assert f"feed subscribers {EXPECTED['feed_subscribers']} in the latest week" in out


def test_people_reached_adds_opens_to_web_visitors(tmp_path, fake_mailchimp):
    project = make_stats_project(tmp_path, 30, stats=LOGS)
    known_logs(project.path / "logs")
    account = CannedAccount(fake_mailchimp, project)
    project.write_record(account.record_entries())
    code, out, err = project.run(env=account.env())
    assert code == 0, err
    page = project.page()
    for i in range(3):
        post = account.posts[i]
        cells = reach_cells(page, post.uuid)
        assert cells["unique_opens"] == f"{post.unique_opens:,}"
        assert cells["emails_sent"] == f"{post.emails_sent:,}"
        assert cells["unique_clicks"] == f"{post.clickers:,}"
        assert cells["reached"] == f"{post.unique_opens + EXPECTED[f'post-{i:02d}']['people']:,}"
        assert cells["views"] == str(EXPECTED[f"post-{i:02d}"]["views"])
    untouched = reach_cells(page, account.posts[10].uuid)
    assert (untouched["views"], untouched["reached"]) == ("0", f"{account.posts[10].unique_opens:,}")
    line00 = next(r for r in out.splitlines() if "Post 00 about careers" in r).split()
    assert line00[-5:] == ["6", "4", "LinkedIn", "2", f"{account.posts[0].unique_opens + 4:,}"]
    # The email figures of the report are all still there.
    assert page.xpath('//table[@id="posts"]/tbody/tr')


def test_without_logs_the_report_says_what_is_missing(tmp_path, fake_mailchimp):
    project = make_stats_project(tmp_path, 3)
    account = CannedAccount(fake_mailchimp, project)
    project.write_record(account.record_entries())
    code, out, err = project.run(env=account.env())
    assert code == 0, err
    page = project.page()
    section = page.xpath('string(//section[@id="reach"])')
    assert "need the web server's access logs: set STATS['ACCESS_LOGS']" in section
    assert not page.xpath('//table[@id="reach-posts"]')  # email only: the tables above
    assert "Note: Web views, traffic sources and feed readers need the web server's access logs" in out
    assert not page.xpath('//svg[@id="chart-views"]')


def test_a_glob_matching_nothing_is_said_not_fatal(tmp_path):
    project = make_stats_project(tmp_path, 3, stats='{"ACCESS_LOGS": "nowhere/*.log"}')
    outbox_record(project)
    code, out, err = project.run(env={})
    assert code == 0, err
    assert "STATS['ACCESS_LOGS'] (nowhere/*.log) matches no file: copy the logs with make fetch-logs" in out


@pytest.mark.parametrize(("stats", "message"), [
    ({"ACCESS_LOGS": 5}, "STATS['ACCESS_LOGS'] must be a glob or a list of globs, got 5"),
    ({"ACCESS_LOGS": ["ok", ""]}, "STATS['ACCESS_LOGS'] must be a glob or a list of globs"),
    ({"LOGS_REMOTE": "--delete"}, "STATS['LOGS_REMOTE'] must be an rsync source"),
    ({"LOGS_DIR": ""}, "STATS['LOGS_DIR'] must be a path"),
])
def test_bad_log_settings_name_the_key(tmp_path, stats, message):
    with pytest.raises(StatsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        stats_settings({"STATS": stats}, tmp_path)


# ------------------------------------------------------------------------------ the cache
SITE = build_site_map({uuid_for(i): f"/2026/post-{i:02d}/" for i in range(30)},
                      ["feeds/all.atom.xml", "feeds/all.rss.xml"], "https://example.com")


def read(files, cache, today=date(2026, 11, 26)):
    from zoneinfo import ZoneInfo

    return read_logs(files, SITE, cache, timezone=ZoneInfo("Europe/London"), today=today)


def fresh(directory, today=date(2026, 11, 26)):
    files = sorted(directory.glob("access.log*"))
    return read(files, None, today)[0]


def test_a_second_run_reads_only_the_appended_lines(tmp_path):
    files = known_logs(tmp_path / "logs")
    first, cache = read(files, None)
    assert first.bytes_read == sum(len(gzip.decompress(f.read_bytes())) if f.suffix == ".gz"
                                   else f.stat().st_size for f in files)
    appended = line(V2, at(25, 10), "/2026/post-03/", referrer="https://www.linkedin.com/")
    with open(files[-1], "a", encoding="utf-8") as f:
        f.write(appended)
    second, cache2 = read(files, json.loads(json.dumps(cache)))
    assert second.bytes_read == len(appended.encode())
    assert second.lines_read == 1
    assert second.days == fresh(tmp_path / "logs").days
    assert second.days["2026-11-25"]["views"] == {uuid_for(3): 1}
    # The cache holds counts only: no address, agent or digest.
    text = json.dumps(cache2)
    for secret in ("203.0.113", "198.51.100", "2001:db8", "Mozilla", "Firefox"):
        assert secret not in text


def test_todays_lines_are_read_again_tomorrow_and_counted_once(tmp_path):
    files = known_logs(tmp_path / "logs")
    _, cache = read(files, None, today=date(2026, 11, 24))  # day C is still open
    assert "2026-11-24" not in cache["days"] and "2026-11-21" in cache["days"]
    later, _ = read(files, cache, today=date(2026, 11, 26))
    assert later.bytes_read == files[-1].stat().st_size  # only the open day's file, again
    assert later.days == fresh(tmp_path / "logs").days
    assert later.malformed == EXPECTED["malformed"] and later.bots == EXPECTED["bots"]


def test_logrotate_with_gzip_is_recognised(tmp_path):
    logs = tmp_path / "logs"
    files = known_logs(logs)
    _, cache = read(files, None)
    # logrotate: .2.gz → .3.gz, .1 → .2.gz (compressed), access.log → .1, a new access.log
    (logs / "access.log.2.gz").rename(logs / "access.log.3.gz")
    with gzip.open(logs / "access.log.2.gz", "wb") as f:
        f.write((logs / "access.log.1").read_bytes())
    (logs / "access.log.1").unlink()
    (logs / "access.log").rename(logs / "access.log.1")
    new = line(V2, at(25, 11), "/2026/post-04/")
    (logs / "access.log").write_text(new, encoding="utf-8")
    files = sorted(logs.glob("access.log*"))
    rotated, _ = read(files, cache)
    assert rotated.bytes_read == len(new)  # every rotated file known by its first line
    assert rotated.days == fresh(logs).days
    assert rotated.malformed == EXPECTED["malformed"]


def test_copytruncate_and_rewritten_files_are_read_again(tmp_path):
    logs = tmp_path / "logs"
    files = known_logs(logs)
    _, cache = read(files, None)
    # copytruncate: the file is copied to .1 and emptied; new lines follow.
    shutil.copy(logs / "access.log.1", logs / "access.log.0")
    (logs / "access.log.1").unlink()
    shutil.copy(logs / "access.log", logs / "access.log.1")
    (logs / "access.log").write_text(line(V2, at(25, 9), "/2026/post-05/"), encoding="utf-8")
    (logs / "access.log.0").rename(logs / "access.log.1b")
    files = sorted(logs.glob("access.log*"))
    after, cache = read(files, cache)
    assert after.days == fresh(logs).days
    # A file rewritten shorter under the same first line: every log is read again.
    kept = (logs / "access.log.1").read_text().splitlines(keepends=True)[:2]
    (logs / "access.log.1").write_text("".join(kept), encoding="utf-8")
    rebuilt, _ = read(files, cache)
    assert "was rewritten since the last run" in rebuilt.notices[0]
    assert rebuilt.days == fresh(logs).days


def test_a_damaged_gzip_is_skipped_with_a_notice(tmp_path):
    logs = tmp_path / "logs"
    known_logs(logs)
    data = (logs / "access.log.2.gz").read_bytes()
    (logs / "access.log.2.gz").write_bytes(data[: len(data) // 2])
    result, _ = read(sorted(logs.glob("access.log*")), None)
    assert any("access.log.2.gz is a damaged gzip file" in n for n in result.notices)
    assert "2026-11-21" in result.days


def test_site_map_maps_urls_and_ignores_assets():
    assert SITE.classify(b"/2026/post-01/") == ("post", uuid_for(1))
    assert SITE.classify(b"/2026/post-01/index.html") == ("post", uuid_for(1))
    assert SITE.classify(b"/2026/post-01") == ("post", uuid_for(1))
    assert SITE.classify(b"/feeds/all.atom.xml") == ("feed", "/feeds/all.atom.xml")
    assert SITE.classify(b"/theme/css/site.css") is None
    assert SITE.classify(b"/robots.txt") is None
    assert SITE.classify(b"/archives.html") == ("page", "")
    assert datetime(2026, 11, 26, tzinfo=UTC)  # the clock of the other tests


def test_chunk_boundaries_and_an_unfinished_last_line(tmp_path, monkeypatch):
    """Lines cut by the read size are joined; a last line without its newline waits for the next run."""
    import scripts.stats_logs as stats_logs

    files = known_logs(tmp_path / "logs")
    whole = fresh(tmp_path / "logs")
    monkeypatch.setattr(stats_logs, "CHUNK", 37)
    small = fresh(tmp_path / "logs")
    assert small.days == whole.days and small.malformed == whole.malformed
    partial = line(V2, at(25, 12), "/2026/post-06/")
    with open(files[-1], "a", encoding="utf-8") as f:
        f.write(partial[:-10])  # nginx is still writing it
    first, cache = read(files, None)
    assert "2026-11-25" not in first.days
    with open(files[-1], "a", encoding="utf-8") as f:
        f.write(partial[-10:])
    second, _ = read(files, cache)
    assert second.days["2026-11-25"]["views"] == {uuid_for(6): 1}
    assert second.malformed == EXPECTED["malformed"]


def test_an_overlong_line_is_one_malformed_line(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "access.log").write_text(line(V2, at(20, 1), "/2026/post-01/") + "x" * (3 << 20) + "\n"
                                     + line(V2, at(20, 2), "/2026/post-02/"), encoding="utf-8")
    result = fresh(logs)
    assert result.malformed == 1
    assert result.days["2026-11-20"]["views"] == {uuid_for(1): 1, uuid_for(2): 1}


def test_a_site_that_never_emailed_still_gets_its_web_reach(logged):
    logged.write_record({})
    code, out, err = logged.run(env={})
    assert code == 0, err
    page = logged.page()
    rows = page.xpath('//table[@id="reach-posts"]/tbody/tr')
    assert {r.get("data-state") for r in rows} == {"web"}
    assert reach_cells(page, uuid_for(0))["views"] == "6"
    assert "not sent" in out and "Post 00 about careers" in out
