"""Two whole-site scans of Pelican's made linear, with the same results.

Both run on every build over every post, so on a 10 000-post site they cost
seconds of a one-post build (measured with py-spy: 6 % and 7 % of it).

- `process_translations` ends with `[x for x in content_list if x not in index]`:
  a list scan per post, quadratic in the number of posts. Items of different
  translation groups never affect each other, so calling Pelican's own function
  once per group (after its sort, done here first, in place, with the same key)
  gives the same originals and translations in the same order, the same
  `translations` attributes and the same warnings, in linear time.
- `Content.get_static_links` runs the intrasite-link regex over every post's HTML
  to collect {static}/{attach} targets. A link is collected only when its "what"
  is literally `static` or `attach`, so HTML containing neither word has none:
  a substring test (C speed) answers for most posts, and the rest go to Pelican.
"""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from pelican import contents, generators

_PATCHED = "_fast_build_linear"


def linear_translations() -> None:
    """Have Pelican's generators group translations one group at a time."""
    pelican_version = generators.process_translations
    if getattr(pelican_version, _PATCHED, False):
        return

    def process_translations(content_list, translation_id=None):
        if not translation_id or not isinstance(content_list, list):
            return pelican_version(content_list, translation_id)
        ids = {translation_id} if isinstance(translation_id, str) else translation_id
        try:
            key = attrgetter(*ids)
            content_list.sort(key=key)
        except (TypeError, AttributeError):
            return pelican_version(content_list, translation_id)  # Pelican's own error message
        index, translations = [], []
        for _value, group in groupby(content_list, key):
            originals, others = pelican_version(list(group), translation_id)
            index.extend(originals)
            translations.extend(others)
        return index, translations

    setattr(process_translations, _PATCHED, True)
    process_translations.__wrapped__ = pelican_version
    generators.process_translations = process_translations


def quick_static_links() -> None:
    """Skip the intrasite-link scan of HTML that cannot hold a {static}/{attach} link."""
    pelican_version = contents.Content.get_static_links
    if getattr(pelican_version, _PATCHED, False):
        return

    def get_static_links(self) -> set[str]:
        html = self._content
        if type(html) is str and "static" not in html and "attach" not in html:
            return set()
        return pelican_version(self)

    setattr(get_static_links, _PATCHED, True)
    get_static_links.__wrapped__ = pelican_version
    contents.Content.get_static_links = get_static_links
