"""Values computed from a text, kept across builds: one JSON file per use.

A build is a new process, so a per-post figure that costs a scan of the post's
HTML (its reading time, …) would be recomputed for every post on every build.
`TextMemo` keys each value by a digest of the text and its `salt` (the rule's
version and settings), so an edited post, a changed rule or another setting
recomputes it, and only what this build used is written back (the file stays
the size of the site). A missing or unreadable file is an empty memo.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .files import write_if_changed

logger = logging.getLogger(__name__)


def hash_text(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class TextMemo:
    def __init__(self, path: Path | None, salt: str):
        self.path = Path(path) if path else None
        self.salt = salt
        self.previous: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        if self.path is None:
            return
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict) and stored.get("salt") == salt and isinstance(stored.get("values"), dict):
            self.previous = stored["values"]

    def get(self, text: str, compute: Callable[[str], Any]) -> Any:
        key = hash_text(text)
        if key not in self.used:
            self.used[key] = self.previous[key] if key in self.previous else compute(text)
        return self.used[key]

    def save(self) -> None:
        """Write what this build used (nothing when it is what the file holds)."""
        if self.path is None or self.used == self.previous:
            return
        data = json.dumps({"salt": self.salt, "values": self.used}, separators=(",", ":"), sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_if_changed(self.path, data.encode("utf-8"))
        except OSError as exc:  # a memo is only a shortcut: the build is right without it
            logger.debug("memo: could not write %s: %s", self.path, exc)
        self.previous = dict(self.used)
