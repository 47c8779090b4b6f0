"""scripts/build.py replaces output/ (and the email editions) only after a complete build."""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, run_cli, sample_settings


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def build_cli(project: Path, *extra: str, settings: str = "pelicanconf.py"):
    newsletter = {"EDITIONS_PATH": str(project / "build" / "editions")}
    return run_cli(
        "-m", "scripts.build", "-s", str(sample_settings(project, settings)),
        "--content", str(project / "content"),
        "--output", str(project / "output"),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "CACHE_PATH=" + json.dumps(str(project / "cache")),
        *extra,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    return tmp_path


def add_draft(project: Path) -> None:
    (project / "content" / "posts" / "unfinished.md").write_text(
        "Title: Unfinished thoughts\nDate: 2026-10-11 10:00\nSlug: unfinished\n"
        "Status: draft\nUuid: 5a5a5a5a-0000-4000-8000-000000000001\n\nNot yet.\n",
        encoding="utf-8",
    )


def test_template_error_mid_write_leaves_output_and_editions_as_they_were(project):
    first = build_cli(project)
    assert first.returncode == 0, first.stderr
    (project / "build" / "editions").mkdir(parents=True, exist_ok=True)
    (project / "build" / "editions" / "marker.txt").write_text("previous editions\n")
    output_before = snapshot(project / "output")
    editions_before = snapshot(project / "build" / "editions")

    # A theme whose tag template breaks: Pelican renders tag pages after the
    # articles and the index, so the build fails half-way through writing.
    theme = project / "broken-theme"
    shutil.copytree(ROOT / "theme", theme)
    tag = theme / "templates" / "tag.html"
    tag.write_text(tag.read_text() + "\n{% if %}\n")
    (project / "content" / "posts" / "first-note.md").write_text(
        (project / "content" / "posts" / "first-note.md").read_text().replace(
            "Title: Following up after an interview", "Title: A changed title"
        )
    )
    result = build_cli(project, "--theme", str(theme))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    problem = [line for line in result.stderr.splitlines() if "TemplateSyntaxError" in line]
    assert len(problem) == 1, output
    assert "tag.html" in problem[0]
    assert snapshot(project / "output") == output_before
    assert snapshot(project / "build" / "editions") == editions_before
    assert not [p for p in project.iterdir() if p.suffix in (".tmp", ".old", ".stage", ".prev")]


def test_successful_build_replaces_output_and_editions(project):
    first = build_cli(project)
    assert first.returncode == 0, first.stderr
    (project / "build" / "editions" / "stale-edition.txt").write_text("from an old build\n")
    page = project / "output" / "2026" / "following-up" / "index.html"
    assert "Following up after an interview" in page.read_text()

    source = project / "content" / "posts" / "first-note.md"
    source.write_text(source.read_text().replace("Title: Following up after an interview", "Title: Renamed post"))
    second = build_cli(project)
    assert second.returncode == 0, second.stderr
    assert "Renamed post" in page.read_text()
    # The editions directory is rebuilt from scratch every time.
    assert not (project / "build" / "editions" / "stale-edition.txt").exists()
    assert not [p for p in project.iterdir() if p.suffix in (".tmp", ".old", ".stage", ".prev")]


def test_incremental_build_keeps_unchanged_pages_and_drops_what_it_no_longer_makes(project):
    assert build_cli(project).returncode == 0
    output = project / "output"
    about = output / "about" / "index.html"
    post = output / "2026" / "following-up" / "index.html"
    about_inode, post_inode = about.stat().st_ino, post.stat().st_ino
    post_before = post.read_bytes()
    with post.open("rb") as old_post:  # the live file as a reader holds it
        planted = output / "planted.txt"
        planted.write_text("not made by any build\n")
        source = project / "content" / "posts" / "first-note.md"
        source.write_text(source.read_text() + "\nOne more sentence.\n")
        assert build_cli(project).returncode == 0
        # The edited post's page is a new file; the old one was never written in place.
        assert post.stat().st_ino != post_inode
        assert "One more sentence." in post.read_text()
        assert old_post.read() == post_before
    # The unchanged page is the same file (hard-linked into the new tree, not rewritten).
    assert about.stat().st_ino == about_inode
    # Only what this build produced is in output/.
    assert not planted.exists()
    assert build_cli(project, "--fresh").returncode == 0
    assert about.stat().st_ino != about_inode


def test_development_output_never_seeds_a_production_build(project):
    add_draft(project)
    dev = build_cli(project)
    assert dev.returncode == 0, dev.stderr
    assert "(1 draft)" in dev.stdout
    assert (project / "output" / "drafts" / "unfinished" / "index.html").is_file()
    prod = build_cli(project, settings="publishconf.py")
    assert prod.returncode == 0, prod.stderr
    assert not (project / "output" / "drafts").exists()
    html = (project / "output" / "index.html").read_text()
    assert "Unfinished thoughts" not in html


def test_build_site_function_raises_build_error_with_one_line_problems(tmp_path):
    from scripts.build import BuildError, build_site

    sample_settings(tmp_path)
    shutil.copytree(DATA / "dup_uuid", tmp_path / "content")
    overrides = {
        "PATH": str(tmp_path / "content"),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
        "NEWSLETTER": {"EDITIONS_PATH": str(tmp_path / "editions")},
    }
    with pytest.raises(BuildError) as caught:
        build_site("pelicanconf.py", root=tmp_path, overrides=overrides)
    assert len(caught.value.problems) == 2
    assert all("\n" not in problem for problem in caught.value.problems)
    assert not (tmp_path / "output").exists()

    shutil.rmtree(tmp_path / "content")
    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    output = build_site("pelicanconf.py", root=tmp_path, overrides=overrides)
    assert output == (tmp_path / "output").resolve()
    assert (output / "about" / "index.html").is_file()


def test_output_containing_the_content_is_refused(project):
    result = run_cli(
        "-m", "scripts.build", "-s", str(sample_settings(project)),
        "--content", str(project / "content"), "--output", str(project),
    )
    assert result.returncode == 1
    assert "contains the content" in result.stderr
    assert (project / "content" / "posts" / "first-note.md").is_file()


def test_leftovers_of_a_killed_build_are_not_published(project):
    assert build_cli(project).returncode == 0
    # What a build killed half-way leaves behind.
    (project / "output.tmp").mkdir()
    (project / "output.tmp" / "half-written.html").write_text("<p>half")
    (project / "output.old").mkdir()
    result = build_cli(project)
    assert result.returncode == 0, result.stderr
    assert not (project / "output" / "half-written.html").exists()
    assert not (project / "output.tmp").exists()
    assert not (project / "output.old").exists()
