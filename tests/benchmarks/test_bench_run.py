"""`make bench` end to end on a tiny corpus: every figure it prints is measured, and the
repeated one-post rebuilds are summarised by their median."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.run import median_run
from tests.conftest import ROOT


def test_the_median_run_is_the_middle_one_by_wall_time():
    runs = [{"seconds": s, "tag": t} for s, t in ((3.0, "a"), (1.0, "b"), (2.0, "c"), (9.0, "d"))]
    assert median_run(runs[:3])["tag"] == "c"
    assert median_run(runs)["tag"] == "c"  # even count: the lower middle
    assert median_run(runs[:1])["tag"] == "a"


def test_the_bench_measures_each_command_against_bare_pelican(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILCHIMP")}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--posts", "8", "--runs", "1", "--edits", "1",
         "--rebuilds", "2", "--results", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    data = json.loads((tmp_path / "latest-8.json").read_text(encoding="utf-8"))
    (round_,) = data["rounds"]
    for kind in ("html_edit", "publish"):
        samples = round_[f"{kind}_samples"]
        assert len(samples) == 2 and round_[kind] in samples
        assert round_[kind]["seconds"] == min(s["seconds"] for s in samples)  # two: the lower
    summary = data["summary"]
    for kind in ("html_cold", "html_edit", "publish"):
        assert summary[f"{kind}_over_bare"] > 0 and summary[f"{kind}_cpu_seconds"] > 0
    assert summary["devserver_previews"] == "1/1" and summary["devserver_preview_differed"] == 0
    assert 0 < summary["devserver_median_seconds"] < 30
    table = result.stdout
    assert "make html, one post edited" in table and "make publish, nothing new (outbox)" in table
