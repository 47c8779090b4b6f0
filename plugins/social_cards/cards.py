"""Pure pieces of the per-post cards: their inputs, digest and file name."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from connected.social_image import CARD_VERSION, HEIGHT, WIDTH

CARD_DIR = "images/social"
_UNSAFE = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class CardInputs:
    title: str
    name: str
    site: str
    photo_digest: str  # "" without a photo

    def digest(self) -> str:
        payload = json.dumps(
            [CARD_VERSION, WIDTH, HEIGHT, self.title, self.name, self.site, self.photo_digest],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def site_label(settings: dict) -> str:
    """What the card names as the site: SITEURL's host, else SITENAME."""
    host = urlsplit(str(settings.get("SITEURL") or "")).hostname or ""
    if host and host not in ("localhost", "127.0.0.1"):
        return host.removeprefix("www.")
    return str(settings.get("SITENAME") or "")


def card_path(slug: str, digest: str) -> str:
    """Site-relative path of a card: a safe file name from the slug, plus the digest.

    The digest in the name means a changed card gets a new URL, so LinkedIn's
    and Slack's caches never show an old title.
    """
    stem = _UNSAFE.sub("-", str(slug or "").lower()).strip("-")[:60] or "post"
    return f"{CARD_DIR}/{stem}-{digest[:10]}.png"
