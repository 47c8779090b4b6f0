"""A seeded corpus of 300 hostile and odd posts (tests/kit/hostile_corpus.py) through
the real build CLI (`python -m scripts.build -s publishconf.py`).

1. The whole corpus over a previous good build: exit 1, every problem line
   starts with a file of the corpus (no traceback, no unnamed failure),
   output/ byte-for-byte as it was, nothing written outside the build's own
   directories (a listing of the tmp dir and of the escape folder around the run).
2. The corpus without the files named in 1: it builds (so every problem was
   reported in the one run), and every remaining post is in the output.
3. The built pages hold nothing executable that came from a header: no script
   but ours and the JSON-LD, no on* attribute, no javascript:/data: URL
   (the post's own prose, the writer's HTML, is left out of this check).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import DATA, ROOT, run_cli
from tests.kit.hostile_corpus import generate
from tests.kit.second_wall_site import executable_bits

SEED = 20261201
COUNT = 300
SITEURL = "https://fuzz.example"
OWN_SCRIPT = SITEURL + "/theme/js/site.js"
BUILD_DIRS = {"output", "output.tmp", "output.old", "output.lock", "build", "cache"}


def build(project: Path):
    newsletter = {"EDITIONS_PATH": str(project / "build" / "editions")}
    return run_cli(
        "-m", "scripts.build", "-s", "publishconf.py",
        "--content", str(project / "content"),
        "--output", str(project / "output"),
        "-e", "NEWSLETTER=" + json.dumps(newsletter),
        "-e", "CACHE_PATH=" + json.dumps(str(project / "cache")),
        "-e", "SITEURL=" + json.dumps(SITEURL),
        timeout=600,
    )  # fmt: skip


def hashes(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def listing(directory: Path) -> set[str]:
    """Every path under `directory` except the build's own directories."""
    found = set()
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if relative.parts[0] in BUILD_DIRS:
            continue
        found.add(relative.as_posix())
    return found


def problem_lines(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("WARNING:") and not line.startswith("Build stopped")
    ]


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory):
    project = tmp_path_factory.mktemp("fuzz")
    escape = tmp_path_factory.mktemp("fuzz-escape")
    shutil.copytree(DATA / "good_minimal", project / "content")
    first = build(project)
    assert first.returncode == 0, first.stderr

    files = generate(SEED, COUNT, escape_dir=str(escape))
    for relative, text in files.items():
        path = project / "content" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    before_output = hashes(project / "output")
    before_tree = listing(project)
    before_escape = listing(escape)
    before_root = sorted(p.name for p in ROOT.iterdir())

    failed = build(project)

    after = {
        "output": hashes(project / "output"),
        "tree": listing(project),
        "escape": listing(escape),
        "root": sorted(p.name for p in ROOT.iterdir()),
    }
    lines = problem_lines(failed.stderr)
    # The same corpus again: post_checks now answers from what it remembered (by each
    # file's text) and must say exactly what it said when it read every file.
    again = build(project)
    named = set()
    for line in lines:
        named.update(re.findall(r"posts/fuzz-\d{3}\.md", line))
    for name in named:
        (project / "content" / name).unlink()
    second = build(project)
    return {
        "project": project,
        "files": files,
        "failed": failed,
        "lines": lines,
        "named": named,
        "before": {"output": before_output, "tree": before_tree, "escape": before_escape, "root": before_root},
        "after": after,
        "second": second,
        "again": again,
    }


def test_a_warm_build_of_the_corpus_says_what_the_cold_one_said(corpus_runs):
    again = corpus_runs["again"]
    assert again.returncode == 1
    # Ours only, sorted: Pelican's own duplicate-slug warnings go on with one bare file
    # name per line, in the order it read them, and which duplicates it names differs
    # between any two runs (it reads the files in parallel).
    def ours(lines):
        return sorted(line for line in lines if not re.fullmatch(r"\S+\.md", line))

    assert ours(problem_lines(again.stderr)) == ours(corpus_runs["lines"])
    assert next(corpus_runs["project"].glob("cache/post_checks/header-problems.json")).is_file()


def test_the_corpus_is_hostile_enough(corpus_runs):
    # A corpus that mostly builds tests little; one that is all rejected tests the theme little.
    named, total = len(corpus_runs["named"]), len(corpus_runs["files"])
    assert 0.4 * total < named < 0.9 * total, (named, total)


def test_every_problem_is_one_line_naming_its_file(corpus_runs):
    failed = corpus_runs["failed"]
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output[-3000:]
    assert "Traceback" not in output
    assert "shows the traceback" not in output  # build.py's line for an unexpected error
    lines = corpus_runs["lines"]
    assert lines
    unnamed = [line for line in lines if not re.search(r"content/(posts|pages)/[^ ]+\.md\b", line.split(":")[0])]
    assert unnamed == [], unnamed[:10]


def test_a_failed_build_leaves_output_exactly_as_it_was(corpus_runs):
    assert corpus_runs["after"]["output"] == corpus_runs["before"]["output"]


def test_nothing_is_written_outside_the_build_directories(corpus_runs):
    before, after = corpus_runs["before"], corpus_runs["after"]
    assert after["tree"] == before["tree"]
    assert after["escape"] == before["escape"] == set()
    assert after["root"] == before["root"]


def test_all_problems_come_in_one_run_and_the_rest_builds(corpus_runs):
    second = corpus_runs["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    project = corpus_runs["project"]
    built = set()
    for path in (project / "output").rglob("*.html"):
        built.update(re.findall(r"fuzz-marker-(\d+)", path.read_text(encoding="utf-8")))
    expected = set()
    for relative, text in corpus_runs["files"].items():
        if relative in corpus_runs["named"]:
            continue
        header = text.split("\n\n", 1)[0].lower()
        if "status: draft" in header:
            continue  # drafts are not in a production build
        expected.add(str(int(relative[len("posts/fuzz-") : -len(".md")])))
    missing = sorted(expected - built, key=int)
    assert missing == [], f"posts neither built nor named: {missing[:20]}"


def test_built_pages_hold_nothing_executable_from_a_header(corpus_runs):
    output = corpus_runs["project"] / "output"
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 100
    found = []
    for page in pages:
        found.extend(executable_bits(lxml_html.parse(str(page)).getroot(), page.relative_to(output).as_posix(), OWN_SCRIPT))
    assert found == [], found[:20]
