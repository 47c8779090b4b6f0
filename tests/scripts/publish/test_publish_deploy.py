"""Deploy (rsync to a local directory, ghp-import to a local bare repo) and the live-URL check."""

import functools
import http.server
import shutil
import subprocess
import threading

import pytest

import scripts.publish
from scripts.deploy import DeployError, deploy_settings
from tests.kit.publish_project import MIDDLE, NEWEST, OLD, clear_mailchimp_env, make_project

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed")


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    clear_mailchimp_env(monkeypatch)
    monkeypatch.setattr(scripts.publish, "LIVE_ATTEMPTS", 2)
    monkeypatch.setattr(scripts.publish, "LIVE_FIRST_DELAY", 0.05)


@pytest.fixture
def web(tmp_path):
    """A static web server on 127.0.0.1 serving tmp_path/www (the 'live site')."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@needs_rsync
def test_rsync_deploy_then_live_check_then_send(tmp_path, web):
    www, url = web
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    project.configure(publish=f'SITEURL = "{url}"\nDEPLOY = {{"TARGET": "rsync", "RSYNC_DESTINATION": "{www}/"}}')
    (www / "stale.html").write_text("old page")
    result = project.publish()
    assert result.code == 0, result.text
    assert (www / "2026" / "cafe-chats" / "index.html").is_file()
    assert not (www / "stale.html").exists()  # --delete
    assert f"Live: {url}/2026/cafe-chats/" in result.out
    assert project.record()["posts"][NEWEST]["status"] == "sent"


@needs_rsync
def test_post_not_live_stops_before_sending(tmp_path, web):
    www, url = web
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    elsewhere = tmp_path / "not-served"
    project.configure(publish=f'SITEURL = "{url}"\nDEPLOY = {{"TARGET": "rsync", "RSYNC_DESTINATION": "{elsewhere}/"}}')
    before = project.record_path.read_bytes()
    result = project.publish()
    assert result.code == 1
    assert f"{url}/2026/cafe-chats/ does not answer 200" in result.err
    assert "HTTP 404" in result.err
    assert "safe" in result.err
    assert project.eml_files() == []
    assert project.record_path.read_bytes() == before


@needs_rsync
def test_failed_rsync_stops_everything_after_it(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    project.configure(publish=f'DEPLOY = {{"TARGET": "rsync", "RSYNC_DESTINATION": "{blocker}/sub/site/"}}')
    result = project.publish()
    assert result.code == 1
    assert "rsync failed" in result.err and "still serving" in result.err
    assert project.eml_files() == []
    assert NEWEST not in project.record()["posts"]


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_github_pages_deploy_makes_one_commit_per_publish(tmp_path, web):
    www, url = web
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    bare = tmp_path / "remote.git"
    _git("init", "--bare", "--quiet", str(bare), cwd=tmp_path)
    _git("init", "--quiet", cwd=project.path)
    _git("config", "user.name", "Test Writer", cwd=project.path)
    _git("config", "user.email", "writer@example.org", cwd=project.path)
    _git("remote", "add", "origin", str(bare), cwd=project.path)
    # The live site: what GitHub Pages would serve once the branch is pushed.
    www.rmdir()
    www.symlink_to(project.path / "output", target_is_directory=True)
    project.configure(publish=f'SITEURL = "{url}"\nDEPLOY = {{"TARGET": "github-pages", "GITHUB_PAGES_BRANCH": "pages"}}')
    result = project.publish()
    assert result.code == 0, result.text
    log = _git("log", "--format=%s", "pages", cwd=bare).splitlines()
    assert log == ["Publish site"]
    files = _git("ls-tree", "-r", "--name-only", "pages", cwd=bare).splitlines()
    assert "index.html" in files and ".nojekyll" in files and "2026/cafe-chats/index.html" in files
    again = project.publish()
    assert again.code == 0, again.text
    assert len(_git("log", "--format=%s", "pages", cwd=bare).splitlines()) == 2


def test_github_pages_push_failure_is_a_message(tmp_path):
    project = make_project(tmp_path, record=[OLD, MIDDLE])
    _git("init", "--quiet", cwd=project.path)
    _git("config", "user.name", "Test Writer", cwd=project.path)
    _git("config", "user.email", "writer@example.org", cwd=project.path)
    project.configure(publish='DEPLOY = {"TARGET": "github-pages"}')  # no remote named origin
    result = project.publish()
    assert result.code == 1
    assert "ghp-import (GitHub Pages) failed" in result.err and "origin" in result.err
    assert project.eml_files() == []


@pytest.mark.parametrize(
    "deploy, words",
    [
        ({"TARGET": "ftp"}, "DEPLOY['TARGET']"),
        ({"TARGET": "rsync"}, "DEPLOY['RSYNC_DESTINATION'] is not set"),
        ({"TARGET": "rsync", "RSYNC_DESTINATION": "me@host:/"}, "--delete would wipe"),
        ({"TARGET": "rsync", "RSYNC_DESTINATION": "/srv/x/", "RSYNC_OPTIONS": "-e ssh"}, "RSYNC_OPTIONS"),
        ({"TARGET": "github-pages", "GITHUB_PAGES_BRANCH": ""}, "GITHUB_PAGES_BRANCH"),
        ({"TARGT": "none"}, "unknown key(s) TARGT"),
    ],
)
def test_deploy_settings_name_the_bad_key(deploy, words):
    with pytest.raises(DeployError) as info:
        deploy_settings({"DEPLOY": deploy})
    assert words in str(info.value)


def test_no_deploy_by_default():
    assert deploy_settings({"DEPLOY": {}})["TARGET"] == "none"
    assert deploy_settings({})["TARGET"] == "none"
