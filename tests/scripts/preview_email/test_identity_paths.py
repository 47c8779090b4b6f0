"""No path built from post data leaves its directory (issue 17, item 1).

`make preview-email` used to write `out_dir / f"{slug}.{edition}.html"`: `Slug: /tmp/x`
wrote /tmp/x.outbox.html and `Slug: ../x` wrote beside build/preview-email/. Real
builds and real CLI runs; the filesystem around each run is listed before and after.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, build_site, run_cli, sample_settings

ABSOLUTE_UUID = "0b7c2a9e-4d1f-4c3a-9e8b-7a6f5d4c3b2a"
RELATIVE_UUID = "1c8d3b0f-5e2a-4d4b-8f9c-8b7a6e5d4c3b"


def hostile_content(tmp_path: Path, absolute_slug: str) -> Path:
    content = tmp_path / "content"
    shutil.copytree(DATA / "email_site", content)
    posts = content / "posts"
    (posts / "zz-absolute.md").write_text(
        f"Title: Absolute slug\nDate: 2026-11-30 10:00\nSlug: {absolute_slug}\nSummary: Abs.\n"
        f"Uuid: {ABSOLUTE_UUID}\n\nBody of the absolute one.\n",
        encoding="utf-8",
    )
    (posts / "zz-relative.md").write_text(
        "Title: Relative slug\nDate: 2026-11-29 10:00\nSlug: ../x-rel\nSummary: Rel.\n"
        f"Uuid: {RELATIVE_UUID}\n\nBody of the relative one.\n",
        encoding="utf-8",
    )
    return content


def listing(base: Path) -> set[str]:
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}


def stray(prefix: str) -> list[str]:
    """Anything under the system temp directory whose name starts with `prefix`."""
    directory = Path(prefix).parent
    return sorted(str(p) for p in directory.glob(Path(prefix).name + "*"))


@pytest.fixture
def absolute_slug():
    # A unique name under /tmp, as in the report (`Slug: /tmp/x-preview`), so a
    # regression is seen and no other run's file is mistaken for ours.
    prefix = f"/tmp/x-preview-{secrets.token_hex(6)}"
    yield prefix
    for path in stray(prefix):
        Path(path).unlink()


def without_post_checks(dest: Path) -> Path:
    """The sample's production settings minus post_checks, which rejects these slugs
    first: the path rules below are the second wall and must hold on their own."""
    settings = sample_settings(dest, "publishconf.py")
    with settings.open("a", encoding="utf-8") as handle:
        handle.write('\nPLUGINS = [name for name in PLUGINS if name != "post_checks"]\n')
    return settings


def test_preview_of_hostile_slugs_is_refused_naming_each_file(tmp_path, absolute_slug):
    content = hostile_content(tmp_path / "site", absolute_slug)
    settings = sample_settings(tmp_path / "project", "publishconf.py")
    before = listing(tmp_path)
    result = run_cli(
        "-m", "scripts.preview_email", "--settings", str(settings), "--content", str(content),
        "--editions", str(tmp_path / "work" / "build" / "editions"), "--post", "../x-rel",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("WARNING")]
    assert lines[0].startswith("preview-email: the build for the preview stopped, nothing was written")
    named = [line for line in lines if line.startswith((f"{content}/posts/zz-absolute.md", f"{content}/posts/zz-relative.md"))]
    assert len(named) == 2 and all("Slug:" in line for line in named), lines
    assert listing(tmp_path) - before <= {p for p in listing(tmp_path) if p.startswith("project/")}
    assert stray(absolute_slug) == []


@pytest.mark.parametrize(("post", "uuid"), [("absolute", ABSOLUTE_UUID), ("relative", RELATIVE_UUID)])
def test_preview_of_a_hostile_slug_lands_inside_preview_email(tmp_path, absolute_slug, post, uuid):
    content = hostile_content(tmp_path / "site", absolute_slug)
    settings = without_post_checks(tmp_path / "project")
    work = tmp_path / "work"
    (work / "build").mkdir(parents=True)
    before = listing(tmp_path)
    key = absolute_slug if post == "absolute" else "../x-rel"
    result = run_cli(
        "-m", "scripts.preview_email", "--settings", str(settings), "--content", str(content),
        "--editions", str(work / "build" / "editions"), "--post", key,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = Path(re.search(r"^Email preview: file://(\S+)$", result.stdout, re.M).group(1))
    text = Path(re.search(r"^Plain text:    file://(\S+)$", result.stdout, re.M).group(1))
    preview_dir = work / "build" / "preview-email"
    assert html == preview_dir / f"{uuid}.outbox.html"
    assert text == preview_dir / f"{uuid}.txt"
    assert f"Body of the {post} one." in html.read_text("utf-8")
    new = listing(tmp_path) - before
    outside = [p for p in new if not p.startswith(("work/build/editions/", "work/build/preview-email/", "project/"))]
    assert outside == []
    assert {p for p in new if p.startswith("work/build/preview-email/")} == {
        f"work/build/preview-email/{uuid}.outbox.html",
        f"work/build/preview-email/{uuid}.txt",
    }
    assert stray(absolute_slug) == []


def test_preview_with_a_plain_slug_keeps_its_readable_name(tmp_path):
    result = run_cli(
        "-m", "scripts.preview_email", "--settings", "publishconf.py", "--content", str(DATA / "email_site"),
        "--editions", str(tmp_path / "editions"), "--post", "hostile-title",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"file://{tmp_path}/preview-email/hostile-title.outbox.html" in result.stdout


def test_preview_refuses_a_manifest_naming_a_file_outside_the_editions(tmp_path):
    """A tampered manifest (its files are post-derived paths) gets one line and writes nothing."""
    import json

    editions = tmp_path / "build" / "editions"
    first = run_cli(
        "-m", "scripts.preview_email", "--settings", "publishconf.py", "--content", str(DATA / "email_site"),
        "--editions", str(editions),
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    manifest = editions / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["posts"][0]["files"]["outbox_html"] = "../../../../../../etc/hostname"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    os.utime(manifest, (2**31, 2**31))  # newer than every input: no rebuild
    before = listing(tmp_path)
    result = run_cli(
        "-m", "scripts.preview_email", "--settings", "publishconf.py", "--content", str(DATA / "email_site"),
        "--editions", str(editions),
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("preview-email: posts/newest.md: '../../../../../../etc/hostname' would be written outside")
    assert "nothing was written" in line
    assert listing(tmp_path) == before


def test_editions_of_hostile_slugs_stay_in_their_uuid_folders(tmp_path, absolute_slug):
    hostile_content(tmp_path, absolute_slug)
    before = listing(tmp_path)
    from tests.conftest import read_project_settings

    plugins = [name for name in read_project_settings()["PLUGINS"] if name != "post_checks"]
    build_site(tmp_path, tmp_path / "content", overrides={"PLUGINS": plugins})
    new = listing(tmp_path) - before
    allowed = ("output/", "build/editions/", "cache/")
    assert [p for p in new if not p.startswith(allowed)] == []
    editions = {p for p in new if p.startswith("build/editions/")}
    for uuid in (ABSOLUTE_UUID, RELATIVE_UUID):
        assert {f"build/editions/{uuid}/{name}" for name in ("mailchimp.html", "outbox.html", "email.txt", "mailchimp.txt")} <= editions
    # Every edition file is in a folder named by a canonical uuid (or is the manifest / cache).
    for path in editions:
        parts = path.split("/")
        assert len(parts) == 3 or re.fullmatch(r"[0-9a-f-]{36}", parts[2]), path
    assert stray(absolute_slug) == []
