"""The signal handler: render each published post's edition, write it, write the manifest."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from connected.editions import PREVIEW_DRAFT_SETTING, PREVIOUS_EDITIONS_SETTING, names_post
from connected.identity import has_own_uuid, post_uuid
from connected.published import is_published

from .digest import digest_item
from .manifest import (
    carry_files,
    files_present,
    load_cache,
    recorded_uuids,
    write_edition,
    write_manifest,
    write_share_text,
)
from .plaintext import plain_line
from .render import (
    EditionError,
    gather_inputs,
    make_context,
    post_fields,
    render_edition,
    site_url,
    static_image_lookup,
)
from .share import linkedin_text

logger = logging.getLogger(__name__)


def write_editions(article_generator, writer=None) -> None:
    """Handler for article_writer_finalized: (re)write editions and manifest.json."""
    settings = article_generator.settings
    siteurl, _ = site_url(settings)
    lookup = static_image_lookup(settings, siteurl, article_generator.context.get("static_content"))
    ctx = make_context(settings, image_size=lookup)
    editions_path = ctx.nl["EDITIONS_PATH"]
    editions_path.mkdir(parents=True, exist_ok=True)
    # A staged build writes into a fresh folder. A development build (nothing is ever
    # sent from it) takes unchanged previews from the last one; a production build
    # renders every edition it may send afresh, as it always has.
    previous_path = editions_path
    if ctx.generated_for == "pelicanconf" and settings.get(PREVIOUS_EDITIONS_SETTING):
        previous_path = Path(settings[PREVIOUS_EDITIONS_SETTING])
    cache = load_cache(previous_path)
    # An edition reads image files (their sizes, a raster beside an SVG): a changed
    # static file renders every edition again.
    files = static_files_signature(article_generator.context.get("static_content"))
    # Posts already in the send record are never sent again: list them in the
    # manifest (baseline, stats) but skip rendering their editions.
    skip = recorded_uuids(ctx.nl["RECORD_PATH"]) if ctx.nl["EDITIONS"] == "unsent" else set()
    now = datetime.now(UTC)  # one instant for the whole build
    wanted = None
    if ctx.nl["EDITIONS"] == "unsent" and ctx.generated_for == "pelicanconf":
        wanted = development_editions(article_generator.articles, skip, ctx.nl["MAX_PER_RUN"], now)
    started = time.perf_counter()
    posts = []
    seen: dict[str, str] = {}
    rendered = 0
    for article in article_generator.articles:
        if not is_published(article, now):
            continue
        uuid = post_uuid(article)
        if (skip and uuid in skip) or (wanted is not None and uuid not in wanted):
            entry = {**post_fields(article, ctx), "preheader": None, "files": None}
            entry["uuid_in_file"] = has_own_uuid(article)
            _remember(seen, entry)
            posts.append((entry, "", []))
            continue
        inputs = gather_inputs(article, ctx)
        digest = hashlib.sha256(f"{inputs.digest}\0{files}".encode()).hexdigest()
        cached = cache.get(inputs.fields["uuid"])
        if (
            cached
            and cached.get("digest") == digest
            and files_present(previous_path, cached["entry"])
        ):
            carry_files(previous_path, editions_path, cached["entry"])
            entry, warnings = cached["entry"], list(cached.get("warnings", []))
            for message in warnings:
                logger.warning("newsletter: %s", message)
        else:
            edition = render_edition(article, settings, ctx, inputs)
            entry, warnings = write_edition(editions_path, edition), list(edition.warnings)
            rendered += 1
        # Whether the id is written in the file: publish mails only those (docs/identity.md).
        entry = {**entry, "uuid_in_file": has_own_uuid(article)}
        # What a digest shows of the post, and "Newsletter: now" (docs/digest.md).
        entry["digest"] = digest_item(article, ctx, inputs.body_html)
        entry["newsletter_now"] = str(article.metadata.get("newsletter", "")).strip().lower() == "now"
        # The share kit: cheap, so written for every unsent post, cached or not.
        summary = plain_line(str(article.metadata.get("summary") or getattr(article, "summary", "") or ""))
        write_share_text(
            editions_path,
            entry["uuid"],
            linkedin_text(entry["title"], summary, entry["url"], getattr(article, "tags", [])),
        )
        _remember(seen, entry)
        posts.append((entry, digest, warnings))
    drafts = []
    wanted_draft = str(settings.get(PREVIEW_DRAFT_SETTING) or "")
    for article in getattr(article_generator, "drafts", []) if wanted_draft.strip() else []:
        # make preview-email POST=<a draft>: its edition, in the preview's own folder.
        if names_post(wanted_draft, post_uuid(article), getattr(article, "slug", ""),
                      getattr(article, "source_path", "") or ""):  # fmt: skip
            edition = render_edition(article, settings, ctx, gather_inputs(article, ctx))
            drafts.append({**write_edition(editions_path, edition), "draft": True})
    path = write_manifest(
        editions_path, siteurl=ctx.siteurl, generated_for=ctx.generated_for, posts=posts, drafts=drafts,
        scheduled=scheduled_posts(article_generator, now),
    )
    elapsed = time.perf_counter() - started
    logger.info(
        "newsletter: %s posts (%s rendered, %s already sent, %s unchanged) in %.2fs → %s",
        len(posts), rendered, len([p for p in posts if p[0]["files"] is None]),
        len([p for p in posts if p[0]["files"] is not None]) - rendered, elapsed, path,
    )  # fmt: skip


def scheduled_posts(article_generator, now: datetime) -> list[dict]:
    """Posts held back only by a date still to come (WITH_FUTURE_DATES = False makes them
    drafts): what `make publish DRY_RUN=1` says will go out, and from when. No edition."""
    found = []
    for article in getattr(article_generator, "drafts", []):
        date = getattr(article, "date", None)
        if str(article.metadata.get("status", "published")).strip().lower() == "draft" or date is None:
            continue  # a draft by its own Status: line, not by its date
        if date.astimezone(UTC) > now:
            found.append({"title": str(article.metadata.get("title", "")), "date": date.isoformat(),
                          "source_path": str(article.get_relative_source_path())})  # fmt: skip
    return sorted(found, key=lambda item: item["date"])


def static_files_signature(static_content) -> str:
    """A digest of every static file's path, size and modification time."""
    stats = []
    for static in (static_content or {}).values():
        source = str(getattr(static, "source_path", "") or "")
        try:
            st = os.stat(source)
        except OSError:
            stats.append((source, None))
            continue
        stats.append((source, st.st_size, st.st_mtime_ns))
    return hashlib.sha256(repr(sorted(stats, key=repr)).encode()).hexdigest()


def development_editions(articles, recorded: set, max_per_run: int, now: datetime | None = None) -> set:
    """The Uuids whose editions a development build renders.

    Nothing is ever sent from a development build (make publish rebuilds with
    publishconf.py and refuses development editions), so it renders only what a
    writer previews there: the posts `make publish` would send — the newest
    MAX_PER_RUN not in the send record; with more than that a publish refuses
    and names them — and the post saved last (the one being written). On a
    blog just imported, with no send record, that is a handful, not every post.
    The others are listed without files; `make preview-email POST=…` renders
    any of them on demand."""
    now = now or datetime.now(UTC)
    unsent = [a for a in articles if is_published(a, now) and post_uuid(a) not in recorded]
    unsent.sort(key=lambda a: a.date, reverse=True)
    wanted = {post_uuid(a) for a in unsent[:max_per_run]}
    latest, latest_mtime = None, -1
    for article in unsent:
        try:
            mtime = os.stat(article.source_path).st_mtime_ns
        except (OSError, TypeError):
            continue
        if mtime > latest_mtime:
            latest, latest_mtime = article, mtime
    if latest is not None:
        wanted.add(post_uuid(latest))
    return wanted


def _remember(seen: dict[str, str], entry: dict) -> None:
    if entry["uuid"] in seen:
        raise EditionError(
            f"{entry['source_path']} and {seen[entry['uuid']]} share Uuid {entry['uuid']}: "
            "give one of them a new Uuid (make uuids)"
        )
    seen[entry["uuid"]] = entry["source_path"]
