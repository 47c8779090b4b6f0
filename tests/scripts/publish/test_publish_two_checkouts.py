"""Two checkouts of one site publishing at once: every post goes out exactly once.

A laptop and a CI job each have their own lock and send record, so only the remote can
decide between them (scripts/backends/mailchimp.py, docs/publishing.md). These tests run
TWO REAL `python -m scripts.publish` processes, from two copies of a built fixture site,
against one fake Mailchimp (or one shared outbox folder), started together, with varied
latency, list lag and start offsets; they count what the fake received.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.backends.mailchimp import marker_for
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID, FakeMailchimp
from tests.kit.publish_project import MIDDLE, NEWEST, OLD, ROOT, SECRET_ENV, make_project

NEW_POSTS = (MIDDLE, NEWEST)
TRIALS = 20
PARALLEL = 5  # trials at once (each: one fake, two processes); most of a trial is waiting
SEND = r"/campaigns/\w+/actions/send"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """A fixture site built once for production, with OLD recorded: MIDDLE and NEWEST are new."""
    project = make_project(tmp_path_factory.mktemp("built"), record=[OLD])
    project.configure_own_identity()
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.publish", "--root", str(project.path), "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((project.path / "build" / "editions" / "manifest.json").read_text())
    assert {p["uuid"] for p in manifest["posts"] if p.get("files")} >= set(NEW_POSTS)
    return project.path


def checkout(site: Path, where: Path) -> Path:
    """A second checkout: a copy of the built site (its own send record, lock and build)."""
    shutil.copytree(site, where, symlinks=True)
    return where


def start(root: Path, env: dict) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    full.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.publish", "--root", str(root), "--no-build"],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out + err


@dataclass(frozen=True)
class Made:
    """One campaign the fake holds at the end of a trial."""

    id: str
    create_time: str
    status: str
    sends: int
    deleted: bool


@dataclass
class Trial:
    n: int
    latency: float
    lag: float
    offset: float
    settle: float
    sides: tuple = ("laptop", "ci")
    codes: tuple = ()
    outputs: tuple = ()
    campaigns: dict = None  # uuid -> [Made] (deleted ones included)
    sends: dict = None  # uuid -> ids of campaigns whose actions/send took effect (one per send)
    records: tuple = ()
    seconds: float = 0.0


def plan(n: int) -> Trial:
    rnd = random.Random(20261201 + n)
    lag = rnd.choice((0.0, 0.3, 0.6, 0.9))
    return Trial(
        n=n,
        latency=rnd.choice((0.0, 0.05, 0.2, 0.4)),
        lag=lag,
        # 0: both list before either creates; a second or more: the later run finds the
        # first one's draft (or sees it only after the lag) and must not send a second.
        offset=rnd.choice((0.0, 0.0, 0.05, 0.3, 1.0, 2.5)),
        settle=round(lag + 1.0 + 0.3, 2),  # list lag + create_time's 1 s steps + margin
        # Every tenth trial, a third checkout joins (the argument never assumed two).
        sides=("laptop", "ci", "desktop") if n % 10 == 9 else ("laptop", "ci"),
    )


def run_trial(site: Path, base: Path, trial: Trial) -> Trial:
    fake = FakeMailchimp()
    fake.random.seed(trial.n)
    fake.latency = (0.0, trial.latency)
    fake.list_lag = trial.lag
    fake.start()
    began = time.monotonic()
    try:
        roots = [checkout(site, base / f"t{trial.n}-{side}") for side in trial.sides]
        env = {
            "MAILCHIMP_API_KEY": fake.api_key,
            "MAILCHIMP_AUDIENCE_ID": DEFAULT_LIST_ID,
            "MAILCHIMP_API_URL": fake.url,
            "MAILCHIMP_SETTLE_SECONDS": str(trial.settle),
        }
        procs = [start(roots[0], env)]
        for root in roots[1:]:
            time.sleep(trial.offset)
            procs.append(start(root, env))
        results = [finish(proc) for proc in procs]
        fake.wait_idle()
    finally:
        fake.stop()
    trial.seconds = time.monotonic() - began
    trial.codes = tuple(code for code, _ in results)
    trial.outputs = tuple(text for _, text in results)
    trial.campaigns = {
        u: [
            Made(c.doc["id"], c.doc["create_time"], c.doc["status"], c.sends, c.deleted)
            for c in fake.campaigns_titled(marker_for(u), include_deleted=True)
        ]
        for u in NEW_POSTS
    }
    trial.sends = {
        u: [
            c.id
            for c in trial.campaigns[u]
            for r in fake.calls("POST", f"/campaigns/{c.id}/actions/send")
            if r.acted and r.status == 204
        ]
        for u in NEW_POSTS
    }
    trial.records = tuple(json.loads((r / "send-record.json").read_text()) for r in roots)
    assert fake.violations == [], fake.violations
    return trial


def test_two_checkouts_racing_send_each_post_exactly_once(built_site, tmp_path, capsys):
    trials = [plan(n) for n in range(TRIALS)]
    began = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = list(pool.map(lambda t: run_trial(built_site, tmp_path, t), trials))
    total = time.monotonic() - began

    duplicates = lost = raced = 0
    for trial in done:
        why = (
            f"trial {trial.n}: latency {trial.latency}, lag {trial.lag}, offset {trial.offset}, "
            f"settle {trial.settle}; exit codes {trial.codes}; campaigns {trial.campaigns}; "
            f"sends {trial.sends}; records {trial.records}\n" + "\n----\n".join(trial.outputs)
        )
        assert trial.codes == (0,) * len(trial.sides), why
        for uuid in NEW_POSTS:
            sent = [c for c in trial.campaigns[uuid] if c.sends]
            duplicates += max(len(trial.sends[uuid]) - 1, 0)
            lost += not trial.sends[uuid]
            raced += len(trial.campaigns[uuid]) > 1
            assert len(trial.sends[uuid]) == 1, why  # the wire: one send took effect
            assert [c.sends for c in sent] == [1], why
            (winner,) = sent
            # Both checkouts record the post, with the one campaign that went out.
            for record in trial.records:
                # .get, not [...]: a missing entry must fail with the runs' output (a KeyError
                # would hide which run left it out, and why).
                entry = record["posts"].get(uuid) or {}
                assert entry.get("status") == "sent" and entry.get("campaign_id") == winner.id, why
                assert uuid not in record.get("pending", {}), why
            # A losing run deleted its own draft: nothing is left that a later run could send.
            assert all(c.deleted for c in trial.campaigns[uuid] if c is not winner), why
    with capsys.disabled():
        print(
            f"\nTwo checkouts racing: {len(done)} trials "
            f"({sum(len(t.sides) == 3 for t in done)} with three), {len(done) * len(NEW_POSTS)} posts, "
            f"{raced} posts with a second campaign made in the race, {duplicates} duplicate "
            f"sends, {lost} lost, {total:.1f} s"
        )
    assert duplicates == 0 and lost == 0
    # The race really happened: in some trials both runs made a campaign for one post.
    assert raced >= 3, f"only {raced} posts raced: the trials do not test the election"


# --- The outbox on a folder both checkouts write to ------------------------------------------
def test_two_checkouts_sharing_one_outbox_write_each_post_once(built_site, tmp_path):
    """Each checkout names the message after its own slug (the CI checkout has an edited
    slug), so without the O_EXCL claim both would write their own file for the post."""
    shared = tmp_path / "shared-outbox"
    trials = 4  # process start-up jitter mostly serialises these; the barrier test below races
    for n in range(trials):
        outbox = shared / f"t{n}"
        roots = []
        for side in ("laptop", "ci"):
            root = checkout(built_site, tmp_path / f"o{n}-{side}")
            with (root / "pelicanconf.py").open("a", encoding="utf-8") as fh:
                fh.write(f'\nNEWSLETTER["OUTBOX_PATH"] = {str(outbox)!r}\n')
            if side == "ci":
                manifest = root / "build" / "editions" / "manifest.json"
                data = json.loads(manifest.read_text(encoding="utf-8"))
                for post in data["posts"]:
                    post["slug"] = post["slug"] + "-edited"
                manifest.write_text(json.dumps(data), encoding="utf-8")
            roots.append(root)
        first = start(roots[0], {})
        time.sleep((0.0, 0.01, 0.05, 0.2)[n % 4])
        second = start(roots[1], {})
        results = [finish(first), finish(second)]
        why = f"trial {n}: " + "\n----\n".join(text for _, text in results)
        assert [code for code, _ in results] == [0, 0], why
        messages = sorted(outbox.glob("*.eml"))
        for uuid in NEW_POSTS:
            mine = [m for m in messages if m.name.endswith(f"-{uuid}.eml")]
            assert len(mine) == 1, why + f"\n{[m.name for m in messages]}"
            for root in roots:
                entry = json.loads((root / "send-record.json").read_text())["posts"][uuid]
                assert entry["status"] == "sent" and entry["backend"] == "outbox", why
        assert len(messages) == len(NEW_POSTS), [m.name for m in messages]


def _deliver_at_barrier(outbox: str, editions_dir: str, slug_suffix: str, barrier, results) -> None:
    """In a child process: one checkout's outbox backend delivering both posts at once."""
    from scripts.backends.outbox import OutboxBackend
    from tests.kit.mailchimp_fixtures import write_edition

    backend = OutboxBackend(
        outbox_path=Path(outbox),
        from_name="Ada Writer",
        from_email="ada@example.com",
        reply_to="ada@example.com",
        postal_address="1 Quay Street, Leith",
        siteurl="https://ada.example",
        claim_wait=5.0,
    )
    editions = []
    for n in (1, 2):
        edition = write_edition(Path(editions_dir), n)
        (edition.outbox_html).write_text("<p>Post</p><p>1 Quay Street, Leith</p>", encoding="utf-8")
        editions.append(dataclasses.replace(edition, slug=edition.slug + slug_suffix))
    barrier.wait(timeout=30)
    try:
        results.put([(e.uuid, backend.deliver(e).detail) for e in editions])
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put(repr(exc))


def test_two_processes_delivering_at_one_instant_write_one_message_per_post(tmp_path):
    """Both processes pass find_existing() before either writes (a barrier lines them up),
    so only the O_EXCL claim keeps the second message out; their slugs differ, so without
    it the outbox would hold two files per post."""
    context = multiprocessing.get_context("fork")
    for n in range(10):
        outbox = tmp_path / f"outbox-{n}"
        barrier, results = context.Barrier(2), context.Queue()
        workers = [
            context.Process(
                target=_deliver_at_barrier,
                args=(
                    str(outbox),
                    str(tmp_path / f"editions-{n}-{side}"),
                    suffix,
                    barrier,
                    results,
                ),
            )
            for side, suffix in (("a", ""), ("b", "-edited"))
        ]
        for worker in workers:
            worker.start()
        got = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert all(isinstance(g, list) for g in got), got
        names = sorted(m.name for m in outbox.glob("*.eml"))
        assert len(names) == 2, names
        for uuid in {u for g in got for u, _ in g}:
            assert sum(name.endswith(f"-{uuid}.eml") for name in names) == 1, names
            details = [d for g in got for u, d in g if u == uuid]
            # One process wrote it, the other recorded that file.
            assert sorted(d["reused"] for d in details) == [False, True], details
            assert len({d["path"] for d in details}) == 1, details
