"""The thin edge: write rendered editions and manifest.json to EDITIONS_PATH.

The one writer of the editions manifest; its format and its one reader are
connected/editions.py.

Files are written only when their bytes change (so an unchanged post keeps
identical files and mtimes), each through a temp file and os.replace so a
crash never leaves half a file; manifest.json is written last, so a reader
never sees a manifest naming files that are not there yet.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

from connected.editions import MANIFEST, VERSION
from connected.files import path_inside, write_if_changed

from .render import RenderedEdition

logger = logging.getLogger(__name__)

# Per-post input hashes, kept apart from manifest.json so the manifest stays
# exactly the documented contract.
RENDER_CACHE = ".render-cache.json"
_UUID_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EDITION_FILES = {
    "mailchimp_html": "mailchimp_html",
    "outbox_html": "outbox_html",
    "text": "text",
    "mailchimp_text": "mailchimp_text",
}


def write_text(path: Path, data: str, *, durable: bool = False) -> bool:
    """Write `data` (UTF-8) to `path` unless it already holds exactly that; True if written.

    Editions are rebuilt by every build (and publish always builds first), so
    only the manifest pays for an fsync; os.replace alone keeps every file whole.
    """
    return write_if_changed(path, data.encode("utf-8"), durable=durable)


def load_cache(editions_path: Path) -> dict:
    """{uuid: {"digest": …, "entry": manifest entry, "warnings": […]}}; {} if absent or bad."""
    try:
        data = json.loads((editions_path / RENDER_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("posts", {}) if isinstance(data, dict) else {}


def carry_files(previous: Path, editions_path: Path, entry: dict) -> None:
    """Put an unchanged edition's files from the previous build's folder into this
    one's: a hard link (every edition file is replaced by rename, never rewritten in
    place, so the two folders cannot change each other), else a copy."""
    if Path(previous) == Path(editions_path):
        return
    for rel in entry["files"].values():
        source, target = path_inside(previous, rel), path_inside(editions_path, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def files_present(editions_path: Path, entry: dict) -> bool:
    files = entry.get("files")
    try:
        return bool(files) and all(path_inside(editions_path, rel).is_file() for rel in files.values())
    except ValueError:  # a cache entry naming a file outside the editions: render afresh
        return False


def recorded_uuids(record_path: Path) -> set[str]:
    """Uuids the send record lists (sent, scheduled or held); empty if there is none.

    Read through connected/send_record.py, the one reader of the format (it normalises
    the keys). A record that does not parse is left for scripts/publish.py to report:
    here it only means "render everything".
    """
    from connected.send_record import RecordError
    from connected.send_record import recorded_uuids as read_uuids

    try:
        return read_uuids(Path(record_path))
    except RecordError:
        return set()


def write_edition(editions_path: Path, edition: RenderedEdition) -> dict:
    """Write one edition's files; return its manifest entry."""
    entry = edition.manifest_entry()
    for key, rel in entry["files"].items():
        # rel is "<uuid>/…", and the uuid is canonical; path_inside makes that a guarantee.
        write_text(path_inside(editions_path, rel), getattr(edition, EDITION_FILES[key]))
    return entry


def write_share_text(editions_path: Path, uuid: str, text: str) -> Path:
    """Write a post's LinkedIn text beside its edition (<uuid>/linkedin.txt)."""
    path = path_inside(editions_path, uuid, "linkedin.txt")
    write_text(path, text.rstrip("\n") + "\n")
    return path


def write_manifest(
    editions_path: Path,
    *,
    siteurl: str,
    generated_for: str,
    posts: list[tuple[dict, str, list[str]]],
    drafts: list[dict] | None = None,
    scheduled: list[dict] | None = None,
) -> Path:
    """Write manifest.json (newest first) and the render cache; prune stale editions.

    posts: (manifest entry, input digest, warnings) for every published post.
    drafts: entries of drafts a preview asked for (connected.editions.PREVIEW_DRAFT_SETTING),
    listed apart under "drafts": never among the posts `make publish` reads.
    scheduled: {title, date, source_path} of posts whose date is still to come (no edition).
    """
    posts = sorted(posts, key=lambda item: (item[0]["date"], item[0]["source_path"]), reverse=True)
    before = _blockers_before(editions_path)
    manifest = {
        "version": VERSION,
        "siteurl": siteurl,
        "generated_for": generated_for,
        # "blockers": plugins/link_checks sets them once the whole site is written
        # (add_blockers); until then, those of the last check, so an unchanged
        # manifest keeps its bytes.
        "posts": [
            {**entry, "blockers": before.get(entry["source_path"], [])}
            for entry, _digest, _warnings in posts
        ],
    }
    if drafts:
        manifest["drafts"] = drafts
    if scheduled:
        manifest["scheduled"] = scheduled
    cache = {
        "version": 1,
        "posts": {
            entry["uuid"]: {"digest": digest, "entry": entry, "warnings": warnings}
            for entry, digest, warnings in posts
        },
    }
    write_text(editions_path / RENDER_CACHE, _dumps(cache))
    # Last: the manifest is what other tools read.
    path = editions_path / MANIFEST
    write_text(path, _dumps(manifest), durable=True)
    keep = {entry["uuid"] for entry, _digest, _warnings in posts if entry.get("files")}
    keep |= {entry["uuid"] for entry in drafts or ()}
    for child in editions_path.iterdir():
        # Only our own uuid-named directories: a post that became a draft, was
        # deleted or is now in the send record must not leave an edition behind.
        if child.is_dir() and _UUID_DIR.match(child.name) and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
            logger.info("newsletter: removed the edition of %s (unpublished or already sent)", child.name)
    return path


def _blockers_before(editions_path: Path) -> dict[str, list[str]]:
    """{source_path: blockers} of the manifest on disk (the last check); {} if none."""
    try:
        manifest = json.loads((editions_path / MANIFEST).read_text(encoding="utf-8"))
        return {
            p["source_path"]: list(p["blockers"])
            for p in manifest.get("posts", [])
            if isinstance(p.get("blockers"), list)
        }
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def add_blockers(editions_path: Path, blockers: dict[str, list[str]]) -> None:
    """Give every manifest entry its "blockers": the problems that keep it from being
    mailed (plugins/link_checks: broken links and images, one line each), [] if none.

    Called once the whole site is written (finalized), after write_manifest;
    entries are matched by source_path. scripts/publish.py skips a post with blockers.
    """
    path = editions_path / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in manifest.get("posts", []):
        entry["blockers"] = list(blockers.get(entry.get("source_path", ""), []))
    write_text(path, _dumps(manifest), durable=True)


# One encoder: json.dumps with a non-default option builds a new one per call (per post).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _dumps(document: dict) -> str:
    """JSON with one post per line (its "posts" last): readable, and written by
    json's C encoder, which `indent=` turns off (that made the manifest a
    tenth of a one-post build)."""
    listing = "posts"
    dump = _ENCODER.encode

    head = [f"{dump(key)}: {dump(value)}" for key, value in document.items() if key != listing]
    posts = document.get(listing, [])
    if isinstance(posts, dict):
        items = [f"{dump(key)}: {dump(value)}" for key, value in posts.items()]
        body, open_, close = ",\n  ".join(items), "{", "}"
    else:
        body, open_, close = ",\n  ".join(dump(value) for value in posts), "[", "]"
    inner = f"{open_}\n  {body}\n{close}" if body else f"{open_}{close}"
    return "{" + ", ".join([*head, f"{dump(listing)}: {inner}"]) + "}\n"
