"""Two whole-site scans of Pelican's made linear, its date formatting made cheaper,
and its unused file stamps skipped, with the same results.

The scans run on every build over every post, so on a 10 000-post site they cost
seconds of a one-post build (measured with py-spy: 6 % and 7 % of it).

- `process_translations` ends with `[x for x in content_list if x not in index]`:
  a list scan per post, quadratic in the number of posts. Items of different
  translation groups never affect each other (Content compares by identity), so
  calling Pelican's own function once per group (after its sort, done here first,
  in place, with the same key) gives the same originals and translations in the
  same order, the same `translations` attributes and the same warnings, in
  linear time.
- `Content.get_static_links` runs the intrasite-link regex over every post's HTML.
  With Pelican's own INTRASITE_LINK_REGEX every match has a quote followed by
  "{" or "|" (`href="{static}…`): HTML holding none of those four pairs has no
  match, so the answer is the empty set, found at C speed; anything else (and any
  other regex) goes to Pelican, so its answers and its errors stay its own.
- `pelican.utils.strftime` (every SafeDatetime.strftime: a post's locale_date, the
  sitemap's dates, the strftime filter) splits the format with two regular
  expressions and calls C's strftime once per directive: 10-26 µs a call, some
  3 000 calls a build at 1000 posts. The split is kept per format string, and the
  directives are formatted in one C call, joined by a separator (C formats each
  directive on its own, so the pieces are the same); an output holding the
  separator is formatted per directive instead. Zero stripping and the final
  `template % pieces` are Pelican's, so the text and any error (a stray "%" in
  the format) are its own. Measured: 3.8 µs a call for "%-d %B %Y" (Pelican's
  9.9 µs), 3.9 µs for the sitemap's "%Y-%m-%dT%H:%M:%S" (18.6 µs). One difference
  no real zone shows: a tzinfo is asked for its name once per call, where Pelican
  asks once per directive (a zone whose tzname changed between two asks would differ).
- File stamps nobody reads (`pelican.cache.FileStampDataCacher`): Pelican's readers
  and its article and page generators each take a file's stamp (an mtime) when they
  look it up in their content cache and again when they store it, four stat calls per
  post, with content caching off too (our settings: CACHE_CONTENT is False). A lookup
  of a file the cache does not hold gives the default whatever the stamp, and a store
  with the caching policy off keeps nothing, so neither takes the stamp here. The
  only difference: for a file that vanished mid-build, Pelican's "Cannot get
  modification stamp" warning is not logged (its reader's own error still is).

The patches are installed once per process, but each build says whether it uses
them (`use_linear_scans`, from FAST_BUILD["ENABLED"]): a build with fast_build off
runs Pelican's code as it is, even in a process that built with it on before.
"""

from __future__ import annotations

import datetime
import re
from itertools import groupby
from operator import attrgetter

from pelican import cache, contents, generators, utils
from pelican.settings import DEFAULT_CONFIG

from .listings import compares_by_identity

_PATCHED = "_fast_build_linear"
_PELICAN_LINK_REGEX = DEFAULT_CONFIG["INTRASITE_LINK_REGEX"]
_LINK_STARTS = ('"{', "'{", '"|', "'|")
_active = False


def use_linear_scans(active: bool) -> None:
    """Install the two scans (once per process) and have this build use them, or not."""
    global _active
    _active = bool(active)
    if active:
        _install_translations()
        _install_static_links()
        _install_strftime()
        _install_file_stamps()


def _install_translations() -> None:
    pelican_version = generators.process_translations
    if getattr(pelican_version, _PATCHED, False):
        return

    def process_translations(content_list, translation_id=None):
        if not _active or not translation_id or not isinstance(content_list, list):
            return pelican_version(content_list, translation_id)
        ids = {translation_id} if isinstance(translation_id, str) else translation_id
        try:
            key = attrgetter(*ids)
            content_list.sort(key=key)
        except (TypeError, AttributeError):
            return pelican_version(content_list, translation_id)  # Pelican's own error message
        if not compares_by_identity(content_list):
            # Pelican's final scan compares items across groups; only identity makes that moot.
            return pelican_version(content_list, translation_id)
        index, translations = [], []
        for _value, group in groupby(content_list, key):
            originals, others = pelican_version(list(group), translation_id)
            index.extend(originals)
            translations.extend(others)
        return index, translations

    setattr(process_translations, _PATCHED, True)
    process_translations.__wrapped__ = pelican_version
    generators.process_translations = process_translations


def _install_static_links() -> None:
    pelican_version = contents.Content.get_static_links
    if getattr(pelican_version, _PATCHED, False):
        return

    def get_static_links(self) -> set[str]:
        html = self._content
        if (
            _active
            and type(html) is str
            and self.settings.get("INTRASITE_LINK_REGEX") == _PELICAN_LINK_REGEX
            and not any(start in html for start in _LINK_STARTS)
        ):
            return set()
        return pelican_version(self)

    setattr(get_static_links, _PATCHED, True)
    get_static_links.__wrapped__ = pelican_version
    contents.Content.get_static_links = get_static_links


# As pelican.utils.strftime has them (its "%[-]?." and its list of C89 directives).
_CANDIDATE = re.compile("%[-]?.")
_C89 = "aAbBcdfGHIjmMpSUuVwWxXyYzZ%"
_FORMATS_KEPT = 512  # formats come from settings and templates: a handful per site
# Between directives formatted in one call. An output that holds it (a tzinfo's name,
# say) splits into more pieces than there are directives: then each is formatted alone.
_SEPARATOR = "\x1f"
# Dates whose strftime is the C one (SafeDatetime's with safe=False): C formats each
# directive of a format on its own, so one call gives what one call per directive does.
_C_DATES = (utils.SafeDatetime, datetime.datetime, datetime.date)


def _split_format(date_format: str) -> tuple[str, tuple, str]:
    """Pelican's template for a format; per candidate, (directive, strip zeros) or (the
    candidate kept as it is, None); and the directives joined for one strftime call."""
    parts = []
    for candidate in _CANDIDATE.findall(date_format):
        if candidate[-1] in _C89:
            parts.append((f"%{candidate[-1]}", True) if len(candidate) == 3 else (candidate, False))
        else:
            parts.append((candidate, None))
    joined = _SEPARATOR.join(text for text, strip in parts if strip is not None)
    return _CANDIDATE.sub("%s", date_format), tuple(parts), joined


def _install_strftime() -> None:
    pelican_version = utils.strftime
    if getattr(pelican_version, _PATCHED, False):
        return
    formats: dict[str, tuple[str, tuple, str]] = {}
    safe_datetime = utils.SafeDatetime

    def strftime(date, date_format):
        if not _active or type(date_format) is not str:
            return pelican_version(date, date_format)
        split = formats.get(date_format)
        if split is None:
            if len(formats) >= _FORMATS_KEPT:
                formats.clear()
            split = formats[date_format] = _split_format(date_format)
        template, parts, joined = split
        safe = isinstance(date, safe_datetime)
        directives = None
        if type(date) in _C_DATES and _SEPARATOR in joined:
            directives = (
                date.strftime(joined, safe=False) if safe else date.strftime(joined)
            ).split(_SEPARATOR)
            if len(directives) != joined.count(_SEPARATOR) + 1:
                directives = None
        if directives is None:
            directives = [
                date.strftime(text, safe=False) if safe else date.strftime(text)
                for text, strip in parts
                if strip is not None
            ]
        formatted, taken = [], iter(directives)
        for text, strip in parts:
            if strip is not None:
                text = next(taken)
                if strip:
                    text = text.lstrip("0") or "0"
            formatted.append(text)
        return template % tuple(formatted)

    setattr(strftime, _PATCHED, True)
    strftime.__wrapped__ = pelican_version
    # SafeDatetime.strftime and DateFormatter look the name up in pelican.utils on each call.
    utils.strftime = strftime


def _install_file_stamps() -> None:
    cacher = cache.FileStampDataCacher
    pelican_get, pelican_put = cacher.get_cached_data, cacher.cache_data
    if getattr(pelican_get, _PATCHED, False):
        return

    def get_cached_data(self, filename, default=None):
        if _active and type(self._cache) is dict and filename not in self._cache:
            return default  # what Pelican returns after stamping the file
        return pelican_get(self, filename, default)

    def cache_data(self, filename, data):
        if _active and not self._cache_data_policy:
            return  # Pelican would stamp the file and keep nothing
        return pelican_put(self, filename, data)

    for function, original in ((get_cached_data, pelican_get), (cache_data, pelican_put)):
        setattr(function, _PATCHED, True)
        function.__wrapped__ = original
    cacher.get_cached_data = get_cached_data
    cacher.cache_data = cache_data
