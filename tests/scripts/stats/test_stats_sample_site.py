"""`make stats` on the sample site as shipped (outbox, no key), run as a user would."""

import os
import subprocess
import sys

from lxml import html as lxml_html

from connected.send_record import load_record
from tests.conftest import ROOT, make_sample_project


def test_sample_site_report_lists_the_record_without_mailchimp(tmp_path):
    project = make_sample_project(tmp_path / "site", record=True)
    target = tmp_path / "reach.html"
    env = {**os.environ, "MAILCHIMP_API_KEY": "", "MAILCHIMP_AUDIENCE_ID": ""}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.stats", "--root", str(project), "--output", str(target)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    record = load_record(project / "send-record.json")
    assert record["posts"], "the shipped sample record lists the sample's archive"
    page = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    titles = page.xpath('//table[@id="other-posts"]/tbody/tr/td[1]')
    assert sorted(t.text_content() for t in titles) == sorted(e["title"] for e in record["posts"].values())
    assert "need Mailchimp" in page.xpath('string(//p[@id="needs-mailchimp"])')
    for entry in record["posts"].values():
        assert entry["title"][:30] in result.stdout
    assert f"Report written to {target}" in result.stdout


def test_sample_site_with_the_sample_logs_shows_web_and_feed_reach(tmp_path):
    """The provided sample log (tests/data/access_logs, made by its seeded generate.py) on the
    shipped sample: per-post views, sources and feed subscribers, without Mailchimp."""
    from tests.data.access_logs import generate as sample_logs

    shipped = ROOT / "tests" / "data" / "access_logs"
    ledger = sample_logs.generate(tmp_path / "regenerated")
    for name in ("access.log.2.gz", "access.log.1", "access.log"):
        assert (tmp_path / "regenerated" / name).read_bytes() == (shipped / name).read_bytes(), (
            f"{name} is not what generate.py writes: run python -m tests.data.access_logs.generate")
    project = make_sample_project(tmp_path / "site", record=True)
    target = tmp_path / "reach.html"
    env = {**os.environ, "MAILCHIMP_API_KEY": "", "MAILCHIMP_AUDIENCE_ID": ""}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.stats", "--root", str(project), "--output", str(target),
         "--access-logs", str(shipped / "access.log*")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    page = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    views = {}
    for row in page.xpath('//table[@id="reach-posts"]/tbody/tr'):
        link = row.xpath("string(td[1]/a/@href)")
        views[link.rstrip("/").rsplit("/", 1)[-1]] = int(row.xpath('string(td[@data-field="views"])').replace(",", ""))
    assert views == ledger["views"]
    # The two newest posts are on the site but not in the send record: listed as not emailed.
    states = {row.get("data-state") for row in page.xpath('//table[@id="reach-posts"]/tbody/tr')}
    assert states == {"measured", "baseline", "web"} - {"measured"}
    sources = {tr.xpath("string(td[1])"): int(tr.xpath("string(td[2])").replace(",", ""))
               for tr in page.xpath('//table[@data-chart="chart-sources"]/tbody/tr')}
    assert sources == ledger["sources"]
    feeds = {tr.get("data-reader"): tr.xpath("string(td[3])") for tr in page.xpath('//table[@id="feeds"]/tbody/tr')}
    assert (feeds["Feedly"], feeds["Inoreader"], feeds["NewsBlur"]) == (
        str(ledger["feedly"]), str(ledger["inoreader"]), str(ledger["newsblur"]))
    summary = page.xpath('string(//p[@id="logs-summary"])')
    assert f"{ledger['bots']} requests by bots" in summary
    assert f"{ledger['malformed']} malformed line" in summary
    assert "from 2026-08-11 to 2026-11-30" in summary
    assert "Network before you need it"[:10] in result.stdout or "Build your network" in result.stdout
    assert "Views" in result.stdout and "Reached" in result.stdout
