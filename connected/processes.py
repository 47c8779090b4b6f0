"""Worker processes a build forks (page renderers, card drawers) die with it."""

from __future__ import annotations

import sys


def die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when the build that forked it
    dies: a killed build must not leave a process behind it, writing pages into a
    stage nobody uses or waiting forever for work that will not come."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # only a stray process is risked
