"""post_checks: stop the build when a post or page cannot be built as written.

Pelican on its own logs "Could not process <file>" and skips the file (bad
date, broken metadata), silently drops a post without a title, and exits 0.
This plugin turns every such problem, a missing TIMEZONE, a malformed `Uuid:`
and two posts sharing a Uuid into one `ContentError` raised before anything is
written. The message has one line per problem, naming the file and the fix.
"""

from pelican import signals

from .checks import ContentError, check_all_content, check_settings, start_collecting

__all__ = ["ContentError", "register"]


def register():
    # initialized: settings are final and no content has been read yet, so the
    # reader-error collector is in place before the first file is parsed.
    signals.initialized.connect(check_settings)
    signals.initialized.connect(start_collecting)
    # all_generators_finalized: every file has been read (or has failed) and no
    # writer exists yet, so raising here leaves the output untouched.
    signals.all_generators_finalized.connect(check_all_content)
