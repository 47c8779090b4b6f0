"""Does a post's link or image resolve to a file in this build? If not, say how to fix it.

`Site` is what one build produced; `check(reference, content, site)` returns a
problem line (without the file:line prefix) or None. URLs are resolved the way
the browser resolves them on the post's page: against the post's own URL, so
`images/team.jpg` in a post at /2026/slug/ means /2026/slug/images/team.jpg.
External URLs (another host) are not fetched and never a problem.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from connected.pelican_content import resolve_links

from .references import PELICAN_RESOLVES, Reference

# The base for a development build, which has no absolute SITEURL: any origin
# works, since only the path below it is compared.
DEV_BASE = "http://site.invalid/"
_PAGE_SUFFIXES = (".html", ".htm")


@dataclass
class Site:
    """The files one build put into its output directory, and where they came from."""

    base: str  # absolute, ends with "/"
    output: Path
    content_name: str = "content"
    content_root: Path | None = None
    written: set[str] = field(default_factory=set)  # pages, feeds … written this build
    static_ok: set[str] = field(default_factory=set)  # static files copied this build
    static_missing: set[str] = field(default_factory=set)  # linked with {static}, no source
    static_sources: set[str] = field(default_factory=set)  # source paths under PATH that exist
    static_dirs: tuple[str, ...] = ()  # output folders of STATIC_PATHS ("images/")
    image_dir: str = "images"
    sources_by_name: dict[str, list[str]] = field(default_factory=dict)  # basename -> sources
    sources_by_slug: dict[str, str] = field(default_factory=dict)
    unpublished: set[str] = field(default_factory=set)  # posts/pages this build does not write
    # (post folder, URL) -> what Pelican makes of it: posts share most {static} links.
    resolved: dict[tuple[str, str], str] = field(default_factory=dict)

    joined: dict[tuple[str, str], str] = field(default_factory=dict)
    # Absolute URLs known to be fine in this build (another host, or a file it
    # wrote): most links recur on many pages, and a fine one has nothing to say.
    fine: set[str] = field(default_factory=set)
    # How often a check had to look at the disk (files this build did not list):
    # a post whose checks did is checked again on every build (see digest()).
    disk_lookups: int = 0
    urls: dict[str, str] = field(default_factory=dict)  # source path -> its URL (posts, pages, statics)
    url_settings: str = ""  # the URL settings links resolve with, as one string

    def digest(self) -> str:
        """Everything check() reads of the site but the disk: equal digests and an
        unchanged post give the same findings."""
        # Not the output path: a staged build writes into a new folder each time.
        parts = [self.base, self.content_name, str(self.content_root), self.image_dir, *self.static_dirs]
        for name in ("written", "static_ok", "static_missing", "static_sources", "unpublished"):
            parts += [f"\0{name}", *sorted(getattr(self, name))]
        parts.append("\0by_name")
        for name, sources in sorted(self.sources_by_name.items()):
            parts += [name, *sources]
        parts.append("\0by_slug")
        for slug, source in sorted(self.sources_by_slug.items()):
            parts += [slug, source]
        # What {filename}/{static} links resolve to: every post's, page's and static
        # file's URL, and the settings Pelican resolves them with.
        parts.append("\0urls")
        for source, url in sorted(self.urls.items()):
            parts += [source, url]
        parts += ["\0settings", self.url_settings]
        return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    @cached_property
    def base_parts(self):
        return urlsplit(self.base)

    def resolve(self, content, folder: str, url: str) -> str:
        key = (folder, url)
        if key not in self.resolved:
            self.resolved[key] = resolve_with_pelican(content, url, self.base)
        return self.resolved[key]

    def join(self, page_url: str, url: str) -> str:
        # A root-relative or absolute URL means the same on every page (not a
        # relative one whose query happens to hold "://"). No scheme without a colon:
        # most links are relative, and urlsplit is the dearer test.
        absolute = url.startswith("/") or (":" in url and urlsplit(url).scheme)
        key = ("" if absolute else page_url, url)
        if key not in self.joined:
            self.joined[key] = urljoin(page_url, url)
        return self.joined[key]

    def source_exists(self, rel: str) -> bool:
        """Is there a file at PATH/rel (a static file, or one {static} would copy)?"""
        if rel in self.static_sources:
            return True
        if not rel or rel.startswith("../") or self.content_root is None:
            return False
        self.disk_lookups += 1
        return (self.content_root / rel).is_file()

    def has(self, rel: str) -> bool:
        if rel in self.written or rel in self.static_ok:
            return True
        if rel in self.static_missing:
            return False
        self.disk_lookups += 1
        if not (self.output / rel).is_file():
            return False
        # On disk but not made by this build: a copy seeded from the previous
        # output (scripts/build.py) still holds pages of deleted posts and
        # deleted images. Every page and static file of this build is known.
        if rel.endswith(_PAGE_SUFFIXES) or rel.startswith(self.static_dirs):
            return False
        return True  # feeds, the sitemap, theme files: written outside the writer


def indicator(url: str) -> str | None:
    """'static' for '{static}/x.png' or '|static|/x.png'; None for an ordinary URL."""
    if len(url) < 3 or url[0] not in "{|":
        return None
    close = "}" if url[0] == "{" else "|"
    end = url.find(close, 1)
    what = url[1:end] if end > 0 else ""
    return what if what.isalpha() else None


def resolve_with_pelican(content, url: str, base: str) -> str:
    """What Pelican writes for `url` ({static}, {filename} …) in this post's page."""
    snippet = f'<a href="{html_lib.escape(url, quote=True)}">'
    out = resolve_links(content, snippet, base)
    prefix, suffix = '<a href="', '">'
    if out.startswith(prefix) and out.endswith(suffix):
        return html_lib.unescape(out[len(prefix) : -len(suffix)])
    return url


def _source_target(content, path: str) -> str:
    """The content-relative file a {static}/{filename} path names (Pelican's rule)."""
    path = unquote(urlsplit(path).path)
    if path.startswith("/"):
        return posixpath.normpath(path[1:])
    relative_dir = str(getattr(content, "relative_dir", "") or "").replace("\\", "/")
    return posixpath.normpath(posixpath.join(relative_dir, path))


@dataclass(frozen=True)
class PostPage:
    """What check() needs of the post, computed once per post."""

    content: object
    url: str  # absolute
    folder: str  # the source file's folder, relative to PATH

    @classmethod
    def of(cls, content, site: Site) -> PostPage:
        folder = str(getattr(content, "relative_dir", "") or "").replace("\\", "/")
        return cls(content, urljoin(site.base, str(getattr(content, "url", "") or "")), folder)


def check(ref: Reference, content, site: Site, page: PostPage | None = None) -> str | None:
    """The problem with `ref` in `content`'s page, or None if it resolves (or is external)."""
    page = page or PostPage.of(content, site)
    url = ref.url.strip()
    if not url or url.startswith("#"):
        return None
    what = f"{ref.kind} '{ref.url}'" + (f" in {ref.attr}" if ref.attr == "srcset" else "")
    kind = indicator(url)
    if kind:
        resolved = site.resolve(content, page.folder, url)
        if indicator(resolved):
            return f"{what} is not in the site — {_fix_unresolved(kind, url, content, site)}"
        if kind == "filename":
            source = _source_target(content, url[len(kind) + 2 :])
            if source in site.unpublished:
                return (
                    f"{what} points to {site.content_name}/{source}, which this build does not "
                    "publish (a draft, or dated in the future) — publish it first or remove the link"
                )
        if ref.attr not in PELICAN_RESOLVES:
            path = urlsplit(resolved).path
            return (
                f"{what} reaches the page as written: Pelican replaces {{{kind}}} only in src "
                f"and href — write {path}"
            )
        url = resolved
    absolute = site.join(page.url, url)
    if absolute in site.fine:
        return None
    lookups = site.disk_lookups
    problem = _check_target(ref, url, absolute, kind, what, content, site)
    if problem is None and site.disk_lookups == lookups:
        # Only what the build's own lists answered: a file found on disk is looked
        # at again by every post that links it, so each counts its disk lookup.
        site.fine.add(absolute)
    return problem


def _check_target(ref: Reference, url: str, absolute: str, kind, what: str, content, site: Site) -> str | None:
    """The problem with the (resolved) URL `absolute` on this site, or None."""
    scheme = urlsplit(url).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return None  # mailto:, tel:, data: …
    target = urlsplit(absolute)
    base = site.base_parts
    if target.netloc.lower() != base.netloc.lower():
        return None  # another site: not fetched
    if not target.path.startswith(base.path):
        # Most often a root-relative path written for a site at the domain's root.
        inside = unquote(target.path).lstrip("/")
        wanted = [inside + "index.html"] if inside.endswith("/") or not inside else [inside, inside + "/index.html"]
        if any(site.has(candidate) for candidate in wanted) and not site.source_exists(inside):
            fix = f"write {base.path}{inside}"
        else:
            fix = _fix_missing(ref, url, "", kind, content, site)
        return f"{what} points outside the site ({site.base}) — {fix}"
    rel = unquote(target.path[len(base.path) :])
    candidates = [rel + "index.html"] if rel.endswith("/") or not rel else [rel, rel + "/index.html"]
    if any(site.has(candidate) for candidate in candidates):
        return None
    if kind in ("static", "attach"):
        source = _source_target(content, ref.url[len(kind) + 2 :])
        return f"{what} is not in the site — there is no {site.content_name}/{source}: add the file or fix the path"
    return f"{what} is not in the site — {_fix_missing(ref, url, rel, kind, content, site)}"


def _fix_unresolved(kind: str, url: str, content, site: Site) -> str:
    source = _source_target(content, url[len(kind) + 2 :])
    name = posixpath.basename(source)
    if kind == "filename":
        matches = [s for s in site.sources_by_name.get(name, []) if s != source]
        if matches:
            return f"there is no {site.content_name}/{source}; did you mean {{filename}}/{matches[0]}?"
        return (
            f"there is no post or page {site.content_name}/{source}: fix the path "
            "(it is read from the post's folder, or from the content folder with a leading /) "
            "or remove the link"
        )
    matches = sorted(s for s in site.static_sources if posixpath.basename(s) == name and s != source)
    if matches:
        return f"there is no {site.content_name}/{source}; did you mean {{static}}/{matches[0]}?"
    return f"there is no {site.content_name}/{source}: add the file or fix the path"


def _fix_missing(ref: Reference, url: str, rel: str, kind: str | None, content, site: Site) -> str:
    path = unquote(urlsplit(url).path)
    name = posixpath.basename(path.rstrip("/"))
    is_page = ref.kind == "link" and (not posixpath.splitext(name)[1] or name.endswith(_PAGE_SUFFIXES))
    if is_page:
        slug = posixpath.splitext(name)[0]
        source = site.sources_by_slug.get(slug)
        if source:
            return f"link the post with {{filename}}/{source} so the address follows it"
        return (
            "link posts and pages with {filename}/<folder>/<file>.md, so the address "
            "follows the post"
        )
    # The file the writer most likely meant, as a content-relative path.
    stripped = path.lstrip("/")
    while stripped.startswith(("./", "../")):
        stripped = stripped.split("/", 1)[1]
    relative_dir = str(getattr(content, "relative_dir", "") or "").replace("\\", "/")
    guesses = [stripped, posixpath.normpath(posixpath.join(relative_dir, path.lstrip("/")))]
    if rel:
        guesses.append(rel)
    # Pelican resolves {static} only in src and href: a srcset path is written
    # from the site's root instead.
    prefix = urlsplit(site.base).path if ref.attr not in PELICAN_RESOLVES else "{static}/"
    for guess in guesses:
        if site.source_exists(guess):
            return f"write {prefix}{guess} (the file is {site.content_name}/{guess})"
    matches = sorted(s for s in site.static_sources if posixpath.basename(s) == name)
    if matches:
        return f"did you mean {prefix}{matches[0]}?"
    if ref.kind == "link":
        return (
            f"put the file in a folder of {site.content_name}/ listed in STATIC_PATHS and write "
            f"{prefix}<folder>/{name}"
        )
    return f"put it in {site.content_name}/{site.image_dir}/ and write {prefix}{site.image_dir}/{name}"

