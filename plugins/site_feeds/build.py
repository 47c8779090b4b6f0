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
    builder = _FeedSet(settings, Listing(articles, now or dt.datetime.now(dt.UTC)), inputs)
    builder.add_site_feeds(articles)
    for kind, groups, describe in (
        ("CATEGORY", categories, "Posts in {name}"),
        ("TAG", tags, "Posts tagged “{name}”"),
    ):
        builder.add_group_feeds(kind, groups, describe)
    return builder.files


class _FeedSet:
    """The feeds of one build as they are rendered: {output path: bytes} in `files`."""

    def __init__(self, settings: FeedSettings, listing: Listing, inputs: InputDigests | None):
        self.settings = settings
        self.listing = listing
        self.inputs = inputs
        self.cache = EntryCache(settings)
        self.summary_only = settings.content == "summary"
        self.files: dict[str, bytes] = {}

    def entries_for(self, newest):
        return [self.cache.get(a) for a in newest]

    def add(self, info: FeedInfo, newest, atom_path, rss_path) -> None:
        """Render the Atom and RSS feeds of `newest` (the feed's posts, newest first, at most
        MAX_ITEMS), unless `inputs` says both files are current."""
        wanted = [p for p in (atom_path, rss_path) if p]
        if self.inputs is not None:
            key = self.inputs.feed_key(info, newest, self.summary_only)
            for path in wanted:
                self.inputs.keys[path] = key
            if all(self.inputs.reusable(path, key) for path in wanted):
                return
        rendered = atom_and_rss(info, self.entries_for(newest), self.summary_only)
        if atom_path:
            self.files[atom_path] = rendered["atom"]
        if rss_path:
            self.files[rss_path] = rendered["rss"]

    def add_site_feeds(self, articles) -> None:
        """The feeds of all posts: ALL_ATOM, ALL_RSS, ALL_JSON."""
        settings, paths = self.settings, self.settings.paths
        if not any(k in paths for k in ("ALL_ATOM", "ALL_RSS", "ALL_JSON")):
            return

        def url(name: str) -> str | None:
            return settings.url_for(paths[name]) if name in paths else None

        info = _info(
            settings,
            settings.title,
            settings.subtitle,
            settings.site_root + "/",
            atom_url=url("ALL_ATOM"),
            rss_url=url("ALL_RSS"),
            json_url=url("ALL_JSON"),
        )
        newest = self.listing.newest(articles, settings.max_items)
        if info.atom_url or info.rss_url:
            self.add(info, newest, paths.get("ALL_ATOM"), paths.get("ALL_RSS"))
        if info.json_url:
            path = paths["ALL_JSON"]
            if self.inputs is not None:
                key = self.inputs.keys[path] = self.inputs.feed_key(info, newest, self.summary_only, "json")
                if self.inputs.reusable(path, key):
                    return
            self.files[path] = json_feed(info, self.entries_for(newest))

    def add_group_feeds(self, kind: str, groups, describe: str) -> None:
        """One Atom/RSS pair per category or tag (kind "CATEGORY" or "TAG") that has posts."""
        settings = self.settings
        atom_pattern = settings.paths.get(kind + "_ATOM")
        rss_pattern = settings.paths.get(kind + "_RSS")
        if not (atom_pattern or rss_pattern):
            return
        for group, posts in sorted(groups, key=lambda pair: pair[0].slug):
            # One ranking per group: on a 10 000-post site the ranking of a big category's
            # posts is most of the feeds' cost, and it was done four times per group.
            listed = self.listing.newest(posts, None)
            if not listed:
                continue
            if kind == "TAG" and len(listed) < settings.tag_min_posts:
                continue  # SITE_FEEDS["TAG_MIN_POSTS"]: no feed for a rarely used tag
            newest = listed if settings.max_items is None else listed[: settings.max_items]
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
            self.add(info, newest, atom_path, rss_path)


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
