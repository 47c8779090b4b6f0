"""`make stats` on the sample site as shipped (outbox, no key), run as a user would."""

import os
import subprocess
import sys

from lxml import html as lxml_html

from scripts.send_record import load_record
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
