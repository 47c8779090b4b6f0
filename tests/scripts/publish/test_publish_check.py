"""`make publish CHECK=1` lists every problem in one run, each one line with its fix.

Placeholders still the sample's, every missing or malformed MAILCHIMP_* setting, and
whether Mailchimp answers: a DNS failure, a refused connection and a timeout are named
as what they are. No network: `.invalid` never resolves, a closed local port refuses,
and a listening socket that never answers times out.
"""

from __future__ import annotations

import hashlib
import socket

import pytest

import scripts.publish
from tests.kit.fake_mailchimp import DEFAULT_LIST_ID
from tests.kit.publish_project import OLD, clear_mailchimp_env, make_project

# The sample's values, written explicitly: the test must not depend on the working
# copy's pelicanconf.py still being the sample (the writer will have changed it).
SAMPLE_SETTINGS = """
AUTHOR_PROFILE["NAME"] = SITENAME = AUTHOR = "Alex Morgan"
AUTHOR_PROFILE["EMAIL"] = "alex@your-name.example"
AUTHOR_PROFILE["POSTAL_ADDRESS"] = "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia"
AUTHOR_PROFILE["LINKEDIN_URL"] = "https://www.linkedin.com/in/your-name-example/"
AUTHOR_PROFILE["LINKS"] = [("GitHub", "https://github.com/your-name-example"),
                           ("Mastodon", "https://mastodon.example/@yourname")]
AUTHOR_PROFILE["DEFAULT_IMAGE"] = "images/social-default.png"
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def project(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    return make_project(tmp_path, record=[OLD])


def problem_lines(result) -> list[str]:
    return [line[4:] for line in result.err.splitlines() if line.startswith("  - ")]


def test_every_problem_in_one_run(project, monkeypatch, fake_mailchimp):
    project.configure(pelican=SAMPLE_SETTINGS, publish='SITEURL = "https://your-name.example"')
    image = project.path / "content" / "images" / "social-default.png"
    # Stand the fixture's image in for the sample's (the guard knows the sample by its hash).
    monkeypatch.setattr(
        scripts.publish, "SAMPLE_IMAGE_SHA256", {hashlib.sha256(image.read_bytes()).hexdigest()}
    )
    about = project.path / "content" / "pages" / "about.md"
    about.write_text(about.read_text() + "\nI lead a team at Northwind Logistics.\n")
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake_mailchimp.api_key)
    monkeypatch.setenv("MAILCHIMP_API_URL", f"http://127.0.0.1:{closed_port()}/3.0")
    monkeypatch.setenv("MAILCHIMP_SETTLE_SECONDS", "soon")
    # MAILCHIMP_AUDIENCE_ID is missing too.

    result = project.publish("--check")
    assert result.code == 1
    lines = problem_lines(result)
    expected = [
        "MAILCHIMP_AUDIENCE_ID is not set",
        "MAILCHIMP_SETTLE_SECONDS is 'soon': write a number of seconds",
        "refused the connection (nothing listens there)",
        "SITEURL in publishconf.py is still the sample's https://your-name.example",
        "AUTHOR_PROFILE['NAME'], SITENAME, AUTHOR, NEWSLETTER['FROM_NAME'] are still the "
        "sample's 'Alex Morgan': set your own name in pelicanconf.py.",
        "NEWSLETTER['FROM_EMAIL'] is the sample's alex@your-name.example",
        "NEWSLETTER['REPLY_TO'] is the sample's alex@your-name.example",
        "AUTHOR_PROFILE['POSTAL_ADDRESS'] in pelicanconf.py is the sample's made-up address",
        "AUTHOR_PROFILE['LINKEDIN_URL'] is still the sample's",
        "the 'GitHub' link in AUTHOR_PROFILE['LINKS'] is still the sample's",
        "the 'Mastodon' link in AUTHOR_PROFILE['LINKS'] is still the sample's",
        f"{image} is still the sample's social image",
        f"{about} is still the sample's About text: write your own.",
    ]
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, lines)
    assert f"Fix these {len(lines)} problems before publishing:" in result.err
    assert fake_mailchimp.api_key not in result.text
    assert fake_mailchimp.requests == []  # the fake is not where the URL points


def test_dns_failure_is_named(project, monkeypatch, fake_mailchimp):
    project.configure_own_identity()
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake_mailchimp.api_key)
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", DEFAULT_LIST_ID)
    monkeypatch.setenv("MAILCHIMP_API_URL", "https://mailchimp-api.invalid/3.0")
    result = project.publish("--check")
    assert result.code == 1
    (line,) = problem_lines(result)
    assert line.startswith("Mailchimp does not answer at https://mailchimp-api.invalid/3.0: ")
    assert "the DNS lookup of mailchimp-api.invalid failed" in line
    assert "ConnectionError" not in line


def test_refused_connection_is_named(project, monkeypatch, fake_mailchimp):
    project.configure_own_identity()
    port = closed_port()
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake_mailchimp.api_key)
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", DEFAULT_LIST_ID)
    monkeypatch.setenv("MAILCHIMP_API_URL", f"http://127.0.0.1:{port}/3.0")
    result = project.publish("--check")
    assert result.code == 1
    (line,) = problem_lines(result)
    assert f"127.0.0.1:{port} refused the connection" in line


def test_timeout_is_named(make_backend):
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        backend = make_backend(api_url=f"http://127.0.0.1:{port}/3.0", timeout=0.5)
        (line,) = backend.check()
    assert line.startswith(f"Mailchimp does not answer at http://127.0.0.1:{port}/3.0: ")
    assert "sent no answer within 0.5 s (timeout)" in line


def test_malformed_mailchimp_settings_are_all_listed(project, monkeypatch):
    project.configure_own_identity()
    monkeypatch.setenv("MAILCHIMP_API_KEY", "not-a-key!")
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", "my audience")
    monkeypatch.setenv("MAILCHIMP_API_URL", "ftp://example.org/3.0")
    monkeypatch.setenv("MAILCHIMP_SETTLE_SECONDS", "-3")
    result = project.publish("--check")
    assert result.code == 1
    lines = problem_lines(result)
    assert [line.split(" ", 1)[0] for line in lines] == [
        "MAILCHIMP_API_KEY",
        "MAILCHIMP_AUDIENCE_ID",
        "MAILCHIMP_API_URL",
        "MAILCHIMP_SETTLE_SECONDS",
    ], lines
    assert "not-a-key!" not in result.text  # the key is a password: never echoed


def test_a_send_with_the_sample_name_is_refused(project, monkeypatch, fake_mailchimp):
    project.configure_own_identity()
    project.configure(pelican='AUTHOR_PROFILE["NAME"] = "Alex Morgan"')
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake_mailchimp.api_key)
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", DEFAULT_LIST_ID)
    monkeypatch.setenv("MAILCHIMP_API_URL", fake_mailchimp.url)
    result = project.publish()
    assert result.code == 1
    assert (
        "AUTHOR_PROFILE['NAME'], NEWSLETTER['FROM_NAME'] are still the sample's 'Alex Morgan'"
        in result.err
    )
    assert fake_mailchimp.calls("POST", "/campaigns") == []


def test_fake_that_does_not_answer_in_time_is_a_timeout(fake_mailchimp, make_backend):
    fake_mailchimp.inject("GET", "/ping", "delay:2")
    (line,) = make_backend(timeout=0.4).check()
    assert "sent no answer within 0.4 s (timeout)" in line
    assert len(fake_mailchimp.calls("GET", "/ping")) == 1  # a check does not retry for minutes
    fake_mailchimp.wait_idle()


def test_every_settings_mistake_is_listed_at_once(project):
    """Loading the settings stops at the first mistake; CHECK=1 names them all."""
    project.configure_own_identity()
    project.configure(pelican='NEWSLETTER["MAX_PER_RUNS"] = 5\nSUBSCRIBE["FORM_URL"] = "http://list.example/subscribe"\n')
    result = project.publish("--check")
    assert result.code == 1
    lines = problem_lines(result)
    assert any("NEWSLETTER['MAX_PER_RUNS']" in line for line in lines), lines
    assert any("SUBSCRIBE['FORM_URL']" in line for line in lines), lines
    assert "make publish stopped" not in result.err


def test_the_samples_placeholders_point_at_make_init(project):
    result = project.publish("--check")
    assert result.code == 1
    assert "`make init` replaces the sample's name, address, site URL" in result.err
