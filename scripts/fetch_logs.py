"""`make fetch-logs`: copy the web server's access logs here, for `make stats`.

    python -m scripts fetch-logs [--settings publishconf.py] [--dry-run]

With STATS["LOGS_REMOTE"] set (e.g. "user@host:/var/log/nginx/"), runs
`rsync -az` of the access logs (access.log*, rotated and gzipped ones too)
from there into STATS["LOGS_DIR"] (default logs/). rsync only adds and
updates files: a log the server has deleted stays here, so the reach report
keeps its history (its cache keeps the counts of what was read, too). Without
LOGS_REMOTE it prints how to copy the logs by hand and exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.deploy import DeployError, deploy_settings
from scripts.stats import ROOT, StatsError, load_settings, stats_settings

PATTERNS = ["--include=access.log*", "--include=*access*.log*", "--exclude=*"]


def command(remote: str, target: Path, options: list[str] | None = None) -> list[str]:
    source = remote if remote.endswith("/") else remote + "/"
    return ["rsync", "-az", "--partial", *(options or []), *PATTERNS, "--", source, f"{target}/"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts fetch-logs", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--root", default=str(ROOT))
    parser.add_argument("--dry-run", action="store_true", help="print the rsync command, run nothing")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    try:
        settings = load_settings(root, args.settings)
        cfg = stats_settings(settings, root)
        # The ssh options the deploy uses (DEPLOY['RSYNC_OPTIONS']) reach the same server.
        options = deploy_settings(settings)["RSYNC_OPTIONS"]
    except (StatsError, DeployError) as exc:
        print(f"make fetch-logs stopped: {exc}", file=sys.stderr)
        return 1
    target = Path(cfg["LOGS_DIR"])
    shown = target.relative_to(root) if target.is_relative_to(root) else target
    if not cfg["LOGS_REMOTE"]:
        print(
            "STATS['LOGS_REMOTE'] is not set, so there is nothing to fetch from. Either set it in "
            "pelicanconf.py to where the server keeps its logs, e.g.\n"
            '    STATS = {"LOGS_REMOTE": "user@host:/var/log/nginx/", "ACCESS_LOGS": ["logs/access.log*"]}\n'
            f"or copy the logs by hand into {shown}/, e.g.\n"
            f"    scp 'user@host:/var/log/nginx/access.log*' {shown}/\n"
            "and set STATS['ACCESS_LOGS'] = [\"logs/access.log*\"]; then run make stats."
        )
        return 0
    argv_ = command(cfg["LOGS_REMOTE"], target, options)
    if args.dry_run:
        print(" ".join(argv_))
        return 0
    if shutil.which("rsync") is None:
        print("make fetch-logs stopped: rsync is not installed: install it (apt-get install rsync, "
              "brew install rsync) or copy the logs by hand.", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    print(f"Copying access logs from {cfg['LOGS_REMOTE']} into {shown}/ …")
    result = subprocess.run(argv_, check=False)
    if result.returncode != 0:
        print(f"make fetch-logs stopped: rsync exited with {result.returncode} copying from "
              f"{cfg['LOGS_REMOTE']}: check STATS['LOGS_REMOTE'] and that you can ssh to the host.",
              file=sys.stderr)
        return 1
    if not any(str(target) in g or g.startswith(str(shown)) for g in cfg["ACCESS_LOGS"]):
        print(f"Note: STATS['ACCESS_LOGS'] does not name {shown}/: set it to [\"{shown}/access.log*\"] "
              "so make stats reads these logs.")
    print("Done: run make stats.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
