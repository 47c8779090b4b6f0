"""The fixes of markup_fixes: pure functions on strings, and two thin signal handlers."""

from __future__ import annotations

import html
import logging
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

from connected.liquid_tags import find_liquid_tags, providers
from connected.memo import TextMemo, hash_text
from connected.pelican_content import replace_stored_html, stored_html

logger = logging.getLogger(__name__)

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Ids the theme itself puts on every article page (theme/templates/*.html).
THEME_IDS = frozenset({
    "main", "share-title", "reply-title", "subscribe", "subscribe-title", "subscribe-email",
    "subscribe-hp", "intro-title", "contact-title", "nf-title",
})


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def plain_title(title_html: str) -> str:
    """The text of a title docutils rendered as HTML (`A &quot;B&quot;` → `A "B"`)."""
    if "<" not in title_html and "&" not in title_html:
        return title_html
    parser = _TextOnly()
    parser.feed(title_html)
    parser.close()
    return " ".join("".join(parser.parts).split())


class _IdScanner(HTMLParser):
    """Start tags carrying an id (offset, tag, id, raw tag text) and TOC link tags."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.tags: list[tuple[int, str, str, str]] = []
        self.toc_links: list[tuple[int, str, str]] = []  # (offset, href fragment, raw)
        self._toc_depth = 0
        self._depth = 0

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        raw = self.get_starttag_text() or ""
        offset = self._offset()
        if tag == "div":
            self._depth += 1
            if self._toc_depth == 0 and "toc" in (values.get("class") or "").split():
                self._toc_depth = self._depth
        if values.get("id"):
            self.tags.append((offset, tag, values["id"], raw))
        href = values.get("href") or ""
        if self._toc_depth and tag == "a" and href.startswith("#"):
            self.toc_links.append((offset, href[1:], raw))

    def handle_endtag(self, tag):
        if tag == "div":
            if self._toc_depth == self._depth:
                self._toc_depth = 0
            self._depth = max(0, self._depth - 1)


def _replace_attr(raw: str, name: str, old: str, new: str) -> str:
    for quote in ('"', "'"):
        for value in (old, html.escape(old, quote=True)):
            needle = f"{name}={quote}{value}{quote}"
            if needle in raw:
                return raw.replace(needle, f"{name}={quote}{new}{quote}", 1)
    return raw


_SPACE_BEFORE_EQUALS = re.compile(r"id\s+=")


def _surely_unique(text: str, reserved) -> bool:
    """True when a plain scan proves no id repeats or is reserved, so the parser can be skipped.

    Run on every post of every build (most have unique ids). The scan lists every
    `id="…"` in the text — attributes, but also data-id=, comments, code: a
    superset of the ids html.parser sees, as long as each of those is written
    exactly `id="value"` without a character reference. Anything else (ID=, id=',
    id = "…", &…;) and any repeat in the superset: False, the parser decides.
    """
    lower = text.lower()
    if lower.count("id=") != text.count('id="') or _SPACE_BEFORE_EQUALS.search(lower):
        return False
    seen = set()
    start = text.find('id="')
    while start != -1:
        end = text.find('"', start + 4)
        if end == -1:
            return False
        value = text[start + 4 : end]
        if "&" in value or value in seen or value in reserved:
            return False
        seen.add(value)
        start = text.find('id="', end + 1)
    return True


def unique_ids(text: str, reserved=THEME_IDS) -> tuple[str, int]:
    """`text` with duplicate ids renamed (headings give way to the writer's anchors); count renamed."""
    if "id=" not in text or _surely_unique(text, reserved):
        return text, 0
    scanner = _IdScanner(text)
    scanner.feed(text)
    scanner.close()
    ids = [tag_id for _, _, tag_id, _ in scanner.tags]
    if len(set(ids)) == len(ids) and not reserved.intersection(ids):
        return text, 0
    keepers = _id_keepers(scanner.tags, reserved)
    edits, renamed = _rename_duplicates(scanner.tags, keepers, set(ids) | set(reserved))
    for offset, fragment, raw in scanner.toc_links:
        if fragment in renamed:
            edits[offset] = (raw, _replace_attr(raw, "href", "#" + fragment, "#" + renamed[fragment]))
    return _apply_edits(text, edits), len(edits)


def _id_keepers(tags, reserved) -> dict[str, int]:
    """id -> offset of the element that keeps it: the first non-heading, else the first heading."""
    keepers: dict[str, int] = {}
    for offset, tag, tag_id, _ in tags:
        if tag_id not in reserved and tag not in HEADINGS and tag_id not in keepers:
            keepers[tag_id] = offset
    for offset, _tag, tag_id, _ in tags:
        if tag_id not in keepers and tag_id not in reserved:
            keepers[tag_id] = offset
    return keepers


def _rename_duplicates(tags, keepers, taken: set[str]):
    """(offset -> (raw, new raw), heading's old id -> new id for the TOC) for every non-keeper."""
    edits: dict[int, tuple[str, str]] = {}
    renamed: dict[str, str] = {}
    for offset, tag, tag_id, raw in tags:
        if keepers.get(tag_id) == offset:
            continue
        number = 2
        while f"{tag_id}-{number}" in taken:
            number += 1
        new_id = f"{tag_id}-{number}"
        taken.add(new_id)
        edits[offset] = (raw, _replace_attr(raw, "id", tag_id, new_id))
        if tag in HEADINGS:
            renamed.setdefault(tag_id, new_id)
    return edits, renamed


def _apply_edits(text: str, edits: dict[int, tuple[str, str]]) -> str:
    pieces, last = [], 0
    for offset in sorted(edits):
        raw, new = edits[offset]
        if text[offset : offset + len(raw)] != raw:
            continue  # the parser's offset did not line up: leave this tag alone
        pieces += [text[last:offset], new]
        last = offset + len(raw)
    return "".join(pieces) + text[last:]


# --- Signal handlers ---------------------------------------------------------------------------


def fix_content(content) -> None:
    """content_object_init handler."""
    metadata = getattr(content, "metadata", None) or {}
    source = str(getattr(content, "source_path", "") or "")
    if source.lower().endswith(".rst") and isinstance(getattr(content, "title", None), str):
        title = plain_title(content.title)
        if title != content.title:
            content.title = title
            metadata["title"] = title
    body = stored_html(content)
    if isinstance(body, str) and "{%" in body:
        _warn_liquid(getattr(content, "relative_source_path", "") or source, body)
    if isinstance(body, str) and "id=" in body and (_memo is None or _memo.get(body, _needs_renaming)):
        fixed, count = unique_ids(body)
        if count:
            replace_stored_html(content, fixed)
            logger.debug("markup_fixes: %s: renamed %d duplicate ids", source, count)


# This build's answers to "does this post's HTML repeat an id?", by the HTML, kept
# across builds (see open_memo): the scan runs on every post of every build.
_memo: TextMemo | None = None


def _needs_renaming(text: str) -> bool:
    return unique_ids(text)[1] > 0


def open_memo(pelican) -> None:
    """initialized: the answers earlier builds worked out (salted with this file's code)."""
    global _memo
    cache = pelican.settings.get("CACHE_PATH")
    path = Path(cache) / "markup_fixes" / "unique-ids.json" if cache else None
    _memo = TextMemo(path, salt="unique_ids " + hash_text(Path(__file__).read_text(encoding="utf-8")))


def save_memo(pelican) -> None:
    """finalized: keep this build's answers for the next."""
    global _memo
    if _memo is not None:
        _memo.save()
        _memo = None


def leftover_liquid_tags(html: str) -> list[str]:
    """Names of liquid tags left in rendered HTML, outside <pre> blocks (code samples)."""
    code, pos = [], html.find("<pre")
    while pos != -1:
        end = html.find("</pre>", pos)
        end = len(html) if end == -1 else end
        code.append((pos, end))
        pos = html.find("<pre", end)
    names = []
    for tag in find_liquid_tags(html):
        if not any(a <= tag.start < b for a, b in code) and tag.name not in names:
            names.append(tag.name)
    return names


def _warn_liquid(source: str, html: str) -> None:
    names = leftover_liquid_tags(html)
    if names:
        needs = providers(names)
        logger.warning(
            "markup_fixes: %s: liquid tag%s %s shown as raw text — %s %s (see docs/importing.md)",
            source,
            "" if len(names) == 1 else "s",
            ", ".join(f"{{% {n} %}}" for n in names),
            "it needs" if len(names) == 1 else "they need",
            "; ".join(needs),
        )


def warn_notebooks(generator) -> None:
    """article_generator_finalized handler: Pelican skips .ipynb posts without a word."""
    settings = generator.settings
    files = sorted(
        generator.get_files(settings.get("ARTICLE_PATHS", []), exclude=settings.get("ARTICLE_EXCLUDES", []),
                            extensions=("ipynb",))
    )
    if files:
        logger.warning(
            "markup_fixes: %d notebook post%s not built (no notebook reader is loaded): %s — enable "
            "pelican-jupyter or export them with `jupyter nbconvert --to markdown` (see docs/importing.md)",
            len(files),
            " is" if len(files) == 1 else "s are",
            ", ".join(files),
        )


def fix_root_categories(generator) -> None:
    """article_generator_pretaxonomy handler (USE_FOLDER_AS_CATEGORY only)."""
    settings = generator.settings
    if not settings.get("USE_FOLDER_AS_CATEGORY"):
        return
    from pelican.urlwrappers import Category

    roots = {posixpath.normpath(p) for p in settings.get("ARTICLE_PATHS", []) if p not in ("", ".")}
    default = settings.get("DEFAULT_CATEGORY", "misc")
    for article in (
        list(generator.articles) + list(generator.translations) + list(generator.drafts)
        + list(getattr(generator, "drafts_translations", []))
        + list(getattr(generator, "hidden_articles", []))
    ):
        folder = posixpath.dirname((article.relative_source_path or "").replace("\\", "/"))
        category = getattr(article, "category", None)
        if folder in roots and category is not None and category.name == posixpath.basename(folder):
            article.category = Category(default, settings)
            article.metadata["category"] = article.category
