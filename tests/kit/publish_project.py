"""A throw-away project for the publishing tests.

`make_project(tmp_path)` lays out a small site in tmp_path/site
(conftest.make_sample_project): copies of the shipped sample's
pelicanconf.py/publishconf.py (so their ROOT, and with it output/, build/,
outbox/ and send-record.json, is the temp directory; never the working copy's
settings, which the writer has made their own), symlinks to the real plugins/,
theme/ and connected/, and a fixture content tree from tests/data/.
`Project.publish(...)` runs `python -m scripts.publish --root <site>` in this
process (fast, and lets a test inject a crash); `Project.publish_subprocess`
runs it as a separate process, as `make publish` does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

OLD = "11111111-1111-4111-8111-111111111111"
MIDDLE = "22222222-2222-4222-8222-222222222222"
NEWEST = "33333333-3333-4333-8333-333333333333"
NOT_FOR_NEWSLETTER = "44444444-4444-4444-8444-444444444444"
DRAFT = "55555555-5555-4555-8555-555555555555"
FUTURE = "66666666-6666-4666-8666-666666666666"

SECRET_ENV = ("MAILCHIMP_API_KEY", "MAILCHIMP_AUDIENCE_ID", "MAILCHIMP_API_URL")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Project:
    def __init__(self, path: Path):
        self.path = path

    @property
    def record_path(self) -> Path:
        return self.path / "send-record.json"

    @property
    def outbox(self) -> Path:
        return self.path / "outbox"

    def configure(self, *, pelican: str = "", publish: str = "") -> None:
        """Append Python lines to the project's pelicanconf.py / publishconf.py."""
        if pelican:
            with (self.path / "pelicanconf.py").open("a", encoding="utf-8") as fh:
                fh.write("\n" + pelican + "\n")
        if publish:
            with (self.path / "publishconf.py").open("a", encoding="utf-8") as fh:
                fh.write("\n" + publish + "\n")

    def configure_own_identity(self) -> None:
        """Replace the sample's placeholders (a Mailchimp send refuses them)."""
        self.configure(
            pelican='AUTHOR_PROFILE["EMAIL"] = "sam@sam-rivera.dev"\n'
            'AUTHOR_PROFILE["POSTAL_ADDRESS"] = "Sam Rivera, 12 Harbour Road, Leith EH6 6AA, UK"\n'
            'AUTHOR_PROFILE["NAME"] = SITENAME = AUTHOR = "Sam Rivera"\n'
            'AUTHOR_PROFILE["LINKEDIN_URL"] = "https://www.linkedin.com/in/sam-rivera/"\n'
            'AUTHOR_PROFILE["LINKS"] = [("GitHub", "https://github.com/sam-rivera")]',
            publish='SITEURL = "https://sam-rivera.dev"',
        )

    def write_record(self, uuids: list[str], status: str = "sent", backend: str = "baseline") -> None:
        posts = {u: {"status": status, "at": "2026-01-01T00:00:00+00:00", "backend": backend} for u in uuids}
        self.record_path.write_text(json.dumps({"version": 1, "posts": posts}), encoding="utf-8")

    def record(self) -> dict:
        return json.loads(self.record_path.read_text(encoding="utf-8"))

    def eml_files(self, *, tests: bool = False) -> list[Path]:
        if not self.outbox.is_dir():
            return []
        files = sorted(self.outbox.glob("*.eml"))
        return [f for f in files if f.name.endswith("-TEST.eml") == tests]

    def messages(self, *, tests: bool = False):
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in self.eml_files(tests=tests)]

    def post_file(self, name: str) -> Path:
        return self.path / "content" / "posts" / name

    def publish(self, *args: str) -> Result:
        from scripts.publish import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(self.path), *args])
        return Result(code, out.getvalue(), err.getvalue())

    def run_module(self, module: str, *args: str, env: dict | None = None, timeout: int = 300) -> Result:
        full_env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", module, "--root", str(self.path), *args],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def publish_subprocess(self, *args: str, env: dict | None = None) -> Result:
        return self.run_module("scripts.publish", *args, env=env)


def make_project(tmp_path: Path, content: str = "publish_site", record: list[str] | None = None) -> Project:
    from tests.conftest import make_sample_project

    site = make_sample_project(tmp_path / "site", content)
    project = Project(site)
    if record is not None:
        project.write_record(record)
    return project


def clear_mailchimp_env(monkeypatch) -> None:
    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)


def use_fake_mailchimp(monkeypatch, fake, audience: str | None = None) -> None:
    """Point the publishing commands at the fake Mailchimp: its key, an audience
    (the fake's default list unless named) and its URL, nothing else from the shell."""
    from tests.kit.fake_mailchimp import DEFAULT_LIST_ID

    clear_mailchimp_env(monkeypatch)
    monkeypatch.setenv("MAILCHIMP_API_KEY", fake.api_key)
    monkeypatch.setenv("MAILCHIMP_AUDIENCE_ID", audience or DEFAULT_LIST_ID)
    monkeypatch.setenv("MAILCHIMP_API_URL", fake.url)


def sends(fake, uuid: str) -> int:
    """How many times the fake sent the campaigns carrying this post's marker."""
    from scripts.backends.mailchimp import marker_for

    return sum(c.sends for c in fake.campaigns_titled(marker_for(uuid), include_deleted=True))


class Killed(BaseException):
    """Stands for SIGKILL: nothing in publish may catch it."""


def publish_killed_at_save(project, monkeypatch, when) -> None:
    """Run `make publish` in this process and kill it at the first save of the send record
    for which `when(record)` holds (the send went out, its record did not); then put the
    real save back, for the re-run."""
    import pytest

    import scripts.publish

    real = scripts.publish.save_record

    def killed(path, record):
        if when(record):
            raise Killed("killed between send and record")
        real(path, record)

    monkeypatch.setattr(scripts.publish, "save_record", killed)
    with pytest.raises(Killed):
        project.publish()
    monkeypatch.setattr(scripts.publish, "save_record", real)
