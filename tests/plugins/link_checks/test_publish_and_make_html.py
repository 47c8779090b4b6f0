"""The real commands on a project holding tests/data/links_site: `make html`
(scripts.build) lists the broken links and builds; `make publish` (scripts.publish,
outbox backend) mails the good posts and names the broken one, which it does not mail."""

from __future__ import annotations

import json
import os

import lxml.html

from tests.conftest import ROOT, run_cli
from tests.kit.publish_project import Result, make_project
from tests.plugins.link_checks.linkkit import BROKEN, EMBEDS, GOOD


def test_make_html_lists_broken_links_and_still_builds(tmp_path):
    project = make_project(tmp_path, content="links_site", record=[])
    # What `make html` runs, from the project's own directory.
    proc = run_cli("-m", "scripts.build", "-s", "pelicanconf.py",
                   "-e", 'NEWSLETTER={"MAX_HTML_BYTES": 8000}', cwd=project.path,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert result.code == 0, result.text
    assert "posts/broken.md:7: image 'images/team.jpg' is not in the site — write {static}/images/team.jpg" in result.err
    assert "posts/broken.md:13: link '{filename}deleted-post.md' is not in the site" in result.err
    assert "skipping url replacement" not in result.err
    assert "Cannot get modification stamp" not in result.err
    assert result.err.count("link_checks: ") == 1  # one summary
    # The newsletter's oversize warning is said once, inside that summary.
    assert result.err.count("the email edition is") == 1
    summary = result.err[result.err.index("link_checks: ") :]
    assert "  posts/good.md: the email edition is " in summary
    assert (project.path / "output" / "2026" / "broken-links" / "index.html").is_file()


def test_publish_skips_the_broken_post_and_mails_the_rest(tmp_path):
    project = make_project(tmp_path, content="links_site", record=[])
    result = project.publish_subprocess()
    # The rest is sent, and the run ends non-zero so a scheduled run shows the waiting post.
    assert result.code == 1, result.text
    assert "1 post(s) not mailed because of broken links or images (posts/broken.md)" in result.err
    assert "Not sending “Broken links” (2026-03-02, broken-links, " in result.err
    assert "  - posts/broken.md:9: image '/images/logo.png' is not in the site" in result.err
    assert "  - posts/broken.md:11: image '{static}/images/nope.png' is not in the site" in result.err
    subjects = sorted(str(m["Subject"]) for m in project.messages())
    assert subjects == ["Embeds", "Good links"]
    record = project.record()["posts"]
    assert GOOD in record and EMBEDS in record and BROKEN not in record
    # The site was still built with the broken post in it.
    assert (project.path / "output" / "2026" / "broken-links" / "index.html").is_file()
    # The embeds' email carries the links that replaced them, not the embeds.
    (embeds,) = [m for m in project.messages() if str(m["Subject"]) == "Embeds"]
    doc = lxml.html.fromstring(embeds.get_body(("html",)).get_content())
    assert doc.xpath("//iframe | //script[@src]") == []
    hrefs = doc.xpath("//a/@href")
    assert "https://www.youtube-nocookie.com/embed/abc123" in hrefs
    assert "https://gist.github.com/alex/0123abcd" in hrefs

    # Fixed: the next publish sends it, and only it.
    post = project.post_file("broken.md")
    header = post.read_text(encoding="utf-8").split("\n\n", 1)[0]
    post.write_text(header + "\n\nFixed: ![Team]({static}/images/team.jpg)\n", encoding="utf-8")
    again = project.publish_subprocess()
    assert again.code == 0, again.text
    assert "Not sending" not in again.err
    assert sorted(str(m["Subject"]) for m in project.messages()) == ["Broken links", "Embeds", "Good links"]


def test_naming_the_broken_post_refuses_it(tmp_path):
    project = make_project(tmp_path, content="links_site", record=[])
    result = project.publish_subprocess("--post", "broken-links")
    assert result.code == 1
    assert "POST=broken-links: Not sending “Broken links”" in result.err
    assert "posts/broken.md:7: image 'images/team.jpg'" in result.err
    assert project.messages() == []
    manifest = json.loads((project.path / "build" / "editions" / "manifest.json").read_text())
    assert {p["uuid"]: len(p["blockers"]) for p in manifest["posts"]}[BROKEN] == 5


def test_a_bad_csp_setting_is_one_line_and_a_non_zero_exit(tmp_path):
    project = make_project(tmp_path, content="links_site", record=[])
    project.configure(pelican='CSP = {"EMBED_HOSTS": ["youtube.com; script-src *"]}')
    proc = run_cli("-m", "scripts.build", "-s", "pelicanconf.py", cwd=project.path,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == (
        "CSP['EMBED_HOSTS'] has 'youtube.com; script-src *', which is not a host name: write it "
        "like 'player.vimeo.com', '*.example.com' or 'https://example.com:8443'"
    )
    assert not (project.path / "output").exists()
