"""The Makefile's publish/unschedule targets hand make variables to the scripts as options."""

import shlex
import shutil
import subprocess

import pytest

from scripts.publish import parse_args
from tests.kit.publish_project import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def recipe(*args: str) -> list[str]:
    """The argv make would run for the last python command of a target (make -n: nothing runs)."""
    out = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    joined = out.replace("\\\n", " ")
    line = [ln for ln in joined.splitlines() if "-m scripts " in ln][-1]
    argv = shlex.split(line)
    return argv[argv.index("-m") + 3:]  # after `-m scripts <command>`


def test_every_publish_variable_becomes_an_option():
    argv = recipe("publish", "DRY_RUN=1", "CHECK=1", "POST=my post", "BASELINE=all-but-newest", "RELEASE=held-one")
    args = parse_args(argv)
    assert args.dry_run and args.check is True
    assert args.post == "my post" and args.baseline == "all-but-newest" and args.release == "held-one"


def test_test_send_variable():
    args = parse_args(recipe("publish", "TEST_SEND=me@example.org", "POST=cafe-chats"))
    assert args.test_send == "me@example.org" and args.post == "cafe-chats"
    assert not args.dry_run and args.baseline is None


def test_plain_publish_has_no_options():
    args = parse_args(recipe("publish"))
    assert not (args.dry_run or args.check or args.test_send or args.post or args.baseline or args.release)


def test_baseline_values():
    assert parse_args(["--baseline", "1"]).baseline == "all"
    with pytest.raises(SystemExit):
        parse_args(["--baseline", "newest"])


def test_unschedule_target_runs_the_script():
    out = subprocess.run(["make", "-n", "unschedule"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "-m scripts unschedule" in out
