"""A local fake of the Mailchimp Marketing API, for tests that drive the real client.

    fake = FakeMailchimp().start()        # or the `fake_mailchimp` pytest fixture
    client = mailchimp_marketing.Client({"api_key": fake.api_key})
    client.api_client.host = fake.url      # "http://127.0.0.1:PORT/3.0"
    ...
    fake.stop()

It speaks HTTP on 127.0.0.1 (ThreadingHTTPServer on a free port, in a thread), answers
like Mailchimp (JSON, 204 for actions, RFC 7807 application/problem+json errors),
checks every request against tests/kit/mailchimp_contract.py (a violation answers 400 and
is kept in `fake.violations`, which the fixture asserts empty), and records every
request in `fake.requests`.

Faults: `fake.inject(method, path_regex, fault, times=1)`; path_regex is matched with
re.fullmatch against the path under /3.0 (e.g. r"/campaigns/\\w+/actions/send").
`fault` is an HTTP status (answered as problem+json without acting; 429 has no
Retry-After, like Mailchimp's), "drop_before" (close without acting), "drop_after"
(act, then close without answering), "delay:<seconds>" (wait, then act and answer —
the client has usually timed out by then), "empty_500" (500 with an empty body: the
client returns that Response instead of raising), or "retry_after:<seconds>" (429
with a Retry-After header), or "json:<text>" (200 with that JSON text, not acting: an
answer that is well-formed but not the resource), or "html:<text>" (200 text/html: a captive
portal's page).

Timing knobs, for races between processes: `fake.latency = 0.2` (or a range, `(0.0, 0.5)`)
delays every request by that many seconds, half before acting and half after (so a client
can be waiting for an answer to something already done), drawn from `fake.random`
(seed it for a repeatable trial); `fake.list_lag = 0.8` keeps a new campaign out of
GET /campaigns for that long (GET /campaigns/{id} is up to date at once, as on Mailchimp).
Campaign `create_time`s have one-second resolution, like Mailchimp's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.kit import mailchimp_contract as contract

DEFAULT_KEY = "0123456789abcdef0123456789abcdef-us99"
DEFAULT_LIST_ID = "a1b2c3d4e5"
ERROR_TYPE = "https://mailchimp.com/developer/marketing/docs/errors/"

TITLES = {
    400: "Bad Request",
    401: "API Key Invalid",
    403: "Forbidden",
    404: "Resource Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

MERGE_UNSUB = "*|UNSUB|*"
ADDRESS_TAGS = ("*|LIST:ADDRESSLINE|*", "*|LIST:ADDRESS|*", "*|HTML:LIST_ADDRESS_HTML|*")


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class ApiProblem(Exception):
    """An error answer, raised inside a handler."""

    def __init__(self, status: int, detail: str, title: str | None = None, errors=None):
        super().__init__(detail)
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail
        self.errors = errors


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str  # under /3.0, e.g. "/campaigns/abc/actions/send"
    query: dict
    body: object
    time: float
    status: int | None = None  # None: dropped without an answer
    fault: str | None = None
    acted: bool = False  # the fake changed or read state for it (not faulted before acting)


@dataclass
class Fault:
    method: str
    pattern: re.Pattern
    fault: object
    times: int


@dataclass
class CampaignState:
    doc: dict
    content: dict = field(default_factory=dict)
    sends: int = 0  # how many times actions/send took effect (must end at most 1)
    deleted: bool = False


def _select(obj, paths: list[list[str]]):
    if isinstance(obj, list):
        return [_select(item, paths) for item in obj]
    if not isinstance(obj, dict):
        return obj
    groups: dict[str, list[list[str]]] = {}
    for p in paths:
        groups.setdefault(p[0], []).append(p[1:])
    out = {}
    for key, subs in groups.items():
        if key not in obj:
            continue
        out[key] = obj[key] if any(not s for s in subs) else _select(obj[key], subs)
    return out


def _exclude(obj, paths: list[list[str]]):
    if isinstance(obj, list):
        return [_exclude(item, paths) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for p in paths:
        if p[0] not in out:
            continue
        if len(p) == 1:
            del out[p[0]]
        else:
            out[p[0]] = _exclude(out[p[0]], [p[1:]])
    return out


def apply_fields(doc, query: dict):
    """Mailchimp's fields / exclude_fields (dot notation) on a response document."""
    if query.get("fields"):
        doc = _select(doc, [f.split(".") for f in query["fields"].split(",")])
    if query.get("exclude_fields"):
        doc = _exclude(doc, [f.split(".") for f in query["exclude_fields"].split(",")])
    return doc


def strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


class FakeMailchimp:
    """State and behaviour of the fake; `start()` serves it over HTTP."""

    def __init__(self, api_key: str = DEFAULT_KEY):
        self.api_key = api_key
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.allow_violations = False  # a test that sends bad requests on purpose sets this
        self.faults: list[Fault] = []
        self.lists: dict[str, dict] = {}
        self.tags: dict[str, list[dict]] = {}  # list id -> [{"id", "name", "member_count"}]
        self.campaigns: dict[str, CampaignState] = {}
        self.reports: dict[str, dict] = {}
        self.click_details: dict[str, list[dict]] = {}
        self.growth: dict[str, list[dict]] = {}
        self.members: dict[str, dict[str, dict]] = {}
        self.test_sends: list[dict] = []
        self.plan_allows_scheduling = True
        self.list_lag = 0.0  # R1: seconds a new campaign stays out of GET /campaigns
        self.latency: float | tuple[float, float] = 0.0  # seconds per request (see the docstring)
        self.random = random.Random(0)
        self.send_status = "sent"  # what a campaign becomes on actions/send ("sending" also real)
        self.clock = lambda: datetime.now(UTC)
        self._counter = 0
        self._web_id = 1000
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_list(DEFAULT_LIST_ID, "Connected readers", member_count=42)
        self.add_tag(DEFAULT_LIST_ID, "beta-readers", member_count=5)
        self.add_tag(DEFAULT_LIST_ID, "friends", member_count=12)

    # ---------------------------------------------------------------- set-up helpers
    def add_list(self, list_id: str, name: str, member_count: int = 0, **overrides) -> dict:
        doc = {
            "id": list_id,
            "web_id": 200 + len(self.lists),
            "name": name,
            "contact": {
                "company": "Connected",
                "address1": "1 Example Street",
                "city": "Springfield",
                "state": "",
                "zip": "12345",
                "country": "US",
            },
            "permission_reminder": "You signed up on the blog.",
            "campaign_defaults": {
                "from_name": "Connected",
                "from_email": "writer@example.com",
                "subject": "",
                "language": "en",
            },
            "double_optin": True,
            "date_created": "2026-01-01T00:00:00+00:00",
            "stats": {
                "member_count": member_count,
                "unsubscribe_count": 0,
                "campaign_count": 0,
                "campaign_last_sent": "",
            },
        }
        doc.update(overrides)
        with self.lock:
            self.lists[list_id] = doc
            self.tags.setdefault(list_id, [])
            self.members.setdefault(list_id, {})
        return doc

    def add_tag(self, list_id: str, name: str, member_count: int = 0) -> int:
        with self.lock:
            tag_id = 1000 + sum(len(v) for v in self.tags.values()) + 1
            self.tags.setdefault(list_id, []).append(
                {"id": tag_id, "name": name, "member_count": member_count}
            )
            return tag_id

    def set_report(self, campaign_id: str, **fields) -> dict:
        """A canned report (merged over defaults) for GET /reports/{campaign_id}."""
        report = {
            "id": campaign_id,
            "campaign_title": "",
            "type": "regular",
            "list_id": DEFAULT_LIST_ID,
            "subject_line": "",
            "emails_sent": 0,
            "abuse_reports": 0,
            "unsubscribed": 0,
            "send_time": "",
            "bounces": {"hard_bounces": 0, "soft_bounces": 0, "syntax_errors": 0},
            "opens": {"opens_total": 0, "unique_opens": 0, "open_rate": 0.0, "last_open": ""},
            "clicks": {
                "clicks_total": 0,
                "unique_clicks": 0,
                "unique_subscriber_clicks": 0,
                "click_rate": 0.0,
                "last_click": "",
            },
        }
        with self.lock:
            state = self.campaigns.get(campaign_id)
            if state:
                report.update(
                    campaign_title=state.doc["settings"].get("title", ""),
                    list_id=state.doc["recipients"].get("list_id", ""),
                    subject_line=state.doc["settings"].get("subject_line", ""),
                    emails_sent=state.doc.get("emails_sent", 0),
                    send_time=state.doc.get("send_time", ""),
                )
            for key, value in fields.items():
                if isinstance(value, dict) and isinstance(report.get(key), dict):
                    report[key] = {**report[key], **value}
                else:
                    report[key] = value
            self.reports[campaign_id] = report
        return report

    def set_click_details(self, campaign_id: str, urls: list[dict]) -> None:
        """urls: [{"url", "total_clicks", "unique_clicks", "click_percentage", ...}]."""
        with self.lock:
            self.click_details[campaign_id] = [
                {
                    "id": hashlib.md5(u["url"].encode()).hexdigest()[:10],
                    "campaign_id": campaign_id,
                    "total_clicks": 0,
                    "click_percentage": 0.0,
                    "unique_clicks": 0,
                    "unique_click_percentage": 0.0,
                    "last_click": "",
                    **u,
                }
                for u in urls
            ]

    def set_growth_history(self, list_id: str, months: list[dict]) -> None:
        """months: [{"month": "2026-10", "subscribed": 40, "unsubscribed": 1, ...}]."""
        with self.lock:
            self.growth[list_id] = [{"list_id": list_id, **m} for m in months]

    def add_campaign(
        self, title: str, status: str = "sent", list_id: str = DEFAULT_LIST_ID, **settings
    ) -> str:
        """Put a campaign on the remote directly (e.g. one left by another machine)."""
        with self.lock:
            state = self._new_campaign(
                {
                    "type": "regular",
                    "recipients": {"list_id": list_id},
                    "settings": {"title": title, **settings},
                }
            )
            state.doc["status"] = status
            if status in ("sent", "sending", "schedule"):
                state.doc["send_time"] = iso(self.clock())
            if status in ("sent", "sending"):
                state.sends = 1
            return state.doc["id"]

    # ---------------------------------------------------------------- fault injection
    def inject(self, method: str, path_regex: str, fault, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method.upper(), re.compile(path_regex), fault, times))

    def _latency(self) -> float:
        """Half of one request's delay (before acting, and again before answering)."""
        with self.lock:
            lo, hi = self.latency if isinstance(self.latency, tuple) else (self.latency, self.latency)
            return (self.random.uniform(lo, hi) if hi > lo else lo) / 2

    def _take_fault(self, method: str, path: str):
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.method == method and f.pattern.fullmatch(path):
                    f.times -= 1
                    return f.fault
        return None

    # ---------------------------------------------------------------- assertions helpers
    def calls(self, method: str | None = None, path_regex: str | None = None) -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.fullmatch(path_regex, r.path))
            ]

    def campaigns_titled(self, title: str, include_deleted: bool = False) -> list[CampaignState]:
        with self.lock:
            return [
                c
                for c in self.campaigns.values()
                if c.doc["settings"].get("title") == title and (include_deleted or not c.deleted)
            ]

    def live_campaigns(self) -> list[CampaignState]:
        with self.lock:
            return [c for c in self.campaigns.values() if not c.deleted]

    def assert_no_violations(self) -> None:
        """Fail when a request broke the API contract (unless allow_violations is set)."""
        if not self.allow_violations:
            assert self.violations == [], "requests the real Mailchimp would reject:\n" + "\n".join(
                self.violations
            )

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (e.g. a delayed one a client gave up on)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self._in_flight == 0:
                    return
            time.sleep(0.01)
        raise TimeoutError("the fake Mailchimp still handles a request")

    # ---------------------------------------------------------------- server
    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{contract.BASE_PATH}"

    def start(self) -> FakeMailchimp:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---------------------------------------------------------------- behaviour
    def _new_id(self) -> str:
        self._counter += 1
        return hashlib.sha1(f"campaign-{self._counter}-{id(self)}".encode()).hexdigest()[:10]

    def _new_campaign(self, body: dict) -> CampaignState:
        cid = self._new_id()
        self._web_id += 1
        list_id = (body.get("recipients") or {}).get("list_id", "")
        lst = self.lists.get(list_id)
        segment_opts = (body.get("recipients") or {}).get("segment_opts") or {}
        recipient_count = lst["stats"]["member_count"] if lst else 0
        segment_text = ""
        if segment_opts.get("saved_segment_id") is not None:
            tag = self._tag_by_id(list_id, segment_opts["saved_segment_id"])
            recipient_count = tag["member_count"]
            segment_text = f"Tagged {tag['name']}"
        settings = {
            "subject_line": "",
            "preview_text": "",
            "title": "",
            "from_name": "",
            "reply_to": "",
            "use_conversation": False,
            "to_name": "",
            "folder_id": "",
            "authenticate": True,
            "auto_footer": False,
            "inline_css": False,
            "auto_tweet": False,
            "fb_comments": True,
            "timewarp": False,
            "template_id": 0,
            "drag_and_drop": False,
        }
        settings.update(body.get("settings") or {})
        tracking = {
            "opens": True,
            "html_clicks": True,
            "text_clicks": False,
            "goal_tracking": False,
            "ecomm360": False,
            "google_analytics": "",
            "clicktale": "",
        }
        tracking.update(body.get("tracking") or {})
        doc = {
            "id": cid,
            "web_id": self._web_id,
            "parent_campaign_id": "",
            "type": body["type"],
            "create_time": iso(self.clock()),
            "archive_url": f"http://eepurl.test/{cid}",
            "long_archive_url": f"https://us99.campaign-archive.test/?u=fake&id={cid}",
            "status": "save",
            "emails_sent": 0,
            "send_time": "",
            "content_type": "html",
            "needs_block_refresh": False,
            "resendable": False,
            "recipients": {
                "list_id": list_id,
                "list_is_active": bool(lst),
                "list_name": lst["name"] if lst else "",
                "segment_text": segment_text,
                "recipient_count": recipient_count,
                "segment_opts": segment_opts,
            },
            "settings": settings,
            "tracking": tracking,
            "delivery_status": {"enabled": False},
        }
        state = CampaignState(doc)
        state.created_monotonic = time.monotonic()  # R1: for list_lag (see the end)
        self.campaigns[cid] = state
        return state

    def _tag_by_id(self, list_id: str, tag_id: int) -> dict:
        for tag in self.tags.get(list_id, []):
            if tag["id"] == tag_id:
                return tag
        raise ApiProblem(
            400,
            "The resource submitted could not be validated. For field-specific details, "
            "see the 'errors' array.",
            "Invalid Resource",
            [
                {
                    "field": "recipients.segment_opts.saved_segment_id",
                    "message": "The segment id is not valid for this list.",
                }
            ],
        )

    def _campaign(self, cid: str) -> CampaignState:
        state = self.campaigns.get(cid)
        if state is None or state.deleted:
            raise ApiProblem(404, "The requested resource could not be found.")
        return state

    def _list(self, list_id: str) -> dict:
        lst = self.lists.get(list_id)
        if lst is None:
            raise ApiProblem(404, "The requested resource could not be found.")
        return lst

    @staticmethod
    def _page(items: list, query: dict) -> list:
        offset = int(query.get("offset", 0))
        count = int(query.get("count", 10))
        return items[offset : offset + count]

    def checklist(self, state: CampaignState) -> dict:
        items = []

        def item(kind, heading, details):
            items.append(
                {"type": kind, "id": len(items) + 1, "heading": heading, "details": details}
            )

        doc = state.doc
        s = doc["settings"]
        if not doc["recipients"].get("list_id") or doc["recipients"]["list_id"] not in self.lists:
            item("error", "List", "You need to select an audience to send to.")
        else:
            item("success", "List", "MailChimp will deliver this to your audience.")
        for key, heading in (
            ("subject_line", "Subject Line"),
            ("from_name", "From Name"),
            ("reply_to", "Reply-To Email"),
        ):
            if not s.get(key):
                item("error", heading, f"You need to add a {heading.lower()}.")
            else:
                item("success", heading, f"{heading} is set.")
        if not s.get("preview_text"):
            item("warning", "Preview Text", "Your campaign has no preview text.")
        html = state.content.get("html", "")
        if not html and not state.content.get("plain_text"):
            item("error", "Campaign Content", "You need to add content to your campaign.")
        elif html and MERGE_UNSUB not in html:
            item(
                "error",
                "Unsubscribe Link",
                "Your campaign content is missing an unsubscribe link (*|UNSUB|*).",
            )
        else:
            item("success", "Campaign Content", "Content is set.")
        if html and not any(tag in html for tag in ADDRESS_TAGS):
            item("warning", "Address", "Your content has no *|LIST:ADDRESSLINE|* merge tag.")
        ready = not any(i["type"] == "error" for i in items)
        return {"is_ready": ready, "items": items}

    def handle(self, method: str, op_path: str, params: dict, query: dict, body):
        """Act on one valid request; return (status, document or None)."""
        with self.lock:
            return self._dispatch(method, op_path, params, query, body)

    def _dispatch(self, method, op_path, params, query, body):  # noqa: C901 - a router
        key = (method, op_path)
        now = self.clock()
        if key == ("GET", "/ping"):
            return 200, {"health_status": "Everything's Chimpy!"}
        if key == ("GET", "/lists"):
            lists = list(self.lists.values())
            return 200, apply_fields(
                {"lists": self._page(lists, query), "total_items": len(lists)}, query
            )
        if key == ("GET", "/lists/{list_id}"):
            return 200, apply_fields(self._list(params["list_id"]), query)
        if key == ("POST", "/lists/{list_id}/members"):
            self._list(params["list_id"])
            members = self.members[params["list_id"]]
            email = body["email_address"].lower()
            if email in members:
                raise ApiProblem(
                    400, f"{body['email_address']} is already a list member.", "Member Exists"
                )
            member = {
                "id": hashlib.md5(email.encode()).hexdigest(),
                "email_address": body["email_address"],
                "status": body["status"],
                "list_id": params["list_id"],
            }
            members[email] = member
            if body["status"] == "subscribed":
                self.lists[params["list_id"]]["stats"]["member_count"] += 1
            return 200, member
        if key == ("GET", "/lists/{list_id}/tag-search"):
            self._list(params["list_id"])
            name = query.get("name", "").lower()
            tags = [
                {"id": t["id"], "name": t["name"]}
                for t in self.tags[params["list_id"]]
                if name in t["name"].lower()
            ]
            return 200, {"tags": tags, "total_items": len(tags)}
        if key == ("GET", "/lists/{list_id}/segments"):
            self._list(params["list_id"])
            segments = [
                {
                    "id": t["id"],
                    "name": t["name"],
                    "member_count": t["member_count"],
                    "type": "static",
                    "list_id": params["list_id"],
                }
                for t in self.tags[params["list_id"]]
            ]
            if query.get("type"):
                segments = [s for s in segments if s["type"] == query["type"]]
            doc = {
                "segments": self._page(segments, query),
                "list_id": params["list_id"],
                "total_items": len(segments),
            }
            return 200, apply_fields(doc, query)
        if key == ("GET", "/lists/{list_id}/growth-history"):
            self._list(params["list_id"])
            history = list(self.growth.get(params["list_id"], []))
            history.sort(key=lambda m: m["month"], reverse=query.get("sort_dir") == "DESC")
            doc = {
                "history": self._page(history, query),
                "list_id": params["list_id"],
                "total_items": len(history),
            }
            return 200, apply_fields(doc, query)
        if key == ("GET", "/campaigns"):
            return 200, self._list_campaigns(query)
        if key == ("POST", "/campaigns"):
            list_id = (body.get("recipients") or {}).get("list_id")
            if list_id is not None and list_id not in self.lists:
                raise ApiProblem(
                    400,
                    "The resource submitted could not be validated. For field-specific "
                    "details, see the 'errors' array.",
                    "Invalid Resource",
                    [{"field": "recipients.list_id", "message": "Invalid list ID."}],
                )
            return 200, self._new_campaign(body).doc
        if op_path == "/campaigns/{campaign_id}" or op_path.startswith("/campaigns/{campaign_id}/"):
            return self._campaign_op(
                method, op_path, self._campaign(params["campaign_id"]), query, body, now
            )
        if key == ("GET", "/reports"):
            for cid, state in self.campaigns.items():
                if cid not in self.reports and state.sends and not state.deleted:
                    self.set_report(cid)
            reports = list(self.reports.values())
            if query.get("type"):
                reports = [r for r in reports if r["type"] == query["type"]]
            for name, after in (("since_send_time", True), ("before_send_time", False)):
                if query.get(name):
                    limit = parse_time(query[name])
                    reports = [
                        r
                        for r in reports
                        if r["send_time"] and (parse_time(r["send_time"]) >= limit) == after
                    ]
            doc = {"reports": self._page(reports, query), "total_items": len(reports)}
            return 200, apply_fields(doc, query)
        if key == ("GET", "/reports/{campaign_id}"):
            report = self.reports.get(params["campaign_id"])
            state = self.campaigns.get(params["campaign_id"])
            if report is None and state and not state.deleted and state.sends:
                report = self.set_report(params["campaign_id"])  # zeros, like a fresh send
            if report is None:
                raise ApiProblem(404, "The requested resource could not be found.")
            return 200, apply_fields(report, query)
        if key == ("GET", "/reports/{campaign_id}/click-details"):
            if (
                params["campaign_id"] not in self.reports
                and params["campaign_id"] not in self.campaigns
            ):
                raise ApiProblem(404, "The requested resource could not be found.")
            urls = self.click_details.get(params["campaign_id"], [])
            doc = {
                "urls_clicked": self._page(urls, query),
                "campaign_id": params["campaign_id"],
                "total_items": len(urls),
            }
            return 200, apply_fields(doc, query)
        raise ApiProblem(404, f"The fake does not implement {method} {op_path}.")

    def _list_campaigns(self, query: dict) -> dict:
        items = [c.doc for c in self.campaigns.values() if not c.deleted and _r1_listed(self, c)]
        if query.get("list_id"):
            items = [c for c in items if c["recipients"]["list_id"] == query["list_id"]]
        if query.get("status"):
            items = [c for c in items if c["status"] == query["status"]]
        if query.get("type"):
            items = [c for c in items if c["type"] == query["type"]]
        for name, attr, after in (
            ("since_create_time", "create_time", True),
            ("before_create_time", "create_time", False),
            ("since_send_time", "send_time", True),
            ("before_send_time", "send_time", False),
        ):
            if query.get(name):
                limit = parse_time(query[name])
                items = [c for c in items if c[attr] and ((parse_time(c[attr]) >= limit) == after)]
        if query.get("sort_field"):
            field_name = query["sort_field"]
            items.sort(key=lambda c: c[field_name] or "", reverse=query.get("sort_dir") == "DESC")
        doc = {"campaigns": self._page(items, query), "total_items": len(items)}
        return apply_fields(doc, query)

    def _campaign_op(self, method, op_path, state: CampaignState, query, body, now):
        doc = state.doc
        action = op_path.removeprefix("/campaigns/{campaign_id}")
        editable = doc["status"] in ("save", "paused")
        if (method, action) == ("GET", ""):
            return 200, apply_fields(doc, query)
        if (method, action) == ("PATCH", ""):
            if not editable:
                raise ApiProblem(400, "Cannot update a campaign that has been sent or scheduled.")
            for part in ("settings", "recipients", "tracking"):
                if part in body:
                    doc[part].update(body[part])
            return 200, doc
        if (method, action) == ("DELETE", ""):
            if doc["status"] in ("schedule", "sending"):
                raise ApiProblem(
                    400, "This campaign cannot be deleted while it is scheduled or sending."
                )
            state.deleted = True
            return 204, None
        if (method, action) == ("GET", "/content"):
            return 200, apply_fields(
                {
                    "plain_text": state.content.get("plain_text", ""),
                    "html": state.content.get("html", ""),
                    "archive_html": state.content.get("html", ""),
                },
                query,
            )
        if (method, action) == ("PUT", "/content"):
            if not editable:
                raise ApiProblem(400, "Cannot change the content of a sent or scheduled campaign.")
            sources = [k for k in ("html", "url", "template", "archive") if k in body]
            if len(sources) > 1:
                raise ApiProblem(
                    400, f"Give one content source, got {sources}.", "Invalid Resource"
                )
            if "html" in body:
                state.content = {
                    "html": body["html"],
                    "plain_text": body.get("plain_text") or strip_tags(body["html"]),
                }
            elif "plain_text" in body:
                state.content = {"html": "", "plain_text": body["plain_text"]}
            else:
                state.content = {
                    "html": f"<p>content from {sources}</p> {MERGE_UNSUB}",
                    "plain_text": "",
                }
            return 200, {**state.content, "archive_html": state.content["html"]}
        if (method, action) == ("GET", "/send-checklist"):
            return 200, apply_fields(self.checklist(state), query)
        if (method, action) == ("POST", "/actions/send"):
            if doc["status"] in ("sent", "sending"):
                raise ApiProblem(400, "This campaign has already been sent.")
            if doc["status"] == "schedule":
                raise ApiProblem(400, "This campaign is scheduled; unschedule it first.")
            if not self.checklist(state)["is_ready"]:
                raise ApiProblem(400, "Your Campaign is not ready to send.")
            doc["status"] = self.send_status
            doc["send_time"] = iso(now)
            doc["emails_sent"] = doc["recipients"]["recipient_count"]
            state.sends += 1
            lst = self.lists.get(doc["recipients"]["list_id"])
            if lst:
                lst["stats"]["campaign_count"] += 1
                lst["stats"]["campaign_last_sent"] = doc["send_time"]
            return 204, None
        if (method, action) == ("POST", "/actions/schedule"):
            if not self.plan_allows_scheduling:
                # [unverified wording] what a Free plan account gets for scheduling
                raise ApiProblem(
                    400,
                    "Scheduling is not available on the Free plan. Upgrade your account "
                    "to schedule campaigns.",
                    "Feature Not Available",
                )
            if doc["status"] != "save" and doc["status"] != "paused":
                raise ApiProblem(400, "This campaign cannot be scheduled in its current status.")
            try:
                when = parse_time(body["schedule_time"])
            except ValueError:
                raise ApiProblem(
                    400, "schedule_time must be an ISO 8601 date-time.", "Invalid Resource"
                ) from None
            if when.minute % 15 or when.second or when.microsecond:
                raise ApiProblem(
                    400,
                    "Campaigns may only be scheduled to send on the quarter-hour "
                    "(:00, :15, :30, :45).",
                    "Invalid Resource",
                )
            if when <= now:
                raise ApiProblem(
                    400, "The schedule time must be in the future.", "Invalid Resource"
                )
            if not self.checklist(state)["is_ready"]:
                raise ApiProblem(400, "Your Campaign is not ready to send.")
            doc["status"] = "schedule"
            doc["send_time"] = iso(when)
            return 204, None
        if (method, action) == ("POST", "/actions/unschedule"):
            if doc["status"] != "schedule":
                raise ApiProblem(400, "This campaign is not scheduled.")
            doc["status"] = "save"
            doc["send_time"] = ""
            return 204, None
        if (method, action) == ("POST", "/actions/test"):
            self.test_sends.append(
                {
                    "campaign_id": doc["id"],
                    "test_emails": list(body["test_emails"]),
                    "send_type": body["send_type"],
                    "html": state.content.get("html", ""),
                    "subject_line": doc["settings"].get("subject_line", ""),
                }
            )
            return 204, None
        if (method, action) == ("POST", "/actions/cancel-send"):
            if doc["status"] != "sending":
                raise ApiProblem(400, "Only a campaign that is sending can be cancelled.")
            doc["status"] = "canceled"
            return 204, None
        if (method, action) == ("POST", "/actions/replicate"):
            copy = self._new_campaign(
                {
                    "type": doc["type"],
                    "recipients": dict(doc["recipients"]),
                    "settings": {
                        k: doc["settings"][k]
                        for k in ("subject_line", "preview_text", "title", "from_name", "reply_to")
                    },
                }
            )
            copy.content = dict(state.content)
            return 200, copy.doc
        if (method, action) in (("POST", "/actions/pause"), ("POST", "/actions/resume")):
            if doc["type"] != "rss":
                raise ApiProblem(400, "Only RSS campaigns can be paused or resumed.")
            doc["status"] = "paused" if action.endswith("pause") else "sending"
            return 204, None
        raise ApiProblem(404, f"The fake does not implement {method} {op_path}.")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMailchimp
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    # ------------------------------------------------------------------ plumbing
    def _send(self, status: int, doc=None, content_type="application/json", headers=None):
        payload = b"" if doc is None else json.dumps(doc).encode()
        try:
            self.send_response(status)
            if doc is not None:
                self.send_header("Content-Type", content_type)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout); nothing to answer

    def _problem(self, status: int, title: str, detail: str, errors=None, headers=None):
        doc = {
            "type": ERROR_TYPE,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": str(uuid.uuid4()),
        }
        if errors:
            doc["errors"] = errors
        self._send(status, doc, "application/problem+json", headers)
        return status

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            _user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return password == self.fake.api_key

    def _serve(self, method: str):
        fake = self.fake
        with fake.lock:
            fake._in_flight += 1
        try:
            self._serve_inner(method)
        finally:
            with fake.lock:
                fake._in_flight -= 1

    def _serve_inner(self, method: str):  # noqa: C901 - one request, start to end
        fake = self.fake
        parts = urlsplit(self.path)
        full_path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body_present = bool(raw)
        body = None
        parse_error = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                parse_error = str(exc)
        path = (
            full_path.removeprefix(contract.BASE_PATH)
            if full_path.startswith(contract.BASE_PATH + "/")
            else full_path
        )
        record = Recorded(method, path, query, body, time.time())
        with fake.lock:
            fake.requests.append(record)
        delay = fake._latency()
        if delay:
            time.sleep(delay)  # on the way in: outside the lock, so requests overlap

        fault = fake._take_fault(method, path)
        record.fault = None if fault is None else str(fault)
        if fault == "drop_before":
            self.close_connection = True
            return
        if isinstance(fault, int):
            record.status = self._problem(
                fault, TITLES.get(fault, "Error"), f"Injected fault {fault}."
            )
            return
        if fault == "empty_500":
            record.status = 500
            self._send(500)
            return
        if isinstance(fault, str) and fault.startswith("retry_after:"):
            record.status = self._problem(
                429,
                TITLES[429],
                "Injected fault 429.",
                headers={"Retry-After": fault.split(":", 1)[1]},
            )
            return
        if isinstance(fault, str) and fault.startswith(("json:", "html:")):
            # A well-formed answer that is not the resource (a proxy's, a cache's, or
            # Mailchimp's own {} for a malformed `fields`), or a captive portal's page:
            # 200, not acting.
            record.status = 200
            kind, payload = fault.split(":", 1)
            payload = payload.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8" if kind == "json" else "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        if isinstance(fault, str) and fault.startswith("delay:"):
            time.sleep(float(fault.split(":", 1)[1]))
        if fault in R1_FAULTS_BEFORE:  # R1 review faults (see the end of this file)
            record.status = _r1_answer_before(self, fault)
            return

        if not full_path.startswith(contract.BASE_PATH + "/"):
            record.status = self._problem(404, TITLES[404], "The API lives under /3.0.")
            return
        if not self._authorised():
            record.status = self._problem(
                401,
                "API Key Invalid",
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )
            return
        if parse_error:
            with fake.lock:
                fake.violations.append(f"{method} {path}: body is not JSON ({parse_error})")
            record.status = self._problem(
                400,
                "JSON Parse Error",
                f"We encountered an unspecified JSON parsing error: {parse_error}",
            )
            return
        match = contract.check(method, path, query, body, body_present)
        if match.violations:
            with fake.lock:
                fake.violations.extend(f"{method} {path}: {v}" for v in match.violations)
            title = "Invalid Resource" if match.status == 400 else TITLES[match.status]
            record.status = self._problem(
                match.status,
                title,
                "Contract violation: " + "; ".join(match.violations),
                [{"field": "", "message": v} for v in match.violations],
            )
            return
        try:
            status, doc = fake.handle(method, match.operation.path, match.params, query, body)
        except ApiProblem as problem:
            record.acted = True
            if fault == "drop_after":
                self.close_connection = True
                return
            record.status = self._problem(
                problem.status, problem.title, problem.detail, problem.errors
            )
            return
        record.acted = True
        if delay:
            time.sleep(fake._latency())  # on the way back: acted, not yet answered
        if fault == "drop_after":
            self.close_connection = True
            return
        if fault in R1_FAULTS_AFTER:  # R1 review faults (see the end of this file)
            record.status = _r1_answer_after(self, fault, status, doc)
            return
        record.status = status
        self._send(status, doc)


# ======================================================================================
# R1 review extensions: faults seen on real networks that the ones above do not cover.
#   "truncate_after" act, then answer 200 with half of the JSON body and no Content-Length
#                    (the connection closes early; the client hands over a body it cannot
#                    parse instead of raising)
#   "html_200"       do not act; answer 200 with a text/html page (a captive portal/proxy)
#   "html_502_after" act, then answer 502 with a text/html page (a proxy gave up waiting)
#   "html_504"       do not act; answer 504 with a text/html page
#   "bare_403"       do not act; answer 403 with no body and no Content-Type (heavy throttling)
# and `fake.list_lag = <seconds>`: a new campaign stays out of GET /campaigns that long
# (the list is eventually consistent; GET /campaigns/{id} is not affected).
# ======================================================================================
R1_FAULTS_BEFORE = ("html_200", "html_504", "bare_403")
R1_FAULTS_AFTER = ("truncate_after", "html_502_after")
R1_HTML = b"<html><head><title>%s</title></head><body><h1>%s</h1><hr>nginx</body></html>"


def _r1_listed(fake: FakeMailchimp, state: CampaignState) -> bool:
    created = getattr(state, "created_monotonic", 0.0)
    return time.monotonic() - created >= fake.list_lag


def _r1_raw(handler: _Handler, status: int, payload: bytes, content_type: str, *, length: bool):
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if length:
            handler.send_header("Content-Length", str(len(payload)))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _r1_answer_before(handler: _Handler, fault: str) -> int:
    if fault == "bare_403":
        try:
            handler.send_response(403)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass
        return 403
    if fault == "html_200":
        _r1_raw(
            handler,
            200,
            b"<html><body>Sign in to the network</body></html>",
            "text/html",
            length=True,
        )
        return 200
    _r1_raw(
        handler,
        504,
        R1_HTML % (b"504 Gateway Time-out", b"504 Gateway Time-out"),
        "text/html",
        length=True,
    )
    return 504


def _r1_answer_after(handler: _Handler, fault: str, status: int, doc) -> int:
    if fault == "html_502_after":
        _r1_raw(
            handler,
            502,
            R1_HTML % (b"502 Bad Gateway", b"502 Bad Gateway"),
            "text/html",
            length=True,
        )
        return 502
    payload = b"" if doc is None else json.dumps(doc).encode()
    _r1_raw(handler, status, payload[: max(1, len(payload) // 2)], "application/json", length=False)
    return status
