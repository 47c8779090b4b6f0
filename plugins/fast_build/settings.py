"""The FAST_BUILD settings dict: defaults and validation (messages name the key)."""

from __future__ import annotations

import os

DEFAULTS = {
    # Master switch: False gives plain Pelican behaviour (used by the identity test).
    "ENABLED": True,
    # Convert Markdown in a pool of forked worker processes. 0 = one per CPU.
    "WORKERS": 0,
    # Below this many Markdown files a pool costs more than it saves: read serially.
    "MIN_PARALLEL_FILES": 24,
    # Keep converted Markdown (HTML + raw metadata) in CACHE_PATH, keyed by the
    # source bytes, so an unchanged post is never converted twice.
    "MARKDOWN_CACHE": True,
    # Render and write only pages whose inputs changed since the last build
    # (state in CACHE_PATH); every file is written atomically.
    "INCREMENTAL": True,
    # Queued pages are rendered in forked processes (WORKERS of them) when a
    # generator has at least this many to render; fewer are rendered in-process.
    "MIN_PARALLEL_PAGES": 64,
    # Log how long each plugin's signal handlers took (also on when the
    # CONNECTED_BUILD_TIMINGS environment variable names a JSON file to write).
    "TIMINGS": False,
}

_TYPES = {
    "ENABLED": bool,
    "WORKERS": int,
    "MIN_PARALLEL_FILES": int,
    "MIN_PARALLEL_PAGES": int,
    "MARKDOWN_CACHE": bool,
    "INCREMENTAL": bool,
    "TIMINGS": bool,
}


class FastBuildSettingsError(ValueError):
    """FAST_BUILD holds an unknown key or a value of the wrong type."""


def load(settings: dict) -> dict:
    """Return FAST_BUILD merged over the defaults, or raise naming the bad key."""
    given = settings.get("FAST_BUILD") or {}
    if not isinstance(given, dict):
        raise FastBuildSettingsError(
            f"FAST_BUILD must be a dict (got {type(given).__name__}); "
            "e.g. FAST_BUILD = {'ENABLED': True} in pelicanconf.py"
        )
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise FastBuildSettingsError(
            f"FAST_BUILD[{unknown[0]!r}] is not a known key; "
            f"known keys: {', '.join(sorted(DEFAULTS))}"
        )
    merged = dict(DEFAULTS)
    for key, value in given.items():
        expected = _TYPES[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise FastBuildSettingsError(
                f"FAST_BUILD[{key!r}] must be {expected.__name__}, got {value!r}"
            )
        if expected is int and value < 0:
            raise FastBuildSettingsError(f"FAST_BUILD[{key!r}] must be >= 0, got {value!r}")
        merged[key] = value
    if not merged["WORKERS"]:
        merged["WORKERS"] = os.cpu_count() or 1
    if os.environ.get("CONNECTED_BUILD_TIMINGS"):
        merged["TIMINGS"] = True
    return merged
