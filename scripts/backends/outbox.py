"""The outbox backend: each send writes one complete email message to a file.

It is the default (no Mailchimp key needed) and nothing leaves the machine:
`outbox/<date>-<slug>-<uuid>.eml` is an RFC 5322 message (multipart/
alternative, plain text + HTML) that any mail client opens, or that a writer
can send by hand. The file name carries the post's full Uuid, so a re-run after a
crash between writing the file and recording it finds the file and records it
instead of writing a second one.

The outbox folder may be shared by two checkouts (a synced or network folder):
before writing a post's message, a run claims the post by creating
`outbox/.<uuid>.claim` with O_CREAT|O_EXCL, which exactly one process can do. The
loser does not write; it waits a little for the winner's message and records that
one (docs/publishing.md).
"""

from __future__ import annotations

import html
import logging
import os
import re
import socket
import time
from datetime import UTC, datetime
from email import message_from_binary_file, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from connected.files import path_inside, write_atomic
from scripts.backends.base import Backend, BackendError, Delivery, Edition, header_text

log = logging.getLogger(__name__)

# Nobody is addressed by name: the outbox stands in for a mailing list.
LIST_RECIPIENTS = "undisclosed-recipients:;"
TEST_SUFFIX = "-TEST.eml"
CLAIM_SUFFIX = ".claim"
# How long a run that lost the claim waits for the winner's message (seconds). The
# winner builds the message before claiming, so it writes within milliseconds.
CLAIM_WAIT = 10.0


class OutboxBackend(Backend):
    """Deliver email editions as .eml files in outbox/ (see the module docstring).

    It makes nothing remote, so `known_ids`, `on_created` and `unschedule` keep the
    defaults of Backend: there is no campaign to note or cancel."""

    name = "outbox"

    def __init__(
        self,
        *,
        outbox_path: Path,
        from_name: str,
        from_email: str,
        reply_to: str,
        postal_address: str,
        siteurl: str = "",
        unsubscribe_url: str = "",
        clock=None,
        claim_wait: float = CLAIM_WAIT,
    ):
        super().__init__()
        self.outbox_path = Path(outbox_path)
        self.from_name = from_name
        self.from_email = from_email
        self.reply_to = reply_to
        self.postal_address = (postal_address or "").strip()
        self.siteurl = siteurl
        self.unsubscribe_url = unsubscribe_url or f"mailto:{reply_to}?subject=unsubscribe"
        self._clock = clock or (lambda: datetime.now(UTC))
        self.claim_wait = claim_wait

    # --- Backend protocol ------------------------------------------------------------
    def check(self) -> list[str]:
        problems = []
        if not self.postal_address:
            problems.append(
                "NEWSLETTER['POSTAL_ADDRESS'] is empty (and so is AUTHOR_PROFILE['POSTAL_ADDRESS']): "
                "the outbox edition needs the sender's postal address in its footer (anti-spam law); "
                "set it in pelicanconf.py."
            )
        for label, value in (("FROM_EMAIL", self.from_email), ("REPLY_TO", self.reply_to)):
            if not value or "@" not in value:
                problems.append(
                    f"NEWSLETTER['{label}'] is not set: set an email address in pelicanconf.py."
                )
        if not self.from_name:
            problems.append(
                "NEWSLETTER['FROM_NAME'] is not set: set the sender name in pelicanconf.py."
            )
        existing = self.outbox_path
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            problems.append(
                f"{existing} is a file, so the outbox directory {self.outbox_path} cannot be made "
                "there: move that file away or set NEWSLETTER['OUTBOX_PATH'] to a directory."
            )
        elif not os.access(existing, os.W_OK):
            problems.append(
                f"The outbox directory {self.outbox_path} cannot be created (no writable parent): "
                "set NEWSLETTER['OUTBOX_PATH'] to a writable directory."
            )
        return problems

    def prepare(self, editions: list[Edition]) -> None:
        problems = self.check()
        if problems:
            raise BackendError(" ".join(problems))
        try:
            self.outbox_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendError(
                f"Cannot create the outbox directory {self.outbox_path}: {exc}. "
                "Fix the permissions or NEWSLETTER['OUTBOX_PATH']."
            ) from exc

    def deliver(self, edition: Edition, *, schedule_at: datetime | None = None) -> Delivery:
        self.prepare([edition])
        found = self.find_existing(edition.uuid)
        if found is not None:
            return self._found(edition, *found)
        if schedule_at is not None:
            # A file cannot be delivered later; the outbox writes it now.
            log.warning(
                "outbox: SCHEDULE_DELAY_MINUTES applies to Mailchimp only; writing %s now",
                edition.slug,
            )
        now = self._clock()
        # Built before the claim: a bad edition claims nothing, and the write follows at once.
        message = self.build_message(edition, now=now)
        path = self._path(self.file_name(edition))
        if not self._claim(edition):
            return self._wait_for_winner(edition)
        _write_atomically(path, message.as_bytes())
        return Delivery(
            status="sent", at=now, backend=self.name, detail={"path": str(path), "reused": False}
        )

    def _found(
        self, edition: Edition, path: Path, when: datetime, *, other_run: bool = False
    ) -> Delivery:
        log.info(
            "outbox: %s already holds %s; recording it, not writing another", path, edition.uuid
        )
        detail = {"path": str(path), "reused": True}
        if other_run:
            detail["other_run"] = True
        return Delivery(status="sent", at=when, backend=self.name, detail=detail)

    def _claim(self, edition: Edition) -> bool:
        """Create outbox/.<uuid>.claim exclusively; False when another run holds it.

        A claim left by a run that died on this machine (its pid is gone) is taken over
        through the next generation, `.<uuid>.claim.1`, `.2` …: each is created with
        O_EXCL too, so of several re-runs exactly one takes it over. The dead run wrote
        nothing (messages are written atomically and the caller looked for one first).
        A claim of another machine, or of a live process, is never taken over.
        """
        base = self._path(f".{edition.uuid}{CLAIM_SUFFIX}")
        generation = 0
        while True:
            claim = base if generation == 0 else base.with_name(f"{base.name}.{generation}")
            try:
                fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                break
            except FileExistsError:
                if not _held_by_a_dead_local_process(claim):
                    return False
                generation += 1
            except OSError as exc:
                raise BackendError(
                    f"Cannot create {claim}: {exc.strerror or exc}. Fix the outbox directory and re-run."
                ) from exc
        if generation and self.find_existing(edition.uuid) is not None:
            os.close(fd)
            return False  # written after all: the caller records it
        try:
            # Who claimed it, for the message a stuck claim gives (see _wait_for_winner).
            os.write(
                fd,
                f"{socket.gethostname()} pid {os.getpid()} {self._clock().isoformat()}\n".encode(),
            )
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def _wait_for_winner(self, edition: Edition) -> Delivery:
        """Another run claimed the post: record its message once it is there."""
        claim = self._path(f".{edition.uuid}{CLAIM_SUFFIX}")
        deadline = time.monotonic() + self.claim_wait
        while True:
            found = self.find_existing(edition.uuid)
            if found is not None:
                return self._found(edition, *found, other_run=True)
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        try:
            holder = claim.read_text(encoding="utf-8", errors="replace").strip() or "unknown"
        except OSError:
            holder = "unknown"
        raise BackendError(
            f"{claim} says another run ({holder}) claimed the message of {edition.slug!r}, but "
            f"no message appeared within {self.claim_wait:.0f} s (that run stopped, or the message "
            "was written and later removed); nothing was written. If no other `make publish` is "
            f"running on that folder, delete {claim.name} and re-run to write it."
        )

    def _path(self, name: str) -> Path:
        try:
            return path_inside(self.outbox_path, name)
        except ValueError as exc:
            raise BackendError(
                f"Refusing to write the outbox file: {exc}.", retry_safe=False
            ) from None

    def test_send(self, edition: Edition, address: str) -> str:
        self.prepare([edition])
        message = self.build_message(edition, now=self._clock(), test_address=address)
        path = self._path(self.file_name(edition, test=True))
        _write_atomically(path, message.as_bytes())
        return str(path)

    # --- Messages ----------------------------------------------------------------------
    def file_name(self, edition: Edition, *, test: bool = False) -> str:
        # The full Uuid, not a prefix: two posts whose slugs differ only in punctuation
        # (same cleaned slug) and whose Uuids share a prefix must not share a file.
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", edition.slug).strip("-.")[:80] or "post"
        stem = f"{edition.date:%Y-%m-%d}-{slug}-{edition.uuid}"
        return stem + (TEST_SUFFIX if test else ".eml")

    def message_id(self, uuid: str) -> str:
        return f"<{uuid}@{self.domain}>"

    @property
    def domain(self) -> str:
        host = urlsplit(self.siteurl).hostname if self.siteurl else None
        return host or self.from_email.rpartition("@")[2] or "localhost"

    def find_existing(self, uuid: str) -> tuple[Path, datetime] | None:
        """An earlier run's message for this post (whatever its slug/date were then)."""
        if not self.outbox_path.is_dir():
            return None
        # Full-Uuid names, and the 8-character ones written before (same header check).
        names = {
            *self.outbox_path.glob(f"*-{uuid}.eml"),
            *self.outbox_path.glob(f"*-{uuid[:8]}.eml"),
        }
        for path in sorted(names):
            try:
                with path.open("rb") as fh:
                    msg = message_from_binary_file(fh, policy=policy.default)
            except OSError:
                continue
            if msg.get("X-Connected-Post", "").strip() != uuid:
                continue
            try:
                when = parsedate_to_datetime(str(msg["Date"]))
            except (TypeError, ValueError):
                when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            return path, when
        return None

    def build_message(
        self, edition: Edition, *, now: datetime, test_address: str | None = None
    ) -> EmailMessage:
        html_body = _read(edition.outbox_html)
        text_body = _read(edition.text)
        if not _mentions(html_body, self.postal_address):
            raise BackendError(
                f"The outbox edition {edition.outbox_html} does not show the postal address "
                f"{self.postal_address!r}: rebuild the site (make publish builds it) and check "
                "the email template's footer."
            )
        msg = EmailMessage(policy=policy.SMTP)
        subject = header_text(edition.subject or edition.title)
        msg["Subject"] = f"[TEST] {subject}" if test_address else subject
        msg["From"] = Address(display_name=header_text(self.from_name), addr_spec=self.from_email)
        msg["To"] = test_address if test_address else LIST_RECIPIENTS
        msg["Reply-To"] = Address(display_name=header_text(self.from_name), addr_spec=self.reply_to)
        msg["Date"] = format_datetime(now.astimezone(UTC))
        # A test message must not share the real edition's Message-ID.
        msg["Message-ID"] = (
            make_msgid("test", domain=self.domain)
            if test_address
            else self.message_id(edition.uuid)
        )
        msg["List-Unsubscribe"] = _list_unsubscribe(self.unsubscribe_url, self.reply_to)
        msg["X-Connected-Post"] = edition.uuid
        msg["Content-Language"] = "en"
        msg.set_content(text_body, subtype="plain", charset="utf-8")
        msg.add_alternative(html_body, subtype="html", charset="utf-8")
        return msg


def _list_unsubscribe(url: str, reply_to: str) -> str:
    mailto = f"mailto:{reply_to}?subject=unsubscribe"
    if url.startswith("mailto:"):
        return f"<{url}>"
    return f"<{url}>, <{mailto}>"


def _mentions(html_body: str, address: str) -> bool:
    """Whether the rendered HTML shows the address (ignoring markup and spacing)."""
    if not address:
        return False
    text = html.unescape(re.sub(r"<[^>]+>", " ", html_body))
    flat = " ".join(text.split())
    return " ".join(address.split()) in flat


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackendError(
            f"Cannot read the email edition {path}: {exc}. Rebuild the site (make publish builds it)."
        ) from exc


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data, durable=True)
    except OSError as exc:
        raise BackendError(
            f"Cannot write {path}: {exc}. Fix the outbox directory and re-run."
        ) from exc


def _held_by_a_dead_local_process(claim: Path) -> bool:
    """True if `claim` names this machine and a process id that no longer runs."""
    try:
        words = claim.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return False
    if len(words) < 3 or words[0] != socket.gethostname() or words[1] != "pid" or not words[2].isdigit():
        return False
    try:
        os.kill(int(words[2]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, owned by someone else
    return False

