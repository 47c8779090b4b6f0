"""Compute each article's and page's URL (and source path) once per build, not on every access.

Pelican recomputes `Content.url` and `Content.save_as` from the URL settings
on every access (metadata copy, slug/date/category formatting, a relpath):
templates, link resolution, feeds and the sitemap ask tens of thousands of
times on a 1000-post site, about a tenth of the build. Once every generator
has read its content (all_generators_finalized) the inputs of those URLs are
final, so each object is moved to a subclass — same name, so Pelican still
picks the ARTICLE_/PAGE_/DRAFT_ settings — that remembers the first answer.
"""

from __future__ import annotations

import functools

from pelican import urlwrappers
from pelican.contents import Article, Page


def _memoised(name: str):
    slot = f"_fast_build_{name}"

    def getter(self):
        try:
            return self.__dict__[slot]
        except KeyError:
            value = getattr(super(type(self), self), name)
            self.__dict__[slot] = value
            return value

    return property(getter, doc=f"{name}, computed once (fast_build)")


def _relative_source_path(self, source_path=None):
    # The content's own path (no argument) is fixed once it is read: kept, as
    # url is. Plugins ask for it several times per post (6 per post measured).
    if source_path is not None:
        return super(type(self), self).get_relative_source_path(source_path)
    try:
        return self.__dict__["_fast_build_relative_source_path"]
    except KeyError:
        value = self.__dict__["_fast_build_relative_source_path"] = super(type(self), self).get_relative_source_path()
        return value


@functools.cache
def memo_class(cls: type) -> type:
    """The remembering subclass of an Article/Page class (one per class)."""
    return type(
        cls.__name__,
        (cls,),
        {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "url": _memoised("url"),
            "save_as": _memoised("save_as"),
            "get_relative_source_path": _relative_source_path,
            "_fast_build_memo": True,
        },
    )


def memoise_urls(context: dict) -> int:
    """Switch every read article and page to its remembering class; return how many."""
    count = 0
    for content in context.get("generated_content", {}).values():
        if not isinstance(content, (Article, Page)):
            continue  # None marks a file that failed to read; statics keep live URLs
        cls = type(content)
        if getattr(cls, "_fast_build_memo", False):
            continue
        content.__class__ = memo_class(cls)
        count += 1
    return count


# Whether this build uses the memo: it is installed once per process and
# outlives a build (the warm process, the devserver's worker, the tests).
_slug_memo_active = False


def memoise_slugify(active: bool = True) -> None:
    """Slugify each tag, category and author name once per process.

    Pelican makes a new Tag/Category/Author object for every post that names
    one, and each slugifies its name (markup stripped, NFKC, unidecode, the
    regex substitutions): 5,000 calls for 1,000 posts and a few hundred
    distinct names. `slugify` is a pure function of its arguments, so the
    wrapper answers a repeat from a cache; an argument it cannot key (a
    non-string name, unhashable substitutions) goes to Pelican as before.
    active=False: this build (fast_build off) calls Pelican's slugify itself.
    """
    global _slug_memo_active
    _slug_memo_active = bool(active)
    current = urlwrappers.slugify
    if not active or getattr(current, "_fast_build_memo", False):
        return

    @functools.lru_cache(maxsize=65536)
    def cached(value, regex_subs, preserve_case, use_unicode):
        return current(value, regex_subs=regex_subs, preserve_case=preserve_case, use_unicode=use_unicode)

    def slugify(value, regex_subs=(), preserve_case=False, use_unicode=False):
        if _slug_memo_active and type(value) is str:
            try:
                subs = tuple(tuple(pair) for pair in regex_subs)
                return cached(value, subs, bool(preserve_case), bool(use_unicode))
            except TypeError:  # an unhashable substitution
                pass
        return current(value, regex_subs=regex_subs, preserve_case=preserve_case, use_unicode=use_unicode)

    slugify._fast_build_memo = True
    slugify.__wrapped__ = current
    urlwrappers.slugify = slugify
