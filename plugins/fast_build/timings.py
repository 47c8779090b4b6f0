"""Time every plugin's signal handlers, so the benchmark can report feeds and editions.

Blinker keeps receivers in a dict keyed by receiver id; swapping the value for
a timing wrapper keeps each receiver's position and sender filter untouched.
Generators a plugin adds through `get_generators` are timed the same way
(generate_context / generate_output).
"""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from collections import defaultdict

from blinker import Signal
from pelican.plugins import signals

logger = logging.getLogger(__name__)

_SIGNALS = [value for value in vars(signals).values() if isinstance(value, Signal)]


def _owner(func) -> str:
    while getattr(func, "__wrapped__", None) is not None:
        func = func.__wrapped__
    module = getattr(func, "__module__", None) or "?"
    return (
        module.split(".")[0] if not module.startswith("pelican.plugins.") else module.split(".")[2]
    )


class PluginTimer:
    """Accumulates seconds per plugin package across all signals.

    Wall seconds, and the main process's CPU seconds: on a shared machine, or
    while fast_build's page renderers use every core, a handler's wall time
    mostly measures waiting for a core; its CPU time is the work it did.
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu_seconds: dict[str, float] = defaultdict(float)
        self.started = time.perf_counter()

    def wrap_all(self) -> None:
        for sig in _SIGNALS:
            for receiver_id, ref in list(sig.receivers.items()):
                func = ref() if isinstance(ref, weakref.ref) else ref
                if func is None or getattr(func, "fast_build_timed", False):
                    continue
                owner = _owner(func)
                if owner in ("fast_build", "pelican"):
                    continue
                sig.receivers[receiver_id] = self._timed(func, owner, sig.name)

    def _timed(self, func, owner: str, signal_name: str):
        seconds, cpu_seconds = self.seconds, self.cpu_seconds
        timer = self

        def timed(*args, **kwargs):
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                result = func(*args, **kwargs)
            finally:
                seconds[owner] += time.perf_counter() - start
                cpu_seconds[owner] += time.process_time() - cpu_start
            if signal_name == "get_generators":
                result = timer._timed_generators(result, owner)
            return result

        timed.fast_build_timed = True
        timed.__wrapped__ = func
        return timed

    def _timed_generators(self, result, owner):
        classes = result if isinstance(result, (list, tuple)) else [result]
        wrapped = []
        for cls in classes:
            if not isinstance(cls, type):
                wrapped.append(cls)
                continue
            attrs = {}
            for method in ("generate_context", "generate_output"):
                if hasattr(cls, method):
                    attrs[method] = self._timed_method(getattr(cls, method), owner)
            wrapped.append(type(cls.__name__, (cls,), attrs))
        return wrapped if isinstance(result, (list, tuple)) else wrapped[0]

    def _timed_method(self, method, owner):
        seconds, cpu_seconds = self.seconds, self.cpu_seconds

        def timed(instance, *args, **kwargs):
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                return method(instance, *args, **kwargs)
            finally:
                seconds[owner] += time.perf_counter() - start
                cpu_seconds[owner] += time.process_time() - cpu_start

        return timed

    def report(self) -> dict:
        total = time.perf_counter() - self.started
        figures = {name: round(value, 4) for name, value in sorted(self.seconds.items())}
        logger.info(
            "fast_build: plugin time %s (run %.2f s)",
            ", ".join(f"{k} {v:.3f} s" for k, v in figures.items()) or "none",
            total,
        )
        target = os.environ.get("CONNECTED_BUILD_TIMINGS")
        if target:
            with open(target, "w", encoding="utf-8") as handle:
                cpu = {name: round(value, 4) for name, value in sorted(self.cpu_seconds.items())}
                json.dump(
                    {"plugins": figures, "plugins_cpu": cpu, "run_seconds": round(total, 4)},
                    handle,
                )
        return figures
