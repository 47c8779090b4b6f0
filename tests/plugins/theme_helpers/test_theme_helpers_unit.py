"""Pure helpers of plugins/theme_helpers."""


import pytest

from connected.urls import url_on_site
from plugins.theme_helpers import helpers
from tests.conftest import ROOT, SAMPLE_CONTENT


def test_uri_quote_encodes_everything_reserved():
    assert helpers.uri_quote('Re: <a> & "b"/c') == "Re%3A%20%3Ca%3E%20%26%20%22b%22%2Fc"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        (
            "https://x.us21.list-manage.com/subscribe/post?u=1&id=2",
            "https://x.us21.list-manage.com",
        ),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000"),
        ("", ""),
        ("/relative/path", ""),
    ],
)
def test_url_origin(url, origin):
    assert helpers.url_origin(url) == origin


def test_absolute_url():
    assert url_on_site("https://a.example/", "/2026/x/") == "https://a.example/2026/x/"
    assert url_on_site("https://a.example", "") == "https://a.example/"
    assert url_on_site("https://a.example", "https://b.example/y") == "https://b.example/y"


def test_honeypot_name():
    form = "https://x.list-manage.com/subscribe/post?u=aa11&id=bb22"
    assert helpers.honeypot_name({"FORM_URL": form}) == "b_aa11_bb22"
    assert helpers.honeypot_name({"FORM_URL": form, "HONEYPOT_NAME": "b_set"}) == "b_set"


def test_reading_minutes():
    assert helpers.reading_minutes("") == 1
    assert helpers.reading_minutes("<p>" + "word " * 460 + "</p>") == 2
    assert helpers.reading_minutes("<p>" + "<b>w</b> " * 1150 + "</p>") == 5


def test_image_size(tmp_path):
    data = ROOT / "tests" / "data" / "theme_hostile" / "images"
    assert helpers.image_size(data / "card.png") == (1000, 500)
    assert helpers.image_size(SAMPLE_CONTENT / "images" / "network-map.svg") == (800, 450)
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a" + (7).to_bytes(2, "little") + (3).to_bytes(2, "little") + b"\0" * 8)
    assert helpers.image_size(gif) == (7, 3)
    other = tmp_path / "x.bin"
    other.write_bytes(b"nothing")
    assert helpers.image_size(other) is None


def test_social_image_falls_back_to_default(tmp_path):
    (tmp_path / "images").mkdir()
    src = ROOT / "tests" / "data" / "theme_hostile" / "images" / "card.png"
    (tmp_path / "images" / "d.png").write_bytes(src.read_bytes())
    settings = {
        "PATH": str(tmp_path),
        "SITEURL": "https://s.example",
        "AUTHOR_PROFILE": {"DEFAULT_IMAGE": "images/d.png"},
    }
    assert helpers.social_image(None, settings) == {
        "url": "https://s.example/images/d.png",
        "width": 1000,
        "height": 500,
    }
    assert (
        helpers.social_image("{static}/images/d.png", settings)["url"]
        == "https://s.example/images/d.png"
    )
    assert helpers.social_image("images/missing.png", settings) == {}


def test_robots_txt_without_siteurl_drops_the_sitemap_line(tmp_path):
    (tmp_path / "robots.txt").write_text(
        "User-agent: *\nAllow: /\nSitemap: {SITEURL}/sitemap.xml\n"
    )

    class FakePelican:
        output_path = str(tmp_path)
        settings = {"SITEURL": ""}

    helpers.fill_robots_txt(FakePelican())
    assert (tmp_path / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"
