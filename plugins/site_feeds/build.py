"""Which feeds a site gets, built as bytes (pure), and the one edge that writes them."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import lxml.html

from connected.files import path_inside
from connected.sanitize import xml_text

from .entries import EntryCache, Listing
from .formats import GENERATOR, FeedInfo, atom_and_rss, json_feed
from .reuse import InputDigests
from .settings import PATTERN_KEYS, FeedSettings, resolve

logger = logging.getLogger(__name__)


def plain_name(name: str) -> str:
    """A category or tag name as plain text for a feed's title and description.

    RSS readers show a channel's <description> (and often its <title>) as HTML:
    a name like "<script>…" must arrive as words, not as escaped markup that
    the reader turns back into a tag. Tags are removed by a real parser, then
    any angle bracket left over; spaces collapse; XML-invalid characters go.
    """
    text = xml_text(name)
    if ("<" in text or "&" in text) and text.strip():
        text = lxml.html.fragment_fromstring(text, create_parent="div").text_content()
    text = text.replace("<", "").replace(">", "")
    return " ".join(text.split())


def _info(settings: FeedSettings, title: str, subtitle: str, home_url: str, **urls) -> FeedInfo:
    return FeedInfo(
        title=title,
        subtitle=subtitle,
        home_url=home_url,
        language=settings.language,
        author=settings.author,
        author_url=settings.site_root + "/",
        icon=settings.icon,
        **urls,
    )


def build_feeds(
    articles,
    categories,
    tags,
    settings: FeedSettings,
    now: dt.datetime | None = None,
    inputs: InputDigests | None = None,
) -> dict[str, bytes]:
    """Every enabled feed as {output path: bytes}.

    articles: the published posts (Pelican's `generator.articles`);
    categories, tags: (Category|Tag, [articles]) pairs as Pelican groups them.
    Only the newest MAX_ITEMS of each feed are rendered, and each post's
    absolute content is built once however many feeds list it.

    inputs: when given, each feed's input digest goes to `inputs.keys`, and a
    feed whose digest `inputs.reusable(path, digest)` confirms is left out of
    the result (its file on disk is already these bytes).
    """
    now = now or dt.datetime.now(dt.UTC)
    cache = EntryCache(settings)
    listing = Listing(articles, now)
    summary_only = settings.content == "summary"
    paths = settings.paths
    files: dict[str, bytes] = {}

    def entries_for(posts):
        return [cache.get(a) for a in listing.newest(posts, settings.max_items)]

    def add(info: FeedInfo, posts, atom_path, rss_path):
        wanted = [p for p in (atom_path, rss_path) if p]
        if inputs is not None:
            key = inputs.feed_key(info, listing.newest(posts, settings.max_items), summary_only)
            for path in wanted:
                inputs.keys[path] = key
            if all(inputs.reusable(path, key) for path in wanted):
                return
        rendered = atom_and_rss(info, entries_for(posts), summary_only)
        if atom_path:
            files[atom_path] = rendered["atom"]
        if rss_path:
            files[rss_path] = rendered["rss"]

    home = settings.site_root + "/"
    if any(k in paths for k in ("ALL_ATOM", "ALL_RSS", "ALL_JSON")):
        info = _info(
            settings,
            settings.title,
            settings.subtitle,
            home,
            atom_url=settings.url_for(paths["ALL_ATOM"]) if "ALL_ATOM" in paths else None,
            rss_url=settings.url_for(paths["ALL_RSS"]) if "ALL_RSS" in paths else None,
            json_url=settings.url_for(paths["ALL_JSON"]) if "ALL_JSON" in paths else None,
        )
        if info.atom_url or info.rss_url:
            add(info, articles, paths.get("ALL_ATOM"), paths.get("ALL_RSS"))
        if info.json_url:
            files[paths["ALL_JSON"]] = json_feed(info, entries_for(articles))

    for kind, groups, describe in (
        ("CATEGORY", categories, "Posts in {name}"),
        ("TAG", tags, "Posts tagged “{name}”"),
    ):
        atom_pattern = paths.get(kind + "_ATOM")
        rss_pattern = paths.get(kind + "_RSS")
        if not (atom_pattern or rss_pattern):
            continue
        for group, posts in sorted(groups, key=lambda pair: pair[0].slug):
            if not listing.newest(posts, settings.max_items):
                continue
            if kind == "TAG" and len(listing.newest(posts, None)) < settings.tag_min_posts:
                continue  # SITE_FEEDS["TAG_MIN_POSTS"]: no feed for a rarely used tag
            atom_path = atom_pattern.format(slug=group.slug) if atom_pattern else None
            rss_path = rss_pattern.format(slug=group.slug) if rss_pattern else None
            name = plain_name(str(group.name))
            info = _info(
                settings,
                f"{settings.title} · {name}",
                describe.format(name=name),
                settings.url_for(group.url),
                atom_url=settings.url_for(atom_path) if atom_path else None,
                rss_url=settings.url_for(rss_path) if rss_path else None,
            )
            add(info, posts, atom_path, rss_path)
    return files


def write_feeds(generator, writer=None) -> None:
    """article_writer_finalized handler: build every feed and write it under OUTPUT_PATH.

    A file whose bytes are unchanged is not rewritten, so its mtime (and rsync)
    stays quiet.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    settings = resolve(generator.settings)
    tags = generator.tags.items() if hasattr(generator.tags, "items") else generator.tags
    output = Path(getattr(writer, "output_path", None) or generator.output_path)
    inputs = InputDigests.load(generator, settings, output)
    files = build_feeds(
        generator.articles, generator.categories, list(tags), settings, inputs=inputs
    )
    written = 0
    for rel, data in files.items():
        path = output / rel
        try:
            if path.read_bytes() == data:
                if inputs is not None:
                    inputs.wrote(rel, data)
                continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if inputs is not None:
            inputs.wrote(rel, data)
        written += 1
    produced = set(files) | (set(inputs.keys) if inputs is not None else set())
    previous = set(inputs.previous) if inputs is not None else set()
    removed = remove_stale_feeds(output, settings, produced, previous)
    if inputs is not None:
        inputs.save()
    reused = len(set(inputs.keys) - set(files)) if inputs is not None else 0
    logger.info(
        "site_feeds: %d feeds (%d unchanged inputs, %d rewritten, %d stale removed) for %s "
        "in %.0f ms (%.0f ms CPU)",
        len(files) + reused,
        reused,
        written,
        len(removed),
        settings.site_root,
        (time.perf_counter() - started) * 1000,
        (time.process_time() - cpu_started) * 1000,
    )


def _pattern_matches(output: Path, pattern: str) -> list[str]:
    """Output paths (relative, "/"-separated) that `pattern` ("…/{slug}.atom.xml") could name."""
    head, _, tail = pattern.partition("{slug}")
    folder, _, name_start = head.rpartition("/")
    directory = output / folder if folder else output
    try:
        names = [entry.name for entry in directory.iterdir() if entry.is_file()]
    except OSError:
        return []
    found = []
    for name in names:
        if name.startswith(name_start) and name.endswith(tail):
            if len(name) > len(name_start) + len(tail):
                found.append(f"{folder}/{name}" if folder else name)
    return found


def _is_our_feed(path: Path) -> bool:
    # Only files this plugin wrote: the generator element sits in the feed's
    # head, before any entry, so the first few KB tell.
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return GENERATOR.encode() in head


def remove_stale_feeds(
    output: Path, settings: FeedSettings, produced: set[str], previous: set[str]
) -> list[str]:
    """Delete feed files this build no longer produces; return their relative paths.

    A tag or category whose last post became a draft (or was deleted) has no
    feed any more, and the file left from an earlier build would keep serving
    the post. Candidates are files matching the category/tag feed patterns and
    the feeds the last build recorded (CACHE_PATH); only files that carry this
    plugin's generator mark are removed, so nothing the writer put in the
    output is touched.
    Works without the reuse cache: the patterns alone find a stale tag feed.
    """
    candidates: set[str] = set(previous)
    for key in PATTERN_KEYS:
        pattern = settings.paths.get(key)
        if pattern:
            candidates.update(_pattern_matches(output, pattern))
    removed = []
    for rel in sorted(candidates - produced):
        try:
            path = path_inside(output, *rel.split("/"))
        except ValueError:
            continue
        if not path.is_file():
            continue
        if not _is_our_feed(path):
            continue
        path.unlink()
        removed.append(rel)
        logger.info("site_feeds: removed %s: no post is listed in it any more", rel)
    return removed
