"""A fixture site in weekly digest mode, for tests/scripts/digest/test_digest_*.py.

The publish_site fixture (tests/data/) with its four published posts recorded (an
archive already handled), NEWSLETTER["CADENCE"] = "weekly" on Mondays at 09:00
Europe/London, and helpers to add posts. `CONNECTED_NOW` (the publish CLI's test hook)
sets the moment a run takes as now.
"""

from __future__ import annotations

from pathlib import Path

from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    NOT_FOR_NEWSLETTER,
    OLD,
    Project,
    make_project,
)

ARCHIVE = [OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER]
# Monday 30 November 2026, 09:00 GMT: the send moment of the week the added posts are in.
SEND = "2026-11-30T09:00:00+00:00"
BEFORE_SEND = "2026-11-30T08:59:59+00:00"
AFTER_SEND = "2026-11-30T09:20:00+00:00"
NEXT_SEND = "2026-12-07T09:00:00+00:00"


def post_uuid(n: int) -> str:
    return f"d1000000-0000-4000-8000-{n:012d}"


def digest_project(tmp_path: Path, *, record: list[str] | None = ARCHIVE, extra: str = "") -> Project:
    project = make_project(tmp_path, record=record)
    project.configure(
        pelican='NEWSLETTER["CADENCE"] = "weekly"\nNEWSLETTER["DIGEST_DAY"] = "monday"\n'
        'NEWSLETTER["DIGEST_TIME"] = "09:00"\nTIMEZONE = "Europe/London"\n' + extra
    )
    return project


def add_post(project: Project, n: int, date: str, *, meta: str = "", body: str = "") -> str:
    """Write posts/digest-<n>.md dated `date` (site time); return its Uuid."""
    uuid = post_uuid(n)
    text = (
        f"Title: Digest post {n}\nDate: {date}\nSlug: digest-post-{n}\n"
        f"Summary: Summary of digest post {n}.\nUuid: {uuid}\n{meta}\n"
        + (body or f"Body of digest post {n}, with a [link](/2026/cafe-chats/).\n")
    )
    project.post_file(f"digest-{n}.md").write_text(text, encoding="utf-8")
    return uuid
