"""The one way Connected reads a site's settings files (pelicanconf.py, publishconf.py).

`load_settings(root, settings_file, overrides)` is what every script uses: Pelican's own
`read_settings` (defaults, relative paths made absolute beside the file), plus the
project's rules for overrides. `settings_in(path)` is the small piece a settings file
uses to build on another (publishconf.py on pelicanconf.py) by path, not by import name.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connected.errors import SettingsError

# The settings Pelican treats as paths (made absolute beside the settings file).
PATH_KEYS = ("PATH", "OUTPUT_PATH", "THEME", "CACHE_PATH")


class MissingSettingsFile(SettingsError):
    """The settings file given does not exist."""


def is_production(settings: dict) -> bool:
    """Whether these are the settings of the site readers get (publishconf.py): an absolute
    SITEURL and absolute URLs. The one rule: the newsletter's editions, make preview-email's
    freshness test and post_checks' publish-only stops ask it."""
    siteurl = str(settings.get("SITEURL") or "")
    return siteurl.startswith(("http://", "https://")) and not settings.get("RELATIVE_URLS")


def settings_path(root: Path | str, settings_file: Path | str) -> Path:
    """`settings_file` as a path: as given when absolute, else inside `root`."""
    path = Path(settings_file)
    return path if path.is_absolute() else Path(root) / path


def settings_in(path: Path | str, name: str | None = None) -> dict:
    """The settings (upper-case names) the file at `path`, or the file `name` beside it, sets.

    publishconf.py builds on pelicanconf.py with `globals().update(settings_in(__file__,
    "pelicanconf.py"))`: a bare `from pelicanconf import *` would import whichever
    `pelicanconf` the import path (or the module cache) reaches first, which is another
    project's in tests and tmp copies. Read with Pelican's own file reader, as `pelican -s`
    reads it.
    """
    from pelican.settings import get_settings_from_file

    target = Path(path).resolve()
    if name is not None:
        target = target.with_name(name)
    if not target.is_file():
        raise MissingSettingsFile(f"{target}: settings file not found")
    return get_settings_from_file(str(target))


def load_settings(
    root: Path | str, settings_file: Path | str = "pelicanconf.py", overrides: dict | None = None
) -> dict:
    """Pelican's settings for the site at `root`, read from `settings_file` (relative to root).

    overrides win over the file: a relative path among PATH_KEYS is relative to `root` (like
    those in the file); a dict value is merged into the file's dict of that name
    (NEWSLETTER={"EDITIONS_PATH": …} keeps the other NEWSLETTER keys). Raises
    MissingSettingsFile, or whatever the settings file itself raises.
    """
    from pelican.settings import read_settings

    root = Path(root)
    path = settings_path(root, settings_file)
    if not path.is_file():
        raise MissingSettingsFile(f"{path}: settings file not found")
    plain: dict = {}
    merged: dict = {}
    for key, value in (overrides or {}).items():
        if key in PATH_KEYS and value is not None:
            candidate = Path(value)
            # THEME may name a theme rather than a directory here.
            if not candidate.is_absolute() and (key != "THEME" or (root / candidate).exists()):
                value = str(root / candidate)
        if isinstance(value, dict):
            merged[key] = value
        else:
            plain[key] = value
    _forget_cached_settings_modules()
    settings = read_settings(str(path), override=plain)
    for key, value in merged.items():
        current = settings.get(key)
        settings[key] = {**current, **value} if isinstance(current, dict) else dict(value)
    return settings


def _forget_cached_settings_modules() -> None:
    """Drop cached pelicanconf/publishconf modules before a settings file is read.

    Pelican registers each settings file it reads in sys.modules under its file name, and
    a settings file written as `from pelicanconf import *` (Pelican's quickstart style, an
    older publishconf.py) would get that cached module: another project's when tests or
    tmp copies read several in one process, or this one's from before an edit (devserver).
    """
    for name in ("pelicanconf", "publishconf"):
        sys.modules.pop(name, None)
