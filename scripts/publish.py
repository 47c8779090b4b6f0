"""`make publish`: build for production → deploy → check live → send new posts → record.

    python -m scripts publish [--dry-run] [--check] [--test-send ADDRESS] [--post SLUG|UUID]
                              [--baseline all|all-but-newest] [--release SLUG|UUID] [--no-build]

The Makefile passes DRY_RUN=1, CHECK=1, TEST_SEND=, POST=, BASELINE=, RELEASE= as these
options. One lock covers the whole run. Each step runs only when the one before it
succeeded; the send record is written after each confirmed delivery, and the
backends reconcile with what an interrupted run left behind, so re-running after
any failure is safe. This module holds the order of the steps, what they print and
when the record is saved; the rules (which posts, baseline, release, placeholders,
the live check) are connected/publishing.py, the record connected/send_record.py,
the manifest connected/editions.py, and the backends and deploy their own modules.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connected import errors
from connected.console import Console, scrubbed_logs
from connected.editions import Edition, manifest_path, manifest_siteurl, read_manifest
from connected.errors import ConnectedError
from connected.publishing import (
    BASELINE_CHOICES,
    SAMPLE_IMAGE_SHA256,
    PublishError,
    baseline_posts,
    blocked_message,
    check_cap,
    delivery_words,
    describe_post,
    find_post,
    held_uuid,
    live_status,
    no_record_error,
    no_uuid_line,
    only_post,
    placeholder_problems,
    quarter_hour_after,
    schedule_time,
    split_for_digest,
)
from connected.publishing import sendable as sendable_posts
from connected.send_record import (
    LOCK_TIMEOUT,
    empty_record,
    load_record,
    mark_baseline,
    match_posts,
    pending_campaigns,
    record_delivery,
    record_lock,
    release,
    save_record,
    set_pending,
)
from scripts.backends import backend_name, check_backend, make_backend, read_env
from scripts.backends.base import BackendError
from scripts.context import Context, load_context
from scripts.deploy import deploy, describe
from scripts.digest import (
    NOW_ENV,
    DigestOutlook,
    is_digest_mode,
    parse_now,
    pending_plans,
)

__all__ = ["Console", "PublishError", "load_context", "main", "publish_lock", "quarter_hour_after"]

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# Live-URL check after a deploy: the host may take a moment to serve new files.
LIVE_ATTEMPTS = 5
LIVE_FIRST_DELAY = 2.0  # seconds, doubled after each attempt
LIVE_TIMEOUT = 10.0
SAFE = "Re-running `make publish` is safe: posts already sent are recorded and not sent again."
# A message that already says a re-run is safe (or when to re-run) is not followed by SAFE.
_SAID_SAFE = ("Re-running `make publish` is safe", "safe: nothing is sent twice", "Re-run `make publish`")
publish_lock = record_lock  # the name scripts/import_blog uses


# --- The manifest, as publish needs it ---------------------------------------------------------
def load_manifest(ctx: Context) -> list[dict[str, Any]]:
    """The manifest's posts, refused unless built for this production SITEURL."""
    path = manifest_path(ctx.editions_path)
    data = read_manifest(ctx.editions_path)
    if data is None:
        raise PublishError(
            f"No email editions at {path}: the build did not write them. Run `make publish` without "
            "--no-build, and check that the newsletter plugin is in PLUGINS."
        )
    siteurl = manifest_siteurl(data)
    if data.get("generated_for") != "publishconf" or not siteurl.startswith(("http://", "https://")):
        raise PublishError(
            f"The editions in {path} come from a development build (siteurl {siteurl!r}), so their "
            "links would not work in an email: set SITEURL to your site's https:// address in "
            "publishconf.py and run `make publish` (which builds with publishconf.py)."
        )
    if siteurl != ctx.siteurl:
        raise PublishError(
            f"The editions in {path} were built for {siteurl}, but {ctx.settings_file} says SITEURL is "
            f"{ctx.siteurl!r}: run `make publish` without --no-build to rebuild them."
        )
    ctx.scheduled = [item for item in data.get("scheduled") or [] if isinstance(item, dict)]
    return data["posts"]


def to_edition(post: dict[str, Any], editions_path: Path) -> Edition:
    try:
        return Edition.from_entry(post, editions_path)
    except ValueError:
        # NEWSLETTER["EDITIONS"] = "unsent": the build skipped a recorded post.
        raise PublishError(
            f"The email edition of {describe_post(post)} was not rendered because the send record "
            "lists it: run `make publish` without --no-build (a test send builds every edition).",
            retry_safe=True,
        ) from None


# --- Steps ------------------------------------------------------------------------------------
def build(ctx: Context, *, all_editions: bool = False) -> Path:
    """Production build. all_editions: also render editions of recorded posts
    (a test send or a release may need one; a normal run only sends unrecorded posts)."""
    from scripts.build import BuildError, build_site

    ctx.console.say(f"Building the site with {ctx.settings_file} …")
    started = time.monotonic()
    overrides: dict[str, Any] = {"OUTPUT_PATH": ctx.settings["OUTPUT_PATH"]}
    if all_editions:
        overrides["NEWSLETTER"] = {"EDITIONS": "all"}
    try:
        output = build_site(ctx.settings_file, root=ctx.root, overrides=overrides)
    except BuildError as exc:
        raise PublishError(f"The build failed: {exc}") from exc
    ctx.console.say(f"Built {output} in {time.monotonic() - started:.1f} s.")
    return output


def check_live(ctx: Context, posts: list[dict[str, Any]]) -> None:
    for post in posts:
        url = post["url"]
        status = live_status(url, attempts=LIVE_ATTEMPTS, first_delay=LIVE_FIRST_DELAY, timeout=LIVE_TIMEOUT)
        if status is not None:
            raise PublishError(
                f"{url} does not answer 200 after the deploy ({status}, {LIVE_ATTEMPTS} tries): "
                "nothing was sent. Check that the deploy reached the server that SITEURL points at "
                f"({describe(ctx.deploy)})."
            )
        ctx.console.say(f"Live: {url}")


def apply_baseline(ctx: Context, record: dict, posts: list[dict[str, Any]], mode: str, *, dry_run: bool):
    """BASELINE=all: everything counts as sent. all-but-newest: all but the newest newsletter post."""
    marked, newest = baseline_posts(record, posts, mode)
    verb = "Would mark" if dry_run else "Marked"
    mark_baseline(record, marked, at=datetime.now(UTC))
    ctx.console.say(f"{verb} {len(marked)} existing post(s) as already sent (baseline, nothing emailed).")
    if newest:
        when = "now" if newest.get("uuid_in_file") else "once its file has a Uuid: line (make uuids)"
        ctx.console.say(f"Left out of the baseline, so it is sent {when}: {describe_post(newest)}")
    return bool(marked)


def select(
    ctx: Context, record: dict, posts: list[dict[str, Any]], only: str | None, *, dry_run: bool = False
) -> list[dict[str, Any]]:
    new, withheld = sendable(ctx, record, posts, dry_run=dry_run)
    if only:
        new = [only_post(record, posts, new, only)]
    else:
        ctx.withheld = withheld
        for post in withheld:
            ctx.console.error(no_uuid_line(post))
        if is_digest_mode(ctx.newsletter):
            # Digest mode: only `Newsletter: now` posts go one by one; the rest wait for a digest.
            new, ctx.digest_new = split_for_digest(new)
    # A post whose page has broken links or images (plugins/link_checks writes them into
    # the manifest as "blockers") is never mailed, alone or in a digest: an email cannot be
    # fixed once sent. The site is still built and deployed; the post goes out once the
    # blockers are gone.
    for post in [p for p in [*new, *(ctx.digest_new or [])] if p.get("blockers")]:
        if only:
            raise PublishError(f"POST={only}: {blocked_message(post)}", retry_safe=False)
        ctx.console.error(blocked_message(post))
        ctx.blocked.append(post)
        (new if post in new else ctx.digest_new).remove(post)
    new.sort(key=lambda p: p["date"])  # oldest first: readers get them in writing order
    check_cap(new, ctx.newsletter["MAX_PER_RUN"])
    return new


def sendable(
    ctx: Context, record: dict, posts: list[dict[str, Any]], *, dry_run: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(new posts that may be mailed, new posts withheld because their file has no Uuid: line);
    the rule is connected/publishing.sendable, the record is saved here when an entry moved."""
    found = sendable_posts(record, posts, dry_run=dry_run)
    for line in found.recognised:
        ctx.console.say(line)
    if found.moved:
        save_record(ctx.record_path, record)
        ctx.changed_record = True
    return found.new, found.withheld


def withheld_exit(ctx: Context, code: int) -> int:
    """A run that left posts unmailed (no Uuid: line, broken links or images) ends non-zero,
    after sending the rest: a scheduled CI run must not look green while a post waits."""
    if code != 0:
        return code
    if ctx.withheld:
        ctx.console.error(
            f"{len(ctx.withheld)} post(s) not mailed because their file has no Uuid: line "
            f"({', '.join(p.get('source_path') or p['uuid'] for p in ctx.withheld)}): run `make uuids`."
        )
    if ctx.blocked:
        ctx.console.error(
            f"{len(ctx.blocked)} post(s) not mailed because of broken links or images "
            f"({', '.join(p.get('source_path') or p['uuid'] for p in ctx.blocked)}): fix them, then "
            "`make publish` again."
        )
    return 1 if ctx.withheld or ctx.blocked else 0


def after_test_send(ctx: Context, record: dict | None, posts: list[dict[str, Any]], post: dict[str, Any]) -> str:
    """What the next `make publish` will do with a test-sent post, in one true sentence."""
    if not post.get("newsletter", True):
        return "Nothing was recorded. The post has 'Newsletter: no': `make publish` never mails it."
    if record is None:
        return (
            f"Nothing was recorded. There is no send record yet ({ctx.record_path.name}): the next "
            "`make publish` mails nothing until you choose BASELINE=all (this post is then never mailed) "
            "or BASELINE=all-but-newest (only the newest post is mailed)."
        )
    match = match_posts(record, posts).get(post["uuid"])
    if match is not None:
        return "Nothing was recorded. " + recorded_fate(match.entry, post)
    if not post.get("uuid_in_file"):
        return (
            "Nothing was recorded. Its file has no Uuid: line, so `make publish` will not mail it: run "
            "`make uuids` and commit; after that it goes out with the next `make publish`."
        )
    return "Nothing was recorded: the post will still go out with the next `make publish`."


def recorded_fate(entry: dict[str, Any], post: dict[str, Any]) -> str:
    """What the record's entry means for the next `make publish`, for after_test_send."""
    status, at = entry.get("status"), str(entry.get("at", ""))
    if status == "sent" and entry.get("backend") == "baseline":
        return f"The post was marked as already sent by a baseline on {at[:10]}, so it will not be sent again."
    if status == "sent":
        return f"The post was sent on {at[:10]} ({entry.get('backend')}) and will not be sent again."
    if status == "scheduled":
        return (
            f"The post is already scheduled for {at[:16].replace('T', ' ')} UTC; "
            "`make unschedule` before then stops it."
        )
    return (
        "The post is held (unscheduled): it goes out only after "
        f"`make publish RELEASE={post.get('slug') or post['uuid']}`."
    )


def target_description(ctx: Context, post: dict[str, Any]) -> str:
    if backend_name(ctx.env) == "outbox":
        return f"outbox → {ctx.newsletter['OUTBOX_PATH']} (a file; nothing is emailed)"
    audience = (ctx.env.get("MAILCHIMP_AUDIENCE_ID") or "").strip() or "<MAILCHIMP_AUDIENCE_ID not set>"
    tag = post.get("audience_tag")
    return f"Mailchimp audience {audience}, " + (f"only members tagged {tag!r}" if tag else "all subscribers")


def placeholders(ctx: Context, *, site: bool = False) -> list[str]:
    # SAMPLE_IMAGE_SHA256 is read here, at call time, so a test can stand its image in.
    return placeholder_problems(
        ctx.settings,
        ctx.newsletter,
        settings_file=ctx.settings_file,
        root=ctx.root,
        site=site,
        sample_images=SAMPLE_IMAGE_SHA256,
    )


INIT_HINT = "`make init` replaces the sample's name, address, site URL, links and pages in one go (README › First steps)."


def init_hint(problems: list[str]) -> list[str]:
    """The pointer to make init, when any problem is one of the sample's placeholders."""
    return [INIT_HINT] if any("sample" in problem for problem in problems) else []


def report_problems(console: Console, problems: list[str]) -> None:
    """CHECK=1's list: every problem on a line of its own, then the pointer to make init."""
    console.error(f"Fix {'this problem' if len(problems) == 1 else f'these {len(problems)} problems'} before publishing:")
    for problem in problems:
        console.error(f"  - {problem}")
    for hint in init_hint(problems):
        console.error(hint)


# --- Commands -----------------------------------------------------------------------------------
def run_check(ctx: Context) -> int:
    """Every problem in one run (settings, Mailchimp, placeholders), each one line with its fix."""
    say = ctx.console.say
    say(f"Checking the publishing configuration ({ctx.settings_file}); nothing is built or sent.")
    problems = check_record_and_site(ctx)
    say(f"Deploy: {describe(ctx.deploy)}.")
    if ctx.deploy["TARGET"] == "rsync":
        import shutil

        if not shutil.which("rsync"):
            problems.append("DEPLOY['TARGET'] is rsync but rsync is not installed: install it.")
    name = backend_name(ctx.env)
    say(f"Backend: {name}" + (" (no MAILCHIMP_API_KEY: messages go to files, nothing is emailed)" if name == "outbox" else ""))
    try:
        problems.extend(check_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl))
    except BackendError as exc:
        problems.append(str(exc))
    if name == "mailchimp" and ctx.newsletter["SCHEDULE_DELAY_MINUTES"]:
        say(
            f"Campaigns are scheduled {ctx.newsletter['SCHEDULE_DELAY_MINUTES']} min after publishing "
            "(scheduling needs a paid Mailchimp plan)."
        )
    problems.extend(placeholders(ctx, site=True))
    if problems:
        report_problems(ctx.console, problems)
        return 1
    say("Configuration OK: `make publish DRY_RUN=1` shows what would be sent.")
    return 0


def check_record_and_site(ctx: Context) -> list[str]:
    """CHECK=1's first lines: SITEURL and the send record (its problems, or what it holds)."""
    problems: list[str] = []
    if not ctx.siteurl.startswith(("http://", "https://")):
        problems.append(f"SITEURL is {ctx.siteurl!r} in {ctx.settings_file}: set your site's https:// address.")
    try:
        record = load_record(ctx.record_path)
    except ConnectedError as exc:
        problems.append(str(exc))
        return problems
    if record is None:
        ctx.console.say(
            f"Note: no send record yet at {ctx.record_path}. The first `make publish` will refuse to mail "
            "the archive: run `make publish BASELINE=all` (mark every post as sent) or "
            "`make publish BASELINE=all-but-newest` (and send the newest)."
        )
    else:
        ctx.console.say(f"Send record: {ctx.record_path} ({len(record['posts'])} post(s) recorded).")
    return problems


# One mailbox: no list separators, display names, angle brackets or header syntax
# (`me@x.example,all@list.example` or `me@x.example>Bcc:…` would reach others).
_NOT_IN_ADDRESS = frozenset(',;:<>()[]"\\')


def check_address(address: str) -> str:
    """TEST_SEND's one address (local@domain), as typed; anything else stops the run."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if (
        not at or not local or "." not in domain or domain.startswith(".") or domain.endswith(".")
        or any(c.isspace() or c in _NOT_IN_ADDRESS or ord(c) < 32 for c in address)
        or "@" in local
    ):
        raise PublishError(
            f"TEST_SEND={address!r} is not one email address — give exactly one, like TEST_SEND=you@example.com",
            retry_safe=False,
        )
    return address


def run_test_send(
    ctx: Context,
    posts: list[dict[str, Any]],
    address: str,
    only: str | None,
    *,
    dry_run: bool,
    record: dict | None = None,
) -> int:
    address = check_address(address)
    if not posts:
        raise PublishError("There is no published post to test-send.", retry_safe=False)
    post = find_post(posts, only) if only else max(posts, key=lambda p: p["date"])
    if post is None:
        raise PublishError(
            f"POST={only}: no published post has that slug or Uuid (a draft or a future-dated post is not "
            "published: it cannot be test-sent, and `make publish` does not mail it until it is).",
            retry_safe=False,
        )
    if dry_run:
        ctx.console.say(f"Dry run: would test-send {describe_post(post)} to {address} "
                        f"via {backend_name(ctx.env)}; nothing is sent or recorded.")
        ctx.console.say(after_test_send(ctx, record, posts, post))
        return 0
    edition = to_edition(post, ctx.editions_path)
    backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
    where = backend.test_send(edition, address)
    ctx.console.say(f"Test send of {describe_post(post)} to {address}: {where}")
    if backend.name == "outbox":
        ctx.console.say("Nothing was emailed (outbox backend): open that .eml file in a mail client.")
    ctx.console.say(after_test_send(ctx, record, posts, post))
    return 0


@dataclass
class SendPlan:
    """What this run sends: posts one by one, digests, and when (None: now)."""

    todo: list[dict[str, Any]]
    outlook: DigestOutlook | None
    when: datetime | None

    @property
    def digests(self) -> list:
        return self.outlook.plans if self.outlook else []

    @property
    def empty(self) -> bool:
        return not self.todo and not self.digests

    def live_posts(self) -> list[dict[str, Any]]:
        return self.todo + [p for plan in self.digests for p in plan.posts]


def run_publish(ctx: Context, args: argparse.Namespace) -> int:
    record = load_record(ctx.record_path)
    if args.test_send:
        check_address(args.test_send)  # before the build: a mistyped address changes nothing
    output = None if args.no_build else build(ctx, all_editions=bool(args.test_send or args.release))
    posts = load_manifest(ctx)
    if args.test_send and (args.post or "").strip().lower() == "digest":
        return run_test_send_digest(ctx, record, posts, args.test_send, dry_run=args.dry_run)
    if args.test_send:
        return run_test_send(ctx, posts, args.test_send, args.post, dry_run=args.dry_run, record=record)
    record = apply_record_options(ctx, args, record, posts)
    plan = plan_sends(ctx, record, posts, args.post, dry_run=args.dry_run)
    if args.dry_run:
        show_dry_run(ctx, plan)
        return 0
    refuse_placeholders(ctx, plan)
    backend = None if plan.empty else refuse_rejected_backend(ctx)
    deploy_site(ctx, output, plan)
    if plan.empty:
        if plan.outlook is not None:
            for line in describe_digests(ctx, plan.outlook, plan.when):
                ctx.console.say(line)
        if ctx.blocked or ctx.withheld:
            ctx.console.say("Nothing sent: the new posts named above are held until they are fixed.")
        else:
            ctx.console.say("No new posts to send." if plan.outlook is None else "Nothing to send now.")
        return 0
    send_posts(ctx, record, backend, plan)
    send_digests(ctx, record, backend, plan.digests, posts, plan.when)
    print_share_kits(ctx)
    closing_notes(ctx, backend, plan)
    return 0


def refuse_rejected_backend(ctx: Context):
    """The backend the sends will use, once it has not refused the key or the audience.

    Asked before the deploy: with a revoked key the new posts would otherwise go online and
    their emails fail, so the site would announce what the list never got (until a re-run)."""
    backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
    refusal = backend.refusal()
    if refusal:
        raise PublishError(f"{refusal}. Nothing was deployed or sent.")
    return backend


def apply_record_options(ctx: Context, args: argparse.Namespace, record: dict | None, posts) -> dict:
    """RELEASE= and BASELINE= change the record first; without a record nothing is sent."""
    if args.release:
        if record is None:
            raise PublishError(f"RELEASE={args.release}: there is no send record yet at {ctx.record_path}.")
        uuid = held_uuid(record, posts, args.release)
        release(record, uuid)
        ctx.changed_record = True
        ctx.console.say(f"{'Would release' if args.dry_run else 'Released'} held post {uuid}: it is sendable again.")
    if args.baseline:
        if record is None:
            record = empty_record()
        if apply_baseline(ctx, record, posts, args.baseline, dry_run=args.dry_run):
            ctx.changed_record = True
    if record is None:
        raise no_record_error(ctx.record_path, posts)
    if ctx.changed_record and not args.dry_run:
        save_record(ctx.record_path, record)
    return record


def plan_sends(ctx: Context, record: dict, posts, only: str | None, *, dry_run: bool) -> SendPlan:
    refuse_planned_post(record, posts, only)
    todo = select(ctx, record, posts, only, dry_run=dry_run)
    outlook = None
    if not only and (is_digest_mode(ctx.newsletter) or pending_plans(record)):
        outlook = outlook_digests(ctx, record, posts)
        in_digests = {u for plan in outlook.plans for u in plan.post_uuids}
        todo = [p for p in todo if p["uuid"] not in in_digests]  # a post is in one email at most
    return SendPlan(todo, outlook, schedule_time(ctx.newsletter["SCHEDULE_DELAY_MINUTES"], datetime.now(UTC)))


def show_dry_run(ctx: Context, plan: SendPlan) -> None:
    say = ctx.console.say
    say("Dry run: nothing is deployed, sent or recorded.")
    say(f"Would deploy: {describe(ctx.deploy)}.")
    if plan.empty and (ctx.blocked or ctx.withheld):
        say("Would send nothing: the new posts named above are held until they are fixed.")
    elif plan.empty:
        say("Would send nothing: no new posts." if plan.outlook is None else "Would send nothing now.")
    for post in plan.todo:
        say(f"Would send {describe_post(post)}")
        say(f"    subject:  {post.get('subject') or post.get('title')}")
        say(f"    to:       {target_description(ctx, post)}")
        say("    when:     " + (f"scheduled for {plan.when:%Y-%m-%d %H:%M} UTC" if plan.when else "now"))
    if plan.outlook is not None:
        for line in describe_digests(ctx, plan.outlook, plan.when):
            say(line)
    for item in ctx.scheduled:
        say(f"Scheduled: “{item.get('title', '')}” ({item.get('source_path', '')}) is dated "
            f"{str(item.get('date', ''))[:16].replace('T', ' ')}: the first `make publish` from then on "
            "publishes and sends it.")


def refuse_placeholders(ctx: Context, plan: SendPlan) -> None:
    """The sample's placeholders never reach a Mailchimp audience; in the outbox they are notes."""
    problems = [] if plan.empty else placeholders(ctx)
    if problems and backend_name(ctx.env) == "mailchimp":
        raise PublishError(
            "Not sending to your Mailchimp audience with the sample's placeholder settings:\n  - "
            + "\n  - ".join(problems)
            + "".join(f"\n{hint}" for hint in init_hint(problems))
            + "\nNothing was deployed or sent.",
            retry_safe=True,
        )
    for problem in problems:
        ctx.console.say(f"Note: {problem}")
    for hint in init_hint(problems):
        ctx.console.say(f"Note: {hint}")


def deploy_site(ctx: Context, output: Path | None, plan: SendPlan) -> None:
    """Deploy (unless DEPLOY['TARGET'] is none), then wait until every post to mail is live."""
    if ctx.deploy["TARGET"] == "none":
        ctx.console.say(
            "Not deployed: DEPLOY['TARGET'] is \"none\", so the site is only in output/ — set DEPLOY "
            "in publishconf.py to put it online (rsync or GitHub Pages: docs/settings.md)."
        )
        return
    ctx.console.say(f"Deploying: {describe(ctx.deploy)} …")
    deploy(ctx.deploy, output or Path(ctx.settings["OUTPUT_PATH"]), root=ctx.root)
    ctx.console.say("Deployed.")
    if not plan.empty:
        check_live(ctx, plan.live_posts())


def send_posts(ctx: Context, record: dict, backend, plan: SendPlan) -> None:
    """Deliver each post on its own, saving the record after each confirmed delivery."""
    if backend.tracks_campaigns:
        # Note each campaign's id in the record as soon as it exists (see set_pending).
        backend.known_ids = pending_campaigns(record)

        def note_created(uuid: str, campaign_id: str) -> None:
            set_pending(record, uuid, campaign_id=campaign_id, at=datetime.now(UTC))
            save_record(ctx.record_path, record)
            ctx.changed_record = True

        backend.on_created = note_created
    editions = [to_edition(p, ctx.editions_path) for p in plan.todo]
    backend.prepare(editions)
    for post, edition in zip(plan.todo, editions, strict=True):
        delivery = backend.deliver(edition, schedule_at=plan.when)
        record_delivery(
            record, edition.uuid, delivery, title=edition.title, url=edition.url, source_path=edition.source_path
        )
        save_record(ctx.record_path, record)
        ctx.changed_record = True
        ctx.delivered.append((edition, delivery))
        done, where, again = delivery_words(delivery)
        ctx.console.say(f"{done}: {describe_post(post)} → {delivery.backend} {where}{again}")


def closing_notes(ctx: Context, backend, plan: SendPlan) -> None:
    if backend.name == "outbox":
        ctx.console.say(
            f"Nothing was emailed: the outbox backend wrote the message(s) to {ctx.newsletter['OUTBOX_PATH']}/ "
            "(open an .eml file in a mail client). To email your subscribers, put MAILCHIMP_API_KEY and "
            "MAILCHIMP_AUDIENCE_ID in .env (see .env.example and docs/mailchimp.md)."
        )
    if plan.when and any(d.status == "scheduled" for _, d in ctx.delivered):
        ctx.console.say(
            f"Scheduled for {plan.when:%Y-%m-%d %H:%M} UTC. Changed your mind? `make unschedule` before then."
        )


# --- Digest editions (scripts/digest.py; docs/digest.md) ----------------------------------------
def digest_audience(ctx: Context) -> str:
    """What a digest's identity names as its audience: the Mailchimp list, or the outbox."""
    if backend_name(ctx.env) == "outbox":
        return "outbox"
    return (ctx.env.get("MAILCHIMP_AUDIENCE_ID") or "").strip()


def refuse_planned_post(record: dict, posts: list[dict[str, Any]], only: str | None) -> None:
    """POST=<slug> must not mail on its own a post that a planned digest holds (it may be sent)."""
    post = find_post(posts, only) if only else None
    planned = {u for plan in pending_plans(record).values() for u in plan["posts"]}
    if post is not None and post["uuid"] in planned:
        raise PublishError(
            f"POST={only}: {describe_post(post)} is in a digest that an earlier run planned and may have "
            "sent: run `make publish` without POST= to finish that digest first.",
            retry_safe=False,
        )


def outlook_digests(ctx: Context, record: dict, posts: list[dict[str, Any]]) -> DigestOutlook:
    from scripts.digest import plan_digests, site_timezone

    return plan_digests(
        record, posts, ctx.digest_new, now=ctx.now, nl=ctx.newsletter, tz=site_timezone(ctx.settings),
        siteurl=ctx.siteurl, audience=digest_audience(ctx),
    )


def describe_digests(ctx: Context, outlook: DigestOutlook, when: datetime | None) -> list[str]:
    """What digest mode does now and next, for DRY_RUN=1 and a run that sends nothing."""
    from scripts.digest import site_timezone

    tz = site_timezone(ctx.settings)
    cadence = ctx.newsletter["CADENCE"]
    lines = []
    for plan in outlook.plans:
        late = " (planned by an earlier run that did not record it)" if plan.recovered else ""
        go = f"scheduled for {when:%Y-%m-%d %H:%M} UTC" if when else "now"
        lines.append(
            f"Digest {plan.uuid}{late}: {len(plan.post_uuids)} post(s), due "
            f"{plan.period.send_at.astimezone(tz):%Y-%m-%d %H:%M %Z}, goes {go}:"
        )
        lines.extend(f"    - {describe_post(p)}" for p in plan.posts)
    if outlook.period is None:
        return lines
    next_send = outlook.period.next_send.astimezone(tz)
    if outlook.waiting:
        lines.append(
            f"Next {cadence} digest: {next_send:%Y-%m-%d %H:%M %Z}, holding {len(outlook.waiting)} post(s) so far:"
        )
        lines.extend(f"    - {describe_post(p)}" for p in outlook.waiting)
    elif not outlook.plans:
        sent = " (this period's digest is already sent)" if outlook.already_sent else ""
        lines.append(f"Next {cadence} digest: {next_send:%Y-%m-%d %H:%M %Z}; no new post waits for it yet{sent}.")
    return lines


def run_test_send_digest(
    ctx: Context, record: dict | None, posts: list[dict[str, Any]], address: str, *, dry_run: bool
) -> int:
    """TEST_SEND=address POST=digest: the next digest to one address; nothing is recorded."""
    from scripts.digest import build_edition, next_digest, site_timezone

    address = check_address(address)
    if record is None:
        raise PublishError(
            f"POST=digest: there is no send record yet ({ctx.record_path.name}), so there is no next "
            "digest; choose BASELINE=all or BASELINE=all-but-newest first.",
            retry_safe=False,
        )
    tz = site_timezone(ctx.settings)
    nl = ctx.newsletter if is_digest_mode(ctx.newsletter) else {**ctx.newsletter, "CADENCE": "weekly"}
    found = next_digest(
        record, posts, now=ctx.now, nl=nl, tz=tz, siteurl=ctx.siteurl, audience=digest_audience(ctx)
    )
    if found is None:
        raise PublishError("POST=digest: no new post waits for a digest, so there is nothing to test-send.", retry_safe=False)
    plan, due = found
    goes = "with the next `make publish`" if due else f"at {plan.period.send_at.astimezone(tz):%Y-%m-%d %H:%M %Z}"
    if dry_run:
        ctx.console.say(
            f"Dry run: would test-send the next digest ({len(plan.post_uuids)} post(s)) to {address.strip()} "
            f"via {backend_name(ctx.env)}; nothing is sent or recorded."
        )
        return 0
    edition, warnings = build_edition(ctx.settings, plan.uuid, plan.period, plan.posts, ctx.editions_path)
    for warning in warnings:
        ctx.console.say(f"Note: {warning}")
    backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
    where = backend.test_send(edition, address.strip())
    ctx.console.say(f"Test send of the next digest “{edition.subject}” to {address.strip()}: {where}")
    ctx.console.say(f"Nothing was recorded: the digest goes {goes}.")
    return 0


def send_digests(ctx: Context, record: dict, backend, digests, posts: list[dict[str, Any]], when) -> None:
    """Deliver each planned digest through the backend's ordinary path, then record it and
    every post it held in one save (scripts/digest.py says why the plan is saved first)."""
    from scripts.digest import build_edition, note_plan, record_digest

    editions_path = ctx.editions_path
    by_uuid = {p["uuid"]: p for p in posts}
    for plan in digests:
        if not plan.posts:
            raise PublishError(
                f"Digest {plan.uuid} (planned by an earlier run, see \"pending\" in {ctx.record_path.name}) "
                "holds only posts that no longer build, so it cannot be rendered again: restore those "
                "posts, or, if that digest was never sent, remove its \"pending\" entry.",
                retry_safe=False,
            )
        edition, warnings = build_edition(ctx.settings, plan.uuid, plan.period, plan.posts, editions_path)
        for warning in warnings:
            ctx.console.say(f"Note: {warning}")
        note_plan(record, plan.uuid, plan.period, plan.post_uuids, ctx.now)
        save_record(ctx.record_path, record)
        ctx.changed_record = True
        backend.prepare([edition])
        delivery = backend.deliver(edition, schedule_at=when)
        record_digest(record, edition, delivery, plan.post_uuids, by_uuid)
        save_record(ctx.record_path, record)
        ctx.delivered.append((edition, delivery))
        done, where, again = delivery_words(delivery)
        ctx.console.say(
            f"{done}: digest “{edition.subject}” with {len(plan.post_uuids)} post(s) "
            f"→ {delivery.backend} {where}{again}"
        )


def print_share_kits(ctx: Context) -> None:
    """After a send: each delivered post's LinkedIn text (written by plugins/newsletter), to paste."""
    for edition, _delivery in ctx.delivered:
        path = ctx.editions_path / edition.uuid / "linkedin.txt"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            continue  # an edition built before the share kit existed: nothing to offer
        # Not the file's path: the next build keeps share texts of unsent posts only.
        again = f"`make preview-email POST={edition.slug}` prints it again" if edition.slug else "make preview-email prints it again"
        ctx.console.say(f"\nShare on LinkedIn ({again}):\n" + "-" * 40 + f"\n{text}\n" + "-" * 40)


# --- Entry point ----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts publish",
        description="Build, deploy and send each new post to the newsletter exactly once.",
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent; send and record nothing")
    parser.add_argument("--check", action="store_true", help="verify the configuration; build and send nothing")
    parser.add_argument("--test-send", metavar="ADDRESS", help="send one post's email to ADDRESS only; record nothing")
    parser.add_argument("--post", metavar="SLUG|UUID", help="the post for --test-send, or send only this new post")
    parser.add_argument("--baseline", metavar="MODE", help="all | all-but-newest: mark existing posts as sent")
    parser.add_argument("--release", metavar="SLUG|UUID", help="make a held (unscheduled) post sendable again")
    parser.add_argument("--no-build", action="store_true", help="use the existing build (output/, editions)")
    parser.add_argument("--settings", default="publishconf.py", help="settings file, relative to --root")
    parser.add_argument("--root", default=str(ROOT), help="project root (default: this checkout)")
    parser.add_argument("--lock-timeout", type=float, default=LOCK_TIMEOUT, help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    args = parser.parse_args(argv)
    if args.baseline is not None:
        args.baseline = {"1": "all", "yes": "all", "true": "all"}.get(args.baseline.lower(), args.baseline.lower())
        if args.baseline not in BASELINE_CHOICES:
            parser.error(f"--baseline must be one of {', '.join(BASELINE_CHOICES)} (BASELINE=all or all-but-newest)")
    if args.test_send is not None and (args.baseline or args.release):
        parser.error("--test-send records nothing: do not combine it with --baseline or --release")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(args.root).resolve()
    env = read_env(root)
    console = Console([env.get("MAILCHIMP_API_KEY", "").strip()])
    from scripts.build import configure_logging

    configure_logging(debug=args.verbose)
    with scrubbed_logs(console):
        return run_command(args, root, env, console)


def settings_file_problems(root: Path, settings_file: str) -> list[str]:
    """Every problem the settings schema finds in the settings file (CHECK=1 lists them all)."""
    from connected.settings_schema import settings_problems
    from connected.site_settings import load_settings

    path = root / settings_file
    if not path.is_file():
        return []  # load_context says so, with the fix
    problems, _notes = settings_problems(load_settings(root, path), settings_file)
    return problems


def run_command(args: argparse.Namespace, root: Path, env: dict, console: Console) -> int:
    """The run, with every error the writer can fix as one message (no traceback)."""
    from connected.newsletter_settings import SettingsError

    ctx = None
    try:
        if args.check and (problems := settings_file_problems(root, args.settings)):
            # Every settings mistake at once (loading the context stops at the first).
            report_problems(console, problems)
            return 1
        ctx = load_context(root, args.settings, console, env)
        ctx.now = parse_now(env.get(NOW_ENV))  # a test hook (docs/digest.md)
        if args.check:
            return run_check(ctx)
        with publish_lock(ctx.record_path, args.lock_timeout):
            return withheld_exit(ctx, run_publish(ctx, args))
    except (ConnectedError, BackendError, SettingsError) as exc:
        console.error(f"make publish stopped: {exc}")
        if (
            getattr(exc, "retry_safe", True)
            and not isinstance(exc, SettingsError | errors.SettingsError)
            and not any(said in str(exc) for said in _SAID_SAFE)  # said once
        ):
            console.error(SAFE)
        return 1
    except KeyboardInterrupt:
        console.error(f"make publish was interrupted. {SAFE}")
        return 130
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback, for the writer
        # Whatever broke (a bug, an answer nobody expected), each confirmed send is already
        # in the record and the backends reconcile with the remote, so a re-run is safe.
        console.error(f"make publish stopped on an unexpected error: {type(exc).__name__}: {exc}")
        if args.verbose:
            import traceback

            console.error(traceback.format_exc())
        else:
            console.error("Run it again with -v (python -m scripts publish -v) to see where.")
        console.error(SAFE)
        return 1
    finally:
        if ctx is not None and ctx.changed_record and not args.dry_run:
            console.say(
                f"{ctx.record_path.name} changed: commit it so other machines know what was sent "
                f"(git add {ctx.record_path.name} && git commit -m 'Record newsletter sends')."
            )


if __name__ == "__main__":
    sys.exit(main())
