"""Helpers for the link and embed tests: build a fixture site, read its summary."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import lxml.html

from tests.conftest import build_site

SITE = "links_site"
BROKEN = "a1a1a1a1-0000-4000-8000-000000000002"
GOOD = "a1a1a1a1-0000-4000-8000-000000000001"
EMBEDS = "a1a1a1a1-0000-4000-8000-000000000003"


class Build:
    def __init__(self, tmp_path: Path, caplog):
        self.tmp_path = tmp_path
        self.caplog = caplog
        self.output = tmp_path / "output"
        self.content = tmp_path / "content"

    def run(self, settings_file: str = "publishconf.py", **overrides) -> list[str]:
        """Build; return the problem lines of link_checks' summary ([] if none)."""
        self.caplog.clear()
        with self.caplog.at_level(logging.INFO):
            build_site(self.tmp_path, SITE, settings_file=settings_file, overrides=overrides)
        return summary_lines(self.caplog.records)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records]

    def page(self, path: str):
        return lxml.html.parse(str(self.output / path / "index.html")).getroot()

    def manifest(self) -> dict:
        path = self.tmp_path / "build" / "editions" / "manifest.json"
        return {p["uuid"]: p for p in json.loads(path.read_text(encoding="utf-8"))["posts"]}


def summary_records(records) -> list[logging.LogRecord]:
    return [r for r in records if r.name == "link_checks.build" and r.levelno == logging.WARNING]


def summary_lines(records) -> list[str]:
    found = summary_records(records)
    assert len(found) <= 1, "link_checks printed more than one summary"
    if not found:
        return []
    head, *lines = found[0].getMessage().split("\n")
    assert head.startswith("link_checks: ") and head.endswith(":"), head
    return [line.strip() for line in lines]
