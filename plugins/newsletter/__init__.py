"""Newsletter: render every published post's email edition during the build.

Writes NEWSLETTER["EDITIONS_PATH"]/<uuid>/{mailchimp.html,outbox.html,email.txt,
mailchimp.txt} and manifest.json (contract in docs/ARCHITECTURE.md), which
scripts/publish.py reads. Nothing is sent here.
"""

from pelican import signals

from .build import write_editions


def register():
    # article_writer_finalized: articles are final by then (drafts, hidden and
    # future-dated posts sorted out, translations linked, static files known
    # for {static} links) and the site's own pages are written, so a failing
    # edition never leaves the site half-built.
    signals.article_writer_finalized.connect(write_editions)
