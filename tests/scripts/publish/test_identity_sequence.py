"""Seeded random sequences of new posts, `make uuids`, renames, title/slug/date edits and
`make publish`: every post is mailed exactly once (never twice, and none lost).

Real builds, real `scripts.uuids` and `scripts.publish` runs, outbox backend; each post
carries a marker in its body, found back in the parsed .eml messages.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from tests.conftest import run_cli
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    NOT_FOR_NEWSLETTER,
    OLD,
    clear_mailchimp_env,
    make_project,
)

MARKER = re.compile(r"marker-(\d+)-end")


def marker_counts(project) -> Counter:
    counts: Counter = Counter()
    for message in project.messages():
        text = message.get_body(preferencelist=("plain",)).get_content()
        counts.update(int(n) for n in MARKER.findall(text))
    return counts


@pytest.mark.parametrize("seed", [7, 11, 2026])
def test_random_sequences_mail_every_post_exactly_once(tmp_path, monkeypatch, seed):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, record=[OLD, MIDDLE, NEWEST, NOT_FOR_NEWSLETTER])
    project.configure(pelican='NEWSLETTER = {**NEWSLETTER, "MAX_PER_RUN": 50}')
    rng = random.Random(seed)
    content = project.path / "content"
    files: dict[int, str] = {}  # post number -> path under content/
    counter = 0

    def unique() -> int:
        nonlocal counter
        counter += 1
        return counter

    def edit(number: int, pattern: str, replacement: str) -> None:
        path = content / files[number]
        path.write_text(re.sub(pattern, replacement, path.read_text("utf-8"), count=1, flags=re.M), "utf-8")

    steps = []
    for _ in range(18):
        op = rng.choice(["new", "new", "uuids", "rename", "edit", "publish", "publish"])
        if op in ("rename", "edit") and not files:
            op = "new"
        if op == "new":
            number = unique()
            files[number] = f"posts/new-{number}.md"
            (content / files[number]).write_text(
                f"Title: Post {number}\nDate: 2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 09:00\n"
                f"Slug: post-{number}\nSummary: Number {number}.\n\nBody marker-{number}-end.\n",
                encoding="utf-8",
            )
        elif op == "uuids":
            result = run_cli("-m", "scripts.uuids", "--settings", str(project.path / "pelicanconf.py"))
            assert result.returncode == 0, result.stderr
        elif op == "rename":
            number = rng.choice(sorted(files))
            target = f"posts/moved-{unique()}/again-{number}.md"
            (content / target).parent.mkdir(parents=True)
            (content / files[number]).rename(content / target)
            files[number] = target
        elif op == "edit":
            number = rng.choice(sorted(files))
            which = rng.choice(["title", "slug", "date"])
            if which == "title":
                edit(number, r"^Title: .*$", f"Title: Post {number}, edited {unique()}")
            elif which == "slug":
                edit(number, r"^Slug: .*$", f"Slug: post-{number}-v{unique()}")
            else:
                edit(number, r"^Date: .*$", f"Date: 2026-10-{rng.randint(10, 28)} 1{rng.randint(0, 9)}:00")
        else:
            result = project.publish()
            assert result.code in (0, 1), result.text
        steps.append(op)
        counts = marker_counts(project)
        assert all(n == 1 for n in counts.values()), (steps, counts)

    # Finally the writer follows the advice: make uuids, then publish.
    assert run_cli("-m", "scripts.uuids", "--settings", str(project.path / "pelicanconf.py")).returncode == 0
    final = project.publish()
    assert final.code == 0, (steps, final.text)
    counts = marker_counts(project)
    assert counts == Counter({number: 1 for number in files}), (steps, counts)
    assert len(project.record()["posts"]) == 4 + len(files)
