"""The writer in the email: masthead photo (or initials), signature, subscribe link.

A pure function of the settings and the absolute site URL; plugins/newsletter/
render.py passes its result to theme/templates/email/edition.html and folds it
into the editions' input digest (a new photo or name re-renders every edition).
The photo files themselves are written by plugins/social_cards; the email uses
the PNG/JPEG fallback (no mail client can be trusted with WebP).
"""

from __future__ import annotations

from connected.profile import photo_plan
from connected.social_image import initials

# The masthead shows the photo at 64 CSS pixels; the file has twice that.
MASTHEAD_PHOTO_SIZE = 64


def masthead_fields(settings: dict, siteurl: str) -> dict:
    """Template variables for the masthead, the signature and "Forwarded this?"."""
    profile = settings.get("AUTHOR_PROFILE") or {}
    name = str(profile.get("NAME") or settings.get("AUTHOR") or settings.get("SITENAME") or "")
    plan = photo_plan(settings)
    photo_url = ""
    if plan:
        photo_url = f"{siteurl.rstrip('/')}/{plan.variant(MASTHEAD_PHOTO_SIZE * 2).fallback}"
    return {
        "author_name": name,
        "author_initials": initials(name),
        "author_headline": str(profile.get("HEADLINE") or ""),
        "author_photo_url": photo_url,
        "author_photo_size": MASTHEAD_PHOTO_SIZE,
        "home_url": f"{siteurl.rstrip('/')}/",
        "subscribe_url": f"{siteurl.rstrip('/')}/subscribe/",
    }
