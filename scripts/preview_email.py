"""`make preview-email [POST=slug|uuid]`: write one post's email edition as an HTML file.

Reuses build/editions/manifest.json when it is newer than the content, theme,
plugins and settings; otherwise builds the site (into a throwaway directory —
only the editions are kept) first. Prints where the file is, with the subject
and preheader the inbox will show.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from connected.editions import (
    PREVIEW_DRAFT_SETTING,
    ManifestError,
    manifest_path,
    manifest_siteurl,
    names_post,
    read_manifest,
)
from connected.errors import ConnectedError
from connected.files import path_inside
from connected.newsletter_settings import SettingsError, newsletter_settings
from connected.site_settings import is_production, load_settings

ROOT = Path(__file__).resolve().parent.parent

logger = logging.getLogger(__name__)


class PreviewError(ConnectedError):
    """The preview cannot be written; the message says what to do."""


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
    return newest


def manifest_is_fresh(manifest: Path, settings: dict, settings_file: Path) -> bool:
    """True if manifest.json is newer than everything an edition is built from."""
    try:
        data = read_manifest(manifest.parent)
    except ManifestError:
        return False
    if data is None:
        return False
    generated_for = data.get("generated_for")
    # Editions built for the other kind of site (development vs production)
    # carry the other site's URLs.
    wanted = "publishconf" if is_production(settings) else "pelicanconf"
    if generated_for != wanted:
        return False
    inputs = [
        Path(settings["PATH"]),
        Path(settings.get("THEME") or ROOT / "theme") / "templates" / "email",
        ROOT / "plugins" / "newsletter",
        ROOT / "connected",
        settings_file,
        ROOT / "pelicanconf.py",
    ]
    return manifest.stat().st_mtime >= _newest_mtime(inputs)


def build_editions(settings: dict) -> None:
    """Run Pelican with `settings`, writing the site to a temp dir (editions stay)."""
    from pelican import Pelican

    with tempfile.TemporaryDirectory(prefix="connected-preview-") as tmp:
        settings = dict(settings)
        # A preview may be of a post the send record lists, whose edition a
        # normal build skips.
        settings["NEWSLETTER"] = {**settings.get("NEWSLETTER", {}), "EDITIONS": "all"}
        settings["OUTPUT_PATH"] = str(Path(tmp) / "output")
        settings["CACHE_PATH"] = str(Path(tmp) / "cache")
        try:
            # Pelican's "Done: Processed …" line is about the throwaway site, not the preview.
            with contextlib.redirect_stdout(io.StringIO()):
                Pelican(settings).run()
        except ValueError as exc:
            # post_checks' ContentError (a ValueError) and the settings owners' errors
            # carry one line per problem, each naming its file or setting.
            raise PreviewError(f"the build for the preview stopped, nothing was written:\n{exc}") from exc


def read_editions(manifest_file: Path) -> dict:
    """The manifest the build just wrote; a missing or unreadable one is a PreviewError."""
    try:
        manifest = read_manifest(manifest_file.parent)
        problem = "it is missing"
    except ManifestError as exc:
        manifest, problem = None, str(exc)
    if manifest is None:
        raise PreviewError(
            f"the build wrote no readable {manifest_file} ({problem}): check that 'newsletter' "
            "is in PLUGINS and look at the build output above."
        )
    return manifest


def choose_post(manifest: dict, wanted: str | None) -> dict:
    posts = manifest.get("posts") or []
    if not posts:
        raise PreviewError("no published posts in the manifest: write a post (make newpost) first.")
    if not wanted:
        return posts[0]
    for post in posts:
        if names_post(wanted, post["uuid"], post["slug"], post.get("source_path", "")):
            return post
    slugs = ", ".join(post["slug"] for post in posts[:20])
    raise PreviewError(
        f"no published post with slug or uuid {wanted!r}: use one of {slugs}"
        + (" …" if len(posts) > 20 else "")
    )


def preview_name(post: dict) -> str:
    """The preview's file name stem: the slug when it is one plain file name, else the Uuid.

    The slug is post data (`Slug: ../x` or `Slug: /tmp/x` are possible); the Uuid
    in the manifest is canonical, so it is always a safe name.
    """
    slug = str(post.get("slug") or "")
    plain = bool(slug) and not slug.startswith(".") and not any(c in slug for c in "/\\\0")
    return slug if plain else post["uuid"]


def preview(
    *,
    post: str | None,
    settings_file: Path,
    edition: str = "outbox",
    content: Path | None = None,
    editions: Path | None = None,
    rebuild: bool = False,
) -> dict:
    """Write the preview; return {"html": path, "text": path, "subject", "preheader", …}."""
    overrides: dict = {}
    if content:
        overrides["PATH"] = str(content)
    if editions:
        overrides["NEWSLETTER"] = {"EDITIONS_PATH": str(editions)}
    settings = load_settings(settings_file.parent, settings_file, overrides)
    nl = newsletter_settings(settings)
    manifest_file = manifest_path(nl["EDITIONS_PATH"])
    built = False
    if rebuild or not manifest_is_fresh(manifest_file, settings, settings_file):
        build_editions(settings)
        built = True
    manifest = read_editions(manifest_file)
    if (post or "").strip().lower() == "digest" or (not post and nl["CADENCE"] != "each"):
        return preview_digest(settings, nl, manifest, edition=edition, built=built)
    try:
        chosen = choose_post(manifest, post)
    except PreviewError as not_published:
        if not post:
            raise
        # A draft: previewed from a build of its own (never in the editions publish reads).
        return preview_draft(settings, nl, post, edition, not_published)
    if not chosen.get("files") and not built:
        # Listed but not rendered (already in the send record): render it now.
        build_editions(settings)
        manifest = read_editions(manifest_file)
        chosen = choose_post(manifest, post)
    return {**copy_out(nl["EDITIONS_PATH"], nl["EDITIONS_PATH"].parent / "preview-email", chosen, edition),
            "generated_for": manifest.get("generated_for"), "built": built}


def preview_draft(settings: dict, nl: dict, wanted: str, edition: str, not_published: PreviewError) -> dict:
    """The edition of the draft named `wanted`, from a build into a folder of its own."""
    with tempfile.TemporaryDirectory(prefix="connected-preview-draft-") as tmp:
        editions = Path(tmp) / "editions"
        draft_settings = dict(settings)
        draft_settings["NEWSLETTER"] = {**settings.get("NEWSLETTER", {}), "EDITIONS_PATH": str(editions)}
        draft_settings[PREVIEW_DRAFT_SETTING] = wanted
        build_editions(draft_settings)
        manifest = read_editions(manifest_path(editions))
        drafts = manifest.get("drafts") or []
        if not drafts:
            raise PreviewError(f"{not_published} (nor a draft with that slug, uuid or file name)")
        result = copy_out(editions, nl["EDITIONS_PATH"].parent / "preview-email", drafts[0], edition)
    # Held back by its date alone (a future Date:, no Status: draft): scheduled, not a draft.
    scheduled = [s["date"] for s in manifest.get("scheduled") or [] if s.get("source_path") == drafts[0].get("source_path")]
    return {**result, "generated_for": manifest.get("generated_for"), "built": True, "draft": True,
            "scheduled": scheduled[0] if scheduled else None}  # fmt: skip


def copy_out(editions_path: Path, out_dir: Path, chosen: dict, edition: str) -> dict:
    """Copy one entry's edition (and its text) into out_dir; what main() prints about it."""
    key = "mailchimp_html" if edition == "mailchimp" else "outbox_html"
    name = preview_name(chosen)
    try:  # every path built from post data stays inside its directory
        source = path_inside(editions_path, chosen["files"][key])
        text_source = path_inside(editions_path, chosen["files"]["text"])
        html_path = path_inside(out_dir, f"{name}.{edition}.html")
        text_path = path_inside(out_dir, f"{name}.txt")
    except ValueError as exc:
        raise PreviewError(
            f"{chosen.get('source_path') or chosen['uuid']}: {exc} — nothing was written; "
            "give the post a plain Slug (letters, digits, hyphens)"
        ) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, html_path)
    shutil.copyfile(text_source, text_path)
    # The share kit beside the edition (plugins/newsletter/share.py); absent in old builds.
    share_path = path_inside(editions_path, chosen["uuid"], "linkedin.txt")
    share = share_path.read_text(encoding="utf-8").strip() if share_path.is_file() else ""
    return {
        "share": share,
        "html": html_path,
        "text": text_path,
        "subject": chosen["subject"],
        "preheader": chosen["preheader"],
        "mode": chosen["mode"],
        "newsletter": chosen["newsletter"],
        "url": chosen["url"],
    }


def preview_digest(settings: dict, nl: dict, manifest: dict, *, edition: str, built: bool) -> dict:
    """Write the next digest (docs/digest.md): the one due now, or the next period's with
    the posts that wait for it so far. Nothing is recorded or sent."""
    from datetime import UTC, datetime

    from connected.send_record import RecordError, load_record
    from scripts.digest import DigestError, build_edition, next_digest, site_timezone

    try:
        record = load_record(nl["RECORD_PATH"])
        tz = site_timezone(settings)
    except (RecordError, DigestError) as exc:
        raise PreviewError(str(exc)) from None
    if record is None:
        raise PreviewError(
            f"there is no send record yet ({nl['RECORD_PATH'].name}), so there is no next digest: the "
            "first `make publish` mails nothing until you choose BASELINE=all or BASELINE=all-but-newest."
        )
    siteurl = manifest_siteurl(manifest)
    posts = manifest.get("posts") or []
    found = next_digest(
        record, posts, now=datetime.now(UTC), nl=nl if nl["CADENCE"] != "each" else {**nl, "CADENCE": "weekly"},
        tz=tz, siteurl=siteurl, audience="preview",
    )
    if found is None:
        raise PreviewError("no new post waits for a digest: every published post is sent or has 'Newsletter: no'.")
    plan, due = found
    digest, warnings = build_edition(settings, plan.uuid, plan.period, plan.posts, nl["EDITIONS_PATH"])
    out_dir = nl["EDITIONS_PATH"].parent / "preview-email"
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"digest.{edition}.html"
    text_path = out_dir / "digest.txt"
    shutil.copyfile(digest.mailchimp_html if edition == "mailchimp" else digest.outbox_html, html_path)
    shutil.copyfile(digest.text, text_path)
    when = plan.period.send_at.astimezone(tz)
    return {
        "html": html_path,
        "text": text_path,
        "subject": digest.subject,
        "preheader": digest.preheader,
        "mode": f"digest of {len(plan.posts)} post(s), {digest.mode}; "
        + ("due now (the next `make publish` sends it)" if due else f"goes {when:%Y-%m-%d %H:%M %Z}")
        + "".join(f"; {w}" for w in warnings),
        "newsletter": True,
        "url": siteurl + "/",
        "generated_for": manifest.get("generated_for"),
        "built": built,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts preview-email", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--post", help="slug, uuid or file name of the post, or 'digest' (default: newest; the next digest in digest mode)"
    )
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"), type=Path)
    parser.add_argument(
        "--edition",
        choices=("outbox", "mailchimp"),
        default="outbox",
        help="outbox (real footer, default) or mailchimp (raw merge tags)",
    )
    parser.add_argument("--content", type=Path, help="content directory (default: PATH setting)")
    parser.add_argument("--editions", type=Path, help="editions directory (default: EDITIONS_PATH)")
    parser.add_argument("--rebuild", action="store_true", help="build even if editions are fresh")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        result = preview(
            post=args.post,
            settings_file=args.settings.resolve(),
            edition=args.edition,
            content=args.content.resolve() if args.content else None,
            editions=args.editions.resolve() if args.editions else None,
            rebuild=args.rebuild,
        )
    except (PreviewError, SettingsError, ConnectedError) as exc:
        print(f"preview-email: {exc}", file=sys.stderr)
        return 1
    print(f"Email preview: {result['html'].as_uri()}")
    print(f"Plain text:    {result['text'].as_uri()}")
    print(f"Subject:       {result['subject']}")
    print(f"Preheader:     {result['preheader']}")
    notes = [f"mode: {result['mode']}"]
    if result.get("scheduled"):
        notes.append(
            f"dated {result['scheduled'][:16].replace('T', ' ')}: not published or sent before then; "
            "the first `make publish` from then on publishes and sends it"
        )
    elif result.get("draft"):
        notes.append("a draft: not sent until its Status: draft line is deleted and `make publish` runs")
    if not result["newsletter"]:
        notes.append("this post has 'Newsletter: no' and will not be sent")
    if result["generated_for"] == "pelicanconf":
        notes.append("development build: links and images point at http://localhost:8000 (make serve)")
    print("Note:          " + "; ".join(notes))
    if result.get("share"):
        print("Share on LinkedIn:\n" + "-" * 40 + "\n" + result["share"] + "\n" + "-" * 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
