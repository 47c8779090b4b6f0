"""The publishing rules: which posts `make publish` mails, and what keeps one from going out.

Decisions only, on the send record (connected/send_record.py) and the editions manifest's
entries (connected/editions.py): which new posts may be sent (select), what a BASELINE marks,
which held post a RELEASE frees, when a scheduled campaign goes (release time), what still
carries the sample's placeholders, whether a post's page answers after a deploy (the live
check). scripts/publish.py runs them in order, prints, saves the record and calls the backend;
these functions print nothing and write no file, so they are tested on small inputs directly.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from connected.dates import quarter_hour_at_or_after
from connected.errors import ConnectedError
from connected.send_record import RecordMatch, match_posts, rekey_entry
from connected.starter_text import starter_sentence

Post = dict[str, Any]  # one entry of the editions manifest
BASELINE_CHOICES = ("all", "all-but-newest")


class PublishError(ConnectedError):
    """A publish step failed or a safety rail stopped the run; the message says what to do.

    `retry_safe` tells the command to add that re-running `make publish` is safe.
    """

    def __init__(self, message: str, *, retry_safe: bool = True):
        super().__init__(message)
        self.retry_safe = retry_safe


# --- Naming posts -------------------------------------------------------------------------------
def find_post(posts: list[Post], key: str) -> Post | None:
    """The post whose Uuid (any case) or slug is `key`."""
    key = key.strip()
    for post in posts:
        if post["uuid"] == key.lower() or post.get("slug") == key:
            return post
    return None


def describe_post(post: Post) -> str:
    return f"“{post.get('title', '')}” ({post.get('date', '')[:10]}, {post.get('slug', '')}, {post['uuid']})"


def source_name(post: Post) -> str:
    return post.get("source_path") or post["uuid"]


# --- Select: which new posts may be mailed (docs/identity.md) ------------------------------------
@dataclass
class Sendable:
    """New posts, split by the identity rule; `recognised` says why a listed post is not new."""

    new: list[Post] = field(default_factory=list)
    withheld: list[Post] = field(default_factory=list)  # no Uuid: line in the file
    recognised: list[str] = field(default_factory=list)  # one line per post found under an older id
    moved: bool = False  # an entry was re-keyed to its post's current id (save the record)


def sendable(record: dict, posts: list[Post], *, dry_run: bool) -> Sendable:
    """The new posts that may be mailed, and those withheld because their file has no Uuid: line.

    A post the record lists under any id it was known by (send_record.match_posts) is not
    new; one found under an older id is said so and, outside a dry run, its entry is moved
    to its current id (in memory). A post whose id is only derived from its path is never
    mailed: that id would change with a rename.
    """
    matches = match_posts(record, posts)
    result = Sendable()
    for post in posts:
        if not post.get("newsletter", True):
            continue
        match = matches.get(post["uuid"])
        if match is None:
            (result.new if post.get("uuid_in_file") else result.withheld).append(post)
            continue
        if match.older_id:
            rekeyed = not dry_run and rekey_entry(record, post, match)
            result.moved = result.moved or rekeyed
            result.recognised.append(recognised_line(post, match, moved=rekeyed))
    return result


def no_uuid_line(post: Post) -> str:
    return (
        f"{source_name(post)}: not mailed — its file has no Uuid: line, so its id "
        "would change if the file were renamed. Run `make uuids` (it writes the id the post already has), "
        "commit, then `make publish` again."
    )


def recognised_line(post: Post, match: RecordMatch, *, moved: bool) -> str:
    entry = match.entry
    line = (
        f"{source_name(post)}: not sent again — the send record lists it as "
        f"{entry.get('status')} on {str(entry.get('at', ''))[:10]} under an older id, {match.key} "
        f"(same {match.by})"
    )
    if moved:
        line += f"; that entry now carries its current id, {post['uuid']}"
    if match.shared:
        line += "; that entry also stands for another current post, so neither is sent"
    fix = "give it its own Slug" if match.by == "URL" else "rename its file"
    return line + f". A different post? {fix}."


def why_not_sendable(record: dict, posts: list[Post], post: Post) -> str:
    if not post.get("newsletter", True):
        return "it has Newsletter: no"
    match = match_posts(record, posts).get(post["uuid"])
    if match is not None:
        older = f" under an older id, {match.key} (same {match.by})" if match.older_id else ""
        return f"it is recorded as {match.entry.get('status')}{older}"
    return "its file has no Uuid: line — run `make uuids`, commit, then `make publish` again"


def only_post(record: dict, posts: list[Post], new: list[Post], only: str) -> Post:
    """POST=<slug|uuid>: that post, if it is new and sendable; else the reason, as an error."""
    post = find_post(posts, only)
    if post is None:
        raise PublishError(
            f"POST={only}: no published post has that slug or Uuid (drafts and future-dated "
            "posts are not published yet).",
            retry_safe=False,
        )
    if post not in new:
        raise PublishError(
            f"POST={only}: {describe_post(post)} is not sendable: {why_not_sendable(record, posts, post)}.",
            retry_safe=False,
        )
    return post


def split_for_digest(new: list[Post]) -> tuple[list[Post], list[Post]]:
    """Digest mode: (posts with `Newsletter: now`, mailed one by one; the rest, for a digest)."""
    return [p for p in new if p.get("newsletter_now")], [p for p in new if not p.get("newsletter_now")]


def blocked_message(post: Post) -> str:
    """Why a post with broken links or images (the manifest's "blockers") is not mailed."""
    lines = "\n".join(f"  - {line}" for line in post["blockers"])
    return (
        f"Not sending {describe_post(post)}: it has {len(post['blockers'])} broken link(s) or "
        f"image(s):\n{lines}\nFix them and run `make publish` again; it is sent then."
    )


def check_cap(new: list[Post], cap: int) -> None:
    """More new posts than NEWSLETTER['MAX_PER_RUN'] is an imported archive until shown otherwise."""
    if len(new) <= cap:
        return
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


def no_record_error(record_path: Path, posts: list[Post]) -> PublishError:
    """Without a send record every post looks new: refuse, and name the two ways to start."""
    newest = max((p for p in posts if p.get("newsletter", True)), key=lambda p: p["date"], default=None)
    return PublishError(
        f"There is no send record ({record_path}), so every one of the {len(posts)} published "
        "post(s) would count as new; nothing was sent, to avoid mailing the whole archive. Choose one:\n"
        "  make publish BASELINE=all             # mark every existing post as already sent; send nothing\n"
        "  make publish BASELINE=all-but-newest  # mark all but the newest as sent, then send the newest"
        + (f"\n(the newest is {describe_post(newest)})" if newest else ""),
        retry_safe=False,
    )


# --- Baseline and release ------------------------------------------------------------------------
def baseline_posts(record: dict, posts: list[Post], mode: str) -> tuple[list[Post], Post | None]:
    """(posts a BASELINE marks as sent, the newest newsletter post it leaves out or None).

    all: every post the record does not list. all-but-newest: all of them but the newest
    newsletter post, which the same run then mails.
    """
    keep_out = None
    if mode == "all-but-newest":
        new = [p for p in posts if p.get("newsletter", True) and p["uuid"] not in record["posts"]]
        if new:
            keep_out = max(new, key=lambda p: p["date"])
    out = keep_out["uuid"] if keep_out else None
    return [p for p in posts if p["uuid"] != out and p["uuid"] not in record["posts"]], keep_out


def held_uuid(record: dict, posts: list[Post], key: str) -> str:
    """The held post that RELEASE=<key> names (slug, Uuid, or the slug in its recorded URL)."""
    post = find_post(posts, key)
    uuid = post["uuid"] if post else key.strip().lower()
    if uuid not in record["posts"]:
        # A held post that no longer builds can still be named by the slug in its recorded URL.
        for u, entry in record["posts"].items():
            if entry.get("url", "").rstrip("/").rsplit("/", 1)[-1] == key.strip():
                uuid = u
                break
    entry = record["posts"].get(uuid)
    if entry is None or entry.get("status") != "held":
        held = sorted(
            f"{e.get('title') or u} ({u})" for u, e in record["posts"].items() if e.get("status") == "held"
        )
        what = "is not in the send record" if entry is None else f"is recorded as {entry.get('status')}"
        raise PublishError(
            f"RELEASE={key}: that post {what}, and only held posts can be released. Held posts: "
            f"{', '.join(held) or 'none'}.",
            retry_safe=False,
        )
    return uuid


# --- Release time --------------------------------------------------------------------------------
def quarter_hour_after(now: datetime, minutes: int) -> datetime:
    """now + minutes, rounded UP to the next quarter hour, in UTC (Mailchimp's rule)."""
    return quarter_hour_at_or_after(now + timedelta(minutes=minutes))


def schedule_time(delay_minutes: int, now: datetime) -> datetime | None:
    """When campaigns go out: None (now) without NEWSLETTER['SCHEDULE_DELAY_MINUTES']."""
    return quarter_hour_after(now, delay_minutes) if delay_minutes > 0 else None


# --- The live check ------------------------------------------------------------------------------
def live_status(
    url: str,
    *,
    attempts: int,
    first_delay: float,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """None once `url` answers 200 (tried `attempts` times, the wait doubling from
    `first_delay`); else the last answer ("HTTP 404", "ConnectionError", …)."""
    import requests

    delay, status = first_delay, "no answer"
    for attempt in range(1, attempts + 1):
        try:
            response = requests.get(url, timeout=timeout, allow_redirects=True)
            status = f"HTTP {response.status_code}"
            if response.status_code == 200:
                return None
        except requests.RequestException as exc:
            status = type(exc).__name__
        if attempt < attempts:
            sleep(delay)
            delay *= 2
    return status


# --- Placeholders: the sample's values must not reach subscribers --------------------------------
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


def placeholder_problems(
    settings: dict,
    newsletter: dict,
    *,
    settings_file: str,
    root: Path,
    site: bool = False,
    sample_images: set[str] = SAMPLE_IMAGE_SHA256,
) -> list[str]:
    """What still carries the sample's placeholder values, each with its fix.

    Without `site`: what a Mailchimp send would carry to subscribers (site URL, sender,
    name, postal address), which refuses the send. With it (CHECK=1), also what only the
    site shows: profile links, the default social image and the About page (the social
    image is recognised by its sha256 among `sample_images`).
    """
    problems = []
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    if SAMPLE_DOMAIN in siteurl:
        problems.append(f"SITEURL in {settings_file} is still the sample's {siteurl}: set your site's address.")
    profile = settings.get("AUTHOR_PROFILE") or {}
    named = [
        label
        for label, value in (
            ("AUTHOR_PROFILE['NAME']", profile.get("NAME")),
            ("SITENAME", settings.get("SITENAME")),
            ("AUTHOR", settings.get("AUTHOR")),
            ("NEWSLETTER['FROM_NAME']", newsletter.get("FROM_NAME")),
        )
        if (value or "").strip() == SAMPLE_NAME
    ]
    if named:
        problems.append(
            f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} still the sample's "
            f"{SAMPLE_NAME!r}: set your own name in pelicanconf.py."
        )
    for key in ("FROM_EMAIL", "REPLY_TO"):
        value = newsletter.get(key) or ""
        if value.endswith("@" + SAMPLE_DOMAIN):
            problems.append(
                f"NEWSLETTER['{key}'] is the sample's {value} (it comes from AUTHOR_PROFILE['EMAIL'] in "
                "pelicanconf.py): set your own address."
            )
    address = newsletter.get("POSTAL_ADDRESS") or ""
    if any(word in address for word in SAMPLE_ADDRESS_WORDS):
        problems.append(
            "AUTHOR_PROFILE['POSTAL_ADDRESS'] in pelicanconf.py is the sample's made-up address: "
            "set your own (the law requires a real one in newsletters)."
        )
    if site:
        problems.extend(_site_placeholders(settings, profile, root, sample_images))
    return problems


def _site_placeholders(settings: dict, profile: dict, root: Path, sample_images: set[str]) -> list[str]:
    problems = []
    links = [("AUTHOR_PROFILE['LINKEDIN_URL']", profile.get("LINKEDIN_URL") or "")]
    for item in profile.get("LINKS") or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            links.append((f"the {item[0]!r} link in AUTHOR_PROFILE['LINKS']", str(item[1])))
    for label, url in links:
        if any(word in url + "/" for word in SAMPLE_LINK_WORDS):
            problems.append(f"{label} is still the sample's {url}: set your own profile's address in pelicanconf.py.")
    content = Path(settings.get("PATH") or root / "content")
    if not content.is_absolute():
        content = root / content
    image = profile.get("DEFAULT_IMAGE") or ""
    if image:
        try:
            digest = hashlib.sha256((content / image).read_bytes()).hexdigest()
        except OSError:
            digest = ""
        if digest in sample_images:
            problems.append(
                f"{content / image} is still the sample's social image (it shows the sample's name "
                "and domain on LinkedIn previews): replace it with your own 1200×630 image."
            )
    for folder in settings.get("PAGE_PATHS") or ["pages"]:
        for page in sorted((content / folder).glob("*.md")):
            try:
                text = page.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if any(marker in text for marker in SAMPLE_ABOUT_MARKERS):
                problems.append(f"{page} is still the sample's About text: write your own.")
            elif sentence := starter_sentence(text):
                problems.append(f"{page} still holds make init's starter text (“{sentence[:40]}…”): write your own.")
    return problems


# --- What a delivery did, in words ----------------------------------------------------------------
def delivery_words(delivery: Any) -> tuple[str, str, str]:
    """(what happened, where, whether an earlier or another run did it) for a backend Delivery."""
    done = f"scheduled for {delivery.at:%Y-%m-%d %H:%M} UTC" if delivery.status == "scheduled" else "sent"
    where = delivery.detail.get("path") or (f"campaign {delivery.campaign_id}" if delivery.campaign_id else "")
    found = delivery.detail.get("reused") or delivery.detail.get("found_on_remote")
    again = " (found done by an earlier or another run, not sent again)" if found else ""
    if delivery.detail.get("other_run"):
        again = " (by another run publishing at the same time; this run did not send it again)"
    return done[0].upper() + done[1:], where, again
