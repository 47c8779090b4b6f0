"""MailchimpBackend driving the real mailchimp-marketing client against the fake server."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from scripts.backends.base import BackendError
from scripts.backends.mailchimp import MailchimpBackend, next_quarter_hour
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID

SEND = r"/campaigns/\w+/actions/send"


def paths(fake):
    return [f"{r.method} {r.path}" for r in fake.requests]


def test_one_new_post_costs_seven_requests_with_the_right_bodies(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    backend = make_backend()
    backend.prepare([edition])
    delivery = backend.deliver(edition)

    fake = fake_mailchimp
    assert len(fake.requests) == 7, paths(fake)
    assert backend.request_count == 7
    campaign_id = delivery.campaign_id
    assert paths(fake) == [
        f"GET /lists/{DEFAULT_LIST_ID}",
        "GET /campaigns",
        "POST /campaigns",
        f"PUT /campaigns/{campaign_id}/content",
        f"GET /campaigns/{campaign_id}/send-checklist",
        # The election: the marker's campaigns again, after the settle wait (two machines).
        "GET /campaigns",
        f"POST /campaigns/{campaign_id}/actions/send",
    ]
    lookup = fake.requests[1].query
    assert lookup["count"] == "1000" and lookup["list_id"] == DEFAULT_LIST_ID
    assert "campaigns.settings.title" in lookup["fields"].split(",")
    create = fake.requests[2].body
    assert create["type"] == "regular"
    assert create["recipients"] == {"list_id": DEFAULT_LIST_ID}
    assert create["settings"] == {
        "subject_line": "Subject 1",
        "preview_text": "Preheader 1",
        "title": f"connected:{edition.uuid}",
        "from_name": "Ada Writer",
        "reply_to": "ada@example.com",
    }
    content = fake.requests[3].body
    assert content["html"] == edition.mailchimp_html.read_text(encoding="utf-8")
    assert content["plain_text"] == edition.text.read_text(encoding="utf-8")

    assert delivery.status == "sent" and delivery.backend == "mailchimp"
    assert delivery.at.tzinfo is not None
    [campaign] = fake.campaigns_titled(f"connected:{edition.uuid}")
    assert campaign.doc["id"] == campaign_id and campaign.sends == 1
    assert campaign.doc["status"] == "sent"


def test_two_posts_share_the_audience_check_and_the_lookup(
    fake_mailchimp, make_backend, make_edition
):
    editions = [make_edition(1), make_edition(2)]
    backend = make_backend()
    backend.prepare(editions)
    for edition in editions:
        backend.deliver(edition)
    # Audience + first lookup, then per post: create, content, checklist, re-read, send.
    assert len(fake_mailchimp.requests) == 2 + 5 * 2
    assert len(fake_mailchimp.calls("GET", "/campaigns")) == 1 + 2


def test_nothing_to_send_makes_no_request(fake_mailchimp, make_backend):
    backend = make_backend()
    backend.prepare([])
    assert fake_mailchimp.requests == []


def test_already_sent_campaign_is_recorded_not_resent(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    campaign_id = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="sent")
    delivery = make_backend().deliver(edition)
    assert delivery.campaign_id == campaign_id and delivery.status == "sent"
    assert delivery.detail["found_on_remote"] is True
    assert len(fake_mailchimp.requests) == 2  # audience check + lookup
    assert fake_mailchimp.calls("POST") == []


def test_already_scheduled_campaign_is_recorded_as_scheduled(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    campaign_id = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="schedule")
    delivery = make_backend().deliver(edition)
    assert (delivery.status, delivery.campaign_id) == ("scheduled", campaign_id)
    assert fake_mailchimp.calls("POST") == []


def test_lookup_paginates_past_a_thousand_campaigns(fake_mailchimp, make_backend, make_edition):
    for i in range(1001):
        fake_mailchimp.add_campaign(f"someone else's campaign {i}", status="sent")
    edition = make_edition(1)
    campaign_id = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="sent")
    delivery = make_backend().deliver(edition)
    assert delivery.campaign_id == campaign_id
    lookups = fake_mailchimp.calls("GET", "/campaigns")
    assert [r.query["offset"] for r in lookups] == ["0", "1000"]


def test_audience_tag_becomes_a_saved_segment(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1, audience_tag="Beta-Readers")
    make_backend().deliver(edition)
    [create] = fake_mailchimp.calls("POST", "/campaigns")
    tag_id = next(
        t["id"] for t in fake_mailchimp.tags[DEFAULT_LIST_ID] if t["name"] == "beta-readers"
    )
    assert create.body["recipients"]["segment_opts"] == {"saved_segment_id": tag_id}
    [campaign] = fake_mailchimp.live_campaigns()
    assert campaign.doc["recipients"]["recipient_count"] == 5


def test_unknown_tag_names_the_tags_that_exist(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1, audience_tag="vip")
    backend = make_backend()
    with pytest.raises(BackendError) as err:
        backend.prepare([edition])
    message = str(err.value)
    assert "'vip'" in message and "beta-readers" in message and "friends" in message
    assert fake_mailchimp.calls("POST") == []


def test_wrong_key_is_rejected_without_echoing_it(
    fake_mailchimp, make_backend, make_edition, caplog
):
    bad_key = "ffffffffffffffffffffffffffffffff-us99"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackendError) as err:
        make_backend(api_key=bad_key).deliver(make_edition(1))
    assert str(err.value) == ("Mailchimp API key rejected (401): check MAILCHIMP_API_KEY in .env")
    assert bad_key not in caplog.text
    assert fake_mailchimp.calls("POST") == []


@pytest.mark.parametrize("key", ["not-a-key-at-all", "abcdef", "abc-", "0123456789abcdef-US21x"])
def test_malformed_key_fails_early_without_echoing_it(fake_mailchimp, key):
    with pytest.raises(BackendError) as err:
        MailchimpBackend(api_key=key, audience_id="x", api_url=fake_mailchimp.url)
    assert "MAILCHIMP_API_KEY" in str(err.value) and key not in str(err.value)
    assert fake_mailchimp.requests == []


def test_data_centre_comes_from_the_key_suffix():
    backend = MailchimpBackend(api_key="0123456789abcdef0123456789abcdef-us21", audience_id="x")
    assert backend.data_centre == "us21"
    assert backend.client.api_client.host == "https://us21.api.mailchimp.com/3.0"


def test_unknown_audience_names_the_audiences_the_key_can_see(
    fake_mailchimp, make_backend, make_edition
):
    fake_mailchimp.add_list("0f0f0f0f0f", "Second list")
    with pytest.raises(BackendError) as err:
        make_backend(audience_id="nope123456").deliver(make_edition(1))
    message = str(err.value)
    assert "'nope123456'" in message and "MAILCHIMP_AUDIENCE_ID" in message
    assert "'Connected readers' (id a1b2c3d4e5)" in message and "'Second list'" in message
    assert fake_mailchimp.calls("POST") == []


def test_checklist_not_ready_lists_its_errors_and_keeps_the_draft(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1, html="<p>No unsubscribe link here</p>")
    with pytest.raises(BackendError) as err:
        make_backend().deliver(edition)
    assert "not ready" in str(err.value) and "Unsubscribe Link" in str(err.value)
    assert fake_mailchimp.calls("POST", SEND) == []
    [draft] = fake_mailchimp.live_campaigns()
    assert draft.doc["status"] == "save"


def test_other_4xx_stops_with_mailchimps_detail(fake_mailchimp, make_backend, make_edition):
    fake_mailchimp.inject("POST", "/campaigns", 400)
    with pytest.raises(BackendError) as err:
        make_backend().deliver(make_edition(1))
    assert "Mailchimp refused creating the campaign" in str(err.value)
    assert "Injected fault 400" in str(err.value)
    assert len(fake_mailchimp.calls("POST", "/campaigns")) == 1


def test_429_is_retried_with_backoff_and_retry_after_is_honoured(
    fake_mailchimp, make_backend, make_edition
):
    fake_mailchimp.inject("GET", "/campaigns", "retry_after:7")
    fake_mailchimp.inject("GET", "/campaigns", 429, times=2)
    backend = make_backend(backoff_max=60)
    backend.deliver(make_edition(1))
    assert make_backend.sleeps[0] == 7
    assert len(make_backend.sleeps) == 3
    assert len(fake_mailchimp.calls("GET", "/campaigns")) == 4 + 1  # + the election's re-read


def test_429_that_never_stops_gives_up_after_the_attempts(
    fake_mailchimp, make_backend, make_edition
):
    fake_mailchimp.inject("POST", "/campaigns", 429, times=100)
    with pytest.raises(BackendError) as err:
        make_backend(max_attempts=5).deliver(make_edition(1))
    assert "429" in str(err.value) and "re-run" in str(err.value)
    assert len(fake_mailchimp.calls("POST", "/campaigns")) == 5
    delays = make_backend.sleeps
    assert len(delays) == 4 and all(d >= 0 for d in delays)


def test_schedule_rounds_up_to_a_quarter_hour(fake_mailchimp, make_backend, make_edition):
    when = datetime.now(UTC) + timedelta(minutes=40)
    delivery = make_backend().deliver(make_edition(1), schedule_at=when)
    [call] = fake_mailchimp.calls("POST", r"/campaigns/\w+/actions/schedule")
    sent_time = datetime.fromisoformat(call.body["schedule_time"])
    assert sent_time.minute % 15 == 0 and sent_time.second == 0
    assert when <= sent_time < when + timedelta(minutes=15)
    assert delivery.status == "scheduled" and delivery.at == sent_time
    assert fake_mailchimp.calls("POST", SEND) == []
    [campaign] = fake_mailchimp.live_campaigns()
    assert campaign.doc["status"] == "schedule"


def test_next_quarter_hour():
    now = datetime(2026, 11, 26, 10, 2, tzinfo=UTC)
    assert next_quarter_hour(datetime(2026, 11, 26, 10, 30, tzinfo=UTC), now).minute == 30
    assert next_quarter_hour(datetime(2026, 11, 26, 10, 31, tzinfo=UTC), now).minute == 45
    assert next_quarter_hour(datetime(2026, 11, 26, 10, 50, tzinfo=UTC), now).hour == 11
    # a time in the past still gives a future quarter hour
    assert next_quarter_hour(datetime(2026, 11, 26, 9, 0, tzinfo=UTC), now) == datetime(
        2026, 11, 26, 10, 15, tzinfo=UTC
    )


def test_plan_refusing_to_schedule_says_how_to_send_now(fake_mailchimp, make_backend, make_edition):
    fake_mailchimp.plan_allows_scheduling = False
    edition = make_edition(1)
    with pytest.raises(BackendError) as err:
        make_backend().deliver(edition, schedule_at=datetime.now(UTC) + timedelta(hours=1))
    message = str(err.value)
    assert "paid Mailchimp plan" in message and "SCHEDULE_DELAY_MINUTES to 0" in message
    # the writer follows the advice: the next run reuses the draft and sends it
    delivery = make_backend().deliver(edition)
    assert delivery.status == "sent"
    [campaign] = fake_mailchimp.campaigns_titled(f"connected:{edition.uuid}")
    assert campaign.sends == 1


def test_unschedule_cancels_and_deletes(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    delivery = make_backend().deliver(edition, schedule_at=datetime.now(UTC) + timedelta(hours=2))
    sent_id = fake_mailchimp.add_campaign("connected:other", status="sent")
    cancelled = make_backend().unschedule([delivery.campaign_id, sent_id])
    assert cancelled == [delivery.campaign_id]
    assert fake_mailchimp.campaigns[delivery.campaign_id].deleted
    assert not fake_mailchimp.campaigns[sent_id].deleted
    assert fake_mailchimp.campaigns[sent_id].doc["status"] == "sent"


def test_test_send_uses_a_throwaway_campaign_and_deletes_it(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1)
    where = make_backend().test_send(edition, "me@example.com")
    assert "me@example.com" in where
    [test] = fake_mailchimp.test_sends
    assert test["test_emails"] == ["me@example.com"] and test["send_type"] == "html"
    assert "*|UNSUB|*" in test["html"]
    [campaign] = fake_mailchimp.campaigns.values()
    assert campaign.deleted and campaign.sends == 0
    assert campaign.doc["settings"]["title"] == f"connected-test:{edition.uuid}"
    # a later real publish does not mistake the test campaign for the post's campaign
    make_backend().deliver(edition)
    [real] = fake_mailchimp.campaigns_titled(f"connected:{edition.uuid}")
    assert real.sends == 1


def test_test_send_deletes_the_campaign_when_the_test_fails(
    fake_mailchimp, make_backend, make_edition
):
    fake_mailchimp.inject("POST", r"/campaigns/\w+/actions/test", 400)
    with pytest.raises(BackendError):
        make_backend().test_send(make_edition(1), "me@example.com")
    assert all(c.deleted for c in fake_mailchimp.campaigns.values())
    assert len(fake_mailchimp.calls("DELETE")) == 1


def test_check_reports_nothing_when_all_is_well(fake_mailchimp, make_backend):
    assert make_backend().check() == []
    assert fake_mailchimp.calls("POST") == []


def test_check_names_each_problem(fake_mailchimp, make_backend):
    fake_mailchimp.lists[DEFAULT_LIST_ID]["contact"] = {}
    fake_mailchimp.lists[DEFAULT_LIST_ID]["campaign_defaults"] = {}
    problems = make_backend(from_name="", reply_to="").check()
    text = "\n".join(problems)
    assert "FROM_NAME" in text and "REPLY_TO" in text and "postal address" in text
    assert len(problems) == 3


def test_check_with_a_rejected_key(fake_mailchimp, make_backend):
    problems = make_backend(api_key="ffffffffffffffffffffffffffffffff-us99").check()
    assert problems == ["Mailchimp API key rejected (401): check MAILCHIMP_API_KEY in .env"]


def test_check_with_an_unknown_audience(fake_mailchimp, make_backend):
    [problem] = make_backend(audience_id="zzzzzzzzzz").check()
    assert "'zzzzzzzzzz'" in problem and "Connected readers" in problem


def test_sender_falls_back_to_the_audience_defaults(fake_mailchimp, make_backend, make_edition):
    make_backend(from_name="", reply_to="").deliver(make_edition(1))
    [create] = fake_mailchimp.calls("POST", "/campaigns")
    assert create.body["settings"]["from_name"] == "Connected"
    assert create.body["settings"]["reply_to"] == "writer@example.com"


def test_long_subject_is_shortened_to_mailchimps_limit(fake_mailchimp, make_backend, make_edition):
    make_backend().deliver(make_edition(1, subject="x" * 200, preheader="y " * 100))
    [create] = fake_mailchimp.calls("POST", "/campaigns")
    assert len(create.body["settings"]["subject_line"]) == 150
    assert len(create.body["settings"]["preview_text"]) <= 150


def test_api_url_containing_server_is_not_mangled(fake_mailchimp, make_edition):
    # the client replaces every "server" in the URL; our host is used as given
    backend = MailchimpBackend(
        api_key=fake_mailchimp.api_key,
        audience_id=DEFAULT_LIST_ID,
        api_url=fake_mailchimp.url + "/",
        from_name="A",
        reply_to="a@example.com",
    )
    assert backend.client.api_client.host == fake_mailchimp.url
    assert backend.check() == []


def test_missing_edition_file_is_a_clear_error(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    edition.mailchimp_html.unlink()
    with pytest.raises(BackendError) as err:
        make_backend().deliver(edition)
    assert "mailchimp.html" in str(err.value)
    assert fake_mailchimp.calls("POST", SEND) == []


def test_unknown_tag_of_a_post_already_sent_does_not_block(
    fake_mailchimp, make_backend, make_edition
):
    edition = make_edition(1, audience_tag="deleted-tag")
    campaign_id = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="sent")
    backend = make_backend()
    backend.prepare([edition])
    assert backend.deliver(edition).campaign_id == campaign_id
    assert fake_mailchimp.calls("GET", r"/lists/\w+/segments") == []


def test_two_drafts_for_one_post_give_one_send(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    first = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="save")
    second = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="save")
    delivery = make_backend().deliver(edition)
    assert delivery.campaign_id in (first, second)
    assert sum(c.sends for c in fake_mailchimp.campaigns_titled(f"connected:{edition.uuid}")) == 1
    assert fake_mailchimp.calls("POST", "/campaigns") == []


def test_a_sent_campaign_wins_over_a_stray_draft(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="save")
    sent = fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="sent")
    delivery = make_backend().deliver(edition)
    assert delivery.campaign_id == sent and delivery.status == "sent"
    assert fake_mailchimp.calls("POST") == []


def test_cancelled_campaign_is_not_resent(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="canceled")
    with pytest.raises(BackendError) as err:
        make_backend().deliver(edition)
    assert "'canceled'" in str(err.value) and "Delete that campaign" in str(err.value)
    assert fake_mailchimp.calls("POST") == []


def test_campaigns_of_other_audiences_are_not_looked_at(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.add_list("bbbbbbbbbb", "Other")
    fake_mailchimp.add_campaign(f"connected:{edition.uuid}", status="sent", list_id="bbbbbbbbbb")
    make_backend().deliver(edition)
    [ours] = [
        c
        for c in fake_mailchimp.campaigns_titled(f"connected:{edition.uuid}")
        if c.doc["recipients"]["list_id"] == DEFAULT_LIST_ID
    ]
    assert ours.sends == 1


def test_a_reused_draft_gets_the_posts_current_subject(fake_mailchimp, make_backend, make_edition):
    edition = make_edition(1)
    fake_mailchimp.inject("PUT", r"/campaigns/\w+/content", 400)  # the first run stops here
    with pytest.raises(BackendError):
        make_backend().deliver(edition)
    edited = make_edition(1, subject="A better subject", preheader="Fresh preheader")
    make_backend().deliver(edited)
    [campaign] = fake_mailchimp.campaigns_titled(f"connected:{edition.uuid}")
    assert campaign.doc["settings"]["subject_line"] == "A better subject"
    assert campaign.doc["settings"]["preview_text"] == "Fresh preheader"
    assert campaign.sends == 1
    [patch] = fake_mailchimp.calls("PATCH")
    assert patch.body["settings"]["title"] == f"connected:{edition.uuid}"
