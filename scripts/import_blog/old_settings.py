"""The old blog's settings, read without running them.

A writer's old pelicanconf.py may import plugins we do not have, read files or
run arbitrary code, so it is never executed: it is parsed with `ast` and only
top-level assignments of literal values (strings, numbers, lists, dicts …) are
taken. Everything else is listed so the report can say what was not read.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from pathlib import Path

from connected.errors import ConnectedError

# The settings the import uses; anything else in the old file is ignored.
USED_KEYS = (
    "PATH", "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "PAGE_PATHS", "PAGE_EXCLUDES", "STATIC_PATHS",
    "STATIC_EXCLUDES", "EXTRA_PATH_METADATA", "SITEURL",
    "ARTICLE_URL", "ARTICLE_SAVE_AS", "ARTICLE_LANG_URL", "ARTICLE_LANG_SAVE_AS",
    "PAGE_URL", "PAGE_SAVE_AS", "PAGE_LANG_URL", "PAGE_LANG_SAVE_AS",
    "CATEGORY_URL", "CATEGORY_SAVE_AS", "TAG_URL", "TAG_SAVE_AS",
    "TIMEZONE", "DEFAULT_LANG", "DEFAULT_DATE", "DEFAULT_CATEGORY", "USE_FOLDER_AS_CATEGORY",
    "FILENAME_METADATA", "PATH_METADATA", "SLUGIFY_SOURCE", "SLUG_REGEX_SUBSTITUTIONS",
    "SLUGIFY_USE_UNICODE", "SLUGIFY_PRESERVE_CASE", "ARTICLE_TRANSLATION_ID",
    "PAGE_TRANSLATION_ID", "AUTHOR", "CLEAN_URLS", "PLUGINS", "MARKUP",
)
# Kept in the writer's settings when they choose to keep the old URL scheme.
URL_KEYS = (
    "ARTICLE_URL", "ARTICLE_SAVE_AS", "ARTICLE_LANG_URL", "ARTICLE_LANG_SAVE_AS",
    "PAGE_URL", "PAGE_SAVE_AS", "PAGE_LANG_URL", "PAGE_LANG_SAVE_AS",
)


class OldSettingsError(ConnectedError):
    """The old settings file cannot be parsed; the message names it and the fix."""


@dataclass
class OldSettings:
    values: dict  # Pelican's defaults for USED_KEYS, overlaid with the old literals
    given: dict = field(default_factory=dict)  # only what the old file set literally
    skipped: list[str] = field(default_factory=list)  # UPPER names set by non-literal code
    source: Path | None = None
    read: list[Path] = field(default_factory=list)  # every file read: the given one and its pair

    def __getitem__(self, key):
        return self.values[key]

    def get(self, key, default=None):
        return self.values.get(key, default)


def pelican_defaults() -> dict:
    from pelican.settings import DEFAULT_CONFIG

    return {k: copy.deepcopy(DEFAULT_CONFIG[k]) for k in USED_KEYS if k in DEFAULT_CONFIG}


def literal_assignments(source: str, filename: str) -> tuple[dict, list[str]]:
    """UPPER_CASE names assigned a literal at the top level, and those that were not."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise OldSettingsError(
            f"{filename}: line {exc.lineno} is not valid Python ({exc.msg}) — fix it or leave "
            "SETTINGS= out to use Pelican's defaults"
        ) from None
    values: dict = {}
    skipped: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        if not names:
            continue
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            skipped.extend(n for n in names if n not in skipped)
            for name in names:
                values.pop(name, None)  # a later non-literal assignment wins
            continue
        for name in names:
            values[name] = literal
            if name in skipped:
                skipped.remove(name)
    return values, skipped


def _imports_pelicanconf(source: str) -> bool:
    """Whether a settings file starts from `from pelicanconf import *` (pelican-quickstart's
    publishconf.py does, after putting its directory on sys.path)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "pelicanconf" and any(a.name == "*" for a in node.names)
        for node in tree.body
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OldSettingsError(f"SETTINGS={path}: cannot be read ({exc}) — give the old pelicanconf.py") from None


def read_old_settings(path: Path | None) -> OldSettings:
    """Pelican's defaults overlaid with the literal settings of `path` (if given).

    pelican-quickstart splits a blog's settings in two: pelicanconf.py, and publishconf.py
    (production: SITEURL, feeds, sometimes other URLs) which starts with `from pelicanconf
    import *`. Given either, both are read, publishconf.py over pelicanconf.py: the
    production values are the addresses readers have and the links posts hold.
    """
    values = pelican_defaults()
    if path is None:
        return OldSettings(values=values)
    source = _read_text(path)
    files = [(path, source)]
    if _imports_pelicanconf(source) and (path.parent / "pelicanconf.py").is_file():
        base = path.parent / "pelicanconf.py"
        files.insert(0, (base, _read_text(base)))
    elif path.name == "pelicanconf.py" and (path.parent / "publishconf.py").is_file():
        production = path.parent / "publishconf.py"
        production_text = _read_text(production)
        if _imports_pelicanconf(production_text):
            files.append((production, production_text))
    given: dict = {}
    skipped: list[str] = []
    for file, text in files:
        values_here, skipped_here = literal_assignments(text, str(file))
        for name in skipped_here:
            given.pop(name, None)
            if name not in skipped:
                skipped.append(name)
        for name, value in values_here.items():
            given[name] = value
            if name in skipped:
                skipped.remove(name)
    if given.get("CLEAN_URLS"):
        # Pelican's deprecated CLEAN_URLS meant these URL patterns.
        given.setdefault("ARTICLE_URL", "{slug}/")
        given.setdefault("ARTICLE_LANG_URL", "{slug}-{lang}/")
        given.setdefault("PAGE_URL", "pages/{slug}/")
        given.setdefault("PAGE_LANG_URL", "pages/{slug}-{lang}/")
    for key in USED_KEYS:
        if key in given:
            values[key] = given[key]
    for key in ("ARTICLE_PATHS", "PAGE_PATHS", "STATIC_PATHS", "ARTICLE_EXCLUDES", "PAGE_EXCLUDES"):
        if isinstance(values.get(key), str):
            values[key] = [values[key]]
        if not isinstance(values.get(key), list | tuple):
            raise OldSettingsError(f"{path}: {key} must be a list of folders, not {values.get(key)!r}")
        values[key] = [str(p).strip("/") for p in values[key]]
    return OldSettings(
        values=values,
        given={k: v for k, v in given.items() if k in USED_KEYS},
        skipped=[n for n in skipped if n in USED_KEYS],
        source=path,
        read=[file for file, _ in files],
    )
