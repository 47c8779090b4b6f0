"""Page fingerprints: a digest of everything a page's bytes depend on.

A page's fingerprint covers:
- the site: every setting, the listing fields (URL, metadata, summary, order)
  of every article and page, the theme's templates and library versions;
- the page: its template and every template variable that is not the shared
  context — its own article or page in full (HTML included), the articles of
  its pagination slice in full, and the rest by listing fields.
So editing one post's body re-renders that post's page and the listing pages
whose slice shows it; editing a title, date, tag or summary re-renders the site.

The source files of the loaded plugins and local packages (size + mtime) gate
the whole previous state instead (see state.BuildState.code_unchanged): which
of them are loaded depends on the process, not on the pages — a plugin imports
a helper only while building, a devserver worker or a test builds many times in
one process, a second settings file brings its own `pelicanconf` — so they
cannot be part of a page's fingerprint without making every in-process rebuild
a cold one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from importlib import metadata as importlib_metadata

from pelican.contents import Content, Static
from pelican.paginator import Page as PaginatorPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

# Set by scripts/build.py: {"FINAL": the live output directory, "REUSE": bool}.
STAGE_SETTING = "FAST_BUILD_STAGE"
# Template variables that change on every page and are part of the page's own inputs.
_PER_PAGE_KEYS = {"output_file", "SITEURL", "localsiteurl"}
# Settings that say where files go, not what they hold: a staged build writes
# into a new directory each time (the state records the final path instead).
_NOT_INPUTS = {"OUTPUT_PATH", STAGE_SETTING}
_SKIPPED_IN_SITE = _PER_PAGE_KEYS | _NOT_INPUTS


def _sha(value) -> str:
    return hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def _text_sha(value) -> str:
    """Digest of a post's HTML: its UTF-8 bytes hashed directly (repr() of a long
    string costs more than the hash itself)."""
    if isinstance(value, str):
        return "t" + hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()
    return _sha(value)


def _files_digest(roots) -> list:
    out = []
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                out.append((path, st.st_size, st.st_mtime_ns))
    return out


def local_sources() -> dict[str, list[int]]:
    """Source file -> [size, mtime_ns] of every loaded module outside the
    interpreter's and the virtualenv's trees: plugins, connected/, scripts/, settings."""
    prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    sources = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or path.startswith(prefixes) or path in sources:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        sources[path] = [st.st_size, st.st_mtime_ns]
    return sources


def code_digest(settings: dict) -> str:
    """Theme templates and library versions (the local sources: BuildState.code_unchanged)."""
    versions = []
    for dist in ("pelican", "jinja2", "markdown", "pygments"):
        try:
            versions.append(importlib_metadata.version(dist))
        except importlib_metadata.PackageNotFoundError:
            versions.append("-")
    theme = settings.get("THEME", "")
    roots = [os.path.join(theme, "templates"), *settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    return _sha((versions, _files_digest(roots)))


class Fingerprinter:
    """Digests of template variables, memoised for one build."""

    def __init__(self):
        self._memo: dict = {}

    def _memoised(self, kind, obj, compute):
        key = (kind, id(obj))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is obj and hit[1] == _len(obj):
            return hit[2]
        value = compute()
        self._memo[key] = (obj, _len(obj), value)
        return value

    def content_full(self, content: Content) -> str:
        return self._memoised(
            "full",
            content,
            lambda: _sha(
                (
                    self.content_listing(content),
                    self.content_text(content),
                    getattr(content, "template", None),
                )
            ),
        )

    def content_text(self, content: Content) -> str:
        """Digest of the post's HTML, computed once per build (listing and full use it)."""
        return self._memoised(
            "text", content, lambda: _text_sha(getattr(content, "_content", None))
        )

    def content_listing(self, content: Content) -> str:
        def compute():
            meta = getattr(content, "metadata", {}) or {}
            fields = [
                type(content).__name__,
                getattr(content, "source_path", None),
                getattr(content, "url", None),
                getattr(content, "save_as", None),
                getattr(content, "status", None),
                getattr(content, "in_default_lang", None),
                [self.value(meta[k], full=False) for k in sorted(meta)],
                sorted(meta),
                [getattr(t, "source_path", None) for t in getattr(content, "translations", [])],
            ]
            if "summary" not in meta:
                # the listing shows a summary cut from the HTML itself
                fields.append(self.content_text(content))
            return _sha(fields)

        return self._memoised("listing", content, compute)

    def _sequence(self, value, depth: int) -> str:
        items = [self.value(v, False, depth + 1) for v in value]
        if value and all(isinstance(v, Static) for v in value):
            # Pelican fills `staticfiles` in set-iteration order, which changes
            # from run to run; the order carries no meaning there.
            items.sort(key=repr)
        return _sha(items)

    def value(self, value, full: bool, depth: int = 0):
        if value is None or isinstance(value, (bool, int, float, str, bytes)):
            return value
        if isinstance(value, Content):
            return self.content_full(value) if full else self.content_listing(value)
        if isinstance(value, URLWrapper):
            return (type(value).__name__, value.name, value.slug, value.url, value.save_as)
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return (type(value).__name__, value.isoformat(), str(getattr(value, "tzinfo", "")))
        if depth > 6:
            return type(value).__qualname__
        if isinstance(value, PaginatorPage):
            return (
                "page",
                value.number,
                value.paginator.num_pages,
                value.save_as,
                value.url,
                [self.value(item, full=True, depth=depth + 1) for item in value.object_list],
            )
        if isinstance(value, Paginator):
            return ("paginator", value.num_pages, value.count, value.per_page)
        if isinstance(value, (list, tuple)):
            return self._memoised("seq", value, lambda: self._sequence(value, depth))
        if isinstance(value, (set, frozenset)):
            return sorted(repr(self.value(v, False, depth + 1)) for v in value)
        if isinstance(value, dict):
            return self._memoised(
                "map",
                value,
                lambda: _sha(
                    sorted(
                        (repr(self.value(k, False, depth + 1)), self.value(v, False, depth + 1))
                        for k, v in value.items()
                    )
                ),
            )
        # functions, Jinja objects, generators …: their code is gated by
        # BuildState.code_unchanged()
        return type(value).__qualname__


def _len(obj):
    # Asked twice per memo lookup, mostly of Content objects, which have no length:
    # len() would raise (and the exception cost more than the lookup) for each.
    length = getattr(type(obj), "__len__", None)
    if length is None:
        return -1
    try:
        return length(obj)
    except TypeError:
        return -1


class PageFingerprints:
    """The fingerprint of each page of one build: the site part, computed once
    per distinct shared context, and the page's own variables."""

    def __init__(self, code: str):
        self.code = code
        self.values = Fingerprinter()
        self._site_key = None
        self._site_digest = None

    def site(self, context: dict) -> str:
        # Checked for every page: built with C-level dict/map/tuple calls, not a
        # generator expression over the ~160 context entries.
        shared = context.copy()
        for name in _SKIPPED_IN_SITE:
            shared.pop(name, None)
        key = (tuple(shared), tuple(map(id, shared.values())))
        if key != self._site_key:
            values = sorted(
                (k, self.values.value(v, full=False))
                for k, v in context.items()
                if k not in _SKIPPED_IN_SITE
            )
            self._site_digest = _sha((self.code, values))
            self._site_key = key
        return self._site_digest

    def page(self, template, context: dict, localcontext: dict) -> str:
        # The page's own variables: those not shared, as they are, with the context
        # (most of its ~170 entries are), in key order.
        shared = context.get
        own = []
        for key, value in localcontext.items():
            if key in _NOT_INPUTS or (key not in _PER_PAGE_KEYS and shared(key, _ABSENT) is value):
                continue
            own.append((key, self.values.value(value, full=True)))
        own.sort(key=_first)
        return _sha((self.site(context), template.name, template.filename, own))


_ABSENT = object()


def _first(pair):
    return pair[0]
