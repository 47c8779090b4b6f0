"""MailchimpClient on its own (as `make stats` uses it): the real client against the fake."""

import json
import logging

import pytest
from mailchimp_marketing.api_client import ApiClientError

import scripts.backends.mailchimp_client as mailchimp_client
from connected.errors import ConnectedError
from scripts.backends.base import BackendError
from scripts.backends.mailchimp_client import CallFailed, MailchimpClient
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID


@pytest.fixture
def make_client(fake_mailchimp):
    sleeps: list[float] = []

    def make(**overrides):
        options = {"api_url": fake_mailchimp.url, "timeout": 5.0, "backoff": 0.01}
        options.update(overrides)
        return MailchimpClient(fake_mailchimp.api_key, sleep=sleeps.append, **options)

    make.sleeps = sleeps
    return make


def test_a_read_returns_mailchimps_json_and_is_counted(fake_mailchimp, make_client):
    client = make_client()
    answer = client.call("the API key check", client.ping.get, idempotent=True)
    assert answer == {"health_status": "Everything's Chimpy!"}
    assert client.request_count == 1
    assert [f"{r.method} {r.path}" for r in fake_mailchimp.requests] == ["GET /ping"]


def test_the_data_centre_of_the_key_names_the_host():
    client = MailchimpClient("0123456789abcdef0123456789abcdef-us21")
    assert client.data_centre == "us21"
    assert client.host == "https://us21.api.mailchimp.com/3.0"


def test_a_malformed_key_is_refused_before_any_request(fake_mailchimp):
    with pytest.raises(BackendError) as err:
        MailchimpClient("not-a-key", api_url=fake_mailchimp.url)
    assert "MAILCHIMP_API_KEY" in str(err.value) and "not-a-key" not in str(err.value)
    assert fake_mailchimp.requests == []


def test_a_404_is_a_call_failed_the_caller_can_read(fake_mailchimp, make_client):
    client = make_client()
    with pytest.raises(CallFailed) as err:
        client.call("reading campaign nope", client.campaigns.get, "nope", idempotent=True)
    assert err.value.status == 404 and not err.value.unknown_outcome
    assert str(err.value).startswith("reading campaign nope: Mailchimp answered 404")
    assert len(fake_mailchimp.calls("GET", "/campaigns/nope")) == 1  # a 404 is not retried


def test_call_or_stop_gives_the_writers_message(fake_mailchimp, make_client):
    client = make_client()
    with pytest.raises(BackendError) as err:
        client.call_or_stop("reading campaign nope", client.campaigns.get, "nope", idempotent=True)
    assert str(err.value).startswith("Mailchimp refused reading campaign nope: Mailchimp answered 404")
    assert isinstance(err.value, ConnectedError)


def test_a_rejected_key_reads_as_in_make_publish(fake_mailchimp, make_client):
    client = MailchimpClient("ffffffffffffffffffffffffffffffff-us99", api_url=fake_mailchimp.url)
    with pytest.raises(CallFailed) as err:
        client.call("checking Mailchimp is reachable", client.ping.get, idempotent=True)
    assert err.value.status == 401
    assert str(client.error(err.value)) == (
        "Mailchimp API key rejected (401): check MAILCHIMP_API_KEY in .env"
    )


def test_429_is_retried_and_retry_after_honoured(fake_mailchimp, make_client):
    fake_mailchimp.inject("GET", "/ping", "retry_after:3")
    fake_mailchimp.inject("GET", "/ping", 429)
    client = make_client()
    assert client.call("ping", client.ping.get, idempotent=True)["health_status"]
    assert len(fake_mailchimp.calls("GET", "/ping")) == 3
    assert make_client.sleeps[0] == 3 and len(make_client.sleeps) == 2


def test_a_5xx_is_retried_for_a_read_but_not_for_a_create(fake_mailchimp, make_client):
    fake_mailchimp.inject("GET", "/ping", 503)
    client = make_client()
    assert client.call("ping", client.ping.get, idempotent=True)["health_status"]
    assert len(fake_mailchimp.calls("GET", "/ping")) == 2

    fake_mailchimp.inject("POST", "/campaigns", 500)
    body = {"type": "regular", "recipients": {"list_id": DEFAULT_LIST_ID},
            "settings": {"title": "t", "subject_line": "s", "from_name": "A",
                         "reply_to": "a@example.com"}}
    with pytest.raises(CallFailed) as err:
        client.call("creating", client.campaigns.create, body, idempotent=False)
    assert err.value.unknown_outcome
    assert len(fake_mailchimp.calls("POST", "/campaigns")) == 1
    assert fake_mailchimp.live_campaigns() == []


def test_pages_reads_every_item_a_page_at_a_time(fake_mailchimp, make_client, monkeypatch):
    monkeypatch.setattr(mailchimp_client, "PAGE_SIZE", 2)
    made = {fake_mailchimp.add_campaign(f"connected:{n}") for n in range(5)}
    client = make_client()
    found = list(client.pages(
        "looking up campaigns", client.campaigns.list, items="campaigns",
        fields=["campaigns.id", "total_items"], list_id=DEFAULT_LIST_ID,
    ))
    assert {c["id"] for c in found} == made and len(found) == 5
    lookups = fake_mailchimp.calls("GET", "/campaigns")
    assert [(r.query["count"], r.query["offset"]) for r in lookups] == [
        ("2", "0"), ("2", "2"), ("2", "4"),
    ]


def test_an_answer_echoing_the_key_is_scrubbed(make_client, fake_mailchimp, caplog):
    # Some proxies echo the request (Authorization included) in their error page.
    key = fake_mailchimp.api_key
    client = make_client()

    def echoing(*_args, **_kwargs):
        raise ApiClientError(json.dumps({"title": "Bad", "detail": f"key {key} refused"}), 400)

    caplog.set_level(logging.DEBUG)
    with pytest.raises(CallFailed) as err:
        client.call("an echoing proxy", echoing, idempotent=True)
    assert key not in str(err.value) and "<MAILCHIMP_API_KEY>" in err.value.detail
    assert key not in str(client.error(err.value)) and key not in caplog.text
