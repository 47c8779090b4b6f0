"""Bad input stops `python -m scripts.build` (make html / make publish) cleanly.

Each case runs the real CLI on a fixture tree from tests/data/ over an output/
that holds a previous good build, and checks: exit code 1, one line naming the
file and the problem, no traceback, output/ byte-for-byte unchanged, and no
temp directory left behind.
"""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli, sample_settings


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def build_cli(tmp_path: Path, *extra: str, settings: str = "pelicanconf.py"):
    """Run the build CLI on tmp_path/content into tmp_path/output."""
    newsletter = {"EDITIONS_PATH": str(tmp_path / "build" / "editions")}
    return run_cli(
        "-m", "scripts.build", "-s", str(sample_settings(tmp_path, settings)),
        "--content", str(tmp_path / "content"),
        "--output", str(tmp_path / "output"),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "CACHE_PATH=" + json.dumps(str(tmp_path / "cache")),
        *extra,
    )


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """A project directory whose output/ and build/editions hold a good build."""
    project = tmp_path_factory.mktemp("good")
    shutil.copytree(DATA / "good_minimal", project / "content")
    result = build_cli(project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def project(tmp_path, good_build) -> Path:
    """tmp_path with a copy of the good build's output/ and editions, and no content yet."""
    shutil.copytree(good_build / "output", tmp_path / "output")
    shutil.copytree(good_build / "build", tmp_path / "build")
    (tmp_path / "output" / "marker-from-last-build.txt").write_text("keep me\n")
    return tmp_path


def use_fixture(project: Path, name: str) -> None:
    shutil.copytree(DATA / name, project / "content")


def assert_stopped_cleanly(project: Path, result, before: dict[str, bytes]) -> list[str]:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert snapshot(project / "output") == before
    leftovers = [p.name for p in project.iterdir() if p.suffix in (".tmp", ".old")]
    leftovers += [p.name for p in (project / "build").iterdir() if p.suffix in (".tmp", ".old")]
    assert leftovers == []
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_good_build_prints_summary_and_writes_site(good_build):
    assert (good_build / "output" / "index.html").is_file()
    assert (good_build / "output" / "2026" / "following-up" / "index.html").is_file()
    assert (good_build / "output" / "about" / "index.html").is_file()
    # The temp dirs were swapped in, none are left beside output/.
    assert not (good_build / "output.tmp").exists()
    assert not (good_build / "output.old").exists()
    assert not (good_build / "build" / "editions.tmp").exists()


def test_summary_line_counts_posts_and_pages(tmp_path):
    use_fixture(tmp_path, "good_minimal")
    result = build_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Built 2 posts, 1 page in" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_unparseable_date_stops_build_naming_file_and_fix(project):
    before = snapshot(project / "output")
    use_fixture(project, "bad_date")
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    problems = [line for line in lines if "bad-date.md" in line]
    assert len(problems) == 1, lines
    assert "posts/bad-date.md: date '2026-13-45' is not a date" in problems[0]
    assert "Date: YYYY-MM-DD HH:MM" in problems[0]
    # Pelican's own vaguer "Could not process" line is not repeated.
    assert not any("Could not process" in line for line in lines)


def test_missing_title_stops_build(project):
    before = snapshot(project / "output")
    use_fixture(project, "bad_title")
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    problems = [line for line in lines if "no-title.md" in line]
    assert len(problems) == 1, lines
    assert "has no title" in problems[0] and "Title:" in problems[0]


def test_broken_metadata_header_is_explained(project):
    before = snapshot(project / "output")
    use_fixture(project, "good_minimal")
    # A blank first line ends the metadata header before it starts.
    (project / "content" / "posts" / "blank-first.md").write_text(
        "\nTitle: Lost title\nDate: 2026-10-10 10:00\n\nBody.\n", encoding="utf-8"
    )
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    problems = [line for line in lines if "blank-first.md" in line]
    assert len(problems) == 1, lines
    assert "has no title" in problems[0]


def test_unknown_status_stops_build(project):
    before = snapshot(project / "output")
    use_fixture(project, "good_minimal")
    path = project / "content" / "posts" / "first-note.md"
    path.write_text(path.read_text().replace("Slug:", "Status: publised\nSlug:"))
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    (line,) = [line for line in lines if "first-note.md: status 'publised'" in line]
    assert "did you mean 'published'? fix its Status: line" in line


def test_malformed_uuid_stops_build(project):
    before = snapshot(project / "output")
    use_fixture(project, "bad_uuid")
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    problems = [line for line in lines if "bad-uuid.md" in line]
    assert len(problems) == 1, lines
    assert "is not a UUID" in problems[0]


def test_duplicate_uuid_names_both_files(project):
    before = snapshot(project / "output")
    use_fixture(project, "dup_uuid")
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    # Same Uuid in different case is still the same Uuid.
    posts = [line for line in lines if "copied-note.md" in line]
    assert len(posts) == 1, lines
    assert "first-note.md" in posts[0]
    assert "6f1c2b7e-1d2a-4c3b-9e4f-0a1b2c3d4e5f" in posts[0]
    # A hidden page and a draft post count too.
    mixed = [line for line in lines if "colophon.md" in line]
    assert len(mixed) == 1 and "draft-idea.md" in mixed[0], lines


def test_every_bad_file_is_reported_in_one_run(project):
    before = snapshot(project / "output")
    use_fixture(project, "bad_date")
    shutil.copy(DATA / "bad_title" / "posts" / "no-title.md", project / "content" / "posts")
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    assert any("bad-date.md" in line for line in lines)
    assert any("no-title.md" in line for line in lines)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "TIMEZONE is not set"), ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known time zone")],
)
def test_timezone_is_required(project, value, expected):
    before = snapshot(project / "output")
    use_fixture(project, "good_minimal")
    result = build_cli(project, "-e", "TIMEZONE=" + json.dumps(value))
    lines = assert_stopped_cleanly(project, result, before)
    assert any(expected in line and "TIMEZONE" in line for line in lines), lines


def test_post_without_uuid_warns_but_builds(tmp_path):
    use_fixture(tmp_path, "good_minimal")
    path = tmp_path / "content" / "posts" / "second-note.md"
    path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("Uuid:")))
    result = build_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "second-note.md" in line]
    assert len(warning) == 1 and "run make uuids" in warning[0]


def test_post_without_date_stops_build(project):
    before = snapshot(project / "output")
    use_fixture(project, "good_minimal")
    (project / "content" / "posts" / "undated.md").write_text(
        "Title: Undated\nSlug: undated\nUuid: 1d1d1d1d-2e2e-4f3f-8a4a-5b5b5b5b5b5b\n\nBody.\n",
        encoding="utf-8",
    )
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    problems = [line for line in lines if "undated.md" in line]
    assert len(problems) == 1, lines
    assert "has no date" in problems[0] and "Date: YYYY-MM-DD HH:MM" in problems[0]


def test_two_posts_with_the_same_slug_stop_build(project):
    before = snapshot(project / "output")
    use_fixture(project, "good_minimal")
    (project / "content" / "posts" / "same-slug.md").write_text(
        "Title: Another follow-up\nDate: 2026-06-01 10:00\nSlug: following-up\n"
        "Uuid: 3c3c3c3c-4d4d-4e4e-8f8f-0a0a0a0a0a0a\n\nBody.\n",
        encoding="utf-8",
    )
    lines = assert_stopped_cleanly(project, build_cli(project), before)
    # (Pelican also warns about the duplicate slug, listing the files.)
    problems = [line for line in lines if "same-slug.md" in line and "written to" in line]
    assert len(problems) == 1, lines
    assert "first-note.md" in problems[0] and "2026/following-up/index.html" in problems[0]
