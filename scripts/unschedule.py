"""`make unschedule`: cancel campaigns that are still scheduled, and hold their posts.

A held post stays in the send record, so later publishes skip it, until the
writer runs `make publish RELEASE=<slug>`. Runs under the same lock as
`make publish`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from connected.console import Console, scrubbed_logs
from connected.errors import ConnectedError
from connected.publishing import PublishError
from connected.send_record import (
    LOCK_TIMEOUT,
    entries_with_status,
    hold,
    load_record,
    record_lock,
    save_record,
)
from scripts.backends import backend_name, make_backend, read_env
from scripts.backends.base import BackendError
from scripts.context import load_context

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)


def run(ctx, lock_timeout: float) -> int:
    say = ctx.console.say
    with record_lock(ctx.record_path, lock_timeout):
        record = load_record(ctx.record_path)
        scheduled = entries_with_status(record, "scheduled") if record else {}
        if not scheduled:
            say("Nothing is scheduled: the send record lists no post with status scheduled.")
            return 0
        by_campaign = {e["campaign_id"]: u for u, e in scheduled.items() if e.get("campaign_id")}
        if backend_name(ctx.env) != "mailchimp":
            raise PublishError(
                f"{len(scheduled)} post(s) are scheduled in Mailchimp, but MAILCHIMP_API_KEY is not set: "
                "add it (and MAILCHIMP_AUDIENCE_ID) to .env, then run `make unschedule` again."
            )
        backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
        cancelled = set(backend.unschedule(sorted(by_campaign)))
        now = datetime.now(UTC)
        for campaign_id in sorted(cancelled):
            uuid = by_campaign.get(campaign_id)
            if uuid is None:
                continue
            title = record["posts"][uuid].get("title") or uuid
            hold(record, campaign_id, at=now)
            save_record(ctx.record_path, record)
            say(f"Held: {title} (campaign {campaign_id} cancelled and deleted).")
        missed = [u for c, u in by_campaign.items() if c not in cancelled]
        for uuid in missed:
            entry = record["posts"][uuid]
            say(
                f"Could not cancel {entry.get('title') or uuid} (campaign {entry['campaign_id']}): it has "
                "probably been sent already. Check it in Mailchimp."
            )
        if cancelled:
            say(
                "Held posts are skipped by `make publish` until you release one with "
                "`make publish RELEASE=<slug>`."
            )
            say(
                f"{ctx.record_path.name} changed: commit it "
                f"(git add {ctx.record_path.name} && git commit -m 'Hold newsletter posts')."
            )
        return 0 if not missed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts unschedule", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py", help="settings file, relative to --root")
    parser.add_argument("--root", default=str(ROOT), help="project root (default: this checkout)")
    parser.add_argument("--lock-timeout", type=float, default=LOCK_TIMEOUT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    env = read_env(root)
    console = Console([env.get("MAILCHIMP_API_KEY", "").strip()])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from connected.newsletter_settings import SettingsError

    with scrubbed_logs(console):
        try:
            ctx = load_context(root, args.settings, console, env)
            return run(ctx, args.lock_timeout)
        except (ConnectedError, BackendError, SettingsError) as exc:
            console.error(f"make unschedule stopped: {exc} Re-running `make unschedule` is safe.")
            return 1


if __name__ == "__main__":
    sys.exit(main())
