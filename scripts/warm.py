"""Warm start for `make html`: fork each build from a process that has already imported
Pelican and our plugins.

Why: at 1000 posts a one-post `make html` takes about 1.5 s, and 0.2–0.3 s of it is Python
importing Pelican, docutils, Jinja, Markdown, feedgen, lxml and our plugins before the build
reads a file. The first `make html` in a checkout starts a warm process in the background once
it has finished; each later one connects to it, and it forks. The fork runs the build exactly
as a fresh process would: it takes the caller's arguments, environment, working directory,
umask, ignored signals and stdin/stdout/stderr, and reads settings, content and caches from
disk. The warm process holds no site state (it only imports modules), so what a build writes
cannot depend on it. Spring (Rails) and the Gradle daemon work this way.

Only `build`: `make publish` deploys (ssh and rsync may ask for a passphrase on the terminal,
which a fork of a background process does not have) and sends mail; it runs in its own process,
as it always has.

What keeps it honest:
- Before each fork it checks that no module file it imported, and no folder on sys.path,
  changed on disk since (a `git pull`, an edited plugin, a `pip install`). If one did, it exits,
  the build runs in-process, and a new warm process starts after it.
- A caller in another mount namespace, cgroup, group set, priority or with other resource
  limits (a container sharing the socket folder, `nice`, `ulimit`) is refused: its build runs in
  its own process. The socket is in a 0700 folder and each side checks the other's uid.
- The fork waits for the caller's "go" (sent once the caller forwards signals), so a caller that
  gives up waiting can safely build in-process. The warm process watches each caller (a pidfd):
  if the caller dies, the fork's process group is killed, as the build would have died with it;
  a fork killed by a signal is reported to the caller, which dies by the same signal.
- It exits after CONNECTED_WARM_IDLE seconds (default 900) without a command, when its
  directory or socket goes away, or on `python -m scripts warm stop`.
- CONNECTED_WARM=0 (`make html WARM=0`) turns it off; so does CI being set. The test suite runs
  with it off except in its own tests. Linux only (SO_PEERCRED, pidfd); elsewhere it is off.

This module is imported by `python -m scripts` before anything heavy, so the client side
imports only the standard library's small modules.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time

# The command a warm process runs: the one a writer runs over and over.
COMMANDS = {"build": "scripts.build"}
SWITCH = "CONNECTED_WARM"
IDLE_SETTING = "CONNECTED_WARM_IDLE"
DIR_SETTING = "CONNECTED_WARM_DIR"  # where the sockets live (tests give each their own)
# Set by the benchmark: the fork's own CPU seconds and peak memory are written there,
# since they are not the calling process's and would go uncounted.
USAGE_SETTING = "CONNECTED_WARM_USAGE"
DEFAULT_IDLE = 900.0
_TICK = 2.0  # how often the warm process looks at its surroundings while idle
_HANDSHAKE_SECONDS = 10.0  # a warm process that has not forked by then is not waited for
_FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
# What the warm process keeps of the environment it is started with: what decides how
# Python starts and imports. Never a secret (each fork takes the caller's environment).
_KEPT_ENV_PREFIXES = ("PYTHON", "LC_", "LD_", "CONNECTED_WARM")
_KEPT_ENV = {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "VIRTUAL_ENV", "XDG_RUNTIME_DIR"}
_NO_MATTER = {"PYTHONDONTWRITEBYTECODE"}


def run_exit_handlers(rc: int) -> int:
    """What Python's exit does before it frees the heap: join the non-daemon threads, run
    the atexit handlers (logging, pools, weakref finalizers), flush stdout and stderr.
    Returns rc (120 when a stream cannot be flushed, as Python exits then). The caller
    then leaves with os._exit(rc): freeing a build's millions of objects one by one took
    0.14-0.2 s of `make publish` at 1000 posts, after its work was done."""
    import threading

    try:
        threading._shutdown()  # what interpreter exit does: join non-daemon threads
    except Exception:  # noqa: BLE001 - a private function; exit goes on without it
        pass
    import atexit

    atexit._run_exitfuncs()  # then the exit handlers (logging, pools)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            rc = rc or 120  # as Python exits when it cannot flush stdout
    return rc


class Paths:
    """The socket, lock and learned-modules file of the warm process for this directory
    and interpreter: a different checkout, venv or PYTHONPATH gets a different one."""

    def __init__(self, folder: str, key: str):
        self.folder, self.key = folder, key
        self.socket = os.path.join(folder, f"{key}.sock")
        self.lock = os.path.join(folder, f"{key}.lock")
        self.learn = os.path.join(folder, f"{key}.learn")


def enabled(env=os.environ) -> bool:
    if not (sys.platform.startswith("linux") and hasattr(socket, "SO_PEERCRED") and hasattr(os, "pidfd_open")):
        return False
    if env.get("CI") and SWITCH not in env:
        return False  # a CI job's builds are one-offs: nothing should outlive them
    return env.get(SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def paths(env=os.environ, cwd: str | None = None) -> Paths | None:
    """None when there is no private place for the socket (then nothing is warm)."""
    base = env.get(DIR_SETTING) or env.get("XDG_RUNTIME_DIR") or env.get("TMPDIR") or "/tmp"
    folder = os.path.join(base, f"connected-warm-{os.getuid()}")
    if len(os.fsencode(folder)) > 70:
        return None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder, follow_symlinks=False)
    except OSError:
        return None
    # Someone else's folder, or one others can write to: another user could answer in our
    # place. No warm start rather than a risky one.
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or not os.path.isdir(folder):
        return None
    return Paths(folder, _key(env, cwd))


def _key(env, cwd: str | None) -> str:
    """Everything that decides what an import finds and how Python behaves, as the caller
    has it: a warm process started with any of it different never serves this caller."""
    startup = sorted((k, v) for k, v in env.items()
                     if k.startswith(_KEPT_ENV_PREFIXES) and not k.startswith("CONNECTED_WARM") and k not in _NO_MATTER)
    # Whether bytecode caches are written changes nothing a build does (the Makefile
    # unexports PYTHONDONTWRITEBYTECODE; a shell may set it): `warm status` from that
    # shell still finds the warm process make started.
    flags = {name: getattr(sys.flags, name) for name in sys.flags.__match_args__ if name != "dont_write_bytecode"}
    identity = repr([
        os.path.realpath(cwd or os.getcwd()),
        sys.executable,
        sys.version,
        sys.path[1:],  # [0] is the working directory, already above
        flags,
        sys.warnoptions,
        sys._xoptions,
        startup,
        env.get("LANG", ""),
    ])
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def _context() -> dict:
    """What a fork cannot take from the caller, and must therefore match."""
    import resource

    def read(path: str) -> str:
        try:
            if path.startswith("/proc/self/ns/"):
                return os.readlink(path)
            with open(path, encoding="utf-8") as text:
                return text.read()
        except OSError:
            return "?"

    return {
        "mnt": read("/proc/self/ns/mnt"),
        "pid_ns": read("/proc/self/ns/pid"),
        "cgroup": read("/proc/self/cgroup"),
        "gid": os.getgid(),
        "groups": sorted(os.getgroups()),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "limits": [list(resource.getrlimit(getattr(resource, name)))
                   for name in ("RLIMIT_AS", "RLIMIT_NOFILE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE")],
        "affinity": sorted(os.sched_getaffinity(0)),
    }  # fmt: skip


# ---------------------------------------------------------------- the calling side


class Answer:
    """What the calling process does: exit with rc, or run the command itself (rc None),
    then start a warm process for the next command if `start`."""

    def __init__(self, rc: int | None = None, start: bool = False, where: Paths | None = None):
        self.rc, self.start, self.where = rc, start, where

    def start_server(self) -> None:
        if self.start and self.where is not None:
            start_server(self.where)


def run(command: str, argv: list[str]) -> Answer:
    if command not in COMMANDS or not enabled() or "-h" in argv or "--help" in argv:
        return Answer()
    where = paths()
    if where is None:
        return Answer()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(where.socket)
        if _peer(conn)[1] != os.getuid():
            conn.close()
            return Answer()
    except OSError:
        conn.close()
        return Answer(start=True, where=where)
    with conn:
        return _ask(conn, command, argv, where)


def _ask(conn: socket.socket, command: str, argv: list[str], where: Paths) -> Answer:
    umask = os.umask(0o022)
    os.umask(umask)
    fds = [fd for fd in (0, 1, 2) if _is_open(fd)]
    ignored = [name for name in _FORWARDED if signal.getsignal(getattr(signal, name)) is signal.SIG_IGN]
    request = {
        "command": command,
        "argv": argv,
        "argv0": sys.argv[0],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
        "fds": fds,
        "ignored": ignored,
        "context": _context(),
    }
    conn.settimeout(_HANDSHAKE_SECONDS)
    try:
        _send(conn, request, fds)
        replies = conn.makefile("rb")
        first = _read(replies)
    except (OSError, ValueError):
        # No fork has started (it would wait for our "go"): building here is safe.
        return Answer()
    if first is None or "pid" not in first:
        # Stale (a module changed: it has exited, and a fresh one starts after this
        # build), or refused (a different context: it serves others).
        return Answer(start=bool(first and first.get("stale")), where=where)
    fork = first["pid"]
    forwarded: list[int] = []

    def forward(signum, _frame):
        forwarded.append(signum)
        try:
            os.killpg(fork, signum)
        except ProcessLookupError:
            pass

    def stop(_signum, _frame):
        # Ctrl-Z: stop the build with us, and go on together.
        try:
            os.killpg(fork, signal.SIGSTOP)
        except ProcessLookupError:
            pass
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)

    def resume(_signum, _frame):
        signal.signal(signal.SIGTSTP, stop)
        try:
            os.killpg(fork, signal.SIGCONT)
        except ProcessLookupError:
            pass

    for name in _FORWARDED:
        if name not in ignored:
            signal.signal(getattr(signal, name), forward)
    signal.signal(signal.SIGTSTP, stop)
    signal.signal(signal.SIGCONT, resume)
    conn.settimeout(None)
    try:
        conn.sendall(b"go\n")
        last = _read(replies)
    except (OSError, ValueError):
        last = None
    if last is not None and "signal" in last:
        # The build died by a signal: so do we, as the shell would have seen it.
        signum = int(last["signal"])
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return Answer(rc=128 + signum)
    if last is None or "rc" not in last:
        if forwarded:
            return Answer(rc=128 + forwarded[-1])
        print("connected: the warm build process ended without an exit status; run the command "
              f"again, or with {SWITCH}=0 to build in this process", file=sys.stderr)  # fmt: skip
        return Answer(rc=1)
    usage_file = os.environ.get(USAGE_SETTING)
    if usage_file:
        with open(usage_file, "w", encoding="utf-8") as out:
            json.dump(last.get("usage", {}), out)
    return Answer(rc=int(last["rc"]))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _peer(conn: socket.socket) -> tuple[int, int, int]:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)


def _send(conn: socket.socket, message: dict, fds: list[int] = ()) -> None:
    body = json.dumps(message).encode()
    head = struct.pack("!I", len(body))
    if fds:
        socket.send_fds(conn, [head], list(fds))
    else:
        conn.sendall(head)
    conn.sendall(body)


def _read(stream) -> dict | None:
    line = stream.readline()
    return json.loads(line) if line else None


def _reply(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def start_server(where: Paths) -> None:
    """Start the warm process in the background, in its own session (no terminal signals),
    after the command that asked for it has finished."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k in _KEPT_ENV or k.startswith(_KEPT_ENV_PREFIXES)}
    try:
        subprocess.Popen(
            [sys.executable, "-m", "scripts.warm", "serve", where.folder, where.key],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    except OSError:
        pass  # the next command runs cold, as this one did


def control(action: str, cwd: str | None = None, env=os.environ) -> dict | None:
    """Ask the warm process for this directory (or cwd) for its status, or to stop."""
    where = paths(env, cwd)
    if where is None:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(where.socket)
        with conn:
            if _peer(conn)[1] != os.getuid():
                return None
            conn.settimeout(_HANDSHAKE_SECONDS)
            _send(conn, {"control": action})
            return _read(conn.makefile("rb"))
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- the warm process


class _Stamps:
    """The files this process has imported and the folders on sys.path, as they were: a
    change to any means a fork would run code other than what is on disk."""

    def __init__(self, since_ns: int):
        self.since_ns = since_ns
        self.seen: dict[str, tuple[int, int, int]] = {}
        self.add_new()
        for folder in sys.path[1:]:
            self._stamp(folder)

    def add_new(self) -> None:
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path not in self.seen:
                self._stamp(path)

    def _stamp(self, path: str) -> None:
        try:
            info = os.stat(path)
        except OSError:
            return
        # A file written after this process began importing may have been imported as it
        # was before: never trusted.
        if info.st_mtime_ns >= self.since_ns or info.st_ctime_ns >= self.since_ns:
            self.seen[path] = (-1, -1, -1)
        else:
            self.seen.setdefault(path, (info.st_mtime_ns, info.st_ctime_ns, info.st_size))

    def changed(self) -> bool:
        for path, stamp in self.seen.items():
            try:
                info = os.stat(path)
            except OSError:
                return True
            if (info.st_mtime_ns, info.st_ctime_ns, info.st_size) != stamp:
                return True
        return False


def _learnable_roots() -> tuple[str, ...]:
    # Only the standard library, installed packages and our own packages are imported
    # ahead: never a settings file, or a module beside the writer's content.
    import sysconfig

    import scripts

    project = os.path.dirname(os.path.dirname(os.path.abspath(scripts.__file__)))
    ours = [os.path.join(project, name) for name in ("connected", "plugins", "scripts")]
    found = sysconfig.get_paths()
    installed = [found[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in found]
    return tuple({os.path.join(os.path.realpath(p), "") for p in installed + ours})


def _preload() -> None:
    import importlib
    import pkgutil

    for name in COMMANDS.values():
        importlib.import_module(name)
    import plugins

    for info in pkgutil.walk_packages(plugins.__path__, "plugins."):
        _quiet_import(info.name)


def _quiet_import(name: str) -> None:
    import importlib

    try:
        importlib.import_module(name)
    except BaseException:  # noqa: BLE001 - an import that fails here fails in the fork, which reports it
        sys.modules.pop(name, None)


def _learn(where: Paths, stamps: _Stamps) -> None:
    """Import what earlier forks imported and this process had not (a Markdown extension,
    a Pygments lexer), so the next fork need not."""
    try:
        with open(where.learn, encoding="utf-8") as lines:
            names = lines.read().splitlines()
        os.unlink(where.learn)
    except OSError:
        return
    for line in names:
        name, _, path = line.partition("\t")
        if name not in sys.modules and _resolves_to(name, path):
            _quiet_import(name)
    stamps.add_new()


def _resolves_to(name: str, path: str) -> bool:
    """Whether a plain import of name here finds the file the fork used. Pelican loads
    PLUGIN_PATHS plugins under their bare names and reuses a module of that name already
    loaded; one preloaded from an old PLUGIN_PATHS would run old code. So a module the
    fork found some other way is left for each fork to load."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except BaseException:  # noqa: BLE001 - a parent that will not import: leave it
        return False
    return spec is not None and spec.origin == path


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
    try:
        if len(head) != 4:
            raise OSError("short request")
        (size,) = struct.unpack("!I", head)
        body = b""
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise OSError("short request")
            body += chunk
        return json.loads(body), fds
    except (OSError, ValueError):
        _close(fds)
        raise


def _close(fds) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class _Fork:
    """A running fork, the caller it serves, and the pidfds that say when either ends."""

    def __init__(self, pid: int, caller: int, conn: socket.socket):
        self.pid, self.conn = pid, conn
        self.fork_fd = os.pidfd_open(pid)
        try:
            self.caller_fd = os.pidfd_open(caller)
        except OSError:
            self.caller_fd = None  # the caller is already gone
            self.kill()

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def reap(self) -> None:
        """The fork ended: tell the caller if a signal ended it (else it sent its status)."""
        try:
            _pid, status = os.waitpid(self.pid, 0)
            if os.WIFSIGNALED(status):
                _reply(self.conn, {"signal": os.WTERMSIG(status)})
        except OSError:
            pass
        for fd in (self.fork_fd, self.caller_fd):
            if fd is not None:
                os.close(fd)
        self.conn.close()


class _Server:
    """The warm process's state: what it imported (and when), the context it forks into,
    the forks running, and how many it has served."""

    def __init__(self, where: Paths, stamps: _Stamps):
        self.where, self.stamps = where, stamps
        self.context = _context()
        self.idle = float(os.environ.get(IDLE_SETTING) or DEFAULT_IDLE)
        self.started, self.served = time.time(), 0
        self.forks: dict[int, _Fork] = {}

    def status(self) -> dict:
        return {"pid": os.getpid(), "started": self.started, "served": self.served, "running": len(self.forks),
                "idle_limit": self.idle, "modules": len(sys.modules)}  # fmt: skip

    def ended(self, fork: _Fork, which: str, events) -> bool:
        """A fork ("fork") or its caller ("caller") ended; True once the fork is reaped.

        A build's caller exits as soon as it has the fork's status, and the fork just
        after sending it, so one select() often reports both. When the fork's end comes
        first, its reaping closes both pidfds (and its pid may soon be another
        process's): the caller's event in the same batch is then stale and ignored.
        Handling it raised KeyError from the selector, which ended the warm process."""
        if self.forks.get(fork.pid) is not fork:
            return False
        if which == "caller":
            fork.kill()  # the caller is gone: so is its build
            events.unregister(fork.caller_fd)
            os.close(fork.caller_fd)
            fork.caller_fd = None
            return False
        events.unregister(fork.fork_fd)
        if fork.caller_fd is not None:
            events.unregister(fork.caller_fd)
        fork.reap()
        del self.forks[fork.pid]
        return True

    def answer(self, conn: socket.socket) -> _Fork | bool:
        """One connection: a control request, a refusal, or a fork (then its _Fork).
        True when this process is to exit (asked to stop, or stale)."""
        keep = False
        try:
            conn.settimeout(_HANDSHAKE_SECONDS)
            caller, uid, _gid = _peer(conn)
            if uid != os.getuid():
                return False
            request, fds = _receive(conn)
            if "control" in request:
                if request["control"] == "stop":
                    _reply(conn, {"stopped": os.getpid()})
                    return True
                _reply(conn, self.status())
                return False
            if request.get("command") not in COMMANDS or self.stamps.changed():
                _close(fds)
                _reply(conn, {"stale": True})
                return True
            if request.get("context") != self.context:
                _close(fds)
                _reply(conn, {"refused": "another context"})
                return False
            pid = os.fork()
            if pid == 0:
                try:
                    _run_fork(conn, request, fds, self.where.learn)
                finally:
                    os._exit(1)
            try:
                # Also here, not only in the fork: a caller that dies before the fork
                # has made its group would otherwise find no group to kill.
                os.setpgid(pid, pid)
            except OSError:
                pass  # the fork made it first, or has already exited
            _close(fds)
            del request  # the caller's environment (its secrets) stays in the fork only
            keep = True
            self.served += 1
            fork = self.forks[pid] = _Fork(pid, caller, conn)
            return fork
        except (OSError, ValueError):
            return False
        finally:
            if not keep:
                conn.close()


def serve(folder: str, key: str) -> int:
    import fcntl
    import selectors

    where = Paths(folder, key)
    lock = open(where.lock, "a")  # noqa: SIM115 - held for this process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another warm process serves this directory
    home = os.getcwd()
    begun = time.time_ns()
    _preload()
    stamps = _Stamps(begun)
    if stamps.changed():
        return 0  # code changed while it was being imported
    server = _Server(where, stamps)
    # Holding the lock, any socket file left there is a dead process's.
    try:
        os.unlink(where.socket)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o077)
    try:
        listener.bind(where.socket)
    finally:
        os.umask(old_umask)
    inode = os.stat(where.socket).st_ino
    listener.listen(16)
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ, None)
    last = time.monotonic()
    try:
        while True:
            ready = events.select(timeout=_TICK)
            if not ready:
                if not server.forks:
                    _learn(where, stamps)
                if (not server.forks and time.monotonic() - last > server.idle) or not _still_ours(where.socket, inode, home):
                    return 0
                continue
            for item, _mask in ready:
                if item.data is not None:  # a fork or its caller ended
                    if server.ended(*item.data, events):
                        last = time.monotonic()
                    continue
                conn, _ = listener.accept()
                last = time.monotonic()
                outcome = server.answer(conn)
                if outcome is True:
                    return 0
                if isinstance(outcome, _Fork):
                    events.register(outcome.fork_fd, selectors.EVENT_READ, (outcome, "fork"))
                    if outcome.caller_fd is not None:
                        events.register(outcome.caller_fd, selectors.EVENT_READ, (outcome, "caller"))
            if not server.forks:
                # What the last build imported, imported now (no file: nothing to do), not
                # only on the idle tick above: builds back to back (an edit, make html,
                # make publish, the next edit) never leave it 2 s idle, and each fork
                # imported the same modules again (about 40 ms).
                _learn(where, stamps)
    finally:
        if _still_ours(where.socket, inode, None):
            os.unlink(where.socket)
        for fork in server.forks.values():  # running builds finish; their callers hold their status
            fork.conn.close()


def _still_ours(socket_path: str, inode: int, home: str | None) -> bool:
    try:
        if os.stat(socket_path).st_ino != inode:
            return False
    except OSError:
        return False
    return home is None or os.path.isdir(home)


def _run_fork(conn: socket.socket, request: dict, fds: list[int], learn_path: str) -> None:
    """In the fork: become the caller's command, run it, report its exit status."""
    rc = 1
    try:
        os.setpgid(0, 0)  # its own group: a forwarded signal reaches the workers it forks
        before = set(sys.modules)
        _reply(conn, {"pid": os.getpid()})
        conn.settimeout(_HANDSHAKE_SECONDS)
        if conn.recv(3) != b"go\n":
            return  # the caller gave up waiting and builds itself
        conn.settimeout(None)
        _become_caller(request, fds)
        rc = run_exit_handlers(_run_command(request["command"], request["argv"]))
        _note_learned(before, learn_path)
        _reply(conn, {"rc": rc, "usage": _usage()})
    finally:
        os._exit(rc)


def _become_caller(request: dict, fds: list[int]) -> None:
    for name in _FORWARDED:
        signum = getattr(signal, name)
        if name in request["ignored"]:
            signal.signal(signum, signal.SIG_IGN)
        elif name == "SIGINT":
            signal.signal(signum, signal.default_int_handler)
        else:
            signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    targets = request["fds"]
    for target in (0, 1, 2):
        if target in targets:
            os.dup2(fds[targets.index(target)], target)
        else:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, target)
            os.close(null)
    _close(fd for fd in fds if fd > 2)
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = [request["argv0"], *request["argv"]]
    import importlib

    importlib.invalidate_caches()  # files added since the warm process listed folders
    # The warm process's streams were /dev/null: block-buffered. A terminal gets lines,
    # PYTHONUNBUFFERED everything at once, as a fresh interpreter would give them.
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    for stream in (sys.stdout, sys.stderr):
        try:
            lines = stream is sys.stderr or os.isatty(stream.fileno())
            stream.reconfigure(line_buffering=lines, write_through=unbuffered)
        except (AttributeError, OSError, ValueError):
            pass


def _run_command(command: str, argv: list[str]) -> int:
    import importlib

    try:
        result = importlib.import_module(COMMANDS[command]).main(argv)
    except SystemExit as stop:
        code = stop.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BaseException:  # noqa: BLE001 - as the interpreter would: the traceback and status 1
        sys.excepthook(*sys.exc_info())
        return 1
    return int(result or 0)


def _note_learned(before: set[str], learn_path: str) -> None:
    roots = _learnable_roots()
    names = []
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if name != "__main__" and os.path.realpath(path).startswith(roots) and "\n" not in path:
            names.append(f"{name}\t{path}")
    if not names:
        return
    try:
        with open(learn_path, "a", encoding="utf-8") as out:
            out.write("\n".join(sorted(names)) + "\n")
    except OSError:
        pass


def _usage() -> dict:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_seconds": round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 3),
        "peak_rss_mib": round(max(own.ru_maxrss, kids.ru_maxrss) / 1024, 1),
    }


# ---------------------------------------------------------------- `python -m scripts warm`


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m scripts warm",
        description="The warm process that starts `make html` quickly in this directory. It stops "
        f"by itself after {IDLE_SETTING} seconds idle (default {DEFAULT_IDLE:.0f}); {SWITCH}=0 turns it off.",
    )
    parser.add_argument("action", choices=("status", "stop"))
    args = parser.parse_args(argv)
    answer = control(args.action)
    if answer is None:
        print("No warm process serves this directory.")
        return 0
    if args.action == "stop":
        print(f"Stopped the warm process (pid {answer['stopped']}).")
        return 0
    age = time.time() - answer["started"]
    print(f"Warm process pid {answer['pid']}: up {age:.0f} s, {answer['served']} commands served, "
          f"{answer['modules']} modules loaded, stops after {answer['idle_limit']:.0f} s idle.")  # fmt: skip
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        sys.exit(serve(*sys.argv[2:]))
    sys.exit(main())
