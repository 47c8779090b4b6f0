"""Shared test helpers: real Pelican builds into tmp_path.

`build_site()` runs the real Pelican with our theme and plugins, in process,
on a content directory (the real `content/` or a fixture tree under
`tests/data/`), and returns the output directory.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def build_site(
    tmp_path: Path,
    content: Path | str | None = None,
    settings_file: str = "publishconf.py",
    overrides: dict | None = None,
) -> Path:
    """Build a site into tmp_path/"output" and return that path.

    content: a directory (copied into tmp_path so tests may edit it), a name
    of a fixture tree under tests/data/, or None for the project's content/.
    """
    from pelican import Pelican
    from pelican.settings import read_settings

    if content is None:
        src = ROOT / "content"
    else:
        src = Path(content)
        if not src.is_absolute():
            src = DATA / src
    content_dir = tmp_path / "content"
    if not content_dir.exists():
        shutil.copytree(src, content_dir)
    output = tmp_path / "output"
    settings_override = {
        "PATH": str(content_dir),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(tmp_path / "cache"),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
    }
    settings = read_settings(str(ROOT / settings_file), override=settings_override)
    newsletter = dict(settings.get("NEWSLETTER", {}))
    newsletter.update(
        {
            "EDITIONS_PATH": str(tmp_path / "build" / "editions"),
            "RECORD_PATH": str(tmp_path / "send-record.json"),
            "OUTBOX_PATH": str(tmp_path / "outbox"),
        }
    )
    settings["NEWSLETTER"] = newsletter
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            merged = dict(settings[key])
            merged.update(value)
            settings[key] = merged
        else:
            settings[key] = value
    _reset_process_state()
    Pelican(settings).run()
    return output


def _reset_process_state() -> None:
    """Give each in-process build the fresh state a `pelican` run starts with.

    Pelican's log filter drops a warning it has already shown in this process,
    so a second build would hide warnings a test looks for; pelican-sitemap
    keeps per-run state in module globals, and a build that failed part-way
    would otherwise stop every later build's sitemap.
    """
    from pelican.log import LimitFilter

    LimitFilter._ignore.clear()
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()
    try:
        from pelican.plugins.sitemap import sitemap
    except ImportError:
        return
    sitemap.generator._main_pelican = None
    sitemap.generator.page_queue = []


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 300):
    """Run `python -m <module> …` (a script of ours) as a user would; return CompletedProcess."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def root() -> Path:
    return ROOT
