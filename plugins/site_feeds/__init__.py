"""site_feeds: Atom 1.0 and RSS 2.0 (via feedgen) and JSON Feed 1.1 for the site.

The one source of feeds: Pelican's own FEED_* settings are off. Settings live
in the SITE_FEEDS dict (see settings.py and docs/feeds.md).
"""

from pelican import signals

from .build import write_feeds

__all__ = ["register"]


def register():
    # article_writer_finalized: articles are final (drafts, hidden and future
    # posts already set aside, categories and tags grouped) and the writer's
    # output path is known. It fires once per build, after the article pages.
    signals.article_writer_finalized.connect(write_feeds)
