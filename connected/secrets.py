"""The one owner of keeping secrets out of what Connected prints, logs and writes.

Every console, log handler and error message that may carry text from a remote API or the
environment passes it through `scrub` first; a second scrubber elsewhere would drift.
"""

from __future__ import annotations

from collections.abc import Iterable

# Shorter values would match ordinary words; no real key or token is this short.
MIN_SECRET_LENGTH = 6


def scrub(text: str, secrets: Iterable[str], placeholder: str = "<MAILCHIMP_API_KEY>") -> str:
    """`text` with every secret of at least MIN_SECRET_LENGTH characters replaced."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, placeholder)
    return text
