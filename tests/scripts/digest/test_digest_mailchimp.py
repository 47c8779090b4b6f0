"""The single-send fault matrix and crash points, run on a weekly digest through the fake
Mailchimp: the real client over HTTP, `make publish` in process (each run a new backend, as
a new process would be) and, for a SIGKILL, real `python -m scripts.publish` processes.
Whatever fails, re-running until done leaves one campaign, one send that took effect, and
every post of the digest recorded once with that campaign."""

import os
import signal
import subprocess
import sys
import time

import mailchimp_marketing.api.campaigns_api as campaigns_api
import pytest

import scripts.backends.mailchimp as mailchimp_backend
import scripts.publish
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID
from tests.kit.publish_project import ROOT, use_fake_mailchimp
from tests.scripts.digest.digest_project import AFTER_SEND, add_post, digest_project
from tests.scripts.mailchimp.test_mailchimp_faults import SCENARIOS

MAX_RUNS = 4
# Scenarios about one post's own metadata (an audience tag, a post's HTML) have no digest form.
DIGEST_SCENARIOS = {name: o for name, o in SCENARIOS.items() if "edition1" not in o}


class Crash(BaseException):
    """The process dies here (kill -9, power cut): nothing after it runs."""


@pytest.fixture
def site(tmp_path, monkeypatch, fake_mailchimp):
    use_fake_mailchimp(monkeypatch, fake_mailchimp)
    monkeypatch.setenv("CONNECTED_NOW", AFTER_SEND)
    # Short waits between retries and lookups, as the backend-level matrix uses.
    monkeypatch.setitem(mailchimp_backend.MailchimpBackend.__init__.__kwdefaults__, "backoff", 0.01)
    monkeypatch.setattr(mailchimp_backend, "CREATE_LOOKUP_WAITS", (0.05, 0.1, 0.2))
    project = digest_project(tmp_path)
    project.configure_own_identity()
    uuids = [add_post(project, n, f"2026-11-2{n} 10:00") for n in (4, 5, 6)]
    return project, uuids


def digest_campaigns(fake):
    return [c for c in fake.campaigns.values() if c.doc["settings"].get("title", "").startswith("connected:")]


def assert_exactly_once(fake, project, uuids, label=""):
    every = digest_campaigns(fake)
    assert len(every) == 1, f"{label}: {len(every)} campaigns"
    [campaign] = every
    assert not campaign.deleted and campaign.sends == 1, f"{label}: sent {campaign.sends} times"
    assert campaign.doc["status"] in ("sent", "sending")
    acted = [r for r in fake.calls("POST", f"/campaigns/{campaign.doc['id']}/actions/send") if r.acted]
    assert len(acted) == 1, f"{label}: actions/send took effect {len(acted)} times"
    html = campaign.content.get("html", "")
    for n in (4, 5, 6):
        assert html.count(f'href="https://sam-rivera.dev/2026/digest-post-{n}/"') >= 2  # title + read link
    record = project.record()
    digest = campaign.doc["settings"]["title"].removeprefix("connected:")
    assert record["posts"][digest]["kind"] == "digest"
    assert record["posts"][digest]["campaign_id"] == campaign.doc["id"]
    assert sorted(record["posts"][digest]["digest_posts"]) == sorted(uuids)
    for uuid in uuids:
        entry = record["posts"][uuid]
        assert (entry["digest"], entry["campaign_id"], entry["status"]) == (digest, campaign.doc["id"], "sent")
    assert "pending" not in record, record.get("pending")


def done(project, uuids) -> bool:
    return project.record_path.is_file() and all(u in project.record()["posts"] for u in uuids)


@pytest.mark.parametrize("name", list(DIGEST_SCENARIOS))
def test_digest_fault_matrix_one_campaign_one_send(name, site, fake_mailchimp, monkeypatch):
    project, uuids = site
    options = DIGEST_SCENARIOS[name]
    fake = fake_mailchimp
    for method, regex, fault, times in options.get("inject", []):
        fake.inject(method, regex, fault, times)
    if "send_status" in options:
        fake.send_status = options["send_status"]
    if "timeout" in options:
        monkeypatch.setitem(mailchimp_backend.MailchimpBackend.__init__.__kwdefaults__, "timeout", 1.5)
    runs, outputs = 0, []
    real_save = scripts.publish.save_record
    while runs < MAX_RUNS and not done(project, uuids):
        fake.wait_idle()
        first = runs == 0
        runs += 1
        with monkeypatch.context() as patch:
            if first and "backend" in options:
                wrong = options["backend"]
                if "api_key" in wrong:
                    patch.setenv("MAILCHIMP_API_KEY", wrong["api_key"])
                if "audience_id" in wrong:
                    patch.setenv("MAILCHIMP_AUDIENCE_ID", wrong["audience_id"])
            if first and "crash" in options:

                def crash(*args, _step=options["crash"], **kwargs):
                    raise Crash(_step)

                patch.setattr(campaigns_api.CampaignsApi, options["crash"], crash)
            if first and options.get("lose_record"):

                def lose(path, record):
                    if any(e.get("kind") == "digest" for e in record["posts"].values()):
                        raise Crash("before the send record was written")
                    real_save(path, record)

                patch.setattr(scripts.publish, "save_record", lose)
            try:
                result = project.publish()
                outputs.append(result.text)
            except Crash as exc:
                outputs.append(f"crash: {exc}")
    fake.wait_idle()
    assert done(project, uuids), f"{name}: not done after {runs} runs: {outputs}"
    assert_exactly_once(fake, project, uuids, name)
    if options["runs"] > 1:
        assert runs >= 2, f"{name}: the first run was expected to stop: {outputs}"
    if "error" in options:
        assert options["error"] in outputs[0], outputs[0]
    assert fake.api_key not in "".join(outputs)
    # A later run in the same week finds the digest recorded and asks Mailchimp nothing.
    count = len(fake.requests)
    again = project.publish()
    assert again.code == 0 and "Nothing to send now." in again.out
    assert len(fake.requests) == count


def test_sigkill_during_the_send_then_real_reruns(site, fake_mailchimp):
    """A real `python -m scripts.publish` SIGKILLed while its send is in flight: Mailchimp acts
    on the send after the process is dead, so nothing was recorded; real re-runs finish it —
    the digest found by its marker, not sent again."""
    project, uuids = site
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILCHIMP_")}
    env.update(
        MAILCHIMP_API_KEY=fake_mailchimp.api_key,
        MAILCHIMP_AUDIENCE_ID=DEFAULT_LIST_ID,
        MAILCHIMP_API_URL=fake_mailchimp.url,
        MAILCHIMP_SETTLE_SECONDS="0",
        CONNECTED_NOW=AFTER_SEND,
    )
    # The fake holds the send 3 s before acting on it; the kill lands in that window.
    fake_mailchimp.inject("POST", r"/campaigns/\w+/actions/send", "delay:3", 1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.publish", "--root", str(project.path)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if fake_mailchimp.calls("POST", r"/campaigns/\w+/actions/send"):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill"
    assert not done(project, uuids)
    fake_mailchimp.wait_idle()
    assert sum(c.sends for c in digest_campaigns(fake_mailchimp)) == 1  # it went out, unrecorded
    result = project.publish_subprocess(env=env)
    assert result.code == 0, result.text
    assert "not sent again" in result.out
    assert_exactly_once(fake_mailchimp, project, uuids, "sigkill")
    again = project.publish_subprocess(env=env)
    assert again.code == 0 and "already sent" in again.out
    assert_exactly_once(fake_mailchimp, project, uuids, "sigkill, third run")


def test_scheduled_digest_unschedule_holds_every_post(site, fake_mailchimp, capsys):
    from scripts import unschedule

    project, uuids = site
    project.configure(pelican='NEWSLETTER["SCHEDULE_DELAY_MINUTES"] = 60')
    result = project.publish()
    assert result.code == 0, result.text
    [campaign] = digest_campaigns(fake_mailchimp)
    assert campaign.doc["status"] == "schedule" and campaign.sends == 0
    record = project.record()
    assert {record["posts"][u]["status"] for u in uuids} == {"scheduled"}
    assert unschedule.main(["--root", str(project.path)]) == 0
    record = project.record()
    digest = campaign.doc["settings"]["title"].removeprefix("connected:")
    assert {record["posts"][u]["status"] for u in [*uuids, digest]} == {"held"}
    assert not any("campaign_id" in record["posts"][u] for u in [*uuids, digest])
    assert digest_campaigns(fake_mailchimp)[0].deleted
    again = project.publish()
    assert again.code == 0 and sum(c.sends for c in digest_campaigns(fake_mailchimp)) == 0
