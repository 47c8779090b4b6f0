"""Skip rebuilding a feed whose inputs are those of the last build.

A rebuild after editing one old post changes none of the feeds (they list the
newest MAX_ITEMS posts), yet building them means resolving and serialising
every listed post again. Each feed gets a digest of everything its bytes
depend on; when the digest and the file on disk are those the last build
recorded, the feed is left alone.

What a digest covers: this plugin's and connected/'s source files (size and
mtime) and the feedgen version; the feed settings and feed-level values; the
Pelican settings a summary or a link depends on; every content and static
file's URL (a {filename} or {static} link resolves to one); and, per listed
post, its URL, title, dates, authors, category, tags, metadata, status, source
path and the digest of its HTML.

State: CACHE_PATH/site_feeds/inputs.json, {path: [digest, size, mtime_ns]}.
Without CACHE_PATH every feed is built, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from connected.files import write_atomic

logger = logging.getLogger(__name__)

VERSION = 1
# Pelican settings that change an entry's content or summary.
_PELICAN_KEYS = (
    "SITEURL",
    "RELATIVE_URLS",
    "TIMEZONE",
    "DEFAULT_LANG",
    "SUMMARY_MAX_LENGTH",
    "SUMMARY_MAX_PARAGRAPHS",
    "SUMMARY_END_SUFFIX",
    "INTRASITE_LINK_REGEX",
    "SITE_FEEDS",
)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _code_digest() -> list:
    # Every source file of this plugin and of connected/ on disk, not the modules imported so
    # far: which connected/ modules a process has imported depends on what ran before (a
    # lazy import during the previous build), and must not make two identical builds differ.
    import connected

    files = []
    for folder in (Path(__file__).parent, Path(connected.__file__).parent):
        for path in sorted(folder.glob("*.py")):
            try:
                st = path.stat()
            except OSError:
                continue
            files.append((f"{folder.name}/{path.name}", st.st_size, st.st_mtime_ns))
    try:
        from importlib.metadata import version

        files.append(("feedgen", version("feedgen")))
    except Exception:  # version unknown: the source digests above still apply
        files.append(("feedgen", "?"))
    return files


def _link_targets(context: dict) -> list:
    targets = []
    for key in ("generated_content", "static_content"):
        for path, content in sorted((context.get(key) or {}).items()):
            targets.append((path, None if content is None else getattr(content, "url", None)))
    return targets


class InputDigests:
    """Per-build digests of each feed's inputs, and the last build's record."""

    def __init__(self, state_path: Path, output: Path, base: str, previous: dict):
        self.state_path = state_path
        self.output = output
        self.base = base
        self.previous = previous
        self.keys: dict[str, str] = {}
        self._records: dict[str, list] = {}
        self._posts: dict[int, str] = {}

    @classmethod
    def load(cls, generator, settings, output: Path) -> InputDigests | None:
        cache_path = generator.settings.get("CACHE_PATH")
        if not cache_path:
            return None
        state_path = Path(cache_path) / "site_feeds" / "inputs.json"
        try:
            data = json.loads(state_path.read_text(encoding="utf-8"))
            previous = data["feeds"] if data.get("version") == VERSION else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            previous = {}
        pelican = {key: generator.settings.get(key) for key in _PELICAN_KEYS}
        base = _sha(
            repr(
                (
                    VERSION,
                    _code_digest(),
                    repr(settings),
                    sorted((k, repr(v)) for k, v in pelican.items()),
                    _link_targets(generator.context),
                )
            )
        )
        return cls(state_path, output, base, previous if isinstance(previous, dict) else {})

    def _post(self, article) -> str:
        key = id(article)
        digest = self._posts.get(key)
        if digest is None:
            meta = getattr(article, "metadata", {}) or {}
            digest = self._posts[key] = _sha(
                repr(
                    (
                        getattr(article, "relative_source_path", None),
                        article.url,
                        str(article.title),
                        article.date.isoformat(),
                        repr(getattr(article, "modified", None)),
                        [str(a) for a in getattr(article, "authors", ()) or ()],
                        str(getattr(article, "category", "")),
                        [str(t) for t in getattr(article, "tags", ()) or ()],
                        getattr(article, "status", None),
                        sorted((k, repr(v)) for k, v in meta.items()),
                        _sha(getattr(article, "_content", None) or ""),
                    )
                )
            )
        return digest

    def feed_key(self, info, posts, summary_only: bool, form: str = "atom+rss") -> str:
        """Digest of one feed's inputs: the shared part, its own values, its posts and
        its form (the Atom and RSS pair, or the JSON feed)."""
        return _sha(repr((self.base, repr(info), summary_only, form, [self._post(a) for a in posts])))

    def reusable(self, path: str, key: str) -> bool:
        record = self.previous.get(path)
        if not (isinstance(record, list) and len(record) == 3 and record[0] == key):
            return False
        try:
            st = os.stat(self.output / path)
        except OSError:
            return False
        if [st.st_size, st.st_mtime_ns] != record[1:]:
            return False
        self._records[path] = record
        return True

    def wrote(self, path: str, data: bytes) -> None:
        """Record a feed file this build wrote (or found already holding its bytes)."""
        if path not in self.keys:
            return
        try:
            st = os.stat(self.output / path)
        except OSError:
            return
        if st.st_size == len(data):
            self._records[path] = [self.keys[path], st.st_size, st.st_mtime_ns]

    def save(self) -> None:
        feeds = {path: rec for path, rec in self._records.items() if path in self.keys}
        text = json.dumps({"version": VERSION, "feeds": feeds}, indent=0, sort_keys=True)
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.state_path, (text + "\n").encode("utf-8"))
        except OSError as exc:
            # Only a speed-up is lost: the next build rebuilds every feed.
            logger.warning("site_feeds: could not save %s: %s", self.state_path, exc)
