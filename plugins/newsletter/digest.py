"""Digest editions: one email holding several posts (docs/digest.md). Pure functions.

At build time `digest_item(article, ctx, inputs)` reduces each post to what a digest
shows of it (plain-text summary, a shorter excerpt, image, date) and the manifest
carries it. Which posts go into a digest depends on the send record and the clock,
so `render_digest(items, …)` runs at publish time (scripts/digest.py calls it) from
those manifest items alone: no post HTML is re-read, nothing is written here.

Every post field reaches the HTML through Jinja's autoescape as text, and every URL
is absolute and checked with `is_safe_url`, so no post markup is copied into a digest
and nothing needs sanitising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from connected.sanitize import is_safe_url
from connected.urls import absolute_url

from .masthead import masthead_fields
from .plaintext import html_to_text, plain_line
from .render import (
    MERGE_ADDRESS,
    MERGE_UNSUB,
    PREHEADER_SPACER,
    RenderContext,
    fill_html,
    fill_text,
    post_summary_html,
    truncate,
)

# Words of a post's summary kept when the digest is over MAX_HTML_BYTES.
EXCERPT_WORDS = 30
_CHARSET = '<meta charset="utf-8">'
DIGEST_TEMPLATES = ("digest.html", "digest.txt")


@dataclass(frozen=True)
class DigestEdition:
    """A digest's bodies, as RenderedEdition has them for one post."""

    subject: str
    preheader: str
    mode: str  # "summary", or "excerpt" when the summaries made it too large
    mailchimp_html: str
    outbox_html: str
    text: str
    mailchimp_text: str
    warnings: tuple[str, ...] = ()


def digest_item(article, ctx: RenderContext, body_html: str) -> dict:
    """What a digest shows of one post: JSON-ready, for the manifest."""
    summary = " ".join(html_to_text(post_summary_html(article, ctx, body_html)).split())
    words = summary.split()
    excerpt = " ".join(words[:EXCERPT_WORDS]) + ("…" if len(words) > EXCERPT_WORDS else "")
    return {
        "summary": summary,
        "excerpt": excerpt,
        "image": _image_url(article, ctx.siteurl),
        "image_alt": plain_line(str(article.title), markup=False),
        "date_display": str(getattr(article, "locale_date", "") or article.date.date().isoformat()),
    }


def _image_url(article, siteurl: str) -> str | None:
    ref = str(article.metadata.get("image") or "").strip()
    if not ref:
        return None
    # `{static}images/x.png` and `/images/x.png` both name a file of the site.
    rel = ref if re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) else ref.removeprefix("{static}").lstrip("/")
    try:
        url = absolute_url(siteurl + "/", rel)
    except ValueError:
        return None
    return url if url.startswith(("https://", "http://")) and is_safe_url(url) else None


def render_digest(
    posts: list[dict],
    ctx: RenderContext,
    *,
    subject: str,
    since_display: str,
) -> DigestEdition:
    """The digest of `posts` (manifest entries with a "digest" item, newest first)."""
    if not posts:
        raise ValueError("a digest needs at least one post")
    preheader = truncate(" · ".join(p.get("title", "") for p in posts))
    limit = ctx.nl["MAX_HTML_BYTES"]
    warnings: list[str] = []
    for mode in ("summary", "excerpt"):
        page, common = _render(ctx, posts, subject, preheader, since_display, mode)
        size = max(
            len(fill_html(page, MERGE_UNSUB, MERGE_ADDRESS).encode()),
            len(fill_html(page, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]).encode()),
        )
        if size <= limit:
            break
        message = (
            f"the digest of {len(posts)} posts is {size} bytes with summaries, over "
            f"NEWSLETTER['MAX_HTML_BYTES'] = {limit} (Gmail clips at 102 KB)"
        )
        if mode == "excerpt":
            warnings.append(message.replace("with summaries", "even with short excerpts")
                            + ": send fewer posts per digest (a shorter CADENCE) or shorter Summary: lines")
        else:
            warnings.append(message + ": sending short excerpts instead")
    text = ctx.text_env.get_template("digest.txt").render(**common)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return DigestEdition(
        subject=subject,
        preheader=preheader,
        mode=mode,
        mailchimp_html=fill_html(page, MERGE_UNSUB, MERGE_ADDRESS),
        outbox_html=fill_html(page, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]),
        text=fill_text(text, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]),
        mailchimp_text=fill_text(text, MERGE_UNSUB, MERGE_ADDRESS),
        warnings=tuple(warnings),
    )


def _render(ctx: RenderContext, posts, subject, preheader, since_display, mode):
    from .render import ADDRESS_TOKEN, UNSUB_TOKEN

    nl = ctx.nl
    items = []
    for post in posts:
        item = post.get("digest") or {}
        items.append(
            {
                "title": post.get("title", ""),
                "url": post.get("url", ""),
                "date_display": item.get("date_display") or str(post.get("date", ""))[:10],
                "text": item.get("excerpt" if mode == "excerpt" else "summary") or "",
                "image": item.get("image"),
                "image_alt": item.get("image_alt") or post.get("title", ""),
            }
        )
    common = {
        "lang": ctx.settings.get("DEFAULT_LANG") or "en",
        "subject": subject,
        "preheader": preheader,
        "site_name": ctx.settings.get("SITENAME") or "",
        "site_url": ctx.siteurl + "/",
        "since_display": since_display,
        "posts": items,
        "read_on_site_text": "Read on the site →",
        "reply_line": nl["REPLY_LINE"],
        "reply_to": nl["REPLY_TO"],
        "why_line": nl["WHY_LINE"],
        "unsubscribe_url": UNSUB_TOKEN,
        "address_line": ADDRESS_TOKEN,
        # The masthead, signature and "Forwarded this?" of the shared frame (_layout.html).
        **masthead_fields(ctx.settings, ctx.siteurl),
    }
    page = ctx.html_env.get_template("digest.html").render(
        css=Markup(ctx.css), preheader_spacer=PREHEADER_SPACER, **common
    )
    inlined = ctx.inliner.inline(page)
    if _CHARSET in inlined:  # keep the charset within the first 1024 bytes (as render.py)
        inlined = inlined.replace(_CHARSET, "", 1).replace("<head>", "<head>" + _CHARSET, 1)
    return inlined, common
