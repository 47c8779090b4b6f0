"""The editions manifest: what each published post's email edition is, and where its files are.

The newsletter plugin (plugins/newsletter/manifest.py) is its one writer: every build writes
EDITIONS_PATH/manifest.json, kept out of the deployed site. This module owns the format and
is its one reader, for `make publish`, `make preview-email` and the screenshots:

    {"version": 1, "siteurl": "https://…", "generated_for": "publishconf|pelicanconf",
     "posts": [{"uuid": "…", "title": "…", "url": "…", "slug": "…", "date": "<ISO 8601>",
                "source_path": "posts/….md", "newsletter": true, "subject": "…",
                "preheader": "…", "mode": "full|excerpt", "audience_tag": null,
                "files": {"mailchimp_html": "<uuid>/mailchimp.html", …} | null,
                "blockers": ["…"]}, …],
     "scheduled": [{"title": "…", "date": "<ISO 8601>", "source_path": "…"}, …]}   (optional)
                                       (newest first; contract in docs/ARCHITECTURE.md)

"scheduled" lists posts held back only by a date still to come (no edition yet). A preview
build of a draft (PREVIEW_DRAFT_SETTING) also has "drafts"; `make publish` reads "posts" only.

`files` is null for a post the build listed but did not render (NEWSLETTER["EDITIONS"] =
"unsent" skips posts the send record lists). An `Edition` is one entry read back, with its
files as paths: what a backend delivers (a digest is an Edition too, scripts/digest.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connected.errors import ConnectedError

MANIFEST = "manifest.json"
VERSION = 1
# Set by scripts/build.py, which writes each build's editions into a fresh folder and
# swaps it in at the end: the folder the last finished build left (plugins/newsletter
# takes a development build's unchanged previews from it).
PREVIOUS_EDITIONS_SETTING = "NEWSLETTER_PREVIOUS_EDITIONS"
# Set only by scripts/preview_email.py, for its throwaway build into a folder of its own:
# the draft with this slug, Uuid or file name gets an edition too, listed under "drafts"
# (never "posts", which is all `make publish` reads).
PREVIEW_DRAFT_SETTING = "NEWSLETTER_PREVIEW_DRAFT"
# Each part of an edition and its file name inside the post's <uuid>/ folder.
FILE_NAMES = {
    "mailchimp_html": "mailchimp.html",
    "outbox_html": "outbox.html",
    "text": "email.txt",
    "mailchimp_text": "mailchimp.txt",
}


def names_post(wanted: str, uuid: str, slug: str, source_path: str) -> bool:
    """Whether POST=`wanted` names this post: its Uuid, its slug or its file name without the
    suffix, in any case (make preview-email, for posts and drafts alike)."""
    key = wanted.strip().lower()
    return bool(key) and key in (str(uuid).lower(), str(slug).lower(), Path(str(source_path)).stem.lower())


class ManifestError(ConnectedError):
    """The editions manifest cannot be read; the message names the file and the fix."""


@dataclass(frozen=True)
class Edition:
    """One email edition, as listed in EDITIONS_PATH/manifest.json (or a digest's)."""

    uuid: str
    title: str
    url: str
    slug: str
    date: datetime
    subject: str
    preheader: str
    mode: str  # "full" or "excerpt"
    audience_tag: str | None
    mailchimp_html: Path
    outbox_html: Path
    text: Path
    source_path: str = ""
    # The Mailchimp plain-text part carries merge tags; the outbox one does not.
    mailchimp_text: Path | None = None

    @classmethod
    def from_entry(cls, entry: dict[str, Any], editions_path: Path) -> Edition:
        """The Edition of one manifest entry; its files resolved under `editions_path`.

        Raises ValueError for an entry whose edition was not rendered (`files` null).
        """
        if "files" in entry and entry["files"] is None:
            raise ValueError(f"the edition of {entry['uuid']} was not rendered")
        uuid = entry["uuid"]
        files = {**edition_files(uuid, with_mailchimp_text=False), **(entry.get("files") or {})}
        text_part = files.get("mailchimp_text")
        return cls(
            uuid=uuid,
            title=entry.get("title", ""),
            url=entry.get("url", ""),
            slug=entry.get("slug", ""),
            date=datetime.fromisoformat(entry["date"]),
            subject=entry.get("subject") or entry.get("title", ""),
            preheader=entry.get("preheader", ""),
            mode=entry.get("mode", "full"),
            audience_tag=entry.get("audience_tag"),
            mailchimp_html=editions_path / files["mailchimp_html"],
            outbox_html=editions_path / files["outbox_html"],
            text=editions_path / files["text"],
            source_path=entry.get("source_path", ""),
            mailchimp_text=editions_path / text_part if text_part else None,
        )


def edition_files(uuid: str, *, with_mailchimp_text: bool = True) -> dict[str, str]:
    """{part: "<uuid>/<file name>"}: where a post's edition files are, relative to EDITIONS_PATH."""
    return {
        part: f"{uuid}/{name}"
        for part, name in FILE_NAMES.items()
        if with_mailchimp_text or part != "mailchimp_text"
    }


def manifest_path(editions_path: Path) -> Path:
    return Path(editions_path) / MANIFEST


def read_manifest(editions_path: Path) -> dict[str, Any] | None:
    """The manifest in `editions_path`, or None when the build has not written one.

    Raises ManifestError (naming the file; rebuilding is the fix) when it is unreadable
    or not a version 1 manifest. Callers word the missing case for their own command.
    """
    path = manifest_path(editions_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"Cannot read {path} ({exc}): rebuild with `make publish`.") from exc
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("posts"), list):
        raise ManifestError(f"{path} is not a version 1 editions manifest: rebuild with `make publish`.")
    return data


def manifest_siteurl(manifest: dict[str, Any]) -> str:
    """The site URL the editions were built for, without a trailing slash."""
    return (manifest.get("siteurl") or "").rstrip("/")


def rendered(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries whose edition files were written (not skipped as already sent)."""
    return [post for post in manifest["posts"] if post.get("files")]
