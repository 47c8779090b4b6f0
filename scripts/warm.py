"""Warm start for `make html` and `make publish`: fork each command from a process that
has already imported Pelican and our plugins.

Why: at 1000 posts a one-post `make html` takes about 1.5 s, and a quarter of it is Python
importing Pelican, docutils, Jinja, Markdown, feedgen and our plugins before the build reads a
file. The first `make html` (or `make publish`) in a directory starts a warm process in the
background once it has finished; each later command connects to it, and it forks. The fork
runs the command exactly as a fresh process would: it takes the caller's arguments,
environment, working directory, umask and stdin/stdout/stderr, and reads settings, content,
caches and the send record from disk. The warm process holds no site state (it only imports
modules), so what a command writes or sends cannot depend on it. Spring (Rails) and the Gradle
daemon work this way.

What keeps it honest:
- Before each fork it checks that no module it imported changed on disk since (a `git pull`,
  an edited plugin, a `pip install`). If one did, it exits, the command runs in-process, and a
  new warm process starts after it.
- It answers only its own user (SO_PEERCRED), on a socket in a 0700 directory.
- The caller forwards Ctrl-C, SIGTERM and SIGHUP to the fork; if the caller dies, the fork
  kills itself, as the command would have died with it.
- It exits after CONNECTED_WARM_IDLE seconds (default 900) without a command, when its
  directory or socket goes away, or on `python -m scripts warm stop`.
- CONNECTED_WARM=0 (`make html WARM=0`) turns it off; the test suite runs with it off except
  in its own tests.

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

# The commands a warm process runs: the two a writer runs over and over.
COMMANDS = {"build": "scripts.build", "publish": "scripts.publish"}
SWITCH = "CONNECTED_WARM"
IDLE_SETTING = "CONNECTED_WARM_IDLE"
DIR_SETTING = "CONNECTED_WARM_DIR"  # where the sockets live (tests give each their own)
# Set by the benchmark: the fork's own CPU seconds and peak memory are written there,
# since they are not the calling process's and would go uncounted.
USAGE_SETTING = "CONNECTED_WARM_USAGE"
DEFAULT_IDLE = 900.0
_TICK = 2.0  # how often the warm process looks at its surroundings while idle


class Paths:
    """The socket, lock and learned-modules file of the warm process for this directory
    and interpreter: a different checkout, venv or PYTHONPATH gets a different one."""

    def __init__(self, folder: str, key: str):
        self.folder, self.key = folder, key
        self.socket = os.path.join(folder, f"{key}.sock")
        self.lock = os.path.join(folder, f"{key}.lock")
        self.learn = os.path.join(folder, f"{key}.learn")


def enabled(env=os.environ) -> bool:
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
    identity = "\0".join([
        os.path.realpath(cwd or os.getcwd()),
        sys.executable,
        sys.version,
        env.get("PYTHONPATH", ""),
        repr(sys.flags),
    ])
    where = Paths(folder, hashlib.sha256(identity.encode()).hexdigest()[:24])
    # A Unix socket's path holds at most 107 bytes; past that there is nowhere to listen.
    return where if len(os.fsencode(where.socket)) <= 100 else None


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
    except OSError:
        conn.close()
        return Answer(start=True, where=where)
    with conn:
        return _ask(conn, command, argv, where)


def _ask(conn: socket.socket, command: str, argv: list[str], where: Paths) -> Answer:
    umask = os.umask(0o022)
    os.umask(umask)
    fds = [fd for fd in (0, 1, 2) if _is_open(fd)]
    request = {
        "command": command,
        "argv": argv,
        "argv0": sys.argv[0],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
        "fds": fds,
    }
    try:
        _send(conn, request, fds)
        replies = conn.makefile("rb")
        first = _read(replies)
    except OSError:
        return Answer(start=True, where=where)
    if first is None or "pid" not in first:
        # Stale (a module changed) or refused: this command runs here, and a fresh warm
        # process starts after it.
        return Answer(start=True, where=where)
    pid = first["pid"]
    forwarded: list[int] = []

    def forward(signum, _frame):
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        last = _read(replies)
    except OSError:
        last = None
    if last is None or "rc" not in last:
        if forwarded:
            return Answer(rc=128 + forwarded[-1])
        print("connected: the warm build process ended without an exit status; run the command "
              f"again, or with {SWITCH}=0 to build in this process", file=sys.stderr)
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

    # The warm process needs no secrets (each fork takes the caller's environment).
    env = {k: v for k, v in os.environ.items() if not _looks_secret(k)}
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


def _looks_secret(name: str) -> bool:
    upper = name.upper()
    return upper.startswith("MAILCHIMP") or any(word in upper for word in ("KEY", "TOKEN", "SECRET", "PASSWORD"))


def control(action: str, cwd: str | None = None, env=os.environ) -> dict | None:
    """Ask the warm process for this directory (or cwd) for its status, or to stop."""
    where = paths(env, cwd)
    if where is None:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(where.socket)
        with conn:
            _send(conn, {"control": action})
            return _read(conn.makefile("rb"))
    except OSError:
        return None


# ---------------------------------------------------------------- the warm process


def _module_files() -> dict[str, tuple[int, int]]:
    seen = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and path not in seen:
            try:
                info = os.stat(path)
            except OSError:
                continue
            seen[path] = (info.st_mtime_ns, info.st_size)
    return seen


def _changed(snapshot: dict[str, tuple[int, int]]) -> bool:
    for path, stamp in snapshot.items():
        try:
            info = os.stat(path)
        except OSError:
            return True
        if (info.st_mtime_ns, info.st_size) != stamp:
            return True
    return False


def _learnable_roots() -> tuple[str, ...]:
    # Only the standard library, installed packages and our own packages are imported
    # ahead: never a settings file, or a module beside the writer's content.
    import scripts

    project = os.path.dirname(os.path.dirname(os.path.abspath(scripts.__file__)))
    ours = tuple(os.path.join(project, name) + os.sep for name in ("connected", "plugins", "scripts"))
    return tuple({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}) + ours


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


def _learn(where: Paths, snapshot: dict) -> None:
    """Import what earlier forks imported and this process had not (a Markdown extension,
    a Pygments lexer, a plugin's submodule), so the next fork need not."""
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
    snapshot.update(_module_files())


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


def _peer_is_us(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
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


def serve(folder: str, key: str) -> int:
    import fcntl

    where = Paths(folder, key)
    socket_path, learn_path = where.socket, where.learn
    lock = open(where.lock, "a")  # noqa: SIM115 - held for this process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another warm process serves this directory
    idle = float(os.environ.get(IDLE_SETTING) or DEFAULT_IDLE)
    home = os.getcwd()
    _preload()
    snapshot = _module_files()
    started, served = time.time(), 0
    # Holding the lock, any socket file left there is a dead process's.
    try:
        os.unlink(socket_path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o077)
    try:
        listener.bind(socket_path)
    finally:
        os.umask(old_umask)
    inode = os.stat(socket_path).st_ino
    listener.listen(16)
    listener.settimeout(_TICK)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forks
    last = time.monotonic()
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                _learn(where, snapshot)
                if time.monotonic() - last > idle or not _still_ours(socket_path, inode, home):
                    return 0
                continue
            last = time.monotonic()
            with conn:
                conn.settimeout(10)
                try:
                    if not _peer_is_us(conn):
                        continue
                    request, fds = _receive(conn)
                except (OSError, ValueError):
                    continue
                if "control" in request:
                    if request["control"] == "stop":
                        _reply(conn, {"stopped": os.getpid()})
                        return 0
                    _reply(conn, {"pid": os.getpid(), "started": started, "served": served,
                                  "idle_limit": idle, "modules": len(snapshot)})
                    continue
                _learn(where, snapshot)
                if request.get("command") not in COMMANDS or _changed(snapshot):
                    for fd in fds:
                        os.close(fd)
                    _reply(conn, {"stale": True})
                    return 0
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    lock.close()
                    conn.settimeout(None)
                    _run_fork(conn, request, fds, learn_path)  # never returns
                served += 1
                for fd in fds:
                    os.close(fd)
    finally:
        if _still_ours(socket_path, inode, None):
            os.unlink(socket_path)


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
        before = set(sys.modules)
        _become_caller(request, fds)
        _die_with_caller(conn)
        _reply(conn, {"pid": os.getpid()})
        rc = _run_command(request["command"], request["argv"])
        import atexit

        atexit._run_exitfuncs()  # what interpreter exit would run (logging, pools)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        _note_learned(before, learn_path)
        _reply(conn, {"rc": rc, "usage": _usage()})
    finally:
        os._exit(rc)


def _become_caller(request: dict, fds: list[int]) -> None:
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    targets = request["fds"]
    for target in (0, 1, 2):
        if target in targets:
            os.dup2(fds[targets.index(target)], target)
        else:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, target)
            os.close(null)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = [request["argv0"], *request["argv"]]
    import importlib

    importlib.invalidate_caches()  # files added since the warm process listed folders
    # The warm process's streams were /dev/null: block-buffered. A terminal gets lines.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=stream is sys.stderr or os.isatty(stream.fileno()))
        except (AttributeError, OSError, ValueError):
            pass


def _die_with_caller(conn: socket.socket) -> None:
    import threading

    def watch() -> None:
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGKILL)  # the caller is gone: so is its command

    threading.Thread(target=watch, daemon=True).start()


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
    except BaseException:  # noqa: BLE001 - as the interpreter would: a traceback and status 1
        import traceback

        traceback.print_exc()
        return 1
    return int(result or 0)


def _note_learned(before: set[str], learn_path: str) -> None:
    roots = _learnable_roots()
    names = []
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if name != "__main__" and path.startswith(roots) and "\n" not in path:
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
        description="The warm process that starts `make html` and `make publish` quickly in this "
        f"directory. It stops by itself after {IDLE_SETTING} seconds idle (default {DEFAULT_IDLE:.0f}); "
        f"{SWITCH}=0 turns it off.",
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
          f"{answer['modules']} modules loaded, stops after {answer['idle_limit']:.0f} s idle.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        sys.exit(serve(*sys.argv[2:]))
    sys.exit(main())
