"""Each post's own link-preview card: a 1200×630 PNG drawn at build time,
named in og:image, twitter:image and JSON-LD, cached by its inputs."""

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html
from PIL import Image

from tests.conftest import build_site


def _article_files(output: Path) -> list[Path]:
    return sorted(output.glob("[0-9][0-9][0-9][0-9]/*/index.html"))


def _preview(file: Path) -> dict:
    doc = lxml_html.parse(str(file))
    head = doc.getroot().head
    ld = json.loads(head.xpath("//script[@type='application/ld+json']")[0].text)
    return {
        "og": head.xpath("meta[@property='og:image']/@content")[0],
        "width": head.xpath("meta[@property='og:image:width']/@content")[0],
        "height": head.xpath("meta[@property='og:image:height']/@content")[0],
        "twitter": head.xpath("meta[@name='twitter:image']/@content")[0],
        "ld": ld.get("image", {}).get("url"),
        "title": doc.xpath("//h1")[0].text_content(),
    }


def _local(output: Path, url: str) -> Path:
    return output / urlsplit(url).path.lstrip("/")


def test_every_post_has_its_own_1200x630_card(plain_site):
    files = _article_files(plain_site.output)
    assert len(files) >= 4
    seen = set()
    own_images = 0
    for file in files:
        preview = _preview(file)
        assert preview["og"] == preview["twitter"] == preview["ld"], file
        assert preview["og"].startswith(plain_site.base_url)
        if "/images/social/" not in preview["og"]:
            # The sample post with its own Image: keeps it (theme_helpers' size).
            own_images += 1
            assert "social-default" not in preview["og"]
            continue
        assert (preview["width"], preview["height"]) == ("1200", "630")
        card = _local(plain_site.output, preview["og"])
        with Image.open(card) as image:
            assert (image.format, image.size) == ("PNG", (1200, 630)), card
        seen.add(card.read_bytes())
    assert own_images <= 1
    assert len(seen) == len(files) - own_images >= 3, "two posts share one card"


def test_listing_pages_keep_the_default_image(plain_site):
    doc = lxml_html.parse(str(plain_site.output / "index.html"))
    (og,) = doc.xpath("//meta[@property='og:image']/@content")
    assert og.endswith("/images/social-default.png")


def test_a_post_with_its_own_image_keeps_it(tmp_path):
    output = build_site(tmp_path, "theme_hostile", overrides={"SITEURL": "https://example.org"})
    own = [f for f in _article_files(output) if "card.png" in _preview(f)["og"]]
    assert own, "theme_hostile's with-image post should keep its Image:"
    others = [f for f in _article_files(output) if f not in own]
    assert others and all("/images/social/" in _preview(f)["og"] for f in others)


def test_cards_are_cached_by_their_inputs(tmp_path, caplog):
    caplog.set_level("INFO", logger="social_cards")
    build_site(tmp_path, overrides={"SITEURL": "https://example.org"})
    cache = tmp_path / "cache" / "social_cards"
    first = {p.name: p.stat().st_mtime_ns for p in cache.glob("card-*.png")}
    assert first
    # A second build of the same content draws nothing: every card comes from the cache.
    caplog.clear()
    shutil.rmtree(tmp_path / "output")
    build_site(tmp_path, overrides={"SITEURL": "https://example.org"})
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("card-*.png")} == first
    assert any("(0 drawn" in r.getMessage() for r in caplog.records), caplog.text
    # A changed title is a new card, under a new URL (link-preview caches never show the old one).
    post = next((tmp_path / "content" / "posts").glob("interview-follow-up.md"))
    before = _preview(next(f for f in _article_files(tmp_path / "output") if f.parent.name == "interview-follow-up"))
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("Title: ", "Title: Updated: ", 1), encoding="utf-8")
    output = build_site(tmp_path, overrides={"SITEURL": "https://example.org"})
    after = _preview(next(f for f in _article_files(output) if f.parent.name == "interview-follow-up"))
    assert after["og"] != before["og"]
    assert _local(output, after["og"]).is_file()
    now = {p.name: p.stat().st_mtime_ns for p in cache.glob("card-*.png")}
    assert len(set(now) - set(first)) == 1  # one card drawn; the others untouched
    assert all(now[name] == mtime for name, mtime in first.items())


def test_smart_quotes_in_titles_and_bodies(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "good_minimal", content)
    (content / "posts" / "quotes.md").write_text(
        'Title: "Don\'t" -- a title with quotes\nDate: 2024-05-01 09:00\n'
        "Uuid: 0b5e1c3a-8d1e-4f7e-9a55-1c2d3e4f5a6b\n\n"
        'She said "it\'s fine" --- and it was...\n',
        encoding="utf-8",
    )
    output = build_site(tmp_path, content=content, overrides={"SITEURL": "https://example.org"})
    (page,) = [f for f in _article_files(output) if "quotes" in f.parent.name]
    doc = lxml_html.parse(str(page))
    # Titles stay as typed on the page, as in the feeds and the email subject.
    assert doc.xpath("//h1")[0].text_content() == '"Don\'t" -- a title with quotes'
    body = doc.xpath("//div[@class='prose']")[0].text_content()
    assert "\u201cit\u2019s fine\u201d \u2014 and it was\u2026" in body


def test_cards_drawn_in_the_worker_pool_are_those_drawn_here(tmp_path, monkeypatch):
    """A first build draws its cards on every core: each is the very card drawn in
    this process, world-readable (the site's copy is a hard link to it)."""
    from tests.conftest import pelican_plugin

    pelican_plugin("social_cards")
    import social_cards.build as cards_build
    from social_cards.cards import CardInputs

    from connected.social_image import render_post_card

    monkeypatch.setattr(cards_build, "MIN_PARALLEL_CARDS", 2)
    monkeypatch.setattr(cards_build.os, "cpu_count", lambda: 2)
    inputs = [CardInputs(title=f"Post number {n}: what I learned", name="Ada Writer", site="ada.example", photo_digest="")
              for n in range(5)]  # fmt: skip
    missing = {card.digest(): card for card in inputs}
    cards_build._draw_all(tmp_path, missing, None)
    for digest, card in missing.items():
        path = tmp_path / f"card-{digest}.png"
        assert path.read_bytes() == render_post_card(card.title, card.name, card.site, None)
        assert path.stat().st_mode & 0o777 == 0o644
        with Image.open(path) as image:
            assert image.size == (1200, 630) and image.mode == "P"


def test_a_development_build_draws_no_card(tmp_path, caplog):
    """Without an absolute SITEURL no link preview can fetch a card (og:image must
    be absolute): nothing is drawn, and posts name the default image as listings do."""
    caplog.set_level("INFO", logger="social_cards")
    output = build_site(tmp_path, settings_file="pelicanconf.py")
    assert not list((tmp_path / "cache" / "social_cards").glob("card-*.png"))
    assert not (output / "images" / "social").exists()
    images = [_preview(file)["og"] for file in _article_files(output)]
    assert not [og for og in images if "/images/social/" in og], images
    assert sum(og.endswith("/images/social-default.png") for og in images) >= 3, images
    assert any("no cards in a build without an absolute SITEURL" in r.getMessage() for r in caplog.records)
