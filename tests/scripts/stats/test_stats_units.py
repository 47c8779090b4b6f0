"""The pure parts: settings validation, axis maths, SVG charts, the terminal table."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from scripts.stats import Progress, StatsError, stats_settings
from scripts.stats_report import (
    bar_chart,
    build_model,
    line_chart,
    nice_ceiling,
    render_table,
    tick_pct,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_stats_settings_defaults_and_paths(tmp_path):
    cfg = stats_settings({}, tmp_path)
    assert cfg == {
        "OUTPUT_PATH": tmp_path / "reports" / "index.html",
        "CACHE_PATH": tmp_path / ".cache" / "stats.json",
        "MAX_AGE_HOURS": 24,
        "FINAL_AFTER_DAYS": 30,
        "CONCURRENCY": 4,
        "ACCESS_LOGS": [],
        "LOGS_REMOTE": "",
        "LOGS_DIR": tmp_path / "logs",
    }


@pytest.mark.parametrize(
    "stats, key",
    [
        ({"CONCURRENCY": 11}, "CONCURRENCY"),
        ({"CONCURRENCY": 0}, "CONCURRENCY"),
        ({"MAX_AGE_HOURS": "a day"}, "MAX_AGE_HOURS"),
        ({"FINAL_AFTER_DAYS": -1}, "FINAL_AFTER_DAYS"),
        ({"OUTPUT_PATH": ""}, "OUTPUT_PATH"),
    ],
)
def test_stats_settings_name_the_bad_key(tmp_path, stats, key):
    with pytest.raises(StatsError, match=rf"STATS\['{key}'\]"):
        stats_settings({"STATS": stats}, tmp_path)


def test_unknown_stats_key_is_named(tmp_path):
    with pytest.raises(StatsError, match="CONCURENCY"):
        stats_settings({"STATS": {"CONCURENCY": 2}}, tmp_path)


def test_gitignore_covers_the_report_and_the_cache():
    ignored = (Path(__file__).resolve().parents[3] / ".gitignore").read_text().split()
    assert "reports/" in ignored and ".cache/" in ignored


@pytest.mark.parametrize("value, expected", [(0.63, 0.8), (0.087, 0.1), (292, 300), (0, 1.0), (0.05, 0.05)])
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


def test_tick_labels_drop_trailing_zeros():
    assert [tick_pct(v) for v in (0, 0.25, 0.075, 1.0)] == ["0%", "25%", "7.5%", "100%"]


def test_line_chart_is_accessible_svg_with_one_dot_per_point():
    svg = line_chart(
        "c1", [(0.0, 0.2, "A <b> & c"), (0.5, 0.4, "B"), (1.0, 0.3, "C")],
        title="Open rate", desc="Three posts", x_labels=[(0.0, "1 Jan 26"), (1.0, "1 Mar 26")],
    )
    root = etree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 340 ")
    assert root.find(f"{SVG}title").text == "Open rate"
    assert root.find(f"{SVG}desc").text == "Three posts"
    dots = root.findall(f".//{SVG}circle")
    assert [d.find(f"{SVG}title").text for d in dots] == ["A <b> & c", "B", "C"]
    # The highest point is drawn highest (smallest y).
    assert min(dots, key=lambda d: float(d.get("cy"))).find(f"{SVG}title").text == "B"
    ticks = [t.text for t in root.iter(f"{SVG}text")]
    assert ticks[:5] == ["0%", "10%", "20%", "30%", "40%"] and "1 Mar 26" in ticks


def test_bar_chart_lengths_are_proportional():
    svg = bar_chart("c2", [("a", 0.04, "4%"), ("b", 0.02, "2%")], title="t", desc="d")
    bars = etree.fromstring(svg).findall(f".//{SVG}rect")
    assert float(bars[0].get("width")) == pytest.approx(2 * float(bars[1].get("width")), rel=0.01)


def test_model_and_table_for_a_mixed_record():
    now = datetime(2026, 11, 26, tzinfo=UTC)
    record = {"version": 1, "posts": {
        "u1": {"status": "sent", "at": "2026-11-01T09:00:00+00:00", "backend": "mailchimp",
               "campaign_id": "c1", "title": "Measured"},
        "u2": {"status": "scheduled", "at": "2026-11-27T09:00:00+00:00", "backend": "mailchimp",
               "campaign_id": "c2", "title": "Later"},
        "u3": {"status": "sent", "at": "2026-10-01T09:00:00+00:00", "backend": "mailchimp",
               "campaign_id": "c3", "title": "Gone"},
    }}
    cache = {"version": 1, "growth": None, "campaigns": {
        "c1": {"fetched_at": (now - timedelta(hours=3)).isoformat(), "state": "ok",
               "report": {"emails_sent": 1000, "unsubscribed": 2,
                          "bounces": {"hard_bounces": 1, "soft_bounces": 2, "syntax_errors": 0},
                          "opens": {"unique_opens": 400, "open_rate": 0.4012},
                          "clicks": {"unique_subscriber_clicks": 35, "click_rate": 0.0351}},
               "links": []},
        "c3": {"fetched_at": (now - timedelta(days=2)).isoformat(), "state": "deleted"},
    }}
    model = build_model(record, cache, {"u1": {"category": "Writing", "tags": ["a"]}}, now=now)
    states = {r.title: r.state for r in model.rows}
    assert states == {"Measured": "measured", "Later": "scheduled", "Gone": "deleted"}
    assert [c.name for c in model.categories] == ["Writing"]
    table = render_table(model)
    line = next(line for line in table.splitlines() if "Measured" in line)
    assert line.split()[-7:] == ["1,000", "400", "40.1%", "35", "3.5%", "2", "3"]
    assert "deleted or unknown" in next(line for line in table.splitlines() if "Gone" in line)
    assert model.data_age == timedelta(days=2)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_lines_otherwise():
    tty = _Terminal()
    progress = Progress(3, tty)
    for _ in range(3):
        progress.advance()
    assert tty.getvalue() == ("\rFetching Mailchimp reports: 1/3\rFetching Mailchimp reports: 2/3"
                              "\rFetching Mailchimp reports: 3/3\n")
    plain = io.StringIO()
    progress = Progress(20, plain)
    for _ in range(20):
        progress.advance()
    lines = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue()
    assert lines[0] == "Fetching 20 Mailchimp report(s)…" and lines[-1] == "  20/20 fetched"
    assert len(lines) == 11


def test_post_metadata_reads_labels_and_the_uuid_fallback(tmp_path):
    from connected.identity import fallback_uuid
    from scripts.stats import post_metadata
    from tests.conftest import read_project_settings

    posts = tmp_path / "content" / "posts" / "2026"
    posts.mkdir(parents=True)
    (posts / "with-uuid.md").write_text(
        "Title: With\nDate: 2026-01-01\nCategory: Writing\nTags: a, b c\n"
        "Uuid: 3F2B8C1E-5D4A-4E8F-9B6C-2A1D0E7F8C9B\n\nBody\n\nMore: not metadata\n", encoding="utf-8")
    (posts / "no-uuid.md").write_text("Title: Without\nDate: 2026-01-02\n\nBody\n", encoding="utf-8")
    settings = read_project_settings("pelicanconf.py", override={"PATH": str(tmp_path / "content")})
    meta = post_metadata(settings)
    assert meta["3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b"] == {
        "title": "With", "category": "Writing", "tags": ["a", "b c"], "url": "2026/with/",
        "date": "2026-01-01T00:00:00+00:00"}
    assert meta[fallback_uuid("posts/2026/no-uuid.md")]["title"] == "Without"
