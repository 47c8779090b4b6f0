"""The fault matrix: whatever fails, re-running sends every post exactly once.

Each scenario publishes two posts through MailchimpBackend (the real client, over
HTTP, against the fake) with one fault, then re-runs — a new backend instance, as a
new `make publish` process would be — until every post is in the (simulated) send
record. The fake's records then show one campaign per post, one send that took
effect per campaign, and no post lost. A table of the results is printed at the end
of the module's run.
"""

import logging

import pytest

from scripts.backends.base import BackendError

SEND = r"/campaigns/\w+/actions/send"
CONTENT = r"/campaigns/\w+/content"
CHECKLIST = r"/campaigns/\w+/send-checklist"
MAX_RUNS = 4
RESULTS: list[tuple] = []


class Crash(BaseException):
    """The process dies here (kill -9, power cut): nothing after it runs."""


SCENARIOS = {
    # name: options; "runs" = how many runs it must take at most
    "crash after create": {"crash": "set_content", "runs": 2},
    "content PUT keeps dropping": {"inject": [("PUT", CONTENT, "drop_before", 6)], "runs": 2},
    "content PUT dropped once": {"inject": [("PUT", CONTENT, "drop_before", 1)], "runs": 1},
    "crash after content": {"crash": "get_send_checklist", "runs": 2},
    "crash after send, before record": {"lose_record": True, "runs": 2},
    "create: dropped after acting": {
        "inject": [("POST", "/campaigns", "drop_after", 1)],
        "runs": 1,
    },
    "create: dropped before acting": {
        "inject": [("POST", "/campaigns", "drop_before", 1)],
        "runs": 2,
    },
    "send: dropped after acting": {"inject": [("POST", SEND, "drop_after", 1)], "runs": 1},
    "send: dropped after acting, still sending": {
        "inject": [("POST", SEND, "drop_after", 1)],
        "send_status": "sending",
        "runs": 1,
    },
    "send: dropped before acting": {"inject": [("POST", SEND, "drop_before", 1)], "runs": 2},
    "create: timeout (acts late)": {
        "inject": [("POST", "/campaigns", "delay:2.5", 1)],
        "timeout": 1.0,
        "runs": 2,
    },
    "send: timeout (acts late)": {
        "inject": [("POST", SEND, "delay:2.5", 1)],
        "timeout": 1.0,
        "runs": 2,
    },
    "content PUT: timeout": {
        "inject": [("PUT", CONTENT, "delay:2.5", 1)],
        "timeout": 1.0,
        "runs": 1,
    },
    "create: 429 x4 then ok": {"inject": [("POST", "/campaigns", 429, 4)], "runs": 1},
    "send: 429 x4 then ok": {"inject": [("POST", SEND, 429, 4)], "runs": 1},
    "create: 500 with body": {"inject": [("POST", "/campaigns", 500, 1)], "runs": 2},
    "create: 500 empty body": {"inject": [("POST", "/campaigns", "empty_500", 1)], "runs": 2},
    "create: 503": {"inject": [("POST", "/campaigns", 503, 1)], "runs": 2},
    "send: 500 with body": {"inject": [("POST", SEND, 500, 1)], "runs": 2},
    "send: 500 empty body": {"inject": [("POST", SEND, "empty_500", 1)], "runs": 2},
    "lookup: 503 x2 (read retried)": {"inject": [("GET", "/campaigns", 503, 2)], "runs": 1},
    "checklist: 500 empty (read retried)": {
        "inject": [("GET", CHECKLIST, "empty_500", 1)],
        "runs": 1,
    },
    "401 key rejected, then fixed": {
        "backend": {"api_key": "ffffffffffffffffffffffffffffffff-us99"},
        "error": "API key rejected (401)",
        "runs": 2,
    },
    "404 audience, then fixed": {
        "backend": {"audience_id": "0000000000"},
        "error": "Connected readers",
        "runs": 2,
    },
    "unknown tag, then fixed": {
        "edition1": {"audience_tag": "vip"},
        "error": "tags that exist",
        "runs": 2,
    },
    "checklist not ready, then fixed": {
        "edition1": {"html": "<p>no footer</p>"},
        "error": "Unsubscribe Link",
        "runs": 2,
    },
}


def publish_until_done(fake, make_backend, make_edition, options):
    """Run 'publish' (prepare + deliver each pending post + record) until nothing is pending."""
    for method, regex, fault, times in options.get("inject", []):
        fake.inject(method, regex, fault, times)
    if "send_status" in options:
        fake.send_status = options["send_status"]
    record: dict = {}
    errors: list[str] = []
    runs = 0
    while runs < MAX_RUNS:
        # A re-run happens later: a request the client gave up on has finished by then.
        fake.wait_idle()
        first = runs == 0
        editions = [
            make_edition(n, **(options.get("edition1", {}) if first and n == 1 else {}))
            for n in (1, 2)
        ]
        pending = [e for e in editions if e.uuid not in record]
        if not pending:
            break
        runs += 1
        overrides = {"timeout": options["timeout"]} if "timeout" in options else {}
        overrides.update(options.get("backend", {}) if first else {})
        backend = make_backend(**overrides)
        if first and "crash" in options:

            def crash(*args, _step=options["crash"], **kwargs):
                raise Crash(_step)

            setattr(backend.client.campaigns, options["crash"], crash)
        try:
            backend.prepare(pending)
            for edition in pending:
                delivery = backend.deliver(edition)
                if first and options.get("lose_record"):
                    raise Crash("before the send record was written")
                record[edition.uuid] = delivery
        except BackendError as exc:
            errors.append(str(exc))
        except Crash as exc:
            errors.append(f"crash: {exc}")
    fake.wait_idle()
    return record, runs, errors


@pytest.fixture(scope="module", autouse=True)
def matrix_table(request):
    yield
    if not RESULTS:
        return
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    header = ("scenario", "runs", "requests", "campaigns/post", "send POSTs", "sent", "lost")
    rows = [header, *RESULTS]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line("Mailchimp fault matrix (2 posts per scenario):")
            for line in lines:
                reporter.write_line(line)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_matrix_sends_each_post_exactly_once(
    name, fake_mailchimp, make_backend, make_edition, caplog
):
    caplog.set_level(logging.DEBUG)
    options = SCENARIOS[name]
    fake = fake_mailchimp
    record, runs, errors = publish_until_done(fake, make_backend, make_edition, options)
    assert fake.api_key not in caplog.text + "".join(errors)

    editions = [make_edition(n) for n in (1, 2)]
    lost = [e.slug for e in editions if e.uuid not in record]
    campaigns_per_post = []
    send_posts = []
    for edition in editions:
        marker = f"connected:{edition.uuid}"
        every = fake.campaigns_titled(marker, include_deleted=True)
        campaigns_per_post.append(len(every))
        assert len(every) == 1, f"{name}: {edition.slug} has {len(every)} campaigns"
        [campaign] = every
        assert not campaign.deleted
        assert campaign.sends == 1, f"{name}: {edition.slug} sent {campaign.sends} times"
        assert campaign.doc["status"] in ("sent", "sending")
        acted = [
            r
            for r in fake.calls("POST", f"/campaigns/{campaign.doc['id']}/actions/send")
            if r.acted
        ]
        send_posts.append(len(acted))
        assert len(acted) == 1, f"{name}: actions/send took effect {len(acted)} times"
        if edition.uuid in record:
            delivery = record[edition.uuid]
            assert delivery.status == "sent" and delivery.campaign_id == campaign.doc["id"]
    assert lost == [], f"{name}: lost {lost} after {runs} runs; errors: {errors}"
    assert runs <= options["runs"], f"{name}: took {runs} runs; errors: {errors}"
    if "error" in options:
        assert errors and options["error"] in errors[0], errors
    if options["runs"] > 1:
        assert errors, f"{name}: the first run was expected to stop"
        assert all(
            "re-run" in e.lower() or e.startswith("crash") or "error" in options for e in errors
        )
    RESULTS.append(
        (
            name,
            runs,
            len(fake.requests),
            "/".join(map(str, campaigns_per_post)),
            "/".join(map(str, send_posts)),
            "2/2",
            len(lost),
        )
    )
