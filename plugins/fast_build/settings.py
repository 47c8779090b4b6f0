"""The FAST_BUILD settings dict: defaults and validation (messages name the key).

Every key, its default, meaning and check: connected/settings_schema.py SCHEMA["FAST_BUILD"].
- ENABLED: the master switch; False gives plain Pelican behaviour (used by the identity test).
- WORKERS: Markdown is converted in a pool of forked worker processes; 0 = one per CPU.
- MIN_PARALLEL_FILES: below this many Markdown files a pool costs more than it saves.
- MARKDOWN_CACHE: converted Markdown (HTML + raw metadata) is kept in CACHE_PATH, keyed
  by the source bytes, so an unchanged post is never converted twice.
- INCREMENTAL: render and write only pages whose inputs changed since the last build
  (state in CACHE_PATH); every file is written atomically.
- MIN_PARALLEL_PAGES: queued pages are rendered in forked processes (WORKERS of them)
  when a generator has at least this many to render; fewer are rendered in-process.
- TIMINGS: log how long each plugin's signal handlers took (also on when the
  CONNECTED_BUILD_TIMINGS environment variable names a JSON file to write).
"""

from __future__ import annotations

import os

from connected.errors import SettingsError
from connected.settings_schema import SCHEMA, read_dict

DEFAULTS = {key: spec.default for key, spec in SCHEMA["FAST_BUILD"].items()}


class FastBuildSettingsError(SettingsError):
    """FAST_BUILD holds an unknown key or a value of the wrong type."""


def load(settings: dict) -> dict:
    """Return FAST_BUILD merged over the defaults, or raise naming the bad key."""
    merged = read_dict(settings, "FAST_BUILD", error=FastBuildSettingsError)
    if not merged["WORKERS"]:
        merged["WORKERS"] = os.cpu_count() or 1
    if os.environ.get("CONNECTED_BUILD_TIMINGS"):
        merged["TIMINGS"] = True
    return merged
