"""What the import will do, worked out before anything is written (the plan).

`make_plan()` reads the old tree and the old settings and returns every file
to copy (with its new text when it changes), the settings block, the redirect
entries and what cannot be carried over. Nothing here writes a file.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from connected.errors import ConnectedError
from connected.header import MARKDOWN_SUFFIXES, RST_SUFFIXES

from .old_settings import URL_KEYS, OldSettings
from .rewrite import (
    FileChanges,
    Resolver,
    convert_liquid,
    convert_rst_directives,
    date_edits,
    declare_rst_roles,
    edit_header,
    known_rst_directives,
    known_rst_roles,
    rewrite_links,
)

FORMATS = {
    **dict.fromkeys(MARKDOWN_SUFFIXES, "markdown"),
    **dict.fromkeys(RST_SUFFIXES, "rst"),
    ".html": "html", ".htm": "html",
}
NOTEBOOK_SUFFIXES = (".ipynb",)
NOTEBOOK_PLUGIN = (
    "pelican-jupyter (pip install pelican-jupyter; PLUGINS += [\"pelican_jupyter.markup\"]; "
    "MARKUP = (\"md\", \"ipynb\")), or export each notebook to Markdown with "
    "`jupyter nbconvert --to markdown`"
)
SPECIAL_SAVE_AS = ("index.html", "404.html")
BLOCK_START = "# --- Imported by `make import` from "
BLOCK_END = "# --- End of the imported settings ---"


class PlanError(ConnectedError):
    """The import cannot start; the message names the problem and the fix."""


@dataclass
class Item:
    old: str  # path under the old content directory (posix)
    new: str  # path under content/ (posix)
    kind: str  # "post", "page", "static", "notebook", "extra"
    data: bytes  # the old file's bytes for posts and pages; b"" for others (read when copied)
    fmt: str | None = None
    src: Path | None = None
    new_text: str | None = None  # None: copied byte for byte
    changes: FileChanges | None = None
    old_url: str = ""
    old_save_as: str = ""
    status: str = "published"
    title: str = ""
    template: str = ""
    meta_save_as: str = ""
    read_error: str = ""
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, name, old save_as)

    @property
    def new_bytes(self) -> bytes:
        if self.new_text is not None:
            return self.new_text.encode("utf-8")
        # Images can be large: only posts and pages are held in memory during planning.
        return self.data if self.data or self.src is None else self.src.read_bytes()


@dataclass
class Options:
    keep_urls: bool = False
    home: str = "page"  # "page": the old home page becomes a page at its slug; "keep": it stays index.html
    templates: str = "drop"  # "drop" the Template: line, "keep" it, or the name of one of our templates


@dataclass
class Plan:
    source: Path
    content: Path
    items: list[Item]
    settings_block: str
    redirects: list[dict]
    templates: dict[str, list[str]] = field(default_factory=dict)  # custom template -> files
    special_pages: list[tuple[str, str]] = field(default_factory=list)  # (file, save_as)
    notebooks: list[str] = field(default_factory=list)
    liquid: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # tag -> provider -> files
    directives: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)  # unknown reST role -> files (declared as code)
    dates: list[str] = field(default_factory=list)  # "file: old → new" for dates written in ISO form
    unresolved: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    skipped_settings: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # files outside every old path
    listing_redirects: list[dict] = field(default_factory=list)  # old category/tag pages
    clashing_extra: list[str] = field(default_factory=list)  # old EXTRA_PATH_METADATA onto our paths

    def count(self, kind: str) -> int:
        return sum(1 for item in self.items if item.kind == kind)


def _under(path: str, folders: list[str]) -> str | None:
    """The folder of `folders` that contains `path` (the longest), or None."""
    best = None
    for folder in folders:
        if folder in ("", ".") or path == folder or path.startswith(folder + "/"):
            folder = "" if folder == "." else folder
            if best is None or len(folder) > len(best):
                best = folder
    return best


def _rebase(path: str, old_root: str, new_root: str) -> str:
    rest = path[len(old_root) :].lstrip("/") if old_root else path
    return posixpath.join(new_root, rest) if new_root else rest


def walk(source: Path) -> list[str]:
    files = []
    for directory, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(names):
            if name.startswith(".") or name.endswith(("~", ".pyc")):
                continue
            files.append(Path(directory, name).relative_to(source).as_posix())
    return files


def classify(files: list[str], old: OldSettings, ours: dict) -> list[tuple[str, str, str, str | None]]:
    """(old path, new path, kind, format) for every file of the old tree."""
    article_new = ours["ARTICLE_PATHS"][0] if ours["ARTICLE_PATHS"] else "posts"
    page_new = ours["PAGE_PATHS"][0] if ours["PAGE_PATHS"] else "pages"
    # Notebooks were posts only where a notebook reader was on (pelican-ipynb,
    # pelican-jupyter, MARKUP with ipynb); otherwise the old blog copied them as files.
    markup = old.get("MARKUP") or ()
    plugins = old.get("PLUGINS") or ()
    if isinstance(markup, list | tuple) and markup:
        notebooks_read = "ipynb" in markup
    else:
        notebooks_read = isinstance(plugins, list | tuple) and any(
            "ipynb" in str(p) or "jupyter" in str(p) for p in plugins
        )
    result = []
    for path in files:
        suffix = posixpath.splitext(path)[1].lower()
        page_root = _under(path, old["PAGE_PATHS"])
        article_root = _under(path, old["ARTICLE_PATHS"])
        static_root = _under(path, old["STATIC_PATHS"])
        excluded = _under(path, old["ARTICLE_EXCLUDES"]) is not None
        fmt = FORMATS.get(suffix)
        if fmt and page_root is not None and _under(path, old["PAGE_EXCLUDES"]) is None:
            result.append((path, _rebase(path, page_root, page_new), "page", fmt))
        elif fmt and article_root is not None and not excluded and page_root is None:
            result.append((path, _rebase(path, article_root, article_new), "post", fmt))
        elif fmt and excluded:
            # Kept out of the old build on purpose: copied, but not where we read posts.
            result.append((path, path, "extra", None))
        elif suffix in NOTEBOOK_SUFFIXES and notebooks_read and (article_root is not None or page_root is not None):
            result.append((path, _rebase(path, article_root or "", article_new), "notebook", None))
        elif static_root is not None:
            result.append((path, path, "static", None))
        elif page_root is not None:
            # Images and other files kept next to pages: keep them next to them.
            result.append((path, _rebase(path, page_root, page_new), "static", None))
        elif article_root is not None:
            result.append((path, _rebase(path, article_root, article_new), "static", None))
        else:
            result.append((path, path, "extra", None))
    return result


def _pelican_settings(old: OldSettings, source: Path) -> dict:
    from pelican.settings import DEFAULT_CONFIG, configure_settings

    settings = dict(DEFAULT_CONFIG)
    settings.update(old.values)
    settings["PATH"] = str(source)
    settings["PLUGINS"] = []
    settings["CACHE_CONTENT"] = False
    settings["LOAD_CONTENT_CACHE"] = False
    settings["TYPOGRIFY"] = False
    # Read every reST file, whatever directives it uses: errors become text, not exceptions.
    # Never reading files of this machine into a post (`.. include:: /etc/passwd`).
    settings["DOCUTILS_SETTINGS"] = {"halt_level": 5, "report_level": 5, "file_insertion_enabled": False}
    settings["TIMEZONE"] = old.get("TIMEZONE") or "UTC"
    settings["OUTPUT_PATH"] = str(source / ".import-never-written")
    for key in list(settings):
        if key.startswith(("FEED_", "CATEGORY_FEED", "TAG_FEED", "AUTHOR_FEED", "TRANSLATION_FEED")):
            settings[key] = None  # no feeds are written; silences Pelican's SITEURL warning
    return configure_settings(settings)


def read_old_metadata(items: list[Item], old: OldSettings, source: Path) -> None:
    """Old URL, status, title, Template: and Save_as: of each old post and page (Pelican's readers)."""
    import logging

    from pelican.contents import Article, Page
    from pelican.readers import Readers

    # Pelican's and docutils' warnings about the old files are not the writer's problem
    # here (the build reports what matters); the import reports what it could not read.
    quiet = logging.getLogger("pelican")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        settings = _pelican_settings(old, source)
        readers = Readers(settings)
        context = {"localsiteurl": "", "generated_content": {}, "static_content": {}, "static_links": set(),
                   "filenames": {}}
        for item in items:
            if item.kind not in ("post", "page"):
                continue
            cls = Article if item.kind == "post" else Page
            try:
                content = readers.read_file(base_path=str(source), path=item.old, content_class=cls, context=context)
                item.title = str(content.metadata.get("title", "") or "")
                item.status = str(getattr(content, "status", "published") or "published")
                item.template = str(content.metadata.get("template", "") or "")
                item.meta_save_as = str(content.metadata.get("save_as", "") or "")
                item.old_url = str(content.url or "")
                item.old_save_as = str(content.save_as or "")
                if item.kind == "post" and getattr(content, "in_default_lang", True):
                    category = getattr(content, "category", None)
                    if category is not None and category.save_as:
                        item.groups.append(("category", category.name, category.save_as))
                    for tag in getattr(content, "tags", None) or []:
                        if tag.save_as:
                            item.groups.append(("tag", tag.name, tag.save_as))
            except Exception as exc:  # noqa: BLE001 - the report names the file instead
                item.read_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    finally:
        quiet.setLevel(level)


def our_templates(root: Path) -> set[str]:
    theme = root / "theme" / "templates"
    return {p.stem for p in theme.glob("*.html") if not p.name.startswith("_")}


def _resolver(items: list[Item], old: OldSettings) -> Resolver:
    site_paths: dict[str, str] = {}
    extra = old.get("EXTRA_PATH_METADATA") or {}
    for item in items:
        if item.kind in ("post", "page"):
            for path in (item.old_url, item.old_save_as):
                if path and "://" not in path:
                    site_paths.setdefault(path.lstrip("/"), item.old)
        elif item.kind == "static":
            meta = extra.get(item.old) if isinstance(extra, dict) else None
            out = meta.get("path") if isinstance(meta, dict) and meta.get("path") else item.old
            site_paths.setdefault(str(out).lstrip("/"), item.old)
    prefixes: tuple[str, ...] = ()
    root_prefix = ""
    siteurl = str(old.get("SITEURL") or "")
    parts = urlsplit(siteurl)
    if parts.scheme in ("http", "https") and parts.netloc:
        base = parts.netloc + parts.path.rstrip("/") + "/"
        prefixes = ("https://" + base, "http://" + base)
        root_prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
    return Resolver(
        old_to_new={i.old: i.new for i in items},
        is_content={i.old: i.kind in ("post", "page") for i in items},
        site_paths=site_paths,
        siteurl_prefixes=prefixes,
        root_prefix=root_prefix,
    )


def _header_end(data: bytes, fmt: str) -> int | None:
    if fmt != "markdown":
        return None
    from scripts.uuids import read_header

    try:
        header = read_header(data)
    except UnicodeDecodeError:
        return None
    return len(data[: header.insert_at].decode("utf-8", "replace"))


def transform(
    item: Item, resolver: Resolver, options: Options, ours: set[str], known: set[str], roles: set[str] = frozenset()
) -> None:
    try:
        text = item.data.decode("utf-8")
    except UnicodeDecodeError:
        item.read_error = item.read_error or "is not UTF-8 text"
        return
    changes = FileChanges(text=text)
    edits: dict = {}
    if item.template and item.template not in ours:
        if options.templates == "drop":
            edits["template"] = None
        elif options.templates in ours:
            edits["template"] = ("Template", options.templates)
    special = posixpath.normpath(item.meta_save_as) if item.meta_save_as else ""
    if item.kind == "page" and special in SPECIAL_SAVE_AS and options.home != "keep":
        if special == "404.html":
            # Our theme has its own 404 page; the writer's stays reachable, out of the menu.
            edits["save_as"] = ("Status", "hidden")
        else:
            edits["save_as"] = None
        edits["url"] = None
    header_end = _header_end(item.data, item.fmt)
    # Dates Pelican read but our build refuses (2014-10-1) are written as ISO dates.
    edits.update(date_edits(changes, item.fmt, header_end))
    if edits:
        edit_header(changes, item.fmt, header_end, edits)
    folder = posixpath.dirname(item.old)
    base_url = item.old_url.lstrip("/") if item.old_url else (folder + "/" if folder else "")

    def rewrite_one(url: str) -> str | None:
        new, problem = resolver.rewrite(url, item.old, base_url)
        if problem:
            changes.problems.append(problem)
        return new

    if item.fmt in ("markdown", "html"):
        convert_liquid(changes, rewrite_one)
    elif item.fmt == "rst":
        convert_rst_directives(changes, known)
        declare_rst_roles(changes, roles)
    rewrite_links(changes, item.fmt, resolver, item.old, base_url)
    item.changes = changes
    if changes.text != text:
        item.new_text = changes.text


def settings_block(old: OldSettings, plan_items: list[Item], ours: dict, options: Options, when: str) -> str:
    """The marked block appended to the writer's pelicanconf.py."""
    lines = [f"{BLOCK_START}{old.source or 'Pelican defaults'} ({when}) ---",
             "# Delete this block to undo; `make import` replaces it when run again."]
    given = old.given

    def put(key, value, why=""):
        lines.append(f"{key} = {value!r}" + (f"  # {why}" if why else ""))

    if given.get("TIMEZONE"):
        put("TIMEZONE", given["TIMEZONE"])
    if given.get("DEFAULT_LANG"):
        put("DEFAULT_LANG", given["DEFAULT_LANG"])
    folders = old.get("USE_FOLDER_AS_CATEGORY", True)
    has_folders = any(i.kind == "post" and "/" in i.new.split("/", 1)[-1] for i in plan_items)
    if folders and has_folders:
        put("USE_FOLDER_AS_CATEGORY", True, "the old blog's categories came from its folders")
    elif "USE_FOLDER_AS_CATEGORY" in given:
        put("USE_FOLDER_AS_CATEGORY", bool(given["USE_FOLDER_AS_CATEGORY"]))
    for key in ("DEFAULT_CATEGORY", "FILENAME_METADATA", "SLUGIFY_SOURCE", "DEFAULT_DATE",
                "ARTICLE_TRANSLATION_ID", "PAGE_TRANSLATION_ID", "SLUG_REGEX_SUBSTITUTIONS"):
        if key in given:
            put(key, given[key])
    if options.keep_urls:
        lines.append("# The old URL scheme, kept (make import KEEP_URLS=1):")
        for key in URL_KEYS:
            put(key, old[key])
    static_new = sorted({
        _under(i.old, old["STATIC_PATHS"]) for i in plan_items if i.kind == "static"
    } - {None} - set(ours["STATIC_PATHS"]))
    static_new = [s for s in static_new if s and _under(s, ours["STATIC_PATHS"]) is None]
    if static_new:
        lines.append(f"STATIC_PATHS = STATIC_PATHS + {static_new!r}")
    carried, _clashing = split_extra(old, ours)
    if carried:
        lines.append(f"EXTRA_PATH_METADATA = {{**EXTRA_PATH_METADATA, **{carried!r}}}")
    if options.home == "keep":
        specials = {posixpath.normpath(i.meta_save_as) for i in plan_items if i.kind == "page" and i.meta_save_as}
        if "index.html" in specials:
            put("INDEX_SAVE_AS", "blog/index.html", "the old home page keeps index.html; the post list moves")
        if "404.html" in specials:
            lines.append('DIRECT_TEMPLATES = [t for t in DIRECT_TEMPLATES if t != "404"]  # the old 404 page stays')
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def split_extra(old: OldSettings, ours: dict) -> tuple[dict, dict]:
    """The old EXTRA_PATH_METADATA entries this site lacks, as (carried over, left out): one
    is left out when its path is one this site's own entries already write (robots.txt)."""
    mine = ours.get("EXTRA_PATH_METADATA") or {}
    taken = {str(v.get("path", "")).lstrip("/") for v in mine.values() if isinstance(v, dict) and v.get("path")}
    carried, clashing = {}, {}
    for source, meta in (old.get("EXTRA_PATH_METADATA") or {}).items():
        if isinstance(meta, dict) and source not in mine:
            (clashing if str(meta.get("path", "")).lstrip("/") in taken else carried)[source] = meta
    return carried, clashing


def clashing_extra(old: OldSettings, ours: dict) -> list[str]:
    """The old EXTRA_PATH_METADATA entries left out, as the report names them."""
    return [f"{source} → {meta['path']}" for source, meta in sorted(split_extra(old, ours)[1].items())]


def replace_block(settings_text: str, block: str) -> str:
    """`settings_text` with its imported block (if any) replaced by `block`."""
    start = settings_text.find(BLOCK_START)
    if start != -1:
        end = settings_text.find(BLOCK_END, start)
        end = len(settings_text) if end == -1 else end + len(BLOCK_END)
        if settings_text[end : end + 1] == "\n":
            end += 1
        return settings_text[:start] + block + settings_text[end:]
    separator = "" if settings_text.endswith("\n\n") else ("\n" if settings_text.endswith("\n") else "\n\n")
    return settings_text + separator + block


def make_plan(source: Path, old: OldSettings, root: Path, ours: dict, options: Options, when: str) -> Plan:
    content = Path(ours["PATH"])
    if not content.is_absolute():
        content = root / content
    _check_source(source, content)
    items = []
    uncovered = []
    for old_path, new_path, kind, fmt in classify(walk(source), old, ours):
        path = source / old_path
        data = path.read_bytes() if kind in ("post", "page") else b""
        items.append(Item(old=old_path, new=new_path, kind=kind, fmt=fmt, data=data, src=path))
        if kind == "extra":
            uncovered.append(old_path)
    roles = known_rst_roles()  # before any old file is parsed (a file's own roles are global)
    read_old_metadata(items, old, source)
    resolver = _resolver(items, old)
    templates_ours = our_templates(root)
    known = known_rst_directives()
    plan = Plan(source=source, content=content, items=items, settings_block="", redirects=[],
                skipped_settings=list(old.skipped), uncovered=uncovered)
    for item in items:
        if item.kind == "notebook":
            plan.notebooks.append(item.old)
        if item.kind not in ("post", "page"):
            continue
        transform(item, resolver, options, templates_ours, known, roles)
        _note_item(plan, item, templates_ours)
        if not options.keep_urls and _keeps_old_page(item):
            plan.redirects.append({
                "from": posixpath.normpath(item.old_save_as.lstrip("/")),
                "url": item.old_url,
                "source": item.new,
                "uuid": None,
            })
    if not options.keep_urls:
        _add_listing_redirects(plan, items)
    plan.settings_block = settings_block(old, items, ours, options, when)
    plan.clashing_extra = clashing_extra(old, ours)
    return plan


def _check_source(source: Path, content: Path) -> None:
    """FROM must be a folder, and not this site's own content (or a folder holding it)."""
    if not source.is_dir():
        raise PlanError(f"FROM={source}: is not a directory — give the old blog's content folder (make import FROM=../old-blog/content)")
    try:
        if source.resolve() == content.resolve() or content.resolve().is_relative_to(source.resolve()):
            raise PlanError(f"FROM={source}: is this site's own content folder (or contains it) — give the old blog's content folder")
    except OSError:
        pass


def _note_item(plan: Plan, item: Item, templates_ours) -> None:
    """What the plan reports about one transformed post or page (its problems and needs)."""
    if item.read_error:
        plan.unread.append(f"{item.old}: {item.read_error}")
    if item.template and item.template not in templates_ours:
        plan.templates.setdefault(item.template, []).append(item.old)
    if item.kind == "page" and item.meta_save_as and posixpath.normpath(item.meta_save_as) in SPECIAL_SAVE_AS:
        plan.special_pages.append((item.old, posixpath.normpath(item.meta_save_as)))
    changes = item.changes
    if changes is None:
        return
    for tag, provider in changes.liquid_needs.items():
        plan.liquid.setdefault(tag, {}).setdefault(provider, []).append(item.old)
    for name in changes.directives:
        plan.directives.setdefault(name, []).append(item.old)
    for name in changes.roles:
        plan.roles.setdefault(name, []).append(item.old)
    if changes.dates:
        plan.dates.append(f"{item.old}: {', '.join(changes.dates)}")
    plan.unresolved += [f"{item.old}: {p}" for p in changes.problems]


def _keeps_old_page(item: Item) -> bool:
    """A visible post or page whose old address gets a redirect page."""
    return (
        item.changes is not None
        and item.status in ("published", "hidden")
        and bool(item.old_save_as)
        and posixpath.normpath(item.old_save_as) not in SPECIAL_SAVE_AS
    )


def _add_listing_redirects(plan: Plan, items) -> None:
    """Old category and tag pages lead to ours (the plugin skips those we do not have)."""
    seen = {entry["from"] for entry in plan.redirects}
    for item in items:
        if item.status != "published":
            continue
        for kind, name, save_as in item.groups:
            path = posixpath.normpath(save_as.lstrip("/"))
            if path not in seen:
                seen.add(path)
                plan.listing_redirects.append({"from": path, "url": save_as, kind: name})
