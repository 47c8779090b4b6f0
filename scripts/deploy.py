"""Deploy the built site: rsync to a server, or a commit on a GitHub Pages branch.

Both ways keep the previous site serving when something fails: rsync's
`--delay-updates` moves the new files into place only at the end of the
transfer, and ghp-import makes one commit of the whole site on the pages branch
and pushes it, so a failed push changes nothing that is served.

Settings: the DEPLOY dict in pelicanconf.py / publishconf.py (see docs/settings.md
and docs/runbook.md). `python -m scripts deploy` deploys output/ on its own.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from connected.errors import ConnectedError, SettingsError
from connected.settings_schema import SCHEMA, read_dict

log = logging.getLogger(__name__)

RSYNC_FLAGS = ["-az", "--delete", "--delay-updates"]

# Every key with its default, meaning and value check: connected/settings_schema.py.
KNOWN_KEYS = SCHEMA["DEPLOY"]
_TEXT_KEYS = ("RSYNC_DESTINATION", "GITHUB_PAGES_BRANCH", "GITHUB_PAGES_REMOTE", "GITHUB_PAGES_CNAME",
              "GITHUB_PAGES_MESSAGE")  # fmt: skip
_WHERE = " (in publishconf.py or pelicanconf.py)."


class DeployError(ConnectedError):
    """Deploying failed or is misconfigured; the message says what to fix."""


class DeploySettingsError(DeployError, SettingsError):
    """DEPLOY is misconfigured; the message names the key and the fix."""


def _fail(key: str, problem: str, fix: str) -> DeploySettingsError:
    return DeploySettingsError(f"DEPLOY[{key!r}] {problem}: {fix}{_WHERE}")


def deploy_settings(settings: dict) -> dict[str, Any]:
    """Return settings["DEPLOY"] merged with defaults and validated.

    read_dict (the schema) checks the keys and each value; here only what needs more
    than one key: the destination rsync needs, the branch and remote GitHub Pages needs.
    """
    cfg = read_dict(settings, "DEPLOY", error=DeploySettingsError, suffix=_WHERE)
    for key in _TEXT_KEYS:
        cfg[key] = (cfg[key] or "").strip()
    cfg["RSYNC_OPTIONS"] = list(cfg["RSYNC_OPTIONS"])
    if cfg["TARGET"] == "rsync":
        dest = cfg["RSYNC_DESTINATION"]
        if not dest:
            raise _fail("RSYNC_DESTINATION", "is not set", 'set it to "user@host:/path/to/site/"')
        path_part = dest.split(":", 1)[1] if ":" in dest and not dest.startswith("/") else dest
        # rsync --delete would empty whatever this points at: refuse the obvious disasters.
        if path_part.strip().rstrip("/") in ("", "~", "."):
            raise _fail(
                "RSYNC_DESTINATION",
                f"points at {path_part!r}, which --delete would wipe",
                "give the site's own directory, e.g. user@host:/var/www/site/",
            )
    if cfg["TARGET"] == "github-pages":
        for key in ("GITHUB_PAGES_BRANCH", "GITHUB_PAGES_REMOTE"):
            if not cfg[key] or any(c.isspace() for c in cfg[key]):
                raise _fail(key, f"is {cfg[key]!r}", f"set the {KNOWN_KEYS[key].meaning}")
    return cfg


def describe(cfg: dict[str, Any]) -> str:
    if cfg["TARGET"] == "rsync":
        return f"rsync to {cfg['RSYNC_DESTINATION']}"
    if cfg["TARGET"] == "github-pages":
        return f"GitHub Pages (branch {cfg['GITHUB_PAGES_BRANCH']} on {cfg['GITHUB_PAGES_REMOTE']})"
    return "no deploy (DEPLOY['TARGET'] is \"none\")"


def deploy(cfg: dict[str, Any], output_dir: Path, *, root: Path) -> str:
    """Deploy output_dir as cfg says; return a one-line description of what was done."""
    output_dir = Path(output_dir)
    if cfg["TARGET"] == "none":
        return describe(cfg)
    if not (output_dir / "index.html").is_file():
        raise DeployError(f"{output_dir} has no index.html: build the site first (make publish does).")
    if cfg["TARGET"] == "rsync":
        _rsync(cfg, output_dir)
    else:
        _github_pages(cfg, output_dir, root=Path(root))
    return describe(cfg)


def _run(cmd: list[str], *, cwd: Path | None, what: str, fix: str) -> subprocess.CompletedProcess:
    log.info("deploy: running %s", " ".join(cmd))
    try:
        result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except OSError as exc:
        raise DeployError(f"{what} could not start ({exc}): {fix}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise DeployError(
            f"{what} failed (exit {result.returncode}): {' / '.join(detail) or 'no output'}. {fix} "
            "The previously deployed site is still serving."
        )
    return result


def _rsync(cfg: dict[str, Any], output_dir: Path) -> None:
    rsync = shutil.which("rsync")
    if not rsync:
        raise DeployError(
            "rsync is not installed: install it (apt install rsync, brew install rsync) or set "
            "DEPLOY['TARGET'] to \"github-pages\" or \"none\"."
        )
    # The trailing slash copies the *contents* of output/ into the destination.
    cmd = [rsync, *RSYNC_FLAGS, *cfg["RSYNC_OPTIONS"], f"{output_dir}/", cfg["RSYNC_DESTINATION"]]
    _run(cmd, cwd=None, what="rsync", fix="Check DEPLOY['RSYNC_DESTINATION'], your SSH access and the server's disk.")


def _github_pages(cfg: dict[str, Any], output_dir: Path, *, root: Path) -> None:
    remote, branch = cfg["GITHUB_PAGES_REMOTE"], cfg["GITHUB_PAGES_BRANCH"]
    fix = (
        f"Check that {root} is a git clone with a remote named {remote!r} you can push to "
        "(DEPLOY['GITHUB_PAGES_REMOTE'])."
    )
    # Start from the remote's pages branch when it exists, so the push is a fast-forward.
    subprocess.run(["git", "fetch", "--quiet", remote, branch], cwd=root, capture_output=True)
    cmd = [sys.executable, "-m", "ghp_import", "--no-jekyll", "--push",
           "--remote", remote, "--branch", branch, "--message", cfg["GITHUB_PAGES_MESSAGE"]]
    if cfg["GITHUB_PAGES_CNAME"]:
        cmd += ["--cname", cfg["GITHUB_PAGES_CNAME"]]
    cmd.append(str(output_dir))
    _run(cmd, cwd=root, what="ghp-import (GitHub Pages)", fix=fix)


def main(argv: list[str] | None = None) -> int:
    from connected.site_settings import MissingSettingsFile, load_settings

    parser = argparse.ArgumentParser(prog="python -m scripts deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py", help="settings file (default publishconf.py)")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help="project root")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    try:
        settings = load_settings(root, args.settings)
        cfg = deploy_settings(settings)
        output = Path(settings["OUTPUT_PATH"])
        print(deploy(cfg, output if output.is_absolute() else root / output, root=root))
    except (DeployError, MissingSettingsFile) as exc:
        print(f"Deploy failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
