"""The fake Mailchimp server, exercised through the real mailchimp-marketing client."""

import json
from datetime import UTC, datetime, timedelta

import mailchimp_marketing
import pytest
import requests
from mailchimp_marketing.api_client import ApiClientError

from tests.kit.fake_mailchimp import DEFAULT_LIST_ID, FakeMailchimp

HTML = "<p>Hello</p><p><a href='*|UNSUB|*'>Unsubscribe</a> *|LIST:ADDRESSLINE|*</p>"


@pytest.fixture
def client(fake_mailchimp):
    c = mailchimp_marketing.Client({"api_key": fake_mailchimp.api_key, "timeout": 5})
    c.api_client.host = fake_mailchimp.url
    return c


def problem(err: ApiClientError) -> dict:
    # real Mailchimp errors are application/problem+json: the client hands over a string
    assert isinstance(err.text, str)
    return json.loads(err.text)


def new_campaign(client, **settings):
    body = {
        "type": "regular",
        "recipients": {"list_id": DEFAULT_LIST_ID},
        "settings": {
            "subject_line": "Hi",
            "from_name": "Ada",
            "reply_to": "a@example.com",
            "title": "connected:t",
            **settings,
        },
    }
    return client.campaigns.create(body)["id"]


def test_url_is_local_and_free_of_the_word_server(fake_mailchimp):
    assert fake_mailchimp.url.startswith("http://127.0.0.1:")
    assert fake_mailchimp.url.endswith("/3.0")
    assert "server" not in fake_mailchimp.url


def test_ping_and_wrong_key(fake_mailchimp, client):
    assert client.ping.get() == {"health_status": "Everything's Chimpy!"}
    bad = mailchimp_marketing.Client({"api_key": "nope-us99"})
    bad.api_client.host = fake_mailchimp.url
    with pytest.raises(ApiClientError) as err:
        bad.ping.get()
    doc = problem(err.value)
    assert err.value.status_code == 401 and doc["title"] == "API Key Invalid"
    assert set(doc) >= {"type", "title", "status", "detail", "instance"}


def test_lists_tags_and_segments(fake_mailchimp, client):
    fake_mailchimp.add_list("bbbbbbbbbb", "Other", member_count=3)
    lists = client.lists.get_all_lists(fields=["lists.id", "lists.name", "total_items"])
    assert lists == {
        "lists": [
            {"id": DEFAULT_LIST_ID, "name": "Connected readers"},
            {"id": "bbbbbbbbbb", "name": "Other"},
        ],
        "total_items": 2,
    }
    audience = client.lists.get_list(DEFAULT_LIST_ID)
    assert audience["stats"]["member_count"] == 42 and audience["contact"]["address1"]
    assert client.lists.tag_search(DEFAULT_LIST_ID, name="fri")["tags"][0]["name"] == "friends"
    segments = client.lists.list_segments(DEFAULT_LIST_ID, type="static")
    assert [s["name"] for s in segments["segments"]] == ["beta-readers", "friends"]
    with pytest.raises(ApiClientError) as err:
        client.lists.get_list("missing")
    assert err.value.status_code == 404 and problem(err.value)["title"] == "Resource Not Found"


def test_campaign_life_cycle(fake_mailchimp, client):
    cid = new_campaign(client)
    assert len(cid) == 10 and int(cid, 16) >= 0
    checklist = client.campaigns.get_send_checklist(cid)
    assert checklist["is_ready"] is False
    assert any(
        i["type"] == "error" and i["heading"] == "Campaign Content" for i in checklist["items"]
    )
    client.campaigns.set_content(cid, {"html": "<p>no footer</p>"})
    checklist = client.campaigns.get_send_checklist(cid)
    assert not checklist["is_ready"]
    assert [i["heading"] for i in checklist["items"] if i["type"] == "error"] == [
        "Unsubscribe Link"
    ]
    client.campaigns.set_content(cid, {"html": HTML, "plain_text": "Hello"})
    assert client.campaigns.get_send_checklist(cid)["is_ready"] is True
    response = client.campaigns.send(cid)
    # 204: the client hands back the raw Response
    assert isinstance(response, requests.Response) and response.status_code == 204
    campaign = client.campaigns.get(cid, fields=["id", "status", "send_time"])
    assert campaign["status"] == "sent" and campaign["send_time"]
    with pytest.raises(ApiClientError) as err:
        client.campaigns.send(cid)
    assert err.value.status_code == 400
    with pytest.raises(ApiClientError):
        client.campaigns.set_content(cid, {"html": HTML})
    assert fake_mailchimp.campaigns[cid].sends == 1


def test_list_campaigns_filters_fields_and_pages(fake_mailchimp, client):
    sent = fake_mailchimp.add_campaign("a", status="sent")
    draft = new_campaign(client, title="b")
    fake_mailchimp.add_campaign("elsewhere", status="sent", list_id="zzzzzzzzzz")
    page = client.campaigns.list(
        fields=["campaigns.id", "campaigns.settings.title", "total_items"],
        list_id=DEFAULT_LIST_ID,
        count=1000,
    )
    assert page == {
        "campaigns": [
            {"id": sent, "settings": {"title": "a"}},
            {"id": draft, "settings": {"title": "b"}},
        ],
        "total_items": 2,
    }
    assert client.campaigns.list(status="save", fields=["campaigns.id"])["campaigns"] == [
        {"id": draft}
    ]
    assert client.campaigns.list(count=1, offset=1, fields=["campaigns.id"])["campaigns"] == [
        {"id": draft}
    ]
    future = datetime.now(UTC) + timedelta(days=1)
    assert (
        client.campaigns.list(
            since_create_time=future.isoformat(), fields=["campaigns.id", "total_items"]
        )["total_items"]
        == 0
    )
    newest_first = client.campaigns.list(
        sort_field="create_time", sort_dir="DESC", exclude_fields=["campaigns.settings"]
    )
    assert "settings" not in newest_first["campaigns"][0]


def test_string_fields_trap_is_a_recorded_violation(fake_mailchimp, client):
    fake_mailchimp.allow_violations = True
    with pytest.raises(ApiClientError) as err:
        client.campaigns.list(fields="campaigns.id")
    assert err.value.status_code == 400
    assert "LIST" in fake_mailchimp.violations[0]


def test_bad_body_is_a_recorded_violation(fake_mailchimp, client):
    fake_mailchimp.allow_violations = True
    with pytest.raises(ApiClientError):
        client.campaigns.create({"type": "regular", "settings": {"preheader": "x"}})
    assert any("preheader" in v for v in fake_mailchimp.violations)
    assert fake_mailchimp.campaigns == {}


def test_schedule_rules(fake_mailchimp, client):
    cid = new_campaign(client)
    client.campaigns.set_content(cid, {"html": HTML})
    soon = (datetime.now(UTC) + timedelta(hours=2)).replace(minute=7, second=0, microsecond=0)
    with pytest.raises(ApiClientError) as err:
        client.campaigns.schedule(cid, {"schedule_time": soon.isoformat()})
    assert "quarter-hour" in problem(err.value)["detail"]
    past = datetime(2020, 1, 1, 10, 15, tzinfo=UTC)
    with pytest.raises(ApiClientError) as err:
        client.campaigns.schedule(cid, {"schedule_time": past.isoformat()})
    assert "future" in problem(err.value)["detail"]
    good = soon.replace(minute=15)
    client.campaigns.schedule(cid, {"schedule_time": good.isoformat()})
    assert fake_mailchimp.campaigns[cid].doc["status"] == "schedule"
    client.campaigns.unschedule(cid)
    assert fake_mailchimp.campaigns[cid].doc["status"] == "save"
    fake_mailchimp.plan_allows_scheduling = False
    with pytest.raises(ApiClientError) as err:
        client.campaigns.schedule(cid, {"schedule_time": good.isoformat()})
    assert "Free plan" in problem(err.value)["detail"]


def test_test_email_delete_and_cancel(fake_mailchimp, client):
    cid = new_campaign(client)
    client.campaigns.set_content(cid, {"html": HTML})
    client.campaigns.send_test_email(cid, {"test_emails": ["me@example.com"], "send_type": "html"})
    assert fake_mailchimp.test_sends[0]["test_emails"] == ["me@example.com"]
    assert fake_mailchimp.campaigns[cid].sends == 0
    with pytest.raises(ApiClientError):
        client.campaigns.cancel_send(cid)
    client.campaigns.remove(cid)
    with pytest.raises(ApiClientError) as err:
        client.campaigns.get(cid)
    assert err.value.status_code == 404


def test_reports_click_details_and_growth(fake_mailchimp, client):
    cid = fake_mailchimp.add_campaign("connected:r", status="sent", subject_line="S")
    fake_mailchimp.set_report(
        cid, emails_sent=40, opens={"unique_opens": 20, "open_rate": 0.5}, unsubscribed=1
    )
    report = client.reports.get_campaign_report(cid)
    assert report["emails_sent"] == 40 and report["opens"]["unique_opens"] == 20
    assert report["opens"]["opens_total"] == 0 and report["subject_line"] == "S"
    fake_mailchimp.set_click_details(
        cid,
        [
            {
                "url": "https://example.com/a",
                "total_clicks": 5,
                "unique_clicks": 4,
                "click_percentage": 0.1,
            }
        ],
    )
    clicks = client.reports.get_campaign_click_details(cid, count=10)
    assert clicks["urls_clicked"][0]["url"] == "https://example.com/a"
    assert clicks["total_items"] == 1
    fake_mailchimp.set_growth_history(
        DEFAULT_LIST_ID,
        [{"month": "2026-09", "subscribed": 30}, {"month": "2026-10", "subscribed": 40}],
    )
    growth = client.lists.get_list_growth_history(DEFAULT_LIST_ID, sort_dir="DESC")
    assert [m["month"] for m in growth["history"]] == ["2026-10", "2026-09"]
    other = fake_mailchimp.add_campaign("connected:s", status="sent")
    fresh = client.reports.get_campaign_report(other)
    assert fresh["campaign_title"] == "connected:s" and fresh["opens"]["unique_opens"] == 0
    every = client.reports.get_all_campaign_reports(
        fields=["reports.id", "reports.emails_sent", "total_items"], count=1000
    )
    assert every["total_items"] == 2
    assert {"id": cid, "emails_sent": 40} in every["reports"]
    with pytest.raises(ApiClientError) as err:
        client.reports.get_campaign_report("0000000000")
    assert err.value.status_code == 404


@pytest.mark.parametrize("status", [429, 500, 503])
def test_fault_status_is_problem_json_and_does_not_act(fake_mailchimp, client, status):
    fake_mailchimp.inject("POST", "/campaigns", status)
    with pytest.raises(ApiClientError) as err:
        new_campaign(client)
    assert err.value.status_code == status and problem(err.value)["status"] == status
    assert fake_mailchimp.campaigns == {}
    new_campaign(client)  # times=1: the next call goes through
    assert len(fake_mailchimp.campaigns) == 1


def test_empty_500_is_returned_not_raised(fake_mailchimp, client):
    fake_mailchimp.inject("GET", "/ping", "empty_500")
    response = client.ping.get()
    assert isinstance(response, requests.Response) and response.status_code == 500


def test_drop_before_and_after(fake_mailchimp, client):
    fake_mailchimp.inject("POST", "/campaigns", "drop_before")
    with pytest.raises(ApiClientError) as err:
        new_campaign(client)
    assert err.value.status_code is None  # a transport error has no status
    assert fake_mailchimp.campaigns == {}
    fake_mailchimp.inject("POST", "/campaigns", "drop_after")
    with pytest.raises(ApiClientError) as err:
        new_campaign(client)
    assert err.value.status_code is None
    assert len(fake_mailchimp.campaigns) == 1  # it acted before dropping
    [first, second] = fake_mailchimp.calls("POST", "/campaigns")
    assert (first.fault, first.acted, first.status) == ("drop_before", False, None)
    assert (second.fault, second.acted, second.status) == ("drop_after", True, None)


def test_delay_times_the_client_out_and_then_acts(fake_mailchimp, client):
    fake_mailchimp.inject("POST", "/campaigns", "delay:1.5")
    client.api_client.timeout = 0.5
    with pytest.raises(ApiClientError) as err:
        new_campaign(client)
    assert err.value.status_code is None
    assert isinstance(err.value.text, requests.Timeout)
    fake_mailchimp.wait_idle()
    assert len(fake_mailchimp.campaigns) == 1


def test_records_every_request(fake_mailchimp, client):
    client.lists.get_list(DEFAULT_LIST_ID, fields=["id"])
    new_campaign(client)
    [get, post] = fake_mailchimp.requests
    assert (get.method, get.path, get.query) == (
        "GET",
        f"/lists/{DEFAULT_LIST_ID}",
        {"fields": "id"},
    )
    assert post.body["settings"]["title"] == "connected:t" and post.status == 200
    assert get.time <= post.time


def test_class_is_usable_without_pytest():
    with FakeMailchimp() as fake:
        c = mailchimp_marketing.Client({"api_key": fake.api_key})
        c.api_client.host = fake.url
        assert c.ping.get()["health_status"]
