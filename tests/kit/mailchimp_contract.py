"""What a request to the Mailchimp Marketing API may look like, for the fake server.

Written from the reconstructed OpenAPI subset and API notes the project was given
(a user's clone has no copy of them: tests/scripts/mailchimp/test_mailchimp_contract.py checks
this module against the subset whenever it is present). Each operation lists its query
parameters (type, enum, maximum) and, when it takes one, a JSON-Schema for its body.
Operations marked `source="client"` are not in the subset; they come from the
installed `mailchimp-marketing` client, which is what we call.

`check(method, path, query, body)` returns the matched operation and a list of
violations; the fake answers 400 and records them, so a test fails loudly when our
code sends something Mailchimp would not accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jsonschema import Draft7Validator

BASE_PATH = "/3.0"

# Query parameter specs: ("array",) means a csv list the client joins from a Python list.
CSV = {"type": "csv"}
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATETIME = {"type": "datetime"}

FIELDS = {"fields": CSV, "exclude_fields": CSV}
PAGING = {"count": {"type": "integer", "maximum": 1000}, "offset": INT}

CAMPAIGN_TYPES = ["regular", "plaintext", "absplit", "rss", "variate"]
CAMPAIGN_STATUSES = ["save", "paused", "schedule", "sending", "sent"]

SUBJECT_MAX = 150  # Mailchimp's limit for subject_line and preview_text

CAMPAIGN_CREATE = {
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": CAMPAIGN_TYPES},
        "recipients": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "list_id": {"type": "string"},
                "segment_opts": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "saved_segment_id": {"type": "integer"},
                        "match": {"type": "string", "enum": ["any", "all"]},
                        "conditions": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
        "settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "subject_line": {"type": "string", "maxLength": SUBJECT_MAX},
                "preview_text": {"type": "string", "maxLength": SUBJECT_MAX},
                "title": {"type": "string"},
                "from_name": {"type": "string"},
                "reply_to": {"type": "string"},
                "use_conversation": {"type": "boolean"},
                "to_name": {"type": "string"},
                "folder_id": {"type": "string"},
                "authenticate": {"type": "boolean"},
                "auto_footer": {"type": "boolean"},
                "inline_css": {"type": "boolean"},
                "auto_tweet": {"type": "boolean"},
                "fb_comments": {"type": "boolean"},
                "template_id": {"type": "integer"},
            },
        },
        "tracking": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "opens": {"type": "boolean"},
                "html_clicks": {"type": "boolean"},
                "text_clicks": {"type": "boolean"},
                "goal_tracking": {"type": "boolean"},
                "ecomm360": {"type": "boolean"},
                "google_analytics": {"type": "string"},
                "clicktale": {"type": "string"},
            },
        },
        "rss_opts": {
            "type": "object",
            "required": ["feed_url", "frequency"],
            "properties": {
                "feed_url": {"type": "string"},
                "frequency": {"type": "string", "enum": ["daily", "weekly", "monthly"]},
                "schedule": {
                    "type": "object",
                    "properties": {
                        "hour": {"type": "integer", "minimum": 0, "maximum": 23},
                        "daily_send": {"type": "object"},
                        "weekly_send_day": {"type": "string"},
                        "monthly_send_date": {"type": "number"},
                    },
                },
                "constrain_rss_img": {"type": "boolean"},
            },
        },
        "variate_settings": {"type": "object"},
        "social_card": {"type": "object"},
        "content_type": {"type": "string", "enum": ["template", "multichannel"]},
    },
}

CAMPAIGN_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "settings": {"type": "object"},
        "recipients": {"type": "object"},
        "tracking": {"type": "object"},
        "rss_opts": {"type": "object"},
        "social_card": {"type": "object"},
    },
}

CONTENT_SET = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "plain_text": {"type": "string"},
        "html": {"type": "string"},
        "url": {"type": "string"},
        "template": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}, "sections": {"type": "object"}},
        },
        "archive": {"type": "object"},
        "variate_contents": {"type": "array", "items": {"type": "object"}},
    },
}

SCHEDULE = {
    "type": "object",
    "required": ["schedule_time"],
    "additionalProperties": False,
    "properties": {
        "schedule_time": {"type": "string"},
        "timewarp": {"type": "boolean"},
        "batch_delivery": {
            "type": "object",
            "properties": {"batch_delay": {"type": "integer"}, "batch_count": {"type": "integer"}},
        },
    },
}

TEST_EMAIL = {
    "type": "object",
    "required": ["test_emails", "send_type"],
    "additionalProperties": False,
    "properties": {
        "test_emails": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "send_type": {"type": "string", "enum": ["html", "plaintext"]},
    },
}

MEMBER_ADD = {
    "type": "object",
    "required": ["email_address", "status"],
    "properties": {
        "email_address": {"type": "string"},
        "status": {
            "type": "string",
            "enum": ["subscribed", "unsubscribed", "cleaned", "pending", "transactional"],
        },
        "email_type": {"type": "string"},
        "merge_fields": {"type": "object"},
        "interests": {"type": "object"},
        "language": {"type": "string"},
        "vip": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "ip_signup": {"type": "string"},
        "timestamp_signup": {"type": "string"},
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # template under BASE_PATH, e.g. "/campaigns/{campaign_id}"
    client: str  # the mailchimp-marketing call
    query: dict = field(default_factory=dict)
    body: dict | None = None  # JSON-Schema; None = the operation takes no body
    source: str = "subset"  # "subset" (in openapi-subset.json) or "client" (client only)

    @property
    def pattern(self) -> re.Pattern:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        return re.compile(regex + r"/?")


def _op(method, path, client, query=None, body=None, source="subset"):
    return Operation(method, path, client, dict(query or {}), body, source)


OPERATIONS: list[Operation] = [
    _op("GET", "/ping", "client.ping.get()"),
    _op(
        "GET",
        "/lists",
        "client.lists.get_all_lists(**kw)",
        {
            **FIELDS,
            **PAGING,
            "before_date_created": DATETIME,
            "since_date_created": DATETIME,
            "before_campaign_last_sent": DATETIME,
            "since_campaign_last_sent": DATETIME,
            "email": STR,
            "sort_field": {"type": "string", "enum": ["date_created"]},
            "sort_dir": {"type": "string", "enum": ["ASC", "DESC"]},
            "has_ecommerce_store": BOOL,
            "include_total_contacts": BOOL,
        },
        source="client",
    ),
    _op(
        "GET",
        "/lists/{list_id}",
        "client.lists.get_list(list_id)",
        {**FIELDS, "include_total_contacts": BOOL},
    ),
    _op(
        "POST",
        "/lists/{list_id}/members",
        "client.lists.add_list_member(list_id, body)",
        {"skip_merge_validation": BOOL},
        MEMBER_ADD,
    ),
    _op(
        "GET",
        "/lists/{list_id}/tag-search",
        "client.lists.tag_search(list_id, name=...)",
        {"name": STR},
        source="client",
    ),
    _op(
        "GET",
        "/lists/{list_id}/segments",
        "client.lists.list_segments(list_id, **kw)",
        {
            **FIELDS,
            **PAGING,
            "type": {"type": "string", "enum": ["saved", "static", "fuzzy"]},
            "since_created_at": DATETIME,
            "before_created_at": DATETIME,
            "include_cleaned": BOOL,
            "include_transactional": BOOL,
            "include_unsubscribed": BOOL,
            "since_updated_at": DATETIME,
            "before_updated_at": DATETIME,
        },
        source="client",
    ),
    _op(
        "GET",
        "/lists/{list_id}/growth-history",
        "client.lists.get_list_growth_history(list_id, **kw)",
        {
            **FIELDS,
            **PAGING,
            "sort_field": {"type": "string", "enum": ["month"]},
            "sort_dir": {"type": "string", "enum": ["ASC", "DESC"]},
        },
        source="client",
    ),
    _op(
        "GET",
        "/campaigns",
        "client.campaigns.list(**kw)",
        {
            **FIELDS,
            **PAGING,
            "type": {"type": "string", "enum": CAMPAIGN_TYPES},
            "status": {"type": "string", "enum": CAMPAIGN_STATUSES},
            "before_send_time": DATETIME,
            "since_send_time": DATETIME,
            "before_create_time": DATETIME,
            "since_create_time": DATETIME,
            "list_id": STR,
            "folder_id": STR,
            "member_id": STR,
            "sort_field": {"type": "string", "enum": ["create_time", "send_time"]},
            "sort_dir": {"type": "string", "enum": ["ASC", "DESC"]},
        },
    ),
    _op("POST", "/campaigns", "client.campaigns.create(body)", body=CAMPAIGN_CREATE),
    _op("GET", "/campaigns/{campaign_id}", "client.campaigns.get(id)", FIELDS),
    _op(
        "PATCH",
        "/campaigns/{campaign_id}",
        "client.campaigns.update(id, body)",
        body=CAMPAIGN_UPDATE,
    ),
    _op("DELETE", "/campaigns/{campaign_id}", "client.campaigns.remove(id)"),
    _op("GET", "/campaigns/{campaign_id}/content", "client.campaigns.get_content(id)", FIELDS),
    _op(
        "PUT",
        "/campaigns/{campaign_id}/content",
        "client.campaigns.set_content(id, body)",
        body=CONTENT_SET,
    ),
    _op(
        "GET",
        "/campaigns/{campaign_id}/send-checklist",
        "client.campaigns.get_send_checklist(id)",
        FIELDS,
    ),
    _op("POST", "/campaigns/{campaign_id}/actions/send", "client.campaigns.send(id)"),
    _op(
        "POST",
        "/campaigns/{campaign_id}/actions/schedule",
        "client.campaigns.schedule(id, body)",
        body=SCHEDULE,
    ),
    _op("POST", "/campaigns/{campaign_id}/actions/unschedule", "client.campaigns.unschedule(id)"),
    _op(
        "POST",
        "/campaigns/{campaign_id}/actions/test",
        "client.campaigns.send_test_email(id, body)",
        body=TEST_EMAIL,
    ),
    _op("POST", "/campaigns/{campaign_id}/actions/cancel-send", "client.campaigns.cancel_send(id)"),
    _op("POST", "/campaigns/{campaign_id}/actions/replicate", "client.campaigns.replicate(id)"),
    _op("POST", "/campaigns/{campaign_id}/actions/pause", "client.campaigns.pause(id)"),
    _op("POST", "/campaigns/{campaign_id}/actions/resume", "client.campaigns.resume(id)"),
    _op(
        "GET",
        "/reports",
        "client.reports.get_all_campaign_reports(**kw)",
        {
            **FIELDS,
            **PAGING,
            "type": {"type": "string", "enum": CAMPAIGN_TYPES},
            "before_send_time": DATETIME,
            "since_send_time": DATETIME,
        },
        source="client",
    ),
    _op("GET", "/reports/{campaign_id}", "client.reports.get_campaign_report(id)", FIELDS),
    _op(
        "GET",
        "/reports/{campaign_id}/click-details",
        "client.reports.get_campaign_click_details(id, **kw)",
        {**FIELDS, **PAGING},
        source="client",
    ),
]


@dataclass
class Match:
    operation: Operation | None
    params: dict  # path parameters
    violations: list[str]
    status: int = 400  # what the fake answers when violations is not empty


def find(method: str, path: str) -> tuple[Operation | None, dict, bool]:
    """(operation, path params, path_known) for a path under BASE_PATH."""
    path_known = False
    for op in OPERATIONS:
        m = op.pattern.fullmatch(path)
        if m:
            path_known = True
            if op.method == method:
                return op, m.groupdict(), True
    return None, {}, path_known


def _check_query_value(name: str, spec: dict, value: str) -> str | None:
    kind = spec["type"]
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            return f"query {name}={value!r} is not an integer"
        if "maximum" in spec and number > spec["maximum"]:
            return f"query {name}={number} exceeds the maximum {spec['maximum']}"
        if number < 0:
            return f"query {name}={number} is negative"
    elif kind == "boolean":
        if value not in ("true", "false", "True", "False"):
            return f"query {name}={value!r} is not a boolean"
    elif kind == "datetime":
        from datetime import datetime

        try:
            datetime.fromisoformat(value)
        except ValueError:
            return f"query {name}={value!r} is not an ISO 8601 date-time"
    elif kind == "csv":
        parts = value.split(",")
        # The client joins a Python list with commas; a plain string is joined
        # character by character ("c,a,m,p,...") and Mailchimp then answers {}.
        if len(parts) > 2 and all(len(p) <= 1 for p in parts):
            return (
                f"query {name}={value!r} looks like a string split into characters: "
                "pass a LIST of dotted field names to the client"
            )
        for part in parts:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", part):
                return f"query {name} has an invalid field name {part!r}"
    if "enum" in spec and value not in spec["enum"]:
        return f"query {name}={value!r} is not one of {spec['enum']}"
    return None


def check(method: str, path: str, query: dict[str, str], body, body_present: bool) -> Match:
    """Check one request (path relative to BASE_PATH, body already parsed from JSON)."""
    op, params, path_known = find(method, path)
    if op is None:
        if path_known:
            return Match(None, {}, [f"{method} is not allowed on {path}"], status=405)
        return Match(None, {}, [f"{method} {path} is not a Mailchimp API path we know"], status=404)
    violations: list[str] = []
    for name, value in query.items():
        spec = op.query.get(name)
        if spec is None:
            violations.append(f"query parameter {name!r} is not accepted by {op.client}")
            continue
        problem = _check_query_value(name, spec, value)
        if problem:
            violations.append(problem)
    if op.body is None:
        # The client serialises "no body" as the JSON literal null.
        if body_present and body is not None:
            violations.append(f"{op.client} takes no body, got {type(body).__name__}")
    else:
        if not body_present or body is None:
            violations.append(f"{op.client} needs a JSON body")
        else:
            for error in sorted(Draft7Validator(op.body).iter_errors(body), key=str):
                where = ".".join(str(p) for p in error.absolute_path) or "body"
                violations.append(f"{where}: {error.message}")
    return Match(op, params, violations)
