"""A crash between delivery and the record write, and two publishes at once."""

import os
import signal
import subprocess
import sys
import time

import pytest
from filelock import FileLock

import scripts.publish
from tests.kit.publish_project import (
    MIDDLE,
    NEWEST,
    OLD,
    ROOT,
    clear_mailchimp_env,
    make_project,
)


class Killed(BaseException):
    """Stands for SIGKILL: nothing in publish may catch it."""


@pytest.fixture(autouse=True)
def _no_mailchimp(monkeypatch):
    clear_mailchimp_env(monkeypatch)


def test_crash_after_delivery_before_record_does_not_send_twice(tmp_path, monkeypatch):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    before = project.record_path.read_bytes()

    def killed(*args, **kwargs):
        raise Killed("killed between deliver and record")

    monkeypatch.setattr(scripts.publish, "save_record", killed)
    with pytest.raises(Killed):
        project.publish()
    assert len(project.eml_files()) == 1
    assert project.record_path.read_bytes() == before  # the crash came before the record write
    monkeypatch.undo()
    clear_mailchimp_env(monkeypatch)

    result = project.publish()
    assert result.code == 0, result.text
    assert "found done by an earlier or another run, not sent again" in result.out
    assert len(project.eml_files()) == 1
    assert project.record()["posts"][NEWEST]["backend"] == "outbox"


def test_killed_process_then_rerun_sends_each_post_once(tmp_path):
    """SIGKILL a real `python -m scripts.publish` mid-run, then re-run: never two files per post."""
    project = make_project(tmp_path, record=[])
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.publish", "--root", str(project.path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("MAILCHIMP_")},
    )
    # Kill as soon as the first message file appears (or when the run ends by itself).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if project.outbox.is_dir() and any(project.outbox.glob("*.eml")):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    result = project.publish()
    assert result.code == 0, result.text
    names = [f.name for f in project.eml_files()]
    assert len(names) == 3 and len({n.removesuffix(".eml")[-36:] for n in names}) == 3, names
    assert set(project.record()["posts"]) == {OLD, MIDDLE, NEWEST}
    assert project.publish().code == 0
    assert len(project.eml_files()) == 3


def test_second_publish_while_one_runs_refuses(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    with FileLock(str(project.path / ".publish.lock")):
        result = project.publish_subprocess("--lock-timeout", "0.5")
    assert result.code == 1
    assert "Another `make publish`" in result.err
    assert project.eml_files() == []
    assert "scripts/" not in result.err
    # Once the first run is over, publishing works.
    assert project.publish().code == 0
    assert len(project.eml_files()) == 1
