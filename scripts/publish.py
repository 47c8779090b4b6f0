"""`make publish`: build for production → deploy → check live → send new posts → record.

    python -m scripts.publish [--dry-run] [--check] [--test-send ADDRESS] [--post SLUG|UUID]
                              [--baseline all|all-but-newest] [--release SLUG|UUID] [--no-build]

The Makefile passes DRY_RUN=1, CHECK=1, TEST_SEND=, POST=, BASELINE=, RELEASE= as these
options. One lock covers the whole run. Each step runs only when the one before it
succeeded; the send record is written after each confirmed delivery, and the
backends reconcile with what an interrupted run left behind, so re-running after
any failure is safe. This module holds the order and the safety rails; the
record, backends and deploy live in their own modules.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scripts.backends import backend_name, check_backend, make_backend, read_env
from scripts.backends.base import BackendError, Edition
from scripts.deploy import DeployError, deploy, deploy_settings, describe
from scripts.digest import (
    NOW_ENV,
    DigestError,
    DigestOutlook,
    is_digest_mode,
    parse_now,
    pending_plans,
)
from connected.send_record import (
    RecordError,
    empty_record,
    load_record,
    mark_baseline,
    match_posts,
    pending_campaigns,
    rekey_entry,
    save_record,
    set_entry,
    set_pending,
)

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LOCK_NAME = ".publish.lock"
LOCK_TIMEOUT = 5.0  # seconds a second run waits before refusing
# Live-URL check after a deploy: the host may take a moment to serve new files.
LIVE_ATTEMPTS = 5
LIVE_FIRST_DELAY = 2.0  # seconds, doubled after each attempt
LIVE_TIMEOUT = 10.0
BASELINE_CHOICES = ("all", "all-but-newest")
SAFE = "Re-running `make publish` is safe: posts already sent are recorded and not sent again."


class PublishError(Exception):
    """A publish step failed or a safety rail stopped the run; the message says what to do."""

    def __init__(self, message: str, *, retry_safe: bool = True):
        super().__init__(message)
        self.retry_safe = retry_safe


# --- Output (the only place that prints), with the API key scrubbed ------------------------
class Console:
    def __init__(self, secrets: list[str]):
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<MAILCHIMP_API_KEY>")
        return text

    def say(self, text: str = "") -> None:
        print(self.scrub(text), flush=True)

    def error(self, text: str) -> None:
        print(self.scrub(text), file=sys.stderr, flush=True)


class _ScrubFilter(logging.Filter):
    def __init__(self, console: Console):
        super().__init__()
        self.console = console

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.console.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


@dataclass
class Context:
    root: Path
    settings_file: str
    settings: dict
    newsletter: dict
    deploy: dict
    env: dict
    console: Console
    changed_record: bool = False
    withheld: list[dict[str, Any]] = field(default_factory=list)  # published posts without a Uuid: line
    blocked: list[dict[str, Any]] = field(default_factory=list)  # posts with broken links or images
    delivered: list[tuple[Edition, Any]] = field(default_factory=list)
    # Digest mode (docs/digest.md): the moment the run takes as "now" (CONNECTED_NOW in
    # tests), and the new posts that wait for a digest rather than go one by one.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    digest_new: list[dict[str, Any]] = field(default_factory=list)

    @property
    def siteurl(self) -> str:
        return (self.settings.get("SITEURL") or "").rstrip("/")

    @property
    def record_path(self) -> Path:
        return Path(self.newsletter["RECORD_PATH"])


# --- Settings, lock, manifest ----------------------------------------------------------------
def load_context(root: Path, settings_file: str, console: Console, env: dict) -> Context:
    from pelican.settings import read_settings

    from connected.newsletter_settings import newsletter_settings

    path = root / settings_file
    if not path.is_file():
        raise PublishError(f"Settings file {path} not found: run from the project root or pass --settings.")
    # publishconf.py does `from pelicanconf import *`: drop a cached module from another
    # project directory (tests build several in one process) so this root's file is read.
    for name in ("pelicanconf", "publishconf"):
        sys.modules.pop(name, None)
    settings = read_settings(str(path))
    # Pelican leaves a default (unset) OUTPUT_PATH relative to the current directory;
    # anchor it at the project so `make publish` builds and deploys the same directory.
    if not Path(settings["OUTPUT_PATH"]).is_absolute():
        settings["OUTPUT_PATH"] = str(root / settings["OUTPUT_PATH"])
    return Context(
        root=root,
        settings_file=settings_file,
        settings=settings,
        newsletter=newsletter_settings(settings),
        deploy=deploy_settings(settings),
        env=env,
        console=console,
    )


@contextmanager
def publish_lock(record_path: Path, timeout: float = LOCK_TIMEOUT):
    """One publish (or unschedule) at a time per site; released when the process ends."""
    from filelock import FileLock, Timeout

    lock_path = Path(record_path).parent / LOCK_NAME
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise PublishError(
            f"Another `make publish` or `make unschedule` is running for this site (it holds {lock_path}); "
            "wait for it to finish, then run yours. The lock goes away by itself when that process "
            "ends, so there is nothing to delete.",
        ) from None
    try:
        yield
    finally:
        lock.release()


def load_manifest(ctx: Context) -> list[dict[str, Any]]:
    path = Path(ctx.newsletter["EDITIONS_PATH"]) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(
            f"No email editions at {path}: the build did not write them. Run `make publish` without "
            "--no-build, and check that the newsletter plugin is in PLUGINS."
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise PublishError(f"Cannot read {path} ({exc}): rebuild with `make publish`.") from exc
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("posts"), list):
        raise PublishError(f"{path} is not a version 1 editions manifest: rebuild with `make publish`.")
    siteurl = (data.get("siteurl") or "").rstrip("/")
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
    return data["posts"]


def to_edition(post: dict[str, Any], editions_path: Path) -> Edition:
    if "files" in post and post["files"] is None:
        # NEWSLETTER["EDITIONS"] = "unsent": the build skipped a recorded post.
        raise PublishError(
            f"The email edition of {describe_post(post)} was not rendered because the send record "
            "lists it: run `make publish` without --no-build (a test send builds every edition).",
            retry_safe=True,
        )
    files = post.get("files") or {}
    extra = {}
    # The text part with Mailchimp merge tags, for an Edition that carries it.
    if "mailchimp_text" in files and "mailchimp_text" in {f.name for f in dataclasses.fields(Edition)}:
        extra["mailchimp_text"] = editions_path / files["mailchimp_text"]
    return Edition(
        uuid=post["uuid"],
        title=post.get("title", ""),
        url=post.get("url", ""),
        slug=post.get("slug", ""),
        date=datetime.fromisoformat(post["date"]),
        subject=post.get("subject") or post.get("title", ""),
        preheader=post.get("preheader", ""),
        mode=post.get("mode", "full"),
        audience_tag=post.get("audience_tag"),
        mailchimp_html=editions_path / files.get("mailchimp_html", f"{post['uuid']}/mailchimp.html"),
        outbox_html=editions_path / files.get("outbox_html", f"{post['uuid']}/outbox.html"),
        text=editions_path / files.get("text", f"{post['uuid']}/email.txt"),
        source_path=post.get("source_path", ""),
        **extra,
    )


def find_post(posts: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    key = key.strip()
    for post in posts:
        if post["uuid"] == key.lower() or post.get("slug") == key:
            return post
    return None


def describe_post(post: dict[str, Any]) -> str:
    return f"“{post.get('title', '')}” ({post.get('date', '')[:10]}, {post.get('slug', '')}, {post['uuid']})"


def quarter_hour_after(now: datetime, minutes: int) -> datetime:
    """now + minutes, rounded UP to the next quarter hour, in UTC (Mailchimp's rule)."""
    moment = (now + timedelta(minutes=minutes)).astimezone(UTC)
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=15)


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
    import requests

    for post in posts:
        url = post["url"]
        delay, status = LIVE_FIRST_DELAY, "no answer"
        for attempt in range(1, LIVE_ATTEMPTS + 1):
            try:
                response = requests.get(url, timeout=LIVE_TIMEOUT, allow_redirects=True)
                status = f"HTTP {response.status_code}"
                if response.status_code == 200:
                    break
            except requests.RequestException as exc:
                status = type(exc).__name__
            if attempt < LIVE_ATTEMPTS:
                time.sleep(delay)
                delay *= 2
        else:
            raise PublishError(
                f"{url} does not answer 200 after the deploy ({status}, {LIVE_ATTEMPTS} tries): "
                "nothing was sent. Check that the deploy reached the server that SITEURL points at "
                f"({describe(ctx.deploy)})."
            )
        ctx.console.say(f"Live: {url}")


def release(ctx: Context, record: dict, posts: list[dict[str, Any]], key: str) -> str:
    """Remove a held post's entry so the next publish sends it; return its uuid."""
    post = find_post(posts, key)
    uuid = post["uuid"] if post else key.strip().lower()
    if uuid not in record["posts"]:
        # A held post that no longer builds can still be named by the slug in its recorded URL.
        for u, entry in record["posts"].items():
            if entry.get("url", "").rstrip("/").rsplit("/", 1)[-1] == key.strip():
                uuid = u
                break
    entry = record["posts"].get(uuid)
    held = sorted(
        f"{e.get('title') or u} ({u})" for u, e in record["posts"].items() if e.get("status") == "held"
    )
    if entry is None or entry.get("status") != "held":
        what = "is not in the send record" if entry is None else f"is recorded as {entry.get('status')}"
        raise PublishError(
            f"RELEASE={key}: that post {what}, and only held posts can be released. Held posts: "
            f"{', '.join(held) or 'none'}.",
            retry_safe=False,
        )
    del record["posts"][uuid]
    return uuid


def apply_baseline(ctx: Context, record: dict, posts: list[dict[str, Any]], mode: str, *, dry_run: bool):
    """BASELINE=all: everything counts as sent. all-but-newest: all but the newest newsletter post."""
    keep_out = None
    if mode == "all-but-newest":
        new = [p for p in posts if p.get("newsletter", True) and p["uuid"] not in record["posts"]]
        if new:
            keep_out = max(new, key=lambda p: p["date"])["uuid"]
    marked = [p for p in posts if p["uuid"] != keep_out and p["uuid"] not in record["posts"]]
    verb = "Would mark" if dry_run else "Marked"
    mark_baseline(record, marked, at=datetime.now(UTC))
    ctx.console.say(f"{verb} {len(marked)} existing post(s) as already sent (baseline, nothing emailed).")
    if keep_out:
        newest = next(p for p in posts if p["uuid"] == keep_out)
        when = "now" if newest.get("uuid_in_file") else "once its file has a Uuid: line (make uuids)"
        ctx.console.say(f"Left out of the baseline, so it is sent {when}: {describe_post(newest)}")
    return bool(marked)


def select(
    ctx: Context, record: dict, posts: list[dict[str, Any]], only: str | None, *, dry_run: bool = False
) -> list[dict[str, Any]]:
    new, withheld = sendable(ctx, record, posts, dry_run=dry_run)
    if not only:
        ctx.withheld = withheld
        for post in withheld:
            ctx.console.error(no_uuid_line(post))
    if only:
        post = find_post(posts, only)
        if post is None:
            raise PublishError(
                f"POST={only}: no published post has that slug or Uuid (drafts and future-dated "
                "posts are not published yet).",
                retry_safe=False,
            )
        if post not in new:
            raise PublishError(f"POST={only}: {describe_post(post)} is not sendable: {why_not_sendable(record, posts, post)}.", retry_safe=False)
        new = [post]
    elif is_digest_mode(ctx.newsletter):
        # Digest mode: only `Newsletter: now` posts go one by one; the rest wait for a digest.
        ctx.digest_new = [p for p in new if not p.get("newsletter_now")]
        new = [p for p in new if p.get("newsletter_now")]
    # A post whose page has broken links or images (plugins/link_checks writes them into
    # the manifest as "blockers") is never mailed, alone or in a digest: an email cannot be
    # fixed once sent. The site is still built and deployed; the post goes out once the
    # blockers are gone.
    for post in [p for p in [*new, *(ctx.digest_new or [])] if p.get("blockers")]:
        lines = "\n".join(f"  - {line}" for line in post["blockers"])
        message = (
            f"Not sending {describe_post(post)}: it has {len(post['blockers'])} broken link(s) or "
            f"image(s):\n{lines}\nFix them and run `make publish` again; it is sent then."
        )
        if only:
            raise PublishError(f"POST={only}: {message}", retry_safe=False)
        ctx.console.error(message)
        ctx.blocked.append(post)
        if post in new:
            new.remove(post)
        else:
            ctx.digest_new.remove(post)
    new.sort(key=lambda p: p["date"])  # oldest first: readers get them in writing order
    cap = ctx.newsletter["MAX_PER_RUN"]
    if len(new) > cap:
        names = "\n".join(f"  - {describe_post(p)}" for p in new)
        raise PublishError(
            f"{len(new)} posts are new, more than NEWSLETTER['MAX_PER_RUN'] = {cap}; nothing was sent. "
            f"The new posts:\n{names}\n"
            "If they are an imported archive, mark them as already sent with "
            "`make publish BASELINE=all` (or BASELINE=all-but-newest to mail only the newest). "
            "To send one now: `make publish POST=<slug>`. To send them all, raise "
            "NEWSLETTER['MAX_PER_RUN'] in pelicanconf.py.",
            retry_safe=False,
        )
    return new


# --- Which posts may be mailed: the identity rule (docs/identity.md) --------------------------
def sendable(
    ctx: Context, record: dict, posts: list[dict[str, Any]], *, dry_run: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(new posts that may be mailed, new posts withheld because their file has no Uuid: line).

    A post the record lists under any id it was known by (send_record.match_posts)
    is not new; one found under an older id is said so and, outside a dry run,
    its entry is moved to its current id. A post whose id is only derived from
    its path is never mailed: that id would change with a rename.
    """
    matches = match_posts(record, posts)
    new, withheld, moved = [], [], False
    for post in posts:
        if not post.get("newsletter", True):
            continue
        match = matches.get(post["uuid"])
        if match is None:
            (new if post.get("uuid_in_file") else withheld).append(post)
            continue
        if match.older_id:
            rekeyed = not dry_run and rekey_entry(record, post, match)
            moved = moved or rekeyed
            ctx.console.say(recognised_line(post, match, moved=rekeyed))
    if moved:
        save_record(ctx.record_path, record)
        ctx.changed_record = True
    return new, withheld


def no_uuid_line(post: dict[str, Any]) -> str:
    return (
        f"{post.get('source_path') or post['uuid']}: not mailed — its file has no Uuid: line, so its id "
        "would change if the file were renamed. Run `make uuids` (it writes the id the post already has), "
        "commit, then `make publish` again."
    )


def recognised_line(post: dict[str, Any], match, *, moved: bool) -> str:
    entry = match.entry
    line = (
        f"{post.get('source_path') or post['uuid']}: not sent again — the send record lists it as "
        f"{entry.get('status')} on {str(entry.get('at', ''))[:10]} under an older id, {match.key} "
        f"(same {match.by})"
    )
    if moved:
        line += f"; that entry now carries its current id, {post['uuid']}"
    if match.shared:
        line += "; that entry also stands for another current post, so neither is sent"
    fix = "give it its own Slug" if match.by == "URL" else "rename its file"
    return line + f". A different post? {fix}."


def why_not_sendable(record: dict, posts: list[dict[str, Any]], post: dict[str, Any]) -> str:
    if not post.get("newsletter", True):
        return "it has Newsletter: no"
    match = match_posts(record, posts).get(post["uuid"])
    if match is not None:
        older = f" under an older id, {match.key} (same {match.by})" if match.older_id else ""
        return f"it is recorded as {match.entry.get('status')}{older}"
    return "its file has no Uuid: line — run `make uuids`, commit, then `make publish` again"


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
        entry = match.entry
        status, at = entry.get("status"), str(entry.get("at", ""))
        if status == "sent" and entry.get("backend") == "baseline":
            return (
                f"Nothing was recorded. The post was marked as already sent by a baseline on {at[:10]}, "
                "so it will not be sent again."
            )
        if status == "sent":
            return f"Nothing was recorded. The post was sent on {at[:10]} ({entry.get('backend')}) and will not be sent again."
        if status == "scheduled":
            return (
                f"Nothing was recorded. The post is already scheduled for {at[:16].replace('T', ' ')} UTC; "
                "`make unschedule` before then stops it."
            )
        if status == "held":
            return (
                "Nothing was recorded. The post is held (unscheduled): it goes out only after "
                f"`make publish RELEASE={post.get('slug') or post['uuid']}`."
            )
    if not post.get("uuid_in_file"):
        return (
            "Nothing was recorded. Its file has no Uuid: line, so `make publish` will not mail it: run "
            "`make uuids` and commit; after that it goes out with the next `make publish`."
        )
    return "Nothing was recorded: the post will still go out with the next `make publish`."


def target_description(ctx: Context, post: dict[str, Any]) -> str:
    if backend_name(ctx.env) == "outbox":
        return f"outbox → {ctx.newsletter['OUTBOX_PATH']} (a file; nothing is emailed)"
    audience = (ctx.env.get("MAILCHIMP_AUDIENCE_ID") or "").strip() or "<MAILCHIMP_AUDIENCE_ID not set>"
    tag = post.get("audience_tag")
    return f"Mailchimp audience {audience}, " + (f"only members tagged {tag!r}" if tag else "all subscribers")


def schedule_time(ctx: Context) -> datetime | None:
    delay = ctx.newsletter["SCHEDULE_DELAY_MINUTES"]
    return quarter_hour_after(datetime.now(UTC), delay) if delay > 0 else None


# The sample configuration's placeholders. Mailing real subscribers with them
# would send links to a site that does not exist from a made-up address, under
# someone else's name.
SAMPLE_DOMAIN = "your-name.example"
SAMPLE_NAME = "Alex Morgan"
SAMPLE_ADDRESS_WORDS = ("Example Street", "Freedonia")
# Links of the sample profile: its handles, and the reserved .example domains.
SAMPLE_LINK_WORDS = ("your-name-example", "yourname", ".example/", ".example@")
# sha256 of the sample's default social image (it reads "Alex Morgan", "your-name.example").
SAMPLE_IMAGE_SHA256 = {"89f965aca4668dc35ce9f69a1b3741d7f2e25454aa06760aaee1c353da22ee5c"}
# Text only the sample's About page has: its Uuid and its made-up employers.
SAMPLE_ABOUT_MARKERS = ("7949bb45-773e-493d-9a69-f410cd68c5c4", "Northwind Logistics")


def placeholder_problems(ctx: Context, *, site: bool = False) -> list[str]:
    """What still carries the sample's placeholder values, each with its fix.

    Without `site`: what a Mailchimp send would carry to subscribers (site URL, sender,
    name, postal address), which refuses the send. With it (CHECK=1), also what only the
    site shows: profile links, the default social image and the About page.
    """
    problems = []
    conf = ctx.settings_file
    if SAMPLE_DOMAIN in ctx.siteurl:
        problems.append(f"SITEURL in {conf} is still the sample's {ctx.siteurl}: set your site's address.")
    profile = ctx.settings.get("AUTHOR_PROFILE") or {}
    named = [
        label
        for label, value in (
            ("AUTHOR_PROFILE['NAME']", profile.get("NAME")),
            ("SITENAME", ctx.settings.get("SITENAME")),
            ("AUTHOR", ctx.settings.get("AUTHOR")),
            ("NEWSLETTER['FROM_NAME']", ctx.newsletter.get("FROM_NAME")),
        )
        if (value or "").strip() == SAMPLE_NAME
    ]
    if named:
        problems.append(
            f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} still the sample's "
            f"{SAMPLE_NAME!r}: set your own name in pelicanconf.py."
        )
    for key in ("FROM_EMAIL", "REPLY_TO"):
        value = ctx.newsletter.get(key) or ""
        if value.endswith("@" + SAMPLE_DOMAIN):
            problems.append(
                f"NEWSLETTER['{key}'] is the sample's {value} (it comes from AUTHOR_PROFILE['EMAIL'] in "
                "pelicanconf.py): set your own address."
            )
    address = ctx.newsletter.get("POSTAL_ADDRESS") or ""
    if any(word in address for word in SAMPLE_ADDRESS_WORDS):
        problems.append(
            "AUTHOR_PROFILE['POSTAL_ADDRESS'] in pelicanconf.py is the sample's made-up address: "
            "set your own (the law requires a real one in newsletters)."
        )
    if site:
        problems.extend(_site_placeholders(ctx, profile))
    return problems


def _site_placeholders(ctx: Context, profile: dict) -> list[str]:
    import hashlib

    problems = []
    links = [("AUTHOR_PROFILE['LINKEDIN_URL']", profile.get("LINKEDIN_URL") or "")]
    for item in profile.get("LINKS") or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            links.append((f"the {item[0]!r} link in AUTHOR_PROFILE['LINKS']", str(item[1])))
    for label, url in links:
        if any(word in url + "/" for word in SAMPLE_LINK_WORDS):
            problems.append(f"{label} is still the sample's {url}: set your own profile's address in pelicanconf.py.")
    content = Path(ctx.settings.get("PATH") or ctx.root / "content")
    if not content.is_absolute():
        content = ctx.root / content
    image = profile.get("DEFAULT_IMAGE") or ""
    if image:
        try:
            digest = hashlib.sha256((content / image).read_bytes()).hexdigest()
        except OSError:
            digest = ""
        if digest in SAMPLE_IMAGE_SHA256:
            problems.append(
                f"{content / image} is still the sample's social image (it shows the sample's name "
                "and domain on LinkedIn previews): replace it with your own 1200×630 image."
            )
    for folder in ctx.settings.get("PAGE_PATHS") or ["pages"]:
        for page in sorted((content / folder).glob("*.md")):
            try:
                text = page.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if any(marker in text for marker in SAMPLE_ABOUT_MARKERS):
                problems.append(f"{page} is still the sample's About text: write your own.")
    return problems


# --- Commands -----------------------------------------------------------------------------------
def run_check(ctx: Context) -> int:
    """Every problem in one run (settings, Mailchimp, placeholders), each one line with its fix."""
    say = ctx.console.say
    problems: list[str] = []
    say(f"Checking the publishing configuration ({ctx.settings_file}); nothing is built or sent.")
    if not ctx.siteurl.startswith(("http://", "https://")):
        problems.append(f"SITEURL is {ctx.siteurl!r} in {ctx.settings_file}: set your site's https:// address.")
    try:
        record = load_record(ctx.record_path)
        if record is None:
            say(
                f"Note: no send record yet at {ctx.record_path}. The first `make publish` will refuse to mail "
                "the archive: run `make publish BASELINE=all` (mark every post as sent) or "
                "`make publish BASELINE=all-but-newest` (and send the newest)."
            )
        else:
            say(f"Send record: {ctx.record_path} ({len(record['posts'])} post(s) recorded).")
    except RecordError as exc:
        problems.append(str(exc))
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
    problems.extend(placeholder_problems(ctx, site=True))
    if problems:
        ctx.console.error(f"Fix these {len(problems)} problem(s) before publishing:")
        for problem in problems:
            ctx.console.error(f"  - {problem}")
        return 1
    say("Configuration OK: `make publish DRY_RUN=1` shows what would be sent.")
    return 0


def run_test_send(
    ctx: Context,
    posts: list[dict[str, Any]],
    address: str,
    only: str | None,
    *,
    dry_run: bool,
    record: dict | None = None,
) -> int:
    if "@" not in address or any(c.isspace() for c in address.strip()):
        raise PublishError(f"TEST_SEND={address!r} is not an email address.", retry_safe=False)
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
        ctx.console.say(f"Dry run: would test-send {describe_post(post)} to {address.strip()} "
                        f"via {backend_name(ctx.env)}; nothing is sent or recorded.")
        ctx.console.say(after_test_send(ctx, record, posts, post))
        return 0
    edition = to_edition(post, Path(ctx.newsletter["EDITIONS_PATH"]))
    backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
    where = backend.test_send(edition, address.strip())
    ctx.console.say(f"Test send of {describe_post(post)} to {address.strip()}: {where}")
    if backend.name == "outbox":
        ctx.console.say("Nothing was emailed (outbox backend): open that .eml file in a mail client.")
    ctx.console.say(after_test_send(ctx, record, posts, post))
    return 0


def run_publish(ctx: Context, args: argparse.Namespace) -> int:
    say = ctx.console.say
    record = load_record(ctx.record_path)
    output = None if args.no_build else build(ctx, all_editions=bool(args.test_send or args.release))
    posts = load_manifest(ctx)

    if args.test_send and (args.post or "").strip().lower() == "digest":
        return run_test_send_digest(ctx, record, posts, args.test_send, dry_run=args.dry_run)
    if args.test_send:
        return run_test_send(ctx, posts, args.test_send, args.post, dry_run=args.dry_run, record=record)

    if args.release:
        if record is None:
            raise PublishError(f"RELEASE={args.release}: there is no send record yet at {ctx.record_path}.")
        uuid = release(ctx, record, posts, args.release)
        ctx.changed_record = True
        say(f"{'Would release' if args.dry_run else 'Released'} held post {uuid}: it is sendable again.")

    if args.baseline:
        if record is None:
            record = empty_record()
        if apply_baseline(ctx, record, posts, args.baseline, dry_run=args.dry_run):
            ctx.changed_record = True

    if record is None:
        newest = max((p for p in posts if p.get("newsletter", True)), key=lambda p: p["date"], default=None)
        raise PublishError(
            f"There is no send record ({ctx.record_path}), so every one of the {len(posts)} published "
            "post(s) would count as new; nothing was sent, to avoid mailing the whole archive. Choose one:\n"
            "  make publish BASELINE=all             # mark every existing post as already sent; send nothing\n"
            "  make publish BASELINE=all-but-newest  # mark all but the newest as sent, then send the newest"
            + (f"\n(the newest is {describe_post(newest)})" if newest else ""),
            retry_safe=False,
        )

    if ctx.changed_record and not args.dry_run:
        save_record(ctx.record_path, record)

    refuse_planned_post(record, posts, args.post)
    todo = select(ctx, record, posts, args.post, dry_run=args.dry_run)
    when = schedule_time(ctx)
    outlook = None
    if not args.post and (is_digest_mode(ctx.newsletter) or pending_plans(record)):
        outlook = outlook_digests(ctx, record, posts)
        in_digests = {u for plan in outlook.plans for u in plan.post_uuids}
        todo = [p for p in todo if p["uuid"] not in in_digests]  # a post is in one email at most
    digests = outlook.plans if outlook else []

    if args.dry_run:
        say("Dry run: nothing is deployed, sent or recorded.")
        say(f"Would deploy: {describe(ctx.deploy)}.")
        if not todo and not digests:
            say("Would send nothing: no new posts." if outlook is None else "Would send nothing now.")
        for post in todo:
            say(f"Would send {describe_post(post)}")
            say(f"    subject:  {post.get('subject') or post.get('title')}")
            say(f"    to:       {target_description(ctx, post)}")
            say("    when:     " + (f"scheduled for {when:%Y-%m-%d %H:%M} UTC" if when else "now"))
        if outlook is not None:
            for line in describe_digests(ctx, outlook, when):
                say(line)
        return 0

    placeholders = placeholder_problems(ctx) if todo or digests else []
    if placeholders and backend_name(ctx.env) == "mailchimp":
        raise PublishError(
            "Not sending to your Mailchimp audience with the sample's placeholder settings:\n  - "
            + "\n  - ".join(placeholders)
            + "\nNothing was deployed or sent.",
            retry_safe=True,
        )
    for problem in placeholders:
        ctx.console.say(f"Note: {problem}")

    if ctx.deploy["TARGET"] != "none":
        say(f"Deploying: {describe(ctx.deploy)} …")
        deploy(ctx.deploy, output or Path(ctx.settings["OUTPUT_PATH"]), root=ctx.root)
        say("Deployed.")
        if todo or digests:
            check_live(ctx, todo + [p for plan in digests for p in plan.posts])

    if outlook is not None and not digests:
        for line in describe_digests(ctx, outlook, when):
            say(line)
    if not todo and not digests:
        say("No new posts to send." if outlook is None else "Nothing to send now.")
        return 0

    backend = make_backend(ctx.newsletter, ctx.env, siteurl=ctx.siteurl)
    if hasattr(backend, "on_created"):
        # Note each campaign's id in the record as soon as it exists (see set_pending).
        backend.known_ids = pending_campaigns(record)

        def note_created(uuid: str, campaign_id: str) -> None:
            plan = ((record.get("pending") or {}).get(uuid) or {}).get("digest")
            set_pending(record, uuid, campaign_id=campaign_id, at=datetime.now(UTC))
            if plan:  # a digest's planned posts stay with its campaign id (scripts/digest.py)
                record["pending"][uuid]["digest"] = plan
            save_record(ctx.record_path, record)
            ctx.changed_record = True

        backend.on_created = note_created
    editions = [to_edition(p, Path(ctx.newsletter["EDITIONS_PATH"])) for p in todo]
    backend.prepare(editions)
    for post, edition in zip(todo, editions, strict=True):
        delivery = backend.deliver(edition, schedule_at=when)
        set_entry(
            record,
            edition.uuid,
            status=delivery.status,
            at=delivery.at,
            backend=delivery.backend,
            title=edition.title,
            url=edition.url,
            campaign_id=delivery.campaign_id,
            source_path=edition.source_path,
        )
        save_record(ctx.record_path, record)
        ctx.changed_record = True
        ctx.delivered.append((edition, delivery))
        done = f"scheduled for {delivery.at:%Y-%m-%d %H:%M} UTC" if delivery.status == "scheduled" else "sent"
        where = delivery.detail.get("path") or (f"campaign {delivery.campaign_id}" if delivery.campaign_id else "")
        found = delivery.detail.get("reused") or delivery.detail.get("found_on_remote")
        again = " (found from an earlier run, not sent again)" if found else ""
        if delivery.detail.get("other_run"):
            again = " (by another run publishing at the same time; this run did not send it again)"
        say(f"{done[0].upper()}{done[1:]}: {describe_post(post)} → {delivery.backend} {where}{again}")

    send_digests(ctx, record, backend, digests, posts, when)

    print_share_kits(ctx)
    if backend.name == "outbox":
        say(
            f"Nothing was emailed: the outbox backend wrote the message(s) to {ctx.newsletter['OUTBOX_PATH']}/ "
            "(open an .eml file in a mail client). To email your subscribers, put MAILCHIMP_API_KEY and "
            "MAILCHIMP_AUDIENCE_ID in .env (see .env.example and docs/mailchimp.md)."
        )
    if when and any(d.status == "scheduled" for _, d in ctx.delivered):
        say(f"Scheduled for {when:%Y-%m-%d %H:%M} UTC. Changed your mind? `make unschedule` before then.")
    return 0


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

    if "@" not in address or any(c.isspace() for c in address.strip()):
        raise PublishError(f"TEST_SEND={address!r} is not an email address.", retry_safe=False)
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
    edition, warnings = build_edition(ctx.settings, plan.uuid, plan.period, plan.posts, Path(ctx.newsletter["EDITIONS_PATH"]))
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

    editions_path = Path(ctx.newsletter["EDITIONS_PATH"])
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
        done = f"scheduled for {delivery.at:%Y-%m-%d %H:%M} UTC" if delivery.status == "scheduled" else "sent"
        where = delivery.detail.get("path") or (f"campaign {delivery.campaign_id}" if delivery.campaign_id else "")
        found = delivery.detail.get("reused") or delivery.detail.get("found_on_remote")
        again = " (found from an earlier run, not sent again)" if found else ""
        if delivery.detail.get("other_run"):
            again = " (by another run publishing at the same time; this run did not send it again)"
        ctx.console.say(
            f"{done[0].upper()}{done[1:]}: digest “{edition.subject}” with {len(plan.post_uuids)} post(s) "
            f"→ {delivery.backend} {where}{again}"
        )


def print_share_kits(ctx: Context) -> None:
    """After a send: each delivered post's LinkedIn text (written by plugins/newsletter), to paste."""
    for edition, _delivery in ctx.delivered:
        path = Path(ctx.newsletter["EDITIONS_PATH"]) / edition.uuid / "linkedin.txt"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            continue  # an edition built before the share kit existed: nothing to offer
        ctx.console.say(f"\nShare on LinkedIn ({path}):\n" + "-" * 40 + f"\n{text}\n" + "-" * 40)


# --- Entry point ----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.publish",
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
    scrub = _ScrubFilter(console)
    for handler in logging.getLogger().handlers:
        handler.addFilter(scrub)

    from connected.newsletter_settings import SettingsError

    ctx = None
    try:
        ctx = load_context(root, args.settings, console, env)
        ctx.now = parse_now(env.get(NOW_ENV))  # a test hook (docs/digest.md)
        if args.check:
            return run_check(ctx)
        with publish_lock(ctx.record_path, args.lock_timeout):
            return withheld_exit(ctx, run_publish(ctx, args))
    except (PublishError, BackendError, SettingsError, DeployError, RecordError, DigestError) as exc:
        console.error(f"make publish stopped: {exc}")
        if getattr(exc, "retry_safe", True) and not isinstance(exc, SettingsError):
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
            console.error("Run it again with -v (python -m scripts.publish -v) to see where.")
        console.error(SAFE)
        return 1
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(scrub)
        if ctx is not None and ctx.changed_record and not args.dry_run:
            console.say(
                f"{ctx.record_path.name} changed: commit it so other machines know what was sent "
                f"(git add {ctx.record_path.name} && git commit -m 'Record newsletter sends')."
            )


if __name__ == "__main__":
    sys.exit(main())
