"""The share kit: a LinkedIn-ready text per post, beside its edition."""

import json
import random
import string
from pathlib import Path

from plugins.newsletter.share import LINKEDIN_LIMIT, hashtag, hashtags, linkedin_text
from tests.conftest import build_site

ROOT = Path(__file__).resolve().parents[3]

URL = "https://example.org/2026/a-post/"


def test_hashtags_from_tags():
    assert hashtag("follow-up") == "#FollowUp"
    assert hashtag("career") == "#Career"
    assert hashtag("C++ & Rust") == "#CRust"
    assert hashtag("2026") == "" and hashtag("--") == ""
    assert hashtags(["career", "Career", "follow-up", "networking", "writing"]) == [
        "#Career", "#FollowUp", "#Networking",
    ]


def test_text_has_hook_link_and_tags():
    text = linkedin_text('Asking "nicely"', "A short summary that hooks.", URL, ["career", "referrals"])
    assert text.startswith("A short summary that hooks.")
    assert "New post: Asking \u201cnicely\u201d" in text
    assert URL in text.splitlines()
    assert text.splitlines()[-1] == "#Career #Referrals"


def test_text_stays_within_linkedins_limit_and_keeps_the_link():
    rng = random.Random(15)
    for _ in range(200):
        words = ["".join(rng.choices(string.ascii_letters, k=rng.randint(1, 30))) for _ in range(rng.randint(0, 900))]
        title = " ".join(words[: rng.randint(0, 40)])
        url = URL + "x" * rng.randint(0, 300)
        tags = [" ".join(words[i : i + 2]) for i in range(0, min(len(words), 10), 2)]
        text = linkedin_text(title, " ".join(words), url, tags)
        assert len(text) <= LINKEDIN_LIMIT
        assert url in text


def test_build_writes_linkedin_txt_beside_each_edition(tmp_path):
    build_site(tmp_path, "publish_site")
    editions = tmp_path / "build" / "editions"
    manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    posts = [p for p in manifest["posts"] if p.get("files")]
    assert posts
    for post in posts:
        text = (editions / post["uuid"] / "linkedin.txt").read_text(encoding="utf-8")
        assert post["url"] in text.splitlines() and len(text) <= LINKEDIN_LIMIT


def test_publish_prints_the_share_text_after_the_send(tmp_path, monkeypatch, capsys):
    from tests.kit.publish_project import NEWEST, clear_mailchimp_env, make_project

    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path)
    result = project.publish("--baseline", "all-but-newest")
    assert result.code == 0, result.text
    share = project.path / "build" / "editions" / NEWEST / "linkedin.txt"
    text = share.read_text(encoding="utf-8").strip()
    slug = json.loads((project.path / "build" / "editions" / "manifest.json").read_text())["posts"]
    slug = next(p["slug"] for p in slug if p["uuid"] == NEWEST)
    assert f"Share on LinkedIn (`make preview-email POST={slug}` prints it again):" in result.out
    assert text in result.out
    # Printed after the send line.
    assert result.out.index("Sent: ") < result.out.index("Share on LinkedIn")
    # A run that sends nothing prints no share kit.
    again = project.publish()
    assert "Share on LinkedIn" not in again.out
    # The command the message names prints it again, once the post is sent and its file gone.
    from scripts.preview_email import main

    assert not share.exists()
    capsys.readouterr()
    assert main(["--settings", str(project.path / "publishconf.py"), "--post", slug]) == 0
    assert text in capsys.readouterr().out


def test_preview_email_prints_the_share_text(tmp_path, capsys):
    from scripts.preview_email import main
    from tests.kit.publish_project import make_project

    project = make_project(tmp_path)
    code = main(["--settings", str(project.path / "pelicanconf.py")])
    assert code == 0
    out = capsys.readouterr().out
    assert "Share on LinkedIn:" in out
    shared = out.split("Share on LinkedIn:", 1)[1]
    assert "http://localhost:8000/" in shared and len(shared) <= LINKEDIN_LIMIT + 100
