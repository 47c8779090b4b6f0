"""The warm process's event loop (scripts/warm.py, `_Server.ended`) when a fork and its
caller end together: a caller exits as soon as it has the fork's status and the fork
just after sending it, so one select() can report both ends, in either order."""

from __future__ import annotations

import os
import selectors
import socket
import time

import pytest

from scripts import warm

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open (Linux)")


def _exited_child() -> int:
    """A child of this process that has exited (not yet reaped)."""
    pid = os.posix_spawn("/bin/true", ["true"], os.environ)
    fd = os.pidfd_open(pid)
    try:
        deadline = time.monotonic() + 20
        while not _readable(fd) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.close(fd)
    return pid


def _readable(fd: int) -> bool:
    with selectors.DefaultSelector() as one:
        one.register(fd, selectors.EVENT_READ)
        return bool(one.select(timeout=0))


def _both_ended(tmp_path):
    """A server with one fork whose build and caller have both ended, and the select()
    batch that reports them."""
    server = warm._Server(warm.Paths(str(tmp_path), "k"), stamps=None)
    mine, theirs = socket.socketpair()
    theirs.settimeout(5)
    caller = _exited_child()
    fork = warm._Fork(_exited_child(), caller, mine)
    os.waitpid(caller, 0)  # the caller is not the server's child: reaped here, its pidfd stays readable
    server.forks[fork.pid] = fork
    events = selectors.DefaultSelector()
    events.register(fork.fork_fd, selectors.EVENT_READ, (fork, "fork"))
    events.register(fork.caller_fd, selectors.EVENT_READ, (fork, "caller"))
    batch = events.select(timeout=10)
    assert {key.data[1] for key, _ in batch} == {"fork", "caller"}
    return server, fork, events, batch, theirs


@pytest.mark.parametrize("first", ["fork", "caller"])
def test_a_fork_and_its_caller_ending_in_one_batch_are_handled_once(tmp_path, first):
    server, fork, events, batch, theirs = _both_ended(tmp_path)
    batch.sort(key=lambda item: item[0].data[1] != first)
    reaped = [server.ended(*key.data, events) for key, _ in batch]

    assert reaped.count(True) == 1
    assert server.forks == {}
    # Only what was registered before (nothing) is left to watch: no pidfd is left open
    # in the selector, and none was closed twice.
    assert list(events.get_map()) == []
    for fd in (fork.fork_fd, fork.caller_fd):
        if fd is not None:
            with pytest.raises(OSError):
                os.fstat(fd)
    assert theirs.recv(16) == b""  # the fork's connection is closed: its caller hears of it
    theirs.close()

