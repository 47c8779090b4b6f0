"""`make init` on a fresh clone: the sample becomes the writer's site, with no trace left.

Each test works on a fresh clone in tmp_path (tests/scripts/init/init_testkit.py): the
project's code plus the sample as shipped. Builds are real Pelican builds, the
publish is the real `scripts.publish` with the outbox backend, and the checks read
the results back: settings with Pelican's read_settings, pages with lxml, feeds with
feedparser, the email edition with the `email` module, the image with Pillow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html
from PIL import Image, ImageChops

from connected.send_record import load_record
from scripts.init import (
    SAMPLE_ABOUT,
    SAMPLE_IMAGES,
    SAMPLE_POSTS,
    SAMPLE_SOCIAL_IMAGE,
    SAMPLE_UUIDS,
    SAMPLE_VALUES,
    digest,
)
from tests.conftest import SAMPLE_CONTENT, read_project_settings
from tests.scripts.init.init_testkit import (
    OWN_POST,
    OWN_UUID,
    SAM,
    SAMPLE_TRACES,
    env_without_secrets,
    fresh_clone,
    init_args,
    run_init,
    run_module,
    text_files,
    tree_digest,
)


def settings_of(clone: Path, name: str = "publishconf.py") -> dict:
    return read_project_settings(clone / name)


def traces_in(root: Path) -> list[str]:
    found = []
    for path in text_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(root)}: {t}" for t in SAMPLE_TRACES if t in text]
    return found


# --- The table of shipped files is the sample as shipped ------------------------------------------
def test_the_sample_table_matches_the_shipped_sample():
    for table in (SAMPLE_POSTS, SAMPLE_IMAGES, dict([SAMPLE_ABOUT]), dict([SAMPLE_SOCIAL_IMAGE])):
        for rel, sha in table.items():
            assert digest(SAMPLE_CONTENT / rel) == sha, rel
    shipped_posts = {p.relative_to(SAMPLE_CONTENT).as_posix() for p in (SAMPLE_CONTENT / "posts").glob("*.md")}
    assert shipped_posts == set(SAMPLE_POSTS)
    for page_uuid, rel in SAMPLE_UUIDS.items():
        assert f"Uuid: {page_uuid}\n" in (SAMPLE_CONTENT / rel).read_text(encoding="utf-8"), rel
    conf = read_project_settings("publishconf.py")
    profile = conf["AUTHOR_PROFILE"]
    assert (profile["NAME"], profile["HEADLINE"], profile["EMAIL"]) == (
        SAMPLE_VALUES["NAME"], SAMPLE_VALUES["HEADLINE"], SAMPLE_VALUES["EMAIL"])
    assert (profile["POSTAL_ADDRESS"], profile["LINKEDIN_URL"], conf["SITEURL"]) == (
        SAMPLE_VALUES["ADDRESS"], SAMPLE_VALUES["LINKEDIN"], SAMPLE_VALUES["SITEURL"])
    # One source of truth: the shipped settings derive the site name and author.
    assert conf["SITENAME"] == conf["AUTHOR"] == profile["NAME"]


# --- A first run without a terminal ------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh clone after `python -m scripts.init …` and a production `make publish`."""
    clone = fresh_clone(tmp_path_factory.mktemp("init") / "clone")
    result = run_init(clone, *init_args(SAM))
    assert result.returncode == 0, result.stderr
    published = run_module(clone, "scripts.publish")
    assert published.returncode == 0, published.stdout + published.stderr
    return {"clone": clone, "init": result, "publish": published}


def test_settings_carry_the_writers_answers(site):
    conf = settings_of(site["clone"])
    profile = conf["AUTHOR_PROFILE"]
    assert profile["NAME"] == conf["SITENAME"] == conf["AUTHOR"] == SAM["NAME"]
    assert (profile["HEADLINE"], profile["EMAIL"], profile["POSTAL_ADDRESS"], profile["LINKEDIN_URL"]) == (
        SAM["HEADLINE"], SAM["EMAIL"], SAM["ADDRESS"], SAM["LINKEDIN"])
    assert conf["SITEURL"] == SAM["SITEURL"] and conf["TIMEZONE"] == SAM["TIMEZONE"]
    assert profile["LINKS"] == []  # the sample's placeholder links are gone
    dev = settings_of(site["clone"], "pelicanconf.py")
    assert dev["SITENAME"] == SAM["NAME"] and dev["TIMEZONE"] == SAM["TIMEZONE"]
    # The derivation stays one source of truth in the file the writer edits.
    text = (site["clone"] / "pelicanconf.py").read_text(encoding="utf-8")
    assert 'SITENAME = AUTHOR_PROFILE["NAME"]' in text and 'AUTHOR = AUTHOR_PROFILE["NAME"]' in text


def test_sample_content_is_replaced_by_a_starter_draft_and_an_about_skeleton(site):
    content = site["clone"] / "content"
    posts = sorted(p.name for p in (content / "posts").glob("*.md"))
    assert posts == ["what-i-will-write-about-here.md"]
    draft = (content / "posts" / posts[0]).read_text(encoding="utf-8")
    assert "Status: draft" in draft and "Uuid: " in draft
    about = (content / "pages" / "about.md").read_text(encoding="utf-8")
    assert f"I'm **{SAM['NAME']}**." in about and "Template: about" in about
    assert not any(u in about for u in SAMPLE_UUIDS)
    assert not (content / "images" / "network-map.png").exists()
    assert not (content / "images" / "network-map.svg").exists()
    assert (content / "extra" / "robots.txt").is_file()  # not the sample's identity: kept


def test_send_record_is_empty_and_counts_as_set_up(site):
    record = load_record(site["clone"] / "send-record.json")
    assert record == {"version": 1, "posts": {}}
    out = site["publish"].stdout
    assert "No new posts to send." in out and "BASELINE" not in out
    assert not list((site["clone"] / "outbox").glob("*.eml"))


def test_no_trace_of_the_sample_in_the_built_site_and_feeds(site):
    output = site["clone"] / "output"
    assert (output / "index.html").is_file()
    assert traces_in(output) == []
    assert traces_in(site["clone"] / "build") == []
    index = lxml_html.parse(str(output / "index.html")).getroot()
    assert index.findtext(".//title").startswith(SAM["NAME"])
    assert index.xpath("string(//p[@class='site-title'])").strip() == SAM["NAME"]
    assert index.xpath("//meta[@name='author']/@content") == [SAM["NAME"]]
    og_image = index.xpath("//meta[@property='og:image']/@content")
    assert og_image == [SAM["SITEURL"] + "/images/social-default.png"]
    about = lxml_html.parse(str(output / "about" / "index.html")).getroot()
    assert SAM["NAME"] in about.text_content() and SAM["HEADLINE"] in about.text_content()
    for name in ("all.atom.xml", "all.rss.xml"):
        feed = feedparser.parse((output / "feeds" / name).read_bytes())
        assert feed.feed.title == SAM["NAME"], name
        assert feed.feed.link.startswith(SAM["SITEURL"]), name
    robots = (output / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SAM['SITEURL']}/sitemap.xml" in robots


def test_reach_report_and_configuration_check_name_the_writer(site, tmp_path):
    report = tmp_path / "reach.html"
    stats = run_module(site["clone"], "scripts.stats", "--output", str(report))
    assert stats.returncode == 0, stats.stderr
    page = lxml_html.parse(str(report)).getroot()
    assert SAM["NAME"] in page.findtext(".//title")
    assert traces_in(tmp_path) == []
    check = run_module(site["clone"], "scripts.publish", "--check")
    # The one thing left is the writer's own: the About page still holds make init's skeleton.
    assert check.returncode == 1, check.stdout + check.stderr
    problems = [line for line in check.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == 1 and "about.md still holds make init's starter text" in problems[0], problems
    about = site["clone"] / "content" / "pages" / "about.md"
    original = about.read_text(encoding="utf-8")
    try:
        from connected.starter_text import ABOUT_WHY, ABOUT_WORK

        about.write_text(original.replace(ABOUT_WORK, "I review designs.").replace(ABOUT_WHY, "Monthly."),
                         encoding="utf-8")  # fmt: skip
        check = run_module(site["clone"], "scripts.publish", "--check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "Configuration OK" in check.stdout
    finally:
        about.write_text(original, encoding="utf-8")


def test_social_image_is_redrawn_for_the_writer(site):
    new = site["clone"] / "output" / "images" / "social-default.png"
    with Image.open(new) as drawn, Image.open(SAMPLE_CONTENT / SAMPLE_SOCIAL_IMAGE[0]) as shipped:
        assert drawn.size == (1200, 630) and drawn.format == "PNG"
        assert ImageChops.difference(drawn.convert("RGB"), shipped.convert("RGB")).getbbox() is not None
    assert digest(new) != SAMPLE_SOCIAL_IMAGE[1]


def test_the_writers_first_post_is_mailed_once_and_nothing_of_the_sample(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    assert run_init(clone, *init_args(SAM)).returncode == 0
    (clone / "content" / "posts" / "first-design-review.md").write_text(OWN_POST, encoding="utf-8")
    first = run_module(clone, "scripts.publish")
    assert first.returncode == 0, first.stdout + first.stderr
    emls = sorted((clone / "outbox").glob("*.eml"))
    assert len(emls) == 1
    message = message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert message["X-Connected-Post"] == OWN_UUID
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (SAM["NAME"], SAM["EMAIL"])
    parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    assert len(parts) >= 2
    whole = str(message) + "\n".join(parts)
    assert not [t for t in SAMPLE_TRACES if t in whole]
    html_part = message.get_body(("html",)).get_content()
    doc = lxml_html.fromstring(html_part)
    assert SAM["NAME"].upper() in doc.text_content().upper()
    text_part = message.get_body(("plain",)).get_content()
    assert f"subscribed to {SAM['NAME']}'s newsletter at {SAM['SITEURL']}" in " ".join(text_part.split())
    assert SAM["ADDRESS"] in text_part
    record = load_record(clone / "send-record.json")
    assert list(record["posts"]) == [OWN_UUID]

    again = run_module(clone, "scripts.publish")
    assert again.returncode == 0 and "No new posts to send." in again.stdout
    assert len(list((clone / "outbox").glob("*.eml"))) == 1


# --- Bad or missing answers ----------------------------------------------------------------------
def test_missing_answers_without_a_terminal_exit_2_naming_each(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    before = tree_digest(clone)
    result = run_init(clone, "--name", "Sam Rivera")
    assert result.returncode == 2
    first_line = result.stderr.splitlines()[0]
    named = first_line.removeprefix("make init: ").split(" are missing")[0]
    # Every missing one, and only those: the sample's time zone is a real one (a default).
    assert named == "HEADLINE, EMAIL, SITEURL, ADDRESS and LINKEDIN"
    assert "give them as make variables" in first_line
    assert "Nothing was changed." in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(clone) == before


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("EMAIL", "sam@localhost", "EMAIL='sam@localhost' has no domain (localhost after the @)"),
        ("EMAIL", "sam.rivera.dev", "EMAIL='sam.rivera.dev' is not an email address: write it as name@domain"),
        ("SITEURL", "http://sam-rivera.dev", "SITEURL='http://sam-rivera.dev' is not an absolute https:// URL"),
        ("SITEURL", "sam-rivera.dev", "SITEURL='sam-rivera.dev' is not an absolute https:// URL"),
        ("TIMEZONE", "Mars/Olympus_Mons", "TIMEZONE='Mars/Olympus_Mons' is not an IANA time zone: use Area/City"),
        ("TIMEZONE", "../../etc/passwd", "TIMEZONE='../../etc/passwd' is not an IANA time zone"),
        ("LINKEDIN", "https://example.com/in/sam", "LINKEDIN='https://example.com/in/sam' is not a LinkedIn address"),
        ("LINKEDIN", "http://www.linkedin.com/in/sam", "is not an absolute https:// URL"),
        ("NAME", "Alex Morgan", "NAME='Alex Morgan' is the sample's: give your own"),
        ("SITEURL", "https://your-name.example", "is the sample's"),
        ("NAME", "Sam\nRivera", "NAME: use one line of text"),
    ],
)
def test_bad_answers_exit_2_with_one_line_naming_the_fix(tmp_path, var, value, message):
    clone = fresh_clone(tmp_path / "clone")
    before = tree_digest(clone)
    result = run_init(clone, *init_args({**SAM, var: value}))
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "Nothing was changed." in result.stderr
    assert tree_digest(clone) == before


def test_make_init_takes_make_variables_with_quotes_and_ignores_exported_ones(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    stamp = tmp_path / "venv-stamp"
    stamp.touch()  # newer than requirements.txt: make does not rebuild a venv
    make = ["make", "-s", "-C", str(clone), "init", f"PY={sys.executable}", f"STAMP={stamp}"]
    tricky = "Sam \"the Pen\" O'Rivera `date` ; rm -rf x"
    answers = {**SAM, "NAME": tricky}
    # An EMAIL exported by the shell (git, mutt …) is not an answer to make init.
    env = env_without_secrets(EMAIL="someone.else@example.org")
    cmdline = [f"{k}={v}" for k, v in answers.items() if k != "EMAIL"]
    refused = subprocess.run([*make, *cmdline], env=env, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.startswith("make init: EMAIL is missing")
    done = subprocess.run([*make, *cmdline, f"EMAIL={SAM['EMAIL']}"], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conf = settings_of(clone)
    assert conf["SITENAME"] == tricky and conf["AUTHOR_PROFILE"]["EMAIL"] == SAM["EMAIL"]


# --- A second run, on a site the writer has customised --------------------------------------------
def test_a_second_run_changes_only_what_it_is_asked(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    assert run_init(clone, *init_args(SAM)).returncode == 0
    conf = clone / "pelicanconf.py"
    text = conf.read_text(encoding="utf-8")
    text = text.replace('SITENAME = AUTHOR_PROFILE["NAME"]', 'SITENAME = "Sam’s design notes"  # my own')
    text = text.replace('"LINKS": [],', '"LINKS": [("Dribbble", "https://dribbble.com/samrivera")],')
    text += '\n# My own settings\nDEFAULT_PAGINATION = 5\n'
    conf.write_text(text, encoding="utf-8")
    (clone / "content" / "posts" / "first-design-review.md").write_text(OWN_POST, encoding="utf-8")
    about = clone / "content" / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nI also teach.\n", encoding="utf-8")
    record = clone / "send-record.json"
    record.write_text(json.dumps({"version": 1, "posts": {OWN_UUID: {
        "status": "sent", "at": "2026-11-28T10:00:00+00:00", "backend": "outbox"}}}), encoding="utf-8")
    before = tree_digest(clone)
    image = clone / "content" / "images" / "social-default.png"

    result = run_init(clone, "--siteurl", "https://design.sam-rivera.dev/")
    assert result.returncode == 0, result.stderr
    after = tree_digest(clone)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    # The image shows the site's address, so it is drawn again; nothing else moves.
    assert changed == ["content/images/social-default.png", "publishconf.py"]
    assert settings_of(clone)["SITEURL"] == "https://design.sam-rivera.dev"
    assert conf.read_text(encoding="utf-8") == text
    with Image.open(image) as drawn:
        assert drawn.size == (1200, 630)

    renamed = run_init(clone, "--name", "Sam R. Rivera")
    assert renamed.returncode == 0, renamed.stderr
    conf_after = settings_of(clone)
    assert conf_after["AUTHOR_PROFILE"]["NAME"] == conf_after["AUTHOR"] == "Sam R. Rivera"
    assert conf_after["SITENAME"] == "Sam’s design notes"  # set apart by the writer: kept
    assert "SITENAME stays 'Sam’s design notes'" in renamed.stdout
    assert conf_after["AUTHOR_PROFILE"]["LINKS"] == [("Dribbble", "https://dribbble.com/samrivera")]
    assert conf_after["DEFAULT_PAGINATION"] == 5
    assert about.read_text(encoding="utf-8").endswith("I also teach.\n")  # edited: not regenerated
    assert json.loads(record.read_text(encoding="utf-8"))["posts"].keys() == {OWN_UUID}

    nothing = run_init(clone)
    assert nothing.returncode == 0 and "nothing to change" in nothing.stdout


def test_a_second_run_on_a_site_without_linkedin_keeps_it_without(tmp_path):
    """An earlier `LINKEDIN=-` leaves the setting empty; a later run that changes
    something else must take that as the writer's answer, not refuse it."""
    clone = fresh_clone(tmp_path / "clone")
    assert run_init(clone, *init_args({**SAM, "LINKEDIN": "-"})).returncode == 0
    assert settings_of(clone)["AUTHOR_PROFILE"]["LINKEDIN_URL"] == ""
    again = run_init(clone, "--headline", "Product designer, research and careers")
    assert again.returncode == 0, again.stdout + again.stderr
    profile = settings_of(clone)["AUTHOR_PROFILE"]
    assert (profile["HEADLINE"], profile["LINKEDIN_URL"]) == ("Product designer, research and careers", "")


def test_files_it_did_not_ship_are_never_deleted(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    posts = clone / "content" / "posts"
    edited = posts / "interview-follow-up.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Most interview advice", "My advice"), encoding="utf-8")
    own_image = clone / "content" / "images" / "network-map.png"
    own_image.write_bytes(b"\x89PNG my own picture")
    (posts / "mine.md").write_text(OWN_POST, encoding="utf-8")
    record = json.loads((clone / "send-record.json").read_text(encoding="utf-8"))
    record["posts"][OWN_UUID] = {"status": "sent", "at": "2026-11-28T10:00:00+00:00", "backend": "outbox"}
    (clone / "send-record.json").write_text(json.dumps(record), encoding="utf-8")

    result = run_init(clone, *init_args(SAM))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in posts.glob("*.md")) == ["interview-follow-up.md", "mine.md"]
    assert "content/posts/interview-follow-up.md is a sample post you have edited" in result.stdout
    assert own_image.read_bytes() == b"\x89PNG my own picture"
    assert not (clone / "content" / "images" / "network-map.svg").exists()  # the shipped one
    kept = load_record(clone / "send-record.json")["posts"]
    assert set(kept) == {OWN_UUID}  # the sample's entries went with their posts
    assert "starter draft" not in result.stdout  # the writer has posts: no starter


def test_a_settings_value_it_cannot_edit_stops_before_any_write(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    conf = clone / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + '\nTIMEZONE = "Europe/" + "London"\n', encoding="utf-8")
    before = tree_digest(clone)
    result = run_init(clone, *init_args(SAM))
    assert result.returncode == 1
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("pelicanconf.py:")][0]
    assert "TIMEZONE is computed" in line and "set it to \"Europe/Lisbon\" by hand" in line
    assert tree_digest(clone) == before


def test_on_a_terminal_it_asks_with_current_values_as_defaults_and_re_asks_bad_answers(tmp_path):
    import os

    clone = fresh_clone(tmp_path / "clone")
    typed = [
        SAM["NAME"], SAM["HEADLINE"],
        "sam@localhost", SAM["EMAIL"],  # refused, then asked again
        SAM["SITEURL"],
        "",  # Enter: keep the current time zone
        SAM["ADDRESS"], SAM["LINKEDIN"],
    ]
    master, slave = os.openpty()  # a real terminal on stdin
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.init"], cwd=clone, stdin=slave,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_without_secrets(), text=True,
        )
        os.close(slave)
        os.write(master, ("\n".join(typed) + "\n").encode("utf-8"))
        out, err = process.communicate(timeout=120)
    finally:
        os.close(master)
    assert process.returncode == 0, err
    assert "Your name: " in out  # the sample's name is no default
    assert "Time zone (Area/City) [Europe/London]: " in out
    assert "EMAIL='sam@localhost' has no domain" in out
    conf = settings_of(clone)
    assert conf["AUTHOR_PROFILE"]["EMAIL"] == SAM["EMAIL"] and conf["TIMEZONE"] == "Europe/London"
    assert conf["SITENAME"] == SAM["NAME"]


def test_a_profile_the_newsletter_settings_refuse_is_what_init_fixes(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    conf = clone / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8").replace('"alex@your-name.example"', '""'), encoding="utf-8")
    result = run_init(clone, *init_args(SAM))
    assert result.returncode == 0, result.stderr
    assert settings_of(clone)["AUTHOR_PROFILE"]["EMAIL"] == SAM["EMAIL"]
    assert load_record(clone / "send-record.json") == {"version": 1, "posts": {}}


def test_a_second_run_does_not_bring_back_what_the_writer_deleted(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    assert run_init(clone, *init_args(SAM)).returncode == 0
    (clone / "content" / "pages" / "about.md").unlink()
    (clone / "content" / "posts" / "what-i-will-write-about-here.md").unlink()
    result = run_init(clone, "--headline", "Design lead · writing about teams")
    assert result.returncode == 0, result.stderr
    assert not (clone / "content" / "pages" / "about.md").exists()
    assert list((clone / "content" / "posts").glob("*.md")) == []
    assert settings_of(clone)["AUTHOR_PROFILE"]["HEADLINE"] == "Design lead · writing about teams"


def test_a_site_built_as_the_sample_before_init_keeps_nothing_of_it(tmp_path):
    """A writer who tried `make html` / `make publish DRY_RUN=1` on the sample first:
    the build caches and output/ of the sample must not leak into their site."""
    clone = fresh_clone(tmp_path / "clone")
    assert run_module(clone, "scripts.build", "-s", "pelicanconf.py").returncode == 0
    assert run_module(clone, "scripts.publish", "--dry-run").returncode == 0
    assert traces_in(clone / "output") != []  # the sample's build, with its author
    assert run_init(clone, *init_args(SAM)).returncode == 0
    assert run_module(clone, "scripts.build", "-s", "pelicanconf.py").returncode == 0
    assert traces_in(clone / "output") == []
    published = run_module(clone, "scripts.publish")
    assert published.returncode == 0 and "No new posts to send." in published.stdout
    assert traces_in(clone / "output") == [] and traces_in(clone / "build") == []
    assert not list((clone / "outbox").glob("*.eml"))


def test_the_samples_message_from_the_readmes_first_publish_goes_with_the_sample(tmp_path):
    """The README's first command, `make publish` on the sample, writes the sample's newest
    post to outbox/; make init removes that message (and no other file)."""
    clone = fresh_clone(tmp_path / "clone")
    first = run_module(clone, "scripts.publish")
    assert first.returncode == 0, first.stdout + first.stderr
    (sample_eml,) = (clone / "outbox").glob("*.eml")
    mine = clone / "outbox" / "2026-12-01-my-own-test.eml"
    mine.write_bytes(b"Subject: mine\n\nkept\n")
    result = run_init(clone, *init_args(SAM))
    assert result.returncode == 0, result.stderr
    assert "removed the sample's 1 message(s) from outbox/" in result.stdout
    assert not sample_eml.exists() and mine.read_bytes() == b"Subject: mine\n\nkept\n"


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("SITEURL", "https://sam-rivera.dev/", "https://sam-rivera.dev"),
        ("SITEURL", "https://sam.github.io/blog/", "https://sam.github.io/blog"),
        ("SITEURL", "https://[broken", ValueError),
        ("SITEURL", "https://sam.dev:99999", ValueError),
        ("SITEURL", "https://user@sam.dev", ValueError),
        ("SITEURL", "https://localhost", ValueError),
        ("LINKEDIN", "-", ""),
        ("LINKEDIN", "", ""),
        ("LINKEDIN", "  None ", ""),
        ("LINKEDIN", "https://linkedin.com.evil.example/in/sam", ValueError),
        ("EMAIL", "  sam@sam-rivera.dev ", "sam@sam-rivera.dev"),
        ("EMAIL", "Sam <sam@sam-rivera.dev>", ValueError),
        ("EMAIL", "sam@@sam-rivera.dev", ValueError),
        ("EMAIL", "sam@sam-rivera.", ValueError),
        ("TIMEZONE", "America/New_York", "America/New_York"),
        ("TIMEZONE", "/etc/localtime", ValueError),
        ("HEADLINE", "  Designer   ·  writer ", "Designer · writer"),
        ("ADDRESS", "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia", ValueError),
    ],
)
def test_validate_normalises_or_refuses(var, value, expected):
    from scripts.init import validate

    if expected is ValueError:
        with pytest.raises(ValueError, match=rf"^{var}\b"):
            validate(var, value)
    else:
        assert validate(var, value) == expected
