"""Create a draft post: `make newpost TITLE="Following up after an interview"`.

Writes content/posts/<slug>.md with Title, Date (now, in the site's TIMEZONE),
Slug, Tags, Summary, Status: draft and a fresh Uuid, and prints its path.
Never overwrites an existing file.

    python -m scripts newpost "My title"          # or TITLE="My title" in the environment
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import datetime
from pathlib import Path

from connected.errors import ConnectedError
from connected.files import hidden_under, path_inside
from connected.header import read_header
from connected.starter_text import NEWPOST_BODY

ROOT = Path(__file__).resolve().parent.parent
USAGE = 'usage: make newpost TITLE="Your post title"   (or: python -m scripts newpost "Your post title")'


class NewPostError(ConnectedError):
    """The draft cannot be created; the message says why and what to do."""


def site_timezone(settings_file: Path):
    """The ZoneInfo named by TIMEZONE in the settings file."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from pelican.settings import get_settings_from_file

    name = get_settings_from_file(str(settings_file)).get("TIMEZONE")
    if not name:
        raise NewPostError(
            f"TIMEZONE is not set in {settings_file.name}: add e.g. TIMEZONE = \"Europe/London\""
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise NewPostError(
            f"TIMEZONE {name!r} in {settings_file.name} is not a known time zone: "
            "use an IANA name such as \"Europe/London\""
        ) from None


def slug_for(title: str) -> str:
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import slugify

    return slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def render_draft(title: str, slug: str, when: datetime, post_uuid: str) -> str:
    return (
        f"Title: {title}\n"
        f"Date: {when:%Y-%m-%d %H:%M}\n"
        f"Slug: {slug}\n"
        "Tags:\n"
        "Summary:\n"
        "Status: draft\n"
        f"Uuid: {post_uuid}\n"
        "\n"
        f"{NEWPOST_BODY}\n"
    )


def create_draft(
    title: str,
    *,
    posts_dir: Path,
    settings_file: Path,
    now: datetime | None = None,
) -> Path:
    """Write the draft and return its path. Raises NewPostError."""
    # Metadata is one line per key: a newline in the title would end the header.
    title = " ".join(title.split())
    if not title:
        raise NewPostError(USAGE)
    slug = slug_for(title)
    if not slug:
        raise NewPostError(
            f"cannot make a file name from the title {title!r}: use some letters or digits"
        )
    try:  # slugify leaves no "/" or "..", and path_inside makes that a guarantee
        path = path_inside(posts_dir, f"{slug}.md")
    except ValueError as exc:
        raise NewPostError(f"cannot make a file name from the title {title!r}: {exc}") from None
    taken = None if path.exists() else _file_using_slug(posts_dir, slug)
    if taken is not None:
        raise NewPostError(
            f"{_shown(taken)} already uses Slug: {slug} — pick another title, or edit that post"
        )
    zone = site_timezone(settings_file)
    when = (now or datetime.now(zone)).astimezone(zone)
    posts_dir.mkdir(parents=True, exist_ok=True)
    try:
        # "x": fail rather than overwrite, even if the file appears meanwhile.
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(render_draft(title, slug, when, str(uuid.uuid4())))
    except FileExistsError:
        raise NewPostError(
            f"{_shown(path)} already exists: pick another title, or edit that file"
        ) from None
    return path


def _file_using_slug(posts_dir: Path, slug: str) -> Path | None:
    """An existing post whose metadata header says `Slug: <slug>` (its URL would clash)."""
    if not posts_dir.is_dir():
        return None
    for path in sorted(posts_dir.rglob("*.md")):
        if hidden_under(path, posts_dir):
            continue  # a trashed or hidden file is not built: its slug is free
        header = read_header(path)
        if any(value == slug for value in header.values("slug")):
            return path
    return None


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts newpost", usage=USAGE.removeprefix("usage: "))
    parser.add_argument("title", nargs="?", help="the post's title (default: $TITLE)")
    parser.add_argument("--content", default=str(ROOT / "content"), help="content directory")
    parser.add_argument("-s", "--settings", default=str(ROOT / "pelicanconf.py"), help="settings file with TIMEZONE")
    args = parser.parse_args(argv)
    # `make newpost TITLE="…"` passes the title through the environment, so
    # quotes, $ and backticks in it reach us untouched by the shell (and, through
    # CONNECTED_NEWPOST_TITLE, by make: see the Makefile).
    title = args.title
    if title is None:
        title = os.environ.get("CONNECTED_NEWPOST_TITLE") or os.environ.get("TITLE", "")
    try:
        path = create_draft(
            title,
            posts_dir=Path(args.content) / "posts",
            settings_file=Path(args.settings),
        )
    except NewPostError as exc:
        print(exc, file=sys.stderr)
        return 2 if str(exc) == USAGE else 1
    print(f"Created draft {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
