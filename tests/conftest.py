"""Shared test helpers: real Pelican builds into tmp_path.

`build_site()` runs the real Pelican with our theme and plugins, in process,
on a content directory (a fixture tree under `tests/data/`, by default the
shipped sample) and returns the output directory.

Tests never read the working copy's content/, settings or send record: the
writer makes those their own (`make init`, their posts, their record), and the
suite must stay green on their site. `tests/data/sample_site/` is the sample as
shipped (content/, pelicanconf.py, publishconf.py, send-record.json); the
settings there import nothing of the working copy's, and the theme and plugins
(project code, not the writer's) come from ROOT.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

# Every command a test runs builds in its own process: no warm process (scripts/warm.py)
# outlives a test or serves one test's command from another's. tests/scripts/warm/
# turns it on for its own projects.
os.environ["CONNECTED_WARM"] = "0"

# The fake Mailchimp server and its edition and backend fixtures (fake_mailchimp,
# make_edition, make_backend, and the autouse no_settle_wait) are used by the publish,
# Mailchimp, digest and email tests in several directories: one module, loaded here.
pytest_plugins = ["tests.kit.mailchimp_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# The sample as shipped: what a fresh clone has before `make init`.
SAMPLE = DATA / "sample_site"
SAMPLE_CONTENT = SAMPLE / "content"
SAMPLE_RECORD = SAMPLE / "send-record.json"
# Settings files of a project (copied into throw-away projects by the publishing tests).
SETTINGS_FILES = ("pelicanconf.py", "publishconf.py")


def build_site(
    tmp_path: Path,
    content: Path | str | None = None,
    settings_file: str = "publishconf.py",
    overrides: dict | None = None,
) -> Path:
    """Build a site into tmp_path/"output" and return that path.

    content: a directory (copied into tmp_path so tests may edit it), a name
    of a fixture tree under tests/data/, or None for the shipped sample's content.
    settings_file: a settings file of the shipped sample (tests/data/sample_site/)
    by name, or an absolute path.
    """
    from pelican import Pelican

    if content is None:
        src = SAMPLE_CONTENT
    else:
        src = Path(content)
        if not src.is_absolute():
            src = DATA / src
    content_dir = tmp_path / "content"
    if not content_dir.exists():
        shutil.copytree(src, content_dir)
    from scripts.build import scratch_overrides

    settings_override = scratch_overrides(tmp_path, content_dir)
    newsletter_paths = settings_override.pop("NEWSLETTER")
    output = Path(settings_override["OUTPUT_PATH"])
    settings = read_project_settings(settings_file, override=settings_override)
    newsletter = {**settings.get("NEWSLETTER", {}), **newsletter_paths}
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


def read_project_settings(settings_file: str | Path = "publishconf.py", override: dict | None = None) -> dict:
    """Pelican's read_settings on a sample settings file (by name) or a path.

    Overrides replace the file's values (dicts too), as Pelican's own override does.
    Pelican registers each settings file it reads in sys.modules under its name: one
    cached from another directory (the working copy's, another test project's) is
    dropped first, as connected/site_settings.py does for the scripts.
    """
    from pelican.settings import read_settings

    path = Path(settings_file)
    if not path.is_absolute():
        path = SAMPLE / path
    for name in ("pelicanconf", "publishconf"):
        sys.modules.pop(name, None)
    return read_settings(str(path), override=override)


def pelican_plugin(name: str) -> ModuleType:
    """Our plugin `name` as a build in this process imports it: by its own name from
    plugins/ (PLUGIN_PATHS), not as `plugins.<name>`, so a test that imports from it
    first gets the very exception classes the build raises."""
    from pelican.plugins._utils import load_legacy_plugin

    return load_legacy_plugin(name, [str(ROOT / "plugins")])


def _reset_process_state() -> None:
    """Give each in-process build the fresh state a `pelican` run starts with.

    scripts/build.py's reset (the one owner: Pelican's shown-once warnings,
    pelican-sitemap's module state) plus what only tests need: plugins connect
    their handlers to process-wide signals, and without clearing them a build
    whose PLUGINS leave one out (post_checks, say) would still run it.
    """
    import blinker
    from pelican.plugins import signals

    from scripts.build import reset_pelican_state

    for value in vars(signals).values():
        if isinstance(value, blinker.Signal):
            value._clear_state()
    reset_pelican_state()


def sample_settings(dest: Path, settings_file: str = "pelicanconf.py") -> Path:
    """Put the shipped sample's settings (and links to our plugins/, theme/ and
    connected/) into `dest`; return dest/settings_file, for `scripts.build -s …`.

    Their PATH is dest/content, their ROOT (send record, editions, outbox) dest.
    Calling it again on the same directory is a no-op.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in SETTINGS_FILES:
        if not (dest / name).exists():
            shutil.copy(SAMPLE / name, dest / name)
    for name in ("plugins", "theme", "connected"):
        if not (dest / name).exists():
            (dest / name).symlink_to(ROOT / name, target_is_directory=True)
    return dest / settings_file


def make_sample_project(
    dest: Path, content: Path | str | None = None, *, record: bool = False
) -> Path:
    """A throw-away project at `dest` for running our scripts as a writer would.

    The shipped sample's pelicanconf.py/publishconf.py (so their ROOT, and with it
    output/, build/, outbox/ and send-record.json, is `dest`), symlinks to the real
    plugins/, theme/ and connected/, and a content tree: a directory, a fixture name
    under tests/data/, or None for the sample's content. record: also copy the
    sample's send record as shipped.
    """
    sample_settings(dest)
    src = SAMPLE_CONTENT if content is None else Path(content)
    if not src.is_absolute():
        src = DATA / src
    shutil.copytree(src, dest / "content")
    if record:
        shutil.copy(SAMPLE_RECORD, dest / "send-record.json")
    return dest


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
