"""The W3C Nu HTML checker finds no error in the report: full, outbox-only, empty, with access logs."""

import json
import shutil
import subprocess

import pytest

from tests.scripts.stats.stats_testkit import ROOT, make_stats_project

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.mark.skipif(shutil.which("java") is None or not VNU_JAR.is_file(),
                    reason="needs java and node_modules/vnu-jar (make test-setup)")
def test_reports_are_valid_html(project, account, tmp_path):
    assert project.run(env=account.env())[0] == 0
    outbox = make_stats_project(tmp_path / "outbox", 1)
    outbox.write_record({"00000000-0000-4000-8000-000000000000": {
        "status": "sent", "at": "2026-11-02T09:00:00+00:00", "backend": "outbox", "title": "One"}})
    assert outbox.run(env={})[0] == 0
    empty = make_stats_project(tmp_path / "empty", 1)
    assert empty.run(env={})[0] == 0
    from tests.scripts.stats.logs_testkit import known_logs

    reach = make_stats_project(tmp_path / "reach", 30, stats='{"ACCESS_LOGS": ["logs/access.log*"]}')
    known_logs(reach.path / "logs")
    reach.write_record(account.record_entries())
    assert reach.run(env=account.env())[0] == 0
    files = [p.report_path for p in (project, outbox, empty, reach)]
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert errors == []
