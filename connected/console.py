"""The one console of Connected's commands: what they print and log, with secrets scrubbed.

A command makes one `Console` with the secrets of its run (the Mailchimp API key from the
environment or .env) and prints only through it; `scrubbed_logs` puts the same scrubber on
every log handler for the run, so a library's log line cannot carry the key either. The
scrubbing itself is connected/secrets.py's `scrub`, the one owner of that rule.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from connected.secrets import MIN_SECRET_LENGTH, scrub


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 post", "2 posts" ("1 entry", "2 entries" with many="entries")."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


class Console:
    """stdout for progress, stderr for problems; every line scrubbed of the run's secrets."""

    def __init__(self, secrets: Iterable[str]):
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH]

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets)

    def say(self, text: str = "") -> None:
        print(self.scrub(text), flush=True)

    def error(self, text: str) -> None:
        print(self.scrub(text), file=sys.stderr, flush=True)


class ScrubFilter(logging.Filter):
    """Rewrites a log record whose message carries a secret (the record, not just its text)."""

    def __init__(self, console: Console):
        super().__init__()
        self.console = console

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.console.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


@contextmanager
def scrubbed_logs(console: Console) -> Iterator[None]:
    """For the block: every handler of the root logger scrubs with `console`'s secrets."""
    scrub_filter = ScrubFilter(console)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(scrub_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(scrub_filter)
