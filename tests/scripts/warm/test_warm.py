"""The warm process (scripts/warm.py): `python -m scripts build` and `publish`, as the
Makefile runs them, forked from a process that has already imported Pelican and our plugins.

Each test has its own project and its own socket folder, runs the real commands as
subprocesses with the project as working directory (as `make` does), and stops its warm
process at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from scripts import warm
from tests.conftest import make_sample_project, run_cli
from tests.kit.publish_project import SECRET_ENV
from tests.kit.site_tree import manifest

pytestmark = pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="needs socket.send_fds (Python 3.9+, Unix)")


@pytest.fixture
def sockets():
    # A short folder of its own: a Unix socket's path has at most 107 bytes, and
    # pytest's tmp_path is long.
    folder = Path(tempfile.mkdtemp(prefix="cw-", dir="/tmp"))
    yield folder
    for sock in folder.glob("*/*.sock"):
        for pid in _forks_and_server(sock):
            _kill(pid)
    shutil.rmtree(folder, ignore_errors=True)


def _env(sockets: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update({warm.SWITCH: "1", warm.DIR_SETTING: str(sockets), warm.IDLE_SETTING: "120", **extra})
    return env


def scripts(site: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    """`python -m scripts <args>` in the project, as make runs it."""
    return run_cli("-m", "scripts", *args, cwd=site, env=env)


def status(site: Path, env: dict) -> dict | None:
    """The warm process's pid and served count, as `python -m scripts warm status` says."""
    out = scripts(site, env, "warm", "status").stdout
    if not out.startswith("Warm process pid"):
        assert out.startswith("No warm process"), out
        return None
    words = out.replace(":", "").replace(",", "").split()
    return {"pid": int(words[3]), "served": int(words[words.index("commands") - 1])}


def wait_for_warm(site: Path, env: dict, other_than: int | None = None, limit: float = 60) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = status(site, env)
        if found and found["pid"] != other_than:
            return found
        time.sleep(0.3)
    raise AssertionError("no warm process started")


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _forks_and_server(sock: Path) -> list[int]:
    """Processes running `python -m scripts.warm serve` for this socket: the warm process
    and any fork of it (a fork keeps its parent's command line)."""
    key = sock.stem
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"scripts.warm" in args and key.encode() in args:
            found.append(int(entry.name))
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pid: int, limit: float = 20) -> bool:
    deadline = time.monotonic() + limit
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def append_to_first_post(site: Path, text: str) -> Path:
    post = sorted((site / "content").rglob("*.md"))[-1]
    with post.open("a", encoding="utf-8") as out:
        out.write(f"\n\n{text}\n")
    return post


def test_the_next_build_is_forked_from_the_warm_process_and_writes_the_same_site(tmp_path, sockets):
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets)
    first = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert first.returncode == 0, first.stderr
    started = wait_for_warm(site, env)
    assert started["served"] == 0

    append_to_first_post(site, "A sentence added after the first build.")
    second = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert second.returncode == 0, second.stderr
    assert status(site, env) == {"pid": started["pid"], "served": 1}
    # The fork wrote to the caller's own stdout: the same summary line a build prints.
    assert second.stdout.splitlines()[-1].startswith("Built ")
    assert "A sentence added after the first build." in "".join(
        p.read_text(encoding="utf-8") for p in (site / "output").rglob("*.html"))

    # The same content built cold, in its own process, in a project of its own.
    plain = make_sample_project(tmp_path / "plain", site / "content")
    cold = scripts(plain, {**env, warm.SWITCH: "0"}, "build", "-s", "pelicanconf.py")
    assert cold.returncode == 0, cold.stderr
    assert manifest(site / "output") == manifest(plain / "output")


def test_a_bad_post_fails_through_the_warm_process_as_it_does_without(tmp_path, sockets):
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    wait_for_warm(site, env)
    before = tree(site / "output")
    bad = site / "content" / "posts" / "typo.md"
    bad.write_text("Title: A typo\nDate: 2026-01-05\nStatus: pubished\n\nBody.\n", encoding="utf-8")

    without = scripts(site, {**env, warm.SWITCH: "0"}, "build", "-s", "pelicanconf.py")
    through = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert without.returncode != 0
    assert (through.returncode, through.stdout, through.stderr) == (without.returncode, without.stdout, without.stderr)
    assert "typo.md" in through.stderr
    assert status(site, env)["served"] == 1  # the good build ran cold and started it
    assert tree(site / "output") == before


def test_an_edited_module_retires_the_warm_process(tmp_path, sockets):
    site = make_sample_project(tmp_path / "site")
    # The project's own copy of connected/ (the warm process imports it from there).
    (site / "connected").unlink()
    shutil.copytree(Path(warm.__file__).resolve().parents[1] / "connected", site / "connected")
    env = _env(sockets)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    old = wait_for_warm(site, env)

    edited = site / "connected" / "errors.py"
    with edited.open("a", encoding="utf-8") as out:
        out.write('\nimport sys as _sys\n_sys.stderr.write("the edited module ran\\n")\n')
    after = scripts(site, env, "build", "-s", "pelicanconf.py")
    # Not forked from the old process (which had the module as it was): run here, with
    # the edited module, and a new warm process started after it.
    assert after.returncode == 0, after.stderr
    assert "the edited module ran" in after.stderr
    assert _gone(old["pid"])
    new = wait_for_warm(site, env, other_than=old["pid"])
    again = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert again.returncode == 0, again.stderr
    assert status(site, env) == {"pid": new["pid"], "served": 1}


def _slow_project(tmp_path: Path, env: dict) -> Path:
    """A project whose cold build takes seconds, with a warm process ready."""
    site = make_sample_project(tmp_path / "site")
    write_corpus(site / "content" / "many", 300, seed=4, images=1)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    wait_for_warm(site, env)
    for name in ("output", ".cache", "build"):
        shutil.rmtree(site / name, ignore_errors=True)
    return site


def _the_fork(sockets: Path, server: int, limit: float = 30) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        forks = [pid for sock in sockets.glob("*/*.sock") for pid in _forks_and_server(sock) if pid != server]
        if forks:
            return forks[0]
        time.sleep(0.02)
    raise AssertionError("the build was not forked")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_a_stopped_caller_stops_its_forked_build(tmp_path, sockets, how):
    env = _env(sockets)
    site = _slow_project(tmp_path, env)
    server = status(site, env)["pid"]
    caller = subprocess.Popen([sys.executable, "-m", "scripts", "build", "-s", "pelicanconf.py"], cwd=site,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    fork = _the_fork(sockets, server)
    time.sleep(0.2)
    caller.send_signal(getattr(signal, how))
    code = caller.wait(timeout=60)
    assert _gone(fork)
    assert code == (-signal.SIGKILL if how == "SIGKILL" else 130), caller.stderr.read()
    # A build stopped before its swap leaves no output/ (there was none), never half of one.
    assert not (site / "output").exists() or (site / "output" / "index.html").exists()
    # The warm process lives on, and the next build is whole.
    assert _alive(server)
    done = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert done.returncode == 0, done.stderr
    assert (site / "output" / "index.html").exists()


def test_an_idle_warm_process_stops_by_itself(tmp_path, sockets):
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets, **{warm.IDLE_SETTING: "1"})
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    deadline = time.monotonic() + 60
    while not list(sockets.glob("*/*.sock")) and time.monotonic() < deadline:
        time.sleep(0.1)
    [sock] = sockets.glob("*/*.sock")
    while sock.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sock.exists()
    while _forks_and_server(sock) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _forks_and_server(sock) == []


def test_help_other_commands_and_warm_off_start_nothing(tmp_path, sockets):
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets)
    assert scripts(site, env, "build", "--help").returncode == 0
    assert scripts(site, env, "uuids", "--help").returncode == 0
    assert scripts(site, {**env, warm.SWITCH: "0"}, "build", "-s", "pelicanconf.py").returncode == 0
    time.sleep(1)
    assert list(sockets.rglob("*.sock")) == []


def test_a_socket_folder_others_could_write_to_is_not_used(sockets):
    folder = sockets / f"connected-warm-{os.getuid()}"
    folder.mkdir(mode=0o700)
    assert warm.paths({warm.DIR_SETTING: str(sockets)}) is not None
    folder.chmod(0o777)
    assert warm.paths({warm.DIR_SETTING: str(sockets)}) is None
    assert warm.paths({warm.DIR_SETTING: "/" + "d" * 120}) is None  # too long for a socket


def test_publish_runs_in_its_own_process_and_sends_with_the_callers_key_once(tmp_path, sockets, fake_mailchimp):
    """`make publish` deploys (ssh may ask for a passphrase on the terminal) and sends: it
    is never forked, even with a warm process serving the checkout."""
    from tests.kit.fake_mailchimp import DEFAULT_LIST_ID
    from tests.kit.publish_project import MIDDLE, NEWEST, OLD, Project, make_project, sends

    project: Project = make_project(tmp_path, record=[OLD, MIDDLE])
    project.configure_own_identity()
    site = project.path
    plain = _env(sockets)
    assert scripts(site, plain, "build", "-s", "pelicanconf.py").returncode == 0
    wait_for_warm(site, plain)
    keyed = {**plain, "MAILCHIMP_API_KEY": fake_mailchimp.api_key, "MAILCHIMP_AUDIENCE_ID": DEFAULT_LIST_ID,
             "MAILCHIMP_API_URL": fake_mailchimp.url, "MAILCHIMP_SETTLE_SECONDS": "0"}  # fmt: skip
    for _ in range(2):
        result = scripts(site, keyed, "publish", "--root", str(site))
        assert result.returncode == 0, result.stdout + result.stderr
        fake_mailchimp.wait_idle()
        assert sends(fake_mailchimp, NEWEST) == 1
    assert status(site, plain)["served"] == 0
    assert project.record()["posts"][NEWEST]["backend"] == "mailchimp"


def test_a_caller_that_ignores_hangups_keeps_its_build_through_one(tmp_path, sockets):
    """`nohup make html`: a SIGHUP the caller ignores is not passed on to its build."""
    env = _env(sockets)
    site = _slow_project(tmp_path, env)
    server = status(site, env)["pid"]
    caller = subprocess.Popen(["nohup", sys.executable, "-m", "scripts", "build", "-s", "pelicanconf.py"],
                              cwd=site, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    fork = _the_fork(sockets, server)
    caller.send_signal(signal.SIGHUP)
    assert caller.wait(timeout=120) == 0, caller.stderr.read()
    assert _gone(fork)  # it exits just after reporting its status
    assert (site / "output" / "index.html").exists()
    assert status(site, env)["served"] == 1


def test_a_caller_with_another_priority_builds_in_its_own_process(tmp_path, sockets):
    """What a fork cannot take from its caller (niceness, limits, namespaces, cgroup) must
    match, or the caller builds itself."""
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    wait_for_warm(site, env)
    niced = subprocess.run(["nice", "-n", "5", sys.executable, "-m", "scripts", "build", "-s", "pelicanconf.py"],
                           cwd=site, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert niced.returncode == 0, niced.stderr
    assert status(site, env)["served"] == 0
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    assert status(site, env)["served"] == 1


def test_a_module_edited_while_a_forked_build_runs_retires_the_warm_process(tmp_path, sockets):
    env = _env(sockets)
    site = make_sample_project(tmp_path / "site")
    (site / "connected").unlink()
    shutil.copytree(Path(warm.__file__).resolve().parents[1] / "connected", site / "connected")
    write_corpus(site / "content" / "many", 300, seed=4, images=1)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    server = wait_for_warm(site, env)["pid"]
    shutil.rmtree(site / ".cache")
    caller = subprocess.Popen([sys.executable, "-m", "scripts", "build", "-s", "pelicanconf.py"], cwd=site,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    _the_fork(sockets, server)
    with (site / "connected" / "errors.py").open("a", encoding="utf-8") as out:
        out.write('\nimport sys as _sys\n_sys.stderr.write("the edited module ran\\n")\n')
    assert caller.wait(timeout=120) == 0
    time.sleep(2.5)  # past the warm process's next look around
    after = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert after.returncode == 0, after.stderr
    assert "the edited module ran" in after.stderr


def _modules(site: Path, env: dict) -> int:
    out = scripts(site, env, "warm", "status").stdout
    words = out.replace(",", "").split()
    return int(words[words.index("modules") - 1])


def test_what_a_forked_build_imported_is_imported_ahead_for_the_next_one(tmp_path, sockets):
    """Learned right after the fork ends, not only after 2 s without a command: builds
    back to back (edit, make html, make publish, edit) left every fork importing them."""
    site = make_sample_project(tmp_path / "site")
    env = _env(sockets)
    assert scripts(site, env, "build", "-s", "pelicanconf.py").returncode == 0
    wait_for_warm(site, env)
    before = _modules(site, env)
    # A code block in a language nothing has highlighted yet: its Pygments lexer module
    # is imported by the forked build only.
    fence = "`" * 3
    (site / "content" / "posts" / "haskell.md").write_text(
        "Title: Folds\nDate: 2026-01-07\nUuid: 0f9d3c1e-6a61-4c47-9d1e-2c8b7f4a5e10\n\n"
        f"{fence}haskell\nmain = print (foldr (+) 0 [1, 2, 3])\n{fence}\n", encoding="utf-8")
    built = scripts(site, env, "build", "-s", "pelicanconf.py")
    assert built.returncode == 0, built.stderr
    # Asked every 0.3 s: the warm process is never 2 s without a request.
    deadline = time.monotonic() + 1.5
    while _modules(site, env) <= before:
        assert time.monotonic() < deadline, "the fork's imports were not learned"
        time.sleep(0.3)
    assert status(site, env)["served"] == 1
