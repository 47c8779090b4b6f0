"""What `make publish` and `make unschedule` know about one run: settings, env, console.

Both commands start the same way (read the settings file of one project root, anchor
OUTPUT_PATH at it, read NEWSLETTER and DEPLOY once); this is that start, so neither
command imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connected.console import Console
from connected.publishing import PublishError
from scripts.backends.base import Edition
from scripts.deploy import deploy_settings


@dataclass
class Context:
    root: Path
    settings_file: str
    settings: dict
    newsletter: dict
    deploy: dict
    env: dict
    console: Console
    changed_record: bool = False
    withheld: list[dict[str, Any]] = field(default_factory=list)  # published posts without a Uuid: line
    blocked: list[dict[str, Any]] = field(default_factory=list)  # posts with broken links or images
    delivered: list[tuple[Edition, Any]] = field(default_factory=list)
    # Digest mode (docs/digest.md): the moment the run takes as "now" (CONNECTED_NOW in
    # tests), and the new posts that wait for a digest rather than go one by one.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    digest_new: list[dict[str, Any]] = field(default_factory=list)
    scheduled: list[dict[str, Any]] = field(default_factory=list)  # dated in the future (manifest)

    @property
    def siteurl(self) -> str:
        return (self.settings.get("SITEURL") or "").rstrip("/")

    @property
    def record_path(self) -> Path:
        return Path(self.newsletter["RECORD_PATH"])

    @property
    def editions_path(self) -> Path:
        return Path(self.newsletter["EDITIONS_PATH"])


def load_context(root: Path, settings_file: str, console: Console, env: dict) -> Context:
    from connected.newsletter_settings import newsletter_settings
    from connected.site_settings import load_settings

    path = root / settings_file
    if not path.is_file():
        raise PublishError(f"Settings file {path} not found: run from the project root or pass --settings.")
    settings = load_settings(root, path)
    # Pelican leaves a default (unset) OUTPUT_PATH relative to the current directory;
    # anchor it at the project so `make publish` builds and deploys the same directory.
    if not Path(settings["OUTPUT_PATH"]).is_absolute():
        settings["OUTPUT_PATH"] = str(root / settings["OUTPUT_PATH"])
    return Context(
        root=root,
        settings_file=settings_file,
        settings=settings,
        newsletter=newsletter_settings(settings),
        deploy=deploy_settings(settings),
        env=env,
        console=console,
    )
