"""Mailchimp backend: one regular campaign per post, sent exactly once.

The remote is the truth. Every campaign we create carries the post's marker in its
internal title (`settings.title = "connected:<uuid>"`); before creating one we list the
audience's campaigns once and look the marker up, so a run that crashed anywhere
(after create, after content, after send but before the send record was written)
is finished by the next run instead of repeated.

This module is the campaign lifecycle on top of scripts/backends/mailchimp_client.py, which
owns the HTTP side (the official client's quirks, retries, paging and the messages of a
failed call). A create, send or schedule is never retried there; when its outcome is
unknown (timeout, dropped connection, 5xx) we re-read the remote state here and continue
from it, or stop and let the next run do so.

The campaign list is eventually consistent: a campaign can be missing from it for a
few seconds after its create. So a create with an unknown outcome is looked up a few
times before giving up, and every campaign we create is reported to `on_created` (the
CLI notes its id in the send record's "pending"), and a later run reads those ids
directly (`known_ids`) instead of trusting the list alone.

Two machines publishing at once (a laptop and a CI job) each hold their own lock and
send record, so the remote decides between them: every run that means to send a post
first holds a candidate campaign carrying the marker (its own new draft, or the earliest
draft already there), waits `settle` seconds after it first saw that campaign, lists the
marker's campaigns again and sends only when its candidate is the earliest of them
(create_time, then id). A loser deletes its own draft and records the winner's send
once it sees it. With `settle` longer than the list's lag plus create_time's one-second
resolution, every run sees every campaign that sorts before its own, so they all elect
the same one (the argument, and what it cannot cover: docs/publishing.md).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from connected.dates import quarter_hour_at_or_after
from scripts.backends.base import Backend, BackendError, Delivery, Edition, header_text
from scripts.backends.mailchimp_client import CallFailed, MailchimpClient

LOG = logging.getLogger(__name__)

MARKER_PREFIX = "connected:"
TEST_MARKER_PREFIX = "connected-test:"
SUBJECT_MAX = 150  # Mailchimp's limit for subject_line and preview_text
# Seconds (times `backoff`) between the lookups that follow a create with an unknown outcome.
CREATE_LOOKUP_WAITS = (2.0, 4.0, 8.0)
SENT_STATUSES = ("sent", "sending", "archived")
# The two-machine election (see the module docstring and docs/publishing.md).
DEFAULT_SETTLE = 15.0  # seconds: the list's lag we allow for (14 s) + create_time's 1 s steps
WINNER_WAIT = 60.0  # seconds a losing run waits for the winner's send before giving up
WINNER_POLL = 1.0  # seconds between two reads of the winner's status
ELECTION_ROUNDS = 3  # a winner that vanished (deleted) makes the election start over
LAG_REREADS = 2  # more settle waits when our own campaign is not listed after the first
DRAFT_STATUSES = ("save", "paused")
RERUN = "Re-running `make publish` is safe: it looks the campaign up before sending"
# What a lookup reads of each campaign (the list, or one campaign read directly).
LISTED_FIELDS = ("id", "web_id", "status", "send_time", "create_time", "settings.title")


def marker_for(uuid: str) -> str:
    return MARKER_PREFIX + uuid


def next_quarter_hour(when: datetime, now: datetime | None = None) -> datetime:
    """The first quarter hour (UTC, :00/:15/:30/:45) at or after `when`, and in the future."""
    now = now or datetime.now(UTC)
    return quarter_hour_at_or_after(max(when.astimezone(UTC), now + timedelta(minutes=1)))


class _Handled(Exception):
    """The post went (or goes) out through a campaign another run handled: record it."""

    def __init__(self, delivery: Delivery):
        super().__init__(delivery.campaign_id)
        self.delivery = delivery


class _Superseded(Exception):
    """The campaign this run meant to send vanished (deleted by the run that lost to
    another one): look again and elect afresh."""


def _order(campaign: dict) -> tuple:
    """Total order of the election: create_time (seconds, from Mailchimp's one clock), then id."""
    value = campaign.get("create_time") or ""
    try:
        created = datetime.fromisoformat(value)
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
    except ValueError:
        created = datetime.max.replace(tzinfo=UTC)  # unknown: sorts last, never wins by it
    return (created, str(campaign.get("id") or ""))


class MailchimpBackend(Backend):
    """Deliver email editions as Mailchimp campaigns (see the module docstring)."""

    name = "mailchimp"
    tracks_campaigns = True

    def __init__(
        self,
        *,
        api_key: str,
        audience_id: str,
        api_url: str | None = None,
        from_name: str = "",
        reply_to: str = "",
        log: logging.Logger | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        settle: float = 0.0,
        winner_wait: float = WINNER_WAIT,
    ):
        super().__init__()
        self.log = log or LOG
        # The HTTP side: key check, retry budget and waits (`sleep`) belong to the client.
        self.client = MailchimpClient(
            api_key, api_url=api_url, timeout=timeout, max_attempts=max_attempts,
            backoff=backoff, backoff_max=backoff_max, sleep=sleep, log=self.log,
        )  # fmt: skip
        # An empty audience is allowed here so that `make publish CHECK=1` can still ask
        # whether Mailchimp answers; anything that needs the audience says it is missing.
        self.audience_id = (audience_id or "").strip()
        self.from_name = from_name
        self.reply_to = reply_to
        self._clock = clock or (lambda: datetime.now(UTC))
        self.settle = max(float(settle), 0.0)
        self.winner_wait = max(float(winner_wait), 0.0)
        self._audience: dict | None = None
        self._campaigns: dict[str, list[dict]] | None = None
        self._listed_at = 0.0  # time.monotonic() when the campaign list above was read
        self._fetched_at: dict[str, float] = {}  # campaign id -> when read directly instead
        self._tags: dict[str, int] | None = None
        self._tag_names: dict[str, str] = {}
        self._read_back: dict = {}
        # Ids a create with an unknown outcome was matched to by a lookup: not provably ours.
        self._unconfirmed: set[str] = set()

    @property
    def data_centre(self) -> str:
        return self.client.data_centre

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (the call budget the tests hold us to)."""
        return self.client.request_count

    # ------------------------------------------------------------------ remote state
    def _load_audience(self) -> dict:
        if self._audience is not None:
            return self._audience
        if not self.audience_id:
            raise BackendError(
                "MAILCHIMP_AUDIENCE_ID is not set: add your audience id to .env "
                "(Mailchimp › Audience › Settings › Audience name and defaults)"
            )
        try:
            return self._fetch_audience()
        except CallFailed as exc:
            if exc.status == 404:
                raise BackendError(self._unknown_audience_message()) from None
            raise self.client.error(exc) from None

    def _fetch_audience(self, attempts: int | None = None) -> dict:
        audience = self.client.call(
            "the audience check",
            self.client.lists.get_list,
            self.audience_id,
            fields=["id", "name", "contact", "campaign_defaults", "stats.member_count"],
            idempotent=True,
            attempts=attempts,
        )
        self._audience = audience or {}
        return self._audience

    def _unknown_audience_message(self) -> str:
        text = f"Mailchimp has no audience with id {self.audience_id!r} (MAILCHIMP_AUDIENCE_ID in .env)"
        try:
            found = (
                self.client.call(
                    "listing audiences",
                    self.client.lists.get_all_lists,
                    fields=["lists.id", "lists.name", "total_items"],
                    count=100,
                    idempotent=True,
                )
                or {}
            )
        except CallFailed as exc:
            return f"{text}; listing the audiences this key can see failed too: {exc.describe()}"
        lists = found.get("lists") or []
        if not lists:
            return f"{text}; this API key can see no audience: create one in Mailchimp first"
        names = ", ".join(f"{lst.get('name')!r} (id {lst.get('id')})" for lst in lists)
        return f"{text}. Audiences this key can see: {names}"

    def _load_campaigns(self) -> dict[str, list[dict]]:
        """marker -> campaigns carrying it, for this audience (one call per 1000 campaigns)."""
        by_marker: dict[str, list[dict]] = {}
        for campaign in self.client.pages(
            "looking up earlier campaigns",
            self.client.campaigns.list,
            items="campaigns",
            fields=[f"campaigns.{name}" for name in LISTED_FIELDS] + ["total_items"],
            list_id=self.audience_id,
        ):
            settings = campaign.get("settings") or {}
            title = settings.get("title") if isinstance(settings, dict) else None
            if not isinstance(settings, dict) or not isinstance(title, str | None):
                # Read as "not ours", such an entry could hide a campaign already sent.
                raise BackendError(
                    "Mailchimp's answer to looking up earlier campaigns holds one whose settings "
                    f"are not Mailchimp's ({str(campaign.get('settings'))[:60]!r}): a proxy or cache "
                    "between here and Mailchimp? Nothing more was sent. Re-run `make publish` later"
                )
            title = title or ""
            if title.startswith(MARKER_PREFIX):
                by_marker.setdefault(title, []).append(campaign)
        self._listed_at = time.monotonic()
        return by_marker

    def _load_tags(self) -> dict[str, int]:
        """Tag name (lower case) -> id: tags are the audience's static segments."""
        if self._tags is not None:
            return self._tags
        tags: dict[str, int] = {}
        names: dict[str, str] = {}
        for segment in self.client.pages(
            "listing the audience's tags",
            self.client.lists.list_segments,
            self.audience_id,
            items="segments",
            type="static",
            fields=["segments.id", "segments.name", "total_items"],
        ):
            tags[segment["name"].lower()] = int(segment["id"])
            names[segment["name"].lower()] = segment["name"]
        self._tags = tags
        self._tag_names = names
        return tags

    def _segment_id(self, tag: str) -> int:
        tags = self._load_tags()
        if tag.lower() not in tags:
            known = ", ".join(sorted(self._tag_names.values())) or "none"
            raise BackendError(
                f"Audience tag {tag!r} does not exist in the Mailchimp audience "
                f"{self.audience_id}; tags that exist: {known}. Fix the post's Audience_tag "
                "metadata (or create the tag in Mailchimp)",
                retry_safe=True,
            )
        return tags[tag.lower()]

    @staticmethod
    def _best(campaigns: list[dict]) -> dict | None:
        """Of several campaigns with one marker, the one furthest along."""

        def rank(c: dict) -> int:
            status = c.get("status")
            if status in SENT_STATUSES:
                return 0
            if status == "schedule":
                return 1
            if status in DRAFT_STATUSES:
                return 3
            # canceled/canceling: someone stopped a send that may have reached part of the
            # list. It outranks a stray draft, so the post is not sent again automatically.
            return 2

        return min(campaigns, key=rank) if campaigns else None

    def _sender(self) -> tuple[str, str]:
        defaults = self._load_audience().get("campaign_defaults") or {}
        from_name = self.from_name or defaults.get("from_name") or ""
        reply_to = self.reply_to or defaults.get("from_email") or ""
        return from_name, reply_to

    # ------------------------------------------------------------------ Backend protocol
    def check(self) -> list[str]:
        """Whether Mailchimp answers, takes the key and knows the audience; each problem one line."""
        problems: list[str] = []
        try:
            # One attempt: a check names the failure now rather than after minutes of backoff.
            self.client.call("the API key check", self.client.ping.get, idempotent=True, attempts=1)
        except CallFailed as exc:
            if exc.status is None:
                return [f"Mailchimp does not answer at {self.client.host}: {exc.detail}"]
            return [str(self.client.error(exc))]
        if not self.audience_id:
            return []  # the missing MAILCHIMP_AUDIENCE_ID is reported with the settings
        try:
            audience = self._load_audience()
        except BackendError as exc:
            return [str(exc)]
        from_name, reply_to = self._sender()
        if not from_name:
            problems.append(
                "No from name: set NEWSLETTER FROM_NAME in pelicanconf.py "
                "(or the audience's default from name in Mailchimp)"
            )
        if not reply_to or "@" not in reply_to:
            problems.append(
                f"No valid reply-to address ({reply_to!r}): set NEWSLETTER REPLY_TO in "
                "pelicanconf.py (an address on a domain verified in Mailchimp)"
            )
        contact = audience.get("contact") or {}
        if not (contact.get("address1") and contact.get("city")):
            problems.append(
                "The Mailchimp audience has no postal address, which *|LIST:ADDRESSLINE|* "
                "prints in every email: fill it in (Audience › Settings › Audience name "
                "and defaults)"
            )
        return problems

    def refusal(self) -> str | None:
        # One attempt, and only a definite answer counts: 401 or a 403 that is not
        # throttling (the key), 404 (the audience). No answer or a 5xx: None, and the
        # sends that follow retry and word it.
        # The audience read here is the one the sends use: no second request for it.
        if not self.audience_id or self._audience is not None:
            return None  # make_backend has refused a missing MAILCHIMP_AUDIENCE_ID already
        try:
            self._fetch_audience(attempts=1)
        except CallFailed as exc:
            if exc.status == 404:
                return self._unknown_audience_message()
            if exc.status in (401, 403) and not exc.throttled:
                return str(self.client.error(exc))
        return None

    def prepare(self, editions: list[Edition]) -> None:
        if not editions:
            return
        self._load_audience()
        if self._campaigns is None:
            self._campaigns = self._load_campaigns()
        for edition in editions:
            # Fail before anything is sent when a post names a tag that does not exist
            # (a post whose campaign already went out needs no segment any more).
            existing = self._best(self._campaigns.get(marker_for(edition.uuid), []))
            done = existing is not None and existing.get("status") not in DRAFT_STATUSES
            if edition.audience_tag and not done:
                self._segment_id(edition.audience_tag)

    def deliver(self, edition: Edition, *, schedule_at: datetime | None = None) -> Delivery:
        self.prepare([edition])
        for _round in range(ELECTION_ROUNDS):
            try:
                return self._deliver_once(edition, schedule_at)
            except _Handled as handled:
                return handled.delivery
            except _Superseded as gone:
                self.log.info("%s; looking at the campaigns of %s again", gone, edition.slug)
                self._campaigns = self._load_campaigns()
        raise BackendError(
            f"The Mailchimp campaigns for {edition.slug!r} kept changing under this run (another "
            f"run publishing the same site at the same time?); nothing was sent by this run. {RERUN}"
        )

    def _known(self, edition: Edition, marker: str) -> list[dict]:
        """The marker's campaigns: the last list, plus the one an earlier run of this checkout
        noted (the list can lag behind a create; GET /campaigns/{id} does not)."""
        found = self._campaigns.get(marker, [])
        known = self.known_ids.get(edition.uuid)
        if known and known not in {c.get("id") for c in found}:
            campaign = self._fetch(known) or {}
            if (campaign.get("settings") or {}).get("title") == marker and (
                campaign.get("recipients") or {}
            ).get("list_id") == self.audience_id:
                found = self._campaigns[marker] = [*found, campaign]
                self._fetched_at[known] = time.monotonic()
        return found

    def _deliver_once(self, edition: Edition, schedule_at: datetime | None) -> Delivery:
        marker = marker_for(edition.uuid)
        found = self._known(edition, marker)
        existing = self._best(found)
        if len(found) > 1:
            self.log.warning(
                "Post %s has %d Mailchimp campaigns (%s); using %s",
                edition.slug,
                len(found),
                ", ".join(c["id"] for c in found),
                existing["id"],
            )
        if existing is not None:
            self._stop_if_handled(edition, existing)
            # Drafts only: the earliest is the one every run elects (see _elect).
            candidate = min((c for c in found if c.get("status") in DRAFT_STATUSES), key=_order)
            seen_at, own = self._fetched_at.get(candidate["id"], self._listed_at), False
            self.log.info(
                "Resuming the Mailchimp draft %s for %s (left by an earlier run, or being "
                "sent by another one)",
                candidate["id"],
                edition.slug,
            )
        else:
            candidate = self._create(edition, marker, MARKER_PREFIX)
            seen_at, own = time.monotonic(), True
            if candidate["id"] in self._unconfirmed:
                # The create went unanswered and a lookup found this draft: it may be another
                # checkout's (ours may appear later, or never). Resume the earliest draft
                # listed, as if found before creating: never fill or delete it as our own.
                candidate = min(
                    (c for c in self._campaigns.get(marker, []) if c.get("status") in DRAFT_STATUSES),
                    key=_order,
                )
                seen_at, own = self._listed_at, False
            else:
                # Our own fresh draft: fill it while the list settles.
                self._set_content(edition, candidate["id"])
                self._require_ready(edition, candidate["id"])
        self._elect(edition, marker, candidate, seen_at, own)
        campaign_id = candidate["id"]
        if not own:
            # The draft may predate an edit of the post (or lack settings): bring it up to
            # date. Extra requests only when finishing an interrupted run.
            self._update_draft(edition, campaign_id, marker)
            self._set_content(edition, campaign_id)
            self._require_ready(edition, campaign_id)
        if schedule_at is not None:
            return self._schedule(edition, campaign_id, schedule_at, not own)
        return self._send(edition, campaign_id, not own)

    def _stop_if_handled(self, edition: Edition, campaign: dict) -> None:
        """Raise _Handled when `campaign` went (or goes) out; BackendError when it was stopped."""
        done = self._done(edition, campaign)
        if done is not None:
            raise _Handled(done)
        if campaign.get("status") not in DRAFT_STATUSES:
            raise BackendError(
                f"The Mailchimp campaign {campaign['id']} for {edition.slug!r} is "
                f"{campaign.get('status')!r}: it was stopped in Mailchimp, so it is not "
                "sent again automatically. Delete that campaign in Mailchimp to send the "
                "post afresh, or mark the post as held"
            )

    def _elect(
        self, edition: Edition, marker: str, candidate: dict, seen_at: float, own: bool
    ) -> None:
        """Return when `candidate` is the campaign to send; otherwise raise _Handled (another
        campaign went out), _Superseded (look again) or BackendError.

        Waits until `settle` seconds after `seen_at` (when this run first knew the
        candidate existed), so that every campaign sorting before it is in the list.
        """
        remaining = seen_at + self.settle - time.monotonic()
        if remaining > 0:
            self.log.info("Waiting %.1f s for Mailchimp's campaign list to settle", remaining)
            self.client.wait(remaining)
        self._campaigns = self._load_campaigns()
        everyone = list(self._campaigns.get(marker, []))
        mine = own or candidate["id"] == self.known_ids.get(edition.uuid)
        for _again in range(LAG_REREADS if self.settle else 0):
            if not mine or candidate["id"] in {c.get("id") for c in everyone}:
                break
            # Our own campaign is not listed yet: the list lags more than the settle time,
            # so others may be missing too. Give it another settle time before deciding.
            self.log.warning(
                "Campaign %s is not in Mailchimp's campaign list yet; waiting %.0f s more",
                candidate["id"],
                self.settle,
            )
            self.client.wait(self.settle)
            self._campaigns = self._load_campaigns()
            everyone = list(self._campaigns.get(marker, []))
        if candidate["id"] not in {c.get("id") for c in everyone}:
            if mine and not self.settle:
                # MAILCHIMP_SETTLE_SECONDS = 0: one machine publishes this site, no election.
                everyone.append(candidate)
            elif mine:
                # A list that does not show the campaign this run made cannot show another
                # machine's either: sending now could be the post's second email. The draft
                # stays (pending in the send record) and the next run resumes it.
                raise BackendError(
                    f"Mailchimp's campaign list still does not show campaign {candidate['id']} "
                    f"for “{edition.title}”, {self.settle * (1 + LAG_REREADS):.0f} s after it was "
                    "made, so this run cannot tell whether another checkout is sending it too: "
                    "nothing was sent. Re-run `make publish` in a few minutes (the draft is "
                    "reused); if this keeps happening, raise MAILCHIMP_SETTLE_SECONDS"
                )
            else:
                # A draft we found earlier is no longer listed: deleted (it lost an election).
                raise _Superseded(f"campaign {candidate['id']} is gone")
        best = self._best(everyone)
        if best is not None and best.get("status") not in DRAFT_STATUSES:
            if own and best["id"] != candidate["id"]:
                self._delete(candidate["id"], quiet=True)
            self._stop_if_handled(edition, best)
        winner = min((c for c in everyone if c.get("status") in DRAFT_STATUSES), key=_order)
        if winner["id"] == candidate["id"]:
            return
        self.log.warning(
            "Another run made campaign %s for %s before this one (%s): this run does not send; "
            "it waits for that one",
            winner["id"],
            edition.slug,
            candidate["id"],
        )
        if own:
            self._delete(candidate["id"], quiet=True)
        self._await_winner(edition, winner)

    def _await_winner(self, edition: Edition, winner: dict) -> None:
        """Poll the winner until it is sent or scheduled (raise _Handled), or give up."""
        status, waited, pause = winner.get("status"), 0.0, WINNER_POLL / 4
        while waited < self.winner_wait or waited == 0.0:
            self.client.wait(pause)
            waited += pause
            pause = min(pause * 2, WINNER_POLL)
            status = self._status(winner["id"])
            if status is None:
                raise _Superseded(f"campaign {winner['id']} is gone")
            if status in SENT_STATUSES or status == "schedule":
                campaign = {**winner, **self._read_back, "status": status}
                done = self._done(edition, campaign)
                raise _Handled(dataclasses.replace(done, detail={**done.detail, "other_run": True}))
            if status not in DRAFT_STATUSES:
                break
        if self.on_created is not None:
            # The next run reads this id directly, whatever the list shows by then.
            self.on_created(edition.uuid, winner["id"])
        raise BackendError(
            f"Another run (another checkout publishing at the same time?) made campaign "
            f"{winner['id']} for {edition.slug!r} first, so this run did not send the post; after "
            f"{self.winner_wait:.0f} s that campaign is still {status!r}. {RERUN} (it sends or "
            "records that campaign)"
        )

    def _moved_on(self, exc: CallFailed, edition: Edition, campaign_id: str) -> None:
        """A refused change to a draft we meant to send: did another run send or delete it?"""
        if exc.status not in (400, 404):
            return
        status = self._status(campaign_id)
        if status is None:
            raise _Superseded(f"campaign {campaign_id} is gone")
        if status in SENT_STATUSES or status == "schedule":
            campaign = {"id": campaign_id, **self._read_back, "status": status}
            raise _Handled(self._done(edition, campaign))

    def test_send(self, edition: Edition, address: str) -> str:
        self._load_audience()
        campaign_id = self._create(
            edition, TEST_MARKER_PREFIX + edition.uuid, TEST_MARKER_PREFIX, lookup=False
        )["id"]
        try:
            self._set_content(edition, campaign_id, guard=False)
            self.client.call_or_stop(
                "the test send",
                self.client.campaigns.send_test_email,
                campaign_id,
                {"test_emails": [address], "send_type": "html"},
                idempotent=False,
                answer=False,
            )
        finally:
            self._delete(campaign_id, quiet=True)
        return f"Mailchimp test email to {address} (throwaway campaign {campaign_id}, deleted)"

    def unschedule(self, campaign_ids: list[str]) -> list[str]:
        cancelled: list[str] = []
        for campaign_id in campaign_ids:
            exc = self._action(
                f"unscheduling campaign {campaign_id}",
                self.client.campaigns.unschedule,
                campaign_id,
                stop=(401,),
            )
            if exc is not None:
                status = self._status(campaign_id)
                if status is None:
                    self.log.info("Campaign %s no longer exists", campaign_id)
                    cancelled.append(campaign_id)
                    continue
                if status not in DRAFT_STATUSES:
                    self.log.warning(
                        "Campaign %s could not be unscheduled (%s); it is %r",
                        campaign_id,
                        exc.describe(),
                        status,
                    )
                    continue
            if self._delete(campaign_id, quiet=False):
                cancelled.append(campaign_id)
        return cancelled

    # ------------------------------------------------------------------ steps
    def _done(self, edition: Edition, campaign: dict) -> Delivery | None:
        """A Delivery when the campaign already went (or will go) out, else None."""
        status = campaign.get("status")
        detail = {
            "marker": marker_for(edition.uuid),
            "web_id": campaign.get("web_id"),
            "found_on_remote": True,
        }
        if status in SENT_STATUSES:
            self.log.info(
                "%s was already sent by Mailchimp (campaign %s); not sending again",
                edition.slug,
                campaign["id"],
            )
            return Delivery(
                "sent", self._time(campaign.get("send_time")), self.name, campaign["id"], detail
            )
        if status == "schedule":
            self.log.info(
                "%s is already scheduled in Mailchimp (campaign %s)", edition.slug, campaign["id"]
            )
            return Delivery(
                "scheduled",
                self._time(campaign.get("send_time")),
                self.name,
                campaign["id"],
                detail,
            )
        return None

    def _time(self, value: str | None) -> datetime:
        if value:
            try:
                parsed = datetime.fromisoformat(value)
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            except ValueError:
                pass
        return self._clock()

    def _fit(self, text: str, what: str, edition: Edition) -> str:
        text = header_text(text)  # no control characters in a subject or preview
        if len(text) <= SUBJECT_MAX:
            return text
        self.log.warning(
            "%s of %s is longer than %d characters; shortened", what, edition.slug, SUBJECT_MAX
        )
        return text[: SUBJECT_MAX - 1].rstrip() + "…"

    def _campaign_fields(self, edition: Edition, marker: str) -> dict:
        """recipients + settings of the post's campaign (for create and for a reused draft)."""
        from_name, reply_to = self._sender()
        if not from_name or not reply_to:
            raise BackendError(
                "Cannot create a Mailchimp campaign without a from name and reply-to address: "
                "set NEWSLETTER FROM_NAME and REPLY_TO in pelicanconf.py"
            )
        recipients: dict = {"list_id": self.audience_id}
        if edition.audience_tag:
            recipients["segment_opts"] = {
                "saved_segment_id": self._segment_id(edition.audience_tag)
            }
        return {
            "recipients": recipients,
            "settings": {
                "subject_line": self._fit(edition.subject or edition.title, "Subject", edition),
                "preview_text": self._fit(edition.preheader, "Preheader", edition),
                "title": marker,
                "from_name": from_name,
                "reply_to": reply_to,
            },
        }

    def _create(self, edition: Edition, marker: str, prefix: str, lookup: bool = True) -> dict:
        """Create the post's campaign; return it (id, status, create_time, settings.title)."""
        body = {"type": "regular", **self._campaign_fields(edition, marker)}
        try:
            campaign = (
                self.client.call(
                    f"creating the campaign for {edition.slug!r}",
                    self.client.campaigns.create,
                    body,
                    idempotent=False,
                )
                or {}
            )
        except CallFailed as exc:
            if not exc.unknown_outcome or not lookup:
                raise self.client.error(exc) from None
            # Mailchimp may have created it: look, never create a second one blindly.
            self.log.warning("%s; looking for the campaign on Mailchimp", exc)
            found = None
            for wait in (0.0, *CREATE_LOOKUP_WAITS):
                if wait:
                    # The campaign list lags a few seconds behind a create: look again
                    # before giving up, or the next run would create a second campaign.
                    self.client.wait(wait * self.client.backoff)
                self._campaigns = self._load_campaigns()
                found = self._best(self._campaigns.get(marker, []))
                if found is not None:
                    break
            if found is None or found.get("status") not in DRAFT_STATUSES:
                raise BackendError(
                    f"Mailchimp did not confirm creating the campaign for {edition.slug!r} "
                    f"({exc.describe()}) and it is not there yet; nothing was sent. {RERUN}"
                ) from None
            self.log.info(
                "Found campaign %s carrying the post's marker: Mailchimp did create ours, or "
                "another run made it",
                found["id"],
            )
            self._unconfirmed.add(found["id"])
            self._created(edition, found["id"], prefix)
            return found
        campaign_id = campaign.get("id")
        if not campaign_id:
            raise BackendError(
                f"Mailchimp answered the create for {edition.slug!r} without a campaign id; {RERUN}"
            )
        created = {
            "id": campaign_id,
            "status": campaign.get("status", "save"),
            "create_time": campaign.get("create_time", ""),
            "settings": {"title": marker},
        }
        if self._campaigns is not None and prefix == MARKER_PREFIX:
            self._campaigns.setdefault(marker, []).append(created)
        self.log.info("Created Mailchimp campaign %s for %s", campaign_id, edition.slug)
        self._created(edition, campaign_id, prefix)
        return created

    def _created(self, edition: Edition, campaign_id: str, prefix: str) -> None:
        if self.on_created is not None and prefix == MARKER_PREFIX:
            self.on_created(edition.uuid, campaign_id)

    def _update_draft(self, edition: Edition, campaign_id: str, marker: str) -> None:
        try:
            self.client.call(
                f"updating the draft campaign {campaign_id}",
                self.client.campaigns.update,
                campaign_id,
                self._campaign_fields(edition, marker),
                idempotent=True,  # PATCH with the same fields leaves the same campaign
            )
        except CallFailed as exc:
            self._moved_on(exc, edition, campaign_id)
            raise self.client.error(exc) from None

    def _set_content(self, edition: Edition, campaign_id: str, guard: bool = True) -> None:
        try:
            html = edition.mailchimp_html.read_text(encoding="utf-8")
            # The Mailchimp text part carries merge tags (unsubscribe, address);
            # the outbox text is the fallback for manifests written before it existed.
            text_path = edition.mailchimp_text or edition.text
            text = text_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BackendError(
                f"The email edition of {edition.slug!r} is missing ({exc.filename}): rebuild "
                "with `make publish` (it builds first) or `make preview-email`"
            ) from None
        try:
            self.client.call(
                f"setting the content of campaign {campaign_id}",
                self.client.campaigns.set_content,
                campaign_id,
                {"html": html, "plain_text": text},
                idempotent=True,  # PUT: repeating it leaves the same content
            )
        except CallFailed as exc:
            if guard:
                self._moved_on(exc, edition, campaign_id)
            raise self.client.error(exc) from None

    def _require_ready(self, edition: Edition, campaign_id: str) -> None:
        checklist = self.client.call_or_stop(
            f"the send checklist of campaign {campaign_id}",
            self.client.campaigns.get_send_checklist,
            campaign_id,
            idempotent=True,
        )
        items = checklist.get("items") or []
        for item in items:
            if item.get("type") == "warning":
                self.log.warning(
                    "Mailchimp checklist for %s: %s — %s",
                    edition.slug,
                    item.get("heading"),
                    item.get("details"),
                )
        if not checklist.get("is_ready"):
            errors = [
                f"{item.get('heading')}: {item.get('details')}"
                for item in items
                if item.get("type") == "error"
            ] or ["(Mailchimp gave no reason)"]
            raise BackendError(
                f"Mailchimp says campaign {campaign_id} for {edition.slug!r} is not ready to "
                "send:\n  - " + "\n  - ".join(errors) + "\nFix these, then re-run `make publish` "
                "(the draft is reused, nothing is sent twice)"
            )

    def _fetch(self, campaign_id: str) -> dict | None:
        """One campaign, as the lookup lists it, or None when it no longer exists."""
        return self._read_campaign(campaign_id, [*LISTED_FIELDS, "recipients.list_id"])

    def _status(self, campaign_id: str) -> str | None:
        """The campaign's current status, or None when it no longer exists."""
        campaign = self._read_campaign(campaign_id, ["id", "status", "send_time"])
        if campaign is None:
            return None
        self._read_back = campaign
        return campaign.get("status")

    def _read_campaign(self, campaign_id: str, fields: list[str]) -> dict | None:
        try:
            return self.client.call(
                f"reading campaign {campaign_id}",
                self.client.campaigns.get,
                campaign_id,
                fields=fields,
                idempotent=True,
            )
        except CallFailed as exc:
            if exc.status == 404:
                return None
            raise self.client.error(exc) from None

    def _send(self, edition: Edition, campaign_id: str, reused: bool) -> Delivery:
        detail = {"marker": marker_for(edition.uuid), "reused_draft": reused}
        exc = self._action(
            f"sending campaign {campaign_id} for {edition.slug!r}",
            self.client.campaigns.send,
            campaign_id,
        )
        if exc is None:
            self._remember(edition, campaign_id, "sent")
            return Delivery("sent", self._clock(), self.name, campaign_id, detail)
        # Unknown outcome, or a refusal that may mean "already sent": look, don't resend.
        self.log.warning("%s; reading the campaign's status", exc)
        status = self._status(campaign_id)
        if status in SENT_STATUSES:
            self.log.info("Mailchimp did send campaign %s", campaign_id)
            return self._confirmed("sent", campaign_id, detail)
        if exc.unknown_outcome:
            raise BackendError(
                f"Mailchimp did not confirm sending campaign {campaign_id} for "
                f"{edition.slug!r} ({exc.describe()}); it is still {status!r}. {RERUN}"
                + (
                    " (after a timeout, wait two minutes first: Mailchimp may still be "
                    "working on the request)"
                    if getattr(exc, "timeout", False)
                    else ""
                )
            )
        raise self.client.error(exc)

    def _schedule(
        self, edition: Edition, campaign_id: str, schedule_at: datetime, reused: bool
    ) -> Delivery:
        when = next_quarter_hour(schedule_at, self._clock())
        detail = {"marker": marker_for(edition.uuid), "reused_draft": reused}
        exc = self._action(
            f"scheduling campaign {campaign_id} for {edition.slug!r}",
            self.client.campaigns.schedule,
            campaign_id,
            {"schedule_time": when.strftime("%Y-%m-%dT%H:%M:%S+00:00")},
        )
        if exc is None:
            self._remember(edition, campaign_id, "schedule")
            return Delivery("scheduled", when, self.name, campaign_id, detail)
        if exc.unknown_outcome:
            status = self._status(campaign_id)
            if status == "schedule" or status in SENT_STATUSES:
                kind = "scheduled" if status == "schedule" else "sent"
                return self._confirmed(kind, campaign_id, detail)
            raise BackendError(
                f"Mailchimp did not confirm scheduling campaign {campaign_id} for "
                f"{edition.slug!r} ({exc.describe()}); it is still {status!r}. {RERUN}"
            )
        self._moved_on(exc, edition, campaign_id)  # scheduled (or sent) by another run?
        raise BackendError(
            f"Mailchimp refused to schedule campaign {campaign_id} for {edition.slug!r}: "
            f"{exc.describe()}. Scheduling needs a paid Mailchimp plan; to send now "
            "instead, set NEWSLETTER SCHEDULE_DELAY_MINUTES to 0 and re-run `make publish` "
            "(the draft is reused)"
        )

    def _action(
        self, what: str, fn, *args, stop: tuple[int, ...] = (401, 404, 429)
    ) -> CallFailed | None:
        """An action Mailchimp answers with 204 (send, schedule, unschedule); never repeated
        blindly. None when Mailchimp confirmed it; otherwise the failure, for the caller to
        read the campaign, unless its status is in `stop` (then the writer's BackendError)."""
        try:
            self.client.call(what, fn, *args, idempotent=False, answer=False)
        except CallFailed as exc:
            if exc.status in stop:
                raise self.client.error(exc) from None
            return exc
        return None

    def _confirmed(self, kind: str, campaign_id: str, detail: dict) -> Delivery:
        """A send or schedule whose answer was lost, found done by reading the campaign."""
        send_time = self._time(self._read_back.get("send_time"))
        return Delivery(kind, send_time, self.name, campaign_id, {**detail, "confirmed_by_read": True})

    def _remember(self, edition: Edition, campaign_id: str, status: str) -> None:
        if self._campaigns is None:
            return
        for campaign in self._campaigns.get(marker_for(edition.uuid), []):
            if campaign["id"] == campaign_id:
                campaign["status"] = status

    def _delete(self, campaign_id: str, quiet: bool) -> bool:
        try:
            self.client.call(
                f"deleting campaign {campaign_id}",
                self.client.campaigns.remove,
                campaign_id,
                idempotent=True,
                answer=False,  # a repeated delete finds nothing (404) and changes nothing
            )
        except CallFailed as exc:
            if exc.status == 404:
                return True
            if quiet:
                self.log.warning(
                    "Could not delete the throwaway campaign %s (%s): delete it in Mailchimp",
                    campaign_id,
                    exc.describe(),
                )
                return False
            raise self.client.error(exc) from None
        return True
