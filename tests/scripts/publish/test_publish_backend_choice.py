"""Which backend `make publish` uses, where secrets come from, and .env.example."""

import re
from pathlib import Path

import pytest

from scripts.backends import make_backend, read_env
from scripts.backends.base import BackendError
from scripts.backends.outbox import OutboxBackend
from scripts.publish import Console

ROOT = Path(__file__).resolve().parents[3]
CFG = {
    "OUTBOX_PATH": "/tmp/outbox-not-used",
    "FROM_NAME": "Alex",
    "FROM_EMAIL": "alex@example.org",
    "REPLY_TO": "alex@example.org",
    "POSTAL_ADDRESS": "1 Street",
}
KEY = "0123456789abcdef0123456789abcdef-us99"


@pytest.mark.parametrize("env", [{}, {"MAILCHIMP_API_KEY": ""}, {"MAILCHIMP_API_KEY": "   "}])
def test_no_key_means_outbox(env):
    assert isinstance(make_backend(CFG, env), OutboxBackend)


def test_key_without_audience_names_the_variable():
    with pytest.raises(BackendError) as info:
        make_backend(CFG, {"MAILCHIMP_API_KEY": KEY})
    assert "MAILCHIMP_AUDIENCE_ID" in str(info.value)
    assert KEY not in str(info.value)


def test_key_and_audience_mean_mailchimp():
    backend = make_backend(CFG, {"MAILCHIMP_API_KEY": KEY, "MAILCHIMP_AUDIENCE_ID": "a1b2c3d4e5",
                                 "MAILCHIMP_API_URL": "http://127.0.0.1:9/3.0"})
    assert backend.name == "mailchimp"
    assert backend.audience_id == "a1b2c3d4e5"


def test_dotenv_completes_but_never_overrides_the_environment(tmp_path):
    (tmp_path / ".env").write_text(
        "MAILCHIMP_API_KEY=from-dotenv-us1\nMAILCHIMP_AUDIENCE_ID=dotenvlist\n", encoding="utf-8"
    )
    env = read_env(tmp_path, {"MAILCHIMP_API_KEY": "from-environment-us2"})
    assert env["MAILCHIMP_API_KEY"] == "from-environment-us2"
    assert env["MAILCHIMP_AUDIENCE_ID"] == "dotenvlist"
    assert read_env(tmp_path / "nowhere", {}) == {}


def test_console_scrubs_the_key(capsys):
    console = Console([KEY])
    console.say(f"oops {KEY} leaked")
    console.error(f"and {KEY} here")
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    assert "<MAILCHIMP_API_KEY>" in captured.out


def test_env_example_lists_every_variable_the_code_reads():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    used = set()
    for path in [*ROOT.glob("scripts/**/*.py"), *ROOT.glob("connected/**/*.py")]:
        used |= set(re.findall(r"\b(MAILCHIMP_[A-Z_]+)\b", path.read_text(encoding="utf-8")))
    assert used, "the scripts read MAILCHIMP_* variables"
    assert used <= listed, f"missing from .env.example: {sorted(used - listed)}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
