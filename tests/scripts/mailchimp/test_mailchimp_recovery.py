"""Recovering from what real networks and a lagging Mailchimp do, without a second send.

Each test reproduces one fault seen from the outside in a review (a post sent twice, or a
traceback instead of a message): truncated or HTML answers, a campaign list that lags behind
a create, canceled and stray campaigns, throttling 403s. It drives `make publish` with the
real client against the repo's fake (tests/kit/fake_mailchimp.py, R1 section).
"""

import pytest

import scripts.publish
from connected.send_record import load_record
from scripts.backends.base import BackendError
from scripts.backends.mailchimp import marker_for
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    OLD,
    make_project,
    publish_killed_at_save,
    sends,
    use_fake_mailchimp,
)

LIST = r"/campaigns"
SEND = r"/campaigns/\w+/actions/send"


@pytest.fixture
def project(tmp_path, monkeypatch, fake_mailchimp):
    use_fake_mailchimp(monkeypatch, fake_mailchimp)
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    project.configure_own_identity()
    return project


# --- Bug 1: a lookup answer cut short was read as "no campaigns" → second campaign, second send.
def test_truncated_lookup_is_not_taken_for_no_campaigns(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    # An earlier run sent it; its send record line was lost.
    fake_mailchimp.add_campaign(marker_for(edition.uuid), status="sent")
    fake_mailchimp.inject("GET", LIST, "truncate_after")
    backend = make_backend()
    backend.prepare([edition])
    delivery = backend.deliver(edition)
    assert delivery.detail.get("found_on_remote") is True
    assert len(fake_mailchimp.campaigns_titled(marker_for(edition.uuid))) == 1
    assert fake_mailchimp.calls("POST", SEND) == []
    # The cut-off answer was retried like a dropped connection.
    assert [r.fault for r in fake_mailchimp.calls("GET", LIST)] == ["truncate_after", None]


def test_truncated_lookup_that_keeps_failing_stops_without_creating(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    fake_mailchimp.inject("GET", LIST, "truncate_after", times=10)
    backend = make_backend(max_attempts=3)
    with pytest.raises(BackendError, match="not valid JSON") as info:
        backend.prepare([edition])
    assert "re-run" in str(info.value)
    assert fake_mailchimp.calls("POST", LIST) == []


# --- Bug 2: a 200 text/html page (proxy, captive portal) crashed publish with a traceback.
def test_html_page_with_200_is_retried_not_a_traceback(project, fake_mailchimp):
    fake_mailchimp.inject("GET", LIST, "html_200")
    result = project.publish()
    assert result.code == 0, result.text
    assert "Traceback" not in result.text
    assert sends(fake_mailchimp, NEWEST) == 1


def test_html_page_with_200_every_time_gives_a_message(project, fake_mailchimp, monkeypatch):
    import tenacity.nap

    monkeypatch.setattr(tenacity.nap.time, "sleep", lambda s: None)  # no real backoff waits
    fake_mailchimp.inject("GET", LIST, "html_200", times=20)
    result = project.publish()
    assert result.code == 1
    assert "Traceback" not in result.text
    assert "answered instead of Mailchimp — a captive portal" in result.err and "safe" in result.err
    assert sends(fake_mailchimp, NEWEST) == 0


def test_send_answered_by_a_html_200_is_confirmed_by_reading(
    fake_mailchimp, make_backend, make_edition
):
    """A 2xx page instead of Mailchimp's empty 204 proves nothing: read the status back."""
    edition = make_edition(1)
    fake_mailchimp.inject("POST", SEND, "html_200")
    backend = make_backend()
    backend.prepare([edition])
    with pytest.raises(BackendError, match="did not confirm sending"):
        backend.deliver(edition)
    assert sends(fake_mailchimp, edition.uuid) == 0


# --- Bug 3: the campaign list lags behind a create. A run killed after the send, before the
# record, made the next run create and send a second campaign.
def test_killed_after_send_with_lagging_list_sends_once(project, fake_mailchimp, monkeypatch):
    fake_mailchimp.list_lag = 60.0  # the whole test long, new campaigns are not listed
    publish_killed_at_save(project, monkeypatch, lambda record: NEWEST in record["posts"])
    assert sends(fake_mailchimp, NEWEST) == 1
    (campaign,) = fake_mailchimp.campaigns_titled(marker_for(NEWEST))
    # The campaign id was noted as soon as it existed.
    assert load_record(project.record_path)["pending"][NEWEST]["campaign_id"] == campaign.doc["id"]

    result = project.publish()
    assert result.code == 0, result.text
    assert sends(fake_mailchimp, NEWEST) == 1
    assert len(fake_mailchimp.campaigns_titled(marker_for(NEWEST), include_deleted=True)) == 1
    record = load_record(project.record_path)
    assert record["posts"][NEWEST]["campaign_id"] == campaign.doc["id"]
    assert "pending" not in record  # cleared once the send is recorded
    assert "pending" not in project.record_path.read_text()


def test_pending_campaign_that_was_deleted_is_ignored(project, fake_mailchimp):
    from connected.send_record import save_record

    record = load_record(project.record_path)
    record["pending"] = {NEWEST: {"campaign_id": "0123456789", "at": "2026-11-20T09:00:00+00:00"}}
    save_record(project.record_path, record)
    result = project.publish()
    assert result.code == 0, result.text
    assert sends(fake_mailchimp, NEWEST) == 1
    assert "pending" not in load_record(project.record_path)


def test_pending_record_round_trips_and_is_validated(tmp_path):
    from datetime import UTC, datetime

    from connected.send_record import (
        RecordError,
        empty_record,
        save_record,
        set_entry,
        set_pending,
    )

    path = tmp_path / "send-record.json"
    record = empty_record()
    set_pending(record, "u1", campaign_id="abc", at=datetime(2026, 11, 20, tzinfo=UTC))
    save_record(path, record)
    assert load_record(path)["pending"] == {
        "u1": {"at": "2026-11-20T00:00:00+00:00", "campaign_id": "abc"}
    }
    set_entry(
        record, "u1", status="sent", at=datetime(2026, 11, 20, tzinfo=UTC), backend="mailchimp"
    )
    save_record(path, record)
    assert "pending" not in load_record(path)
    path.write_text('{"version": 1, "posts": {}, "pending": {"u1": "abc"}}')
    with pytest.raises(RecordError, match="pending"):
        load_record(path)


# --- Bug 4: a proxy's HTML error page was pasted whole into the message.
def test_html_error_page_is_summarised(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.inject("GET", LIST, "html_504", times=20)
    backend = make_backend(max_attempts=2)
    with pytest.raises(BackendError) as info:
        backend.prepare([edition])
    message = str(info.value)
    assert "504" in message and "<html" not in message and "Gateway Time-out" in message


def test_create_answered_by_proxy_502_after_acting_is_reused(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    fake_mailchimp.inject("POST", LIST, "html_502_after")
    backend = make_backend()
    backend.prepare([edition])
    delivery = backend.deliver(edition)
    assert delivery.status == "sent"
    assert len(fake_mailchimp.campaigns_titled(marker_for(edition.uuid), include_deleted=True)) == 1
    assert sends(fake_mailchimp, edition.uuid) == 1


# --- Bug 5: with a canceled campaign and a stray draft for one post, the draft was sent,
# although a canceled send may have reached part of the list (README: never resent).
def test_canceled_campaign_outranks_a_stray_draft(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.add_campaign(marker_for(edition.uuid), status="canceled")
    fake_mailchimp.add_campaign(marker_for(edition.uuid), status="save")
    backend = make_backend()
    backend.prepare([edition])
    with pytest.raises(BackendError, match="canceled"):
        backend.deliver(edition)
    assert fake_mailchimp.calls("POST", SEND) == []


def test_sent_campaign_outranks_canceled_and_draft(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.add_campaign(marker_for(edition.uuid), status="save")
    fake_mailchimp.add_campaign(marker_for(edition.uuid), status="canceled")
    sent = fake_mailchimp.add_campaign(marker_for(edition.uuid), status="sent")
    backend = make_backend()
    backend.prepare([edition])
    delivery = backend.deliver(edition)
    assert (delivery.status, delivery.campaign_id) == ("sent", sent)
    assert fake_mailchimp.calls("POST", SEND) == []


# --- Bug 6: an unexpected exception ended publish with a bare traceback.
def test_unexpected_error_gives_a_message_and_says_rerun_is_safe(project, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(scripts.publish, "select", broken)
    result = project.publish()
    assert result.code == 1
    assert "Traceback" not in result.text
    assert "unexpected error: RuntimeError: something nobody expected" in result.err
    assert "safe" in result.err


def test_pending_campaign_of_another_audience_is_not_used(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    fake_mailchimp.add_list("f0f0f0f0f0", "Old audience")
    other = fake_mailchimp.add_campaign(
        marker_for(edition.uuid), status="save", list_id="f0f0f0f0f0"
    )
    backend = make_backend()
    backend.known_ids = {edition.uuid: other}
    created = []
    backend.on_created = lambda uuid, cid: created.append((uuid, cid))
    backend.prepare([edition])
    delivery = backend.deliver(edition)
    assert delivery.campaign_id != other
    assert created == [(edition.uuid, delivery.campaign_id)]
    (mine,) = [c for c in fake_mailchimp.campaigns_titled(marker_for(edition.uuid)) if c.sends]
    assert mine.doc["recipients"]["list_id"] == DEFAULT_LIST_ID


# --- Bug 7: the bare 403 Mailchimp gives under heavy throttling stopped the run at once.
def test_bare_403_is_retried_like_a_429(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.inject("GET", LIST, "bare_403", times=2)
    fake_mailchimp.inject("POST", SEND, "bare_403", times=1)
    backend = make_backend()
    backend.prepare([edition])
    assert backend.deliver(edition).status == "sent"
    assert [r.fault for r in fake_mailchimp.calls("POST", SEND)] == ["bare_403", None]
    assert sends(fake_mailchimp, edition.uuid) == 1


def test_403_with_mailchimp_problem_body_is_not_retried(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    fake_mailchimp.inject("GET", LIST, 403)
    backend = make_backend()
    with pytest.raises(BackendError, match="403"):
        backend.prepare([edition])
    assert len(fake_mailchimp.calls("GET", LIST)) == 1


# --- Bug 8 (cosmetic): str.capitalize() printed "Scheduled for … 15:45 utc".
def test_scheduled_line_keeps_utc_upper_case(project, fake_mailchimp):
    project.configure(pelican='NEWSLETTER["SCHEDULE_DELAY_MINUTES"] = 60')
    result = project.publish()
    assert result.code == 0, result.text
    line = next(x for x in result.out.splitlines() if x.startswith("Scheduled for") and "→" in x)
    assert " UTC: " in line and "utc" not in line


# --- Bug 9 (message): an outbox path that is a file was reported as "no writable parent".
def test_outbox_path_that_is_a_file_is_named(tmp_path, make_edition):
    from scripts.backends.outbox import OutboxBackend

    (tmp_path / "outbox").write_text("not a directory")
    backend = OutboxBackend(
        outbox_path=tmp_path / "outbox",
        from_name="Ada",
        from_email="ada@example.com",
        reply_to="ada@example.com",
        postal_address="1 Main St",
    )
    with pytest.raises(BackendError, match="is a file") as info:
        backend.deliver(make_edition(1))
    assert "OUTBOX_PATH" in str(info.value)
    assert (tmp_path / "outbox").read_text() == "not a directory"


# --- Bug 10: a create whose answer was lost, with the campaign list lagging behind, stopped
# the run ("not there yet"); the re-run then made a second campaign for the post.
def test_lost_create_answer_waits_for_the_lagging_list(
    fake_mailchimp, make_backend, make_edition
):
    import time

    edition = make_edition(1)
    fake_mailchimp.list_lag = 0.5
    fake_mailchimp.inject("POST", LIST, "html_502_after")  # created, but the answer is lost
    backend = make_backend(sleep=time.sleep, backoff=0.1)  # looks again after 0.2, 0.4, 0.8 s
    backend.prepare([edition])
    delivery = backend.deliver(edition)
    assert delivery.status == "sent"
    assert len(fake_mailchimp.campaigns_titled(marker_for(edition.uuid), include_deleted=True)) == 1
    assert sends(fake_mailchimp, edition.uuid) == 1


# --- Bug 11 (message): a post Mailchimp had already sent was reported as plainly "Sent".
def test_already_sent_campaign_is_reported_as_found(project, fake_mailchimp):
    fake_mailchimp.add_campaign(marker_for(NEWEST), status="sent")
    result = project.publish()
    assert result.code == 0, result.text
    line = next(x for x in result.out.splitlines() if x.startswith("Sent:"))
    assert "found done by an earlier or another run, not sent again" in line
    assert sends(fake_mailchimp, NEWEST) == 1  # the earlier run's send, nothing more
