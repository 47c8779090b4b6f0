"""Is this post published? The one rule the feeds and the email editions share.

Pelican already keeps drafts, hidden posts and (with WITH_FUTURE_DATES = False)
future posts out of `generator.articles`; this check keeps them out of feeds and
editions even when a site turns WITH_FUTURE_DATES on.
"""

from __future__ import annotations

from datetime import UTC, datetime


def is_published(article, now: datetime | None = None) -> bool:
    """Status published (not draft or hidden) and not dated after `now` (default: now, UTC).

    A date without a time zone is read as UTC; a post without a date is published.
    """
    if getattr(article, "status", "published") != "published":
        return False
    date = getattr(article, "date", None)
    if date is None:
        return True
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return date <= now
