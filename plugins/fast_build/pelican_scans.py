"""Two whole-site scans of Pelican's made linear, with the same results.

Both run on every build over every post, so on a 10 000-post site they cost
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

The patches are installed once per process, but each build says whether it uses
them (`use_linear_scans`, from FAST_BUILD["ENABLED"]): a build with fast_build off
runs Pelican's code as it is, even in a process that built with it on before.
"""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from pelican import contents, generators
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
