"""Fixtures for the reach-report tests: a fake Mailchimp that also measures concurrency."""

import threading
import time

import pytest

from tests.kit.fake_mailchimp import FakeMailchimp
from tests.scripts.stats.stats_testkit import CannedAccount, make_stats_project

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    """Headless Chromium for the report's browser tests (they skip without it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class GaugedFake(FakeMailchimp):
    """FakeMailchimp that holds each request briefly and records the most in flight at once.

    The hold happens outside the fake's lock, so parallel requests really overlap.
    """

    hold = 0.02

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gauge = threading.Lock()
        self.active = 0
        self.peak = 0

    def handle(self, method, op_path, params, query, body):
        with self.gauge:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.hold)
            return super().handle(method, op_path, params, query, body)
        finally:
            with self.gauge:
                self.active -= 1


@pytest.fixture
def fake_mailchimp():
    fake = GaugedFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], "requests the real Mailchimp would reject:\n" + "\n".join(
        fake.violations
    )


@pytest.fixture
def project(tmp_path):
    return make_stats_project(tmp_path, 30)


@pytest.fixture
def account(fake_mailchimp, project):
    canned = CannedAccount(fake_mailchimp, project)
    project.write_record(canned.record_entries())
    return canned
