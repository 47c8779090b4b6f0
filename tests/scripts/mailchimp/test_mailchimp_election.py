"""The two-machine election, one interleaving at a time (real client, the fake, real waits).

The other machine is played by the test: it puts a campaign carrying the post's marker on
the fake (hidden from the list for `list_lag` seconds, like a create seconds ago) and later
sends or deletes it. The create_times are set through the fake's clock, so which campaign
is "earliest" is decided by the test. The race with two real processes is in
test_publish_two_checkouts.py.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from scripts.backends.base import BackendError
from scripts.backends.mailchimp import marker_for
from tests.kit.fake_mailchimp import iso

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SETTLE = 0.5
LAG = 0.3


@pytest.fixture
def race(fake_mailchimp, make_backend, make_edition):
    fake_mailchimp.list_lag = LAG
    fake_mailchimp.clock = lambda: T0
    edition = make_edition(1)
    noted: list[str] = []

    def backend(**overrides):
        options = {"sleep": time.sleep, "settle": SETTLE, "winner_wait": 0.3}
        options.update(overrides)
        made = make_backend(**options)
        made.on_created = lambda uuid, campaign_id: noted.append(campaign_id)
        return made

    return fake_mailchimp, edition, marker_for(edition.uuid), backend, noted


def other_machine_creates(fake, marker: str, at: datetime) -> str:
    """A campaign the other checkout just made: not in the list for LAG seconds."""
    fake.clock = lambda: at
    campaign_id = fake.add_campaign(
        marker, status="save", subject_line="S", from_name="F", reply_to="r@x.org"
    )
    return campaign_id


def mark_sent(fake, campaign_id: str) -> None:
    with fake.lock:
        state = fake.campaigns[campaign_id]
        state.doc["status"], state.doc["send_time"], state.sends = "sent", iso(T0), 1


def later(seconds: float, action) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


def ours(fake, marker: str, other: str):
    return [c for c in fake.campaigns_titled(marker, include_deleted=True) if c.doc["id"] != other]


def test_earlier_campaign_of_another_run_wins_and_this_run_waits_then_gives_up(race):
    fake, edition, marker, backend, noted = race
    other = other_machine_creates(fake, marker, T0)
    fake.clock = lambda: T0 + timedelta(seconds=1)  # ours is made a second later
    run = backend()
    run.prepare([edition])  # the other campaign is not listed yet (lag)
    with pytest.raises(BackendError) as info:
        run.deliver(edition)
    message = str(info.value)
    assert f"made campaign {other} for 'post-1' first, so this run did not send the post" in message
    assert "still 'save'" in message and "Re-running `make publish` is safe" in message
    (mine,) = ours(fake, marker, other)
    assert mine.deleted and mine.sends == 0
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
    # Our draft's id was noted on create, then the winner's, for the next run to read directly.
    assert noted == [mine.doc["id"], other]

    # The other run sends after all; the next run of this checkout records that send.
    mark_sent(fake, other)
    again = backend()
    again.known_ids = {edition.uuid: noted[-1]}
    delivery = again.deliver(edition)
    assert delivery.campaign_id == other and delivery.detail["found_on_remote"] is True
    assert sum(c.sends for c in fake.campaigns_titled(marker, include_deleted=True)) == 1


def test_loser_records_the_winners_send_once_it_sees_it(race):
    fake, edition, marker, backend, _noted = race
    other = other_machine_creates(fake, marker, T0)
    fake.clock = lambda: T0 + timedelta(seconds=1)
    run = backend(winner_wait=10.0)
    run.prepare([edition])
    later(SETTLE + 0.4, lambda: mark_sent(fake, other))
    delivery = run.deliver(edition)
    assert delivery.status == "sent" and delivery.campaign_id == other
    assert delivery.detail["other_run"] is True
    (mine,) = ours(fake, marker, other)
    assert mine.deleted and mine.sends == 0
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []


def test_this_runs_earlier_campaign_is_sent_and_the_later_one_is_left_to_its_run(race):
    fake, edition, marker, backend, _noted = race
    run = backend()
    run.prepare([edition])
    made: list[str] = []

    def other_after_ours():
        deadline = time.monotonic() + 5
        while not fake.calls("POST", "/campaigns") and time.monotonic() < deadline:
            time.sleep(0.005)
        made.append(other_machine_creates(fake, marker, T0 + timedelta(seconds=1)))

    later(0.0, other_after_ours)
    delivery = run.deliver(edition)
    (other,) = made
    assert delivery.campaign_id != other and delivery.detail.get("other_run") is None
    assert fake.campaigns[delivery.campaign_id].sends == 1
    assert fake.campaigns[other].sends == 0 and not fake.campaigns[other].deleted


def test_same_second_is_decided_by_the_lower_id(race):
    fake, edition, marker, backend, _noted = race
    other = other_machine_creates(fake, marker, T0)  # the same second as ours
    run = backend()
    run.prepare([edition])
    try:
        delivery = run.deliver(edition)
        winner = delivery.campaign_id
    except BackendError:
        winner = other
    (mine,) = ours(fake, marker, other)
    assert winner == min(other, mine.doc["id"])
    assert sum(c.sends for c in fake.campaigns_titled(marker, include_deleted=True)) == (
        1 if winner == mine.doc["id"] else 0
    )


def test_resumed_draft_sent_by_the_other_run_meanwhile_is_recorded_not_resent(race):
    fake, edition, marker, backend, _noted = race
    fake.list_lag = 0.0
    draft = other_machine_creates(fake, marker, T0)
    run = backend()
    run.prepare([edition])  # lists the draft: this run resumes it
    real = run._load_campaigns
    reads = []

    def reread_then_other_run_sends():
        listed = real()
        reads.append(1)
        if len(reads) == 1:  # the election's re-read: the draft is ours to send...
            mark_sent(fake, draft)  # ...but the other run sends it first
        return listed

    run._load_campaigns = reread_then_other_run_sends
    delivery = run.deliver(edition)
    assert delivery.campaign_id == draft and delivery.status == "sent"
    assert fake.campaigns[draft].sends == 1
    assert [r.status for r in fake.calls("PATCH", rf"/campaigns/{draft}")] == [400]
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
    assert len(fake.campaigns_titled(marker, include_deleted=True)) == 1


def test_winner_that_vanishes_makes_the_election_start_over(race):
    fake, edition, marker, backend, _noted = race
    other = other_machine_creates(fake, marker, T0)
    fake.clock = lambda: T0 + timedelta(seconds=1)
    run = backend(winner_wait=10.0)
    run.prepare([edition])

    def other_run_deletes_its_draft():
        with fake.lock:
            fake.campaigns[other].deleted = True

    later(SETTLE + 0.4, other_run_deletes_its_draft)
    delivery = run.deliver(edition)
    every = fake.campaigns_titled(marker, include_deleted=True)
    assert len(every) == 3  # the other's, our first (deleted when it lost), our second
    sent = [c for c in every if c.sends]
    assert [c.doc["id"] for c in sent] == [delivery.campaign_id]
    assert delivery.campaign_id != other and sent[0].sends == 1


def test_own_campaign_not_listed_after_the_settle_gets_another_settle(race, caplog):
    fake, edition, marker, backend, _noted = race
    fake.list_lag = SETTLE * 1.6  # longer than the settle: the assumption is broken once
    run = backend()
    run.prepare([edition])
    with caplog.at_level("WARNING"):
        delivery = run.deliver(edition)
    assert "is not in Mailchimp's campaign list yet; waiting" in caplog.text
    assert "still does not show campaign" not in caplog.text  # listed by the second read: sent
    assert fake.campaigns[delivery.campaign_id].sends == 1
    assert len(fake.calls("GET", "/campaigns")) == 3  # the lookup, the re-read, one more


def test_own_campaign_still_not_listed_stops_without_sending_and_the_next_run_sends(race):
    """A list that does not show this run's own campaign cannot show another machine's:
    sending then could be the post's second email. Found by an independent probe."""
    fake, edition, marker, backend, noted = race
    fake.list_lag = SETTLE * 4  # longer than the settle and both re-reads
    run = backend()
    run.prepare([edition])
    with pytest.raises(BackendError) as info:
        run.deliver(edition)
    message = str(info.value)
    assert "still does not show campaign" in message and "nothing was sent" in message
    assert "\n" not in message
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
    (draft,) = fake.campaigns_titled(marker)
    assert not draft.deleted and noted == [draft.doc["id"]]
    time.sleep(SETTLE * 4)  # the list catches up; the next run resumes the same draft
    again = backend()
    again.known_ids = {edition.uuid: noted[-1]}
    delivery = again.deliver(edition)
    assert delivery.campaign_id == draft.doc["id"]
    assert [c.sends for c in fake.campaigns_titled(marker, include_deleted=True)] == [1]


@pytest.mark.parametrize("body", ["{}", '{"campaigns": [], "total_items": 7}', '{"campaigns": []}',
                                  '{"total_items": 0}', '{"campaigns": {}, "total_items": 0}'])
def test_a_campaign_list_that_is_not_mailchimps_stops_before_any_send(race, body):
    """A 200 {} (Mailchimp's own answer to a malformed `fields`, or a proxy's) read as
    "no campaigns" made a second checkout send every post again."""
    fake, edition, marker, backend, _noted = race
    fake.list_lag = 0
    other = other_machine_creates(fake, marker, T0)
    mark_sent(fake, other)  # the other checkout sent the post already
    fake.inject("GET", "/campaigns", f"json:{body}", times=100)
    run = backend()
    with pytest.raises(BackendError) as info:
        run.prepare([edition])
        run.deliver(edition)
    assert "is not a list of campaigns" in str(info.value) and "Nothing more was sent" in str(info.value)
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
    assert fake.calls("POST", "/campaigns") == []
    assert fake.campaigns[other].sends == 1


@pytest.mark.parametrize("entry", ['"oops"', '{"id": "x1", "settings": "oops"}', '{"id": "x1", "settings": {"title": 7}}'])
def test_a_campaign_entry_that_is_not_mailchimps_stops_with_the_same_words(race, entry):
    """One malformed entry could be the post's campaign: stopping names the proxy, not a bug."""
    fake, edition, marker, backend, _noted = race
    fake.list_lag = 0
    fake.inject("GET", "/campaigns", f'json:{{"campaigns": [{entry}], "total_items": 1}}', times=100)
    run = backend()
    with pytest.raises(BackendError) as info:
        run.prepare([edition])
    message = str(info.value)
    assert "not Mailchimp's" in message or "is not a list of campaigns" in message, message
    assert "Nothing more was sent" in message and "\n" not in message
    assert fake.calls("POST", "/campaigns") == []


def test_create_without_an_answer_never_takes_another_runs_draft_for_its_own(race):
    """Our create times out (Mailchimp acts late, as on a loaded machine); the lookup that
    follows finds only the OTHER checkout's draft. Taking it for our own made this run, on
    losing the election to its own late campaign, delete the other run's draft. A draft
    found by that lookup may be anyone's: it is resumed, never deleted by this run."""
    fake, edition, marker, backend, _noted = race
    fake.list_lag = 0.0
    # Our create is answered never (timeout 0.4 s) and acted on at 2 s, after the lookup
    # (about 0.4 s) and well before the election's re-read (settle 3 s).
    run = backend(timeout=0.4, backoff=0.05, settle=3.0)
    run.prepare([edition])  # nothing listed yet
    other = other_machine_creates(fake, marker, T0 + timedelta(seconds=1))
    fake.clock = lambda: T0  # ours, made late by Mailchimp, sorts first
    fake.inject("POST", "/campaigns", "delay:2.0")
    with pytest.raises(BackendError) as info:
        run.deliver(edition)
    assert "so this run did not send the post" in str(info.value)
    fake.wait_idle()
    assert not fake.campaigns[other].deleted  # the other run's draft is left to that run
    (mine,) = ours(fake, marker, other)
    assert mine.doc["create_time"] == iso(T0) and not mine.deleted and mine.sends == 0
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
    assert [r.path for r in fake.calls("DELETE")] == []


def test_a_captive_portals_page_is_named_by_its_title(race):
    fake, edition, _marker, backend, _noted = race
    page = "<html><head><title>Hotel WiFi Login</title></head><body>Accept the terms</body></html>"
    fake.inject("GET", "/campaigns", f"html:{page}", times=100)
    run = backend()
    with pytest.raises(BackendError) as info:
        run.prepare([edition])
        run.deliver(edition)
    message = str(info.value)
    assert "Hotel WiFi Login" in message and "wait two minutes" not in message
    assert fake.calls("POST", r"/campaigns/\w+/actions/send") == []
