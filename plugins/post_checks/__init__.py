"""post_checks: stop the build when a post or page cannot be built as written.

Pelican on its own logs "Could not process <file>" and skips the file (bad
date, broken metadata), silently drops a post without a title, reads
`01/12/2026` as 12 January, ignores a mistyped `Stauts: draft` and overwrites
one output with another, and exits 0. This plugin turns every such problem
into one `ContentError` raised before anything is written, one line per
problem naming the file (or setting) and the fix, all of them in one run:

- header.py   the one reader of a raw header (Markdown and reST), with line numbers
- keys.py     every header key Pelican, our plugins and the theme read
- values.py   each value as written: typos of keys, ISO dates, repeated keys,
              control characters, slugs, Lang, Template, Url/Save_as, URLs
- outputs.py  every output path and who claims it (collisions)
- checks.py   the signal handlers: settings (connected/settings_schema.py),
              reader errors, Uuids, and the final ContentError

docs/writing.md documents every key and message.
"""

from pelican import signals

from .checks import ContentError, check_all_content, check_settings, skip_any_case, start_collecting

__all__ = ["ContentError", "register"]


def register():
    # initialized: settings are final and no content has been read yet, so the
    # reader-error collector is in place before the first file is parsed.
    signals.initialized.connect(check_settings)
    signals.initialized.connect(start_collecting)
    # Sent with each file's metadata before Pelican picks its class.
    signals.article_generator_context.connect(skip_any_case)
    signals.page_generator_context.connect(skip_any_case)
    # all_generators_finalized: every file has been read (or has failed) and no
    # writer exists yet, so raising here leaves the output untouched.
    signals.all_generators_finalized.connect(check_all_content)
