"""The contract between scripts/publish.py and a newsletter backend.

A backend delivers one post's email edition and makes delivery idempotent on
its side: `deliver()` first looks for what a previous, interrupted run left
behind (an outbox file, a Mailchimp campaign carrying the post's marker) and
finishes or records it instead of sending again.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from connected.editions import Edition  # the one Edition type, owned with the manifest format
from connected.errors import ConnectedError


class BackendError(ConnectedError):
    """A backend could not do what was asked; the message says what to fix.

    `retry_safe` tells the CLI to add that re-running `make publish` is safe.
    """

    def __init__(self, message: str, *, retry_safe: bool = True):
        super().__init__(message)
        self.retry_safe = retry_safe


@dataclass(frozen=True)
class Delivery:
    """What a backend did with an edition: recorded in the send record."""

    status: str  # "sent" or "scheduled"
    at: datetime  # timezone-aware
    backend: str  # "outbox" or "mailchimp"
    campaign_id: str | None = None
    detail: dict = field(default_factory=dict)


class Backend(ABC):
    """What scripts/publish.py and scripts/unschedule.py use of a backend: nothing else.

    Both backends inherit from it; a member one of them has no use for has a default here
    that does nothing, so the callers never ask a backend what it has.
    """

    name: ClassVar[str]  # "outbox" or "mailchimp": the send record's `backend`
    # True when deliver() makes a remote object (a campaign) before it sends, which a crash
    # could leave behind: publish then passes the send record's "pending" ids in `known_ids`
    # and notes each new one through `on_created` (see set_pending in scripts/publish.py).
    tracks_campaigns: ClassVar[bool] = False

    def __init__(self) -> None:
        # uuid -> id of a campaign an earlier run created (the send record's "pending").
        self.known_ids: dict[str, str] = {}
        # Told (uuid, campaign id) of each campaign made, so that the id survives a crash.
        self.on_created: Callable[[str, str], None] | None = None

    @abstractmethod
    def check(self) -> list[str]:
        """Verify configuration without sending; return problems, each naming its fix."""

    def refusal(self) -> str | None:
        """What the service definitely refuses before anything is sent (the key, the
        audience), or None. Asked before the deploy; a service that does not answer is not
        a refusal (the send says so), so a flaky network never holds a deploy back."""
        return None

    def prepare(self, editions: list[Edition]) -> None:  # noqa: B027 - a no-op by default
        """Fetch, in as few calls as possible, what deliver() needs for these editions."""

    @abstractmethod
    def deliver(self, edition: Edition, *, schedule_at: datetime | None = None) -> Delivery:
        """Send (or schedule) one edition exactly once, reconciling with earlier attempts."""

    @abstractmethod
    def test_send(self, edition: Edition, address: str) -> str:
        """Send one edition to one address only, record nothing; return where it went."""

    def unschedule(self, campaign_ids: list[str]) -> list[str]:
        """Cancel scheduled campaigns; return the ids that were cancelled. A backend that
        never schedules has nothing to cancel."""
        return []


def header_text(value: str) -> str:
    """Header-safe text: control characters (CR, LF, NUL, ESC, …) become spaces, runs of
    space collapse. The email package then encodes what is not ASCII (RFC 2047) and folds
    long lines, so nothing from a post's metadata goes into a header raw."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value or ""))
    return " ".join(cleaned.split())
