"""The writer's face: AUTHOR_PROFILE["PHOTO"] resized at build time and shown in
the home hero, the byline, the About header, JSON-LD and the email; the
initials monogram without it; the About page's recruiter header and CV link."""

import json
import shutil
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html
from PIL import Image

from tests.conftest import build_site
from tests.theme.conftest import CV_PATH, LOCATION, PHOTO_PATH, prepare_content


def _doc(site, rel):
    return lxml_html.parse(str(site.output / rel)).getroot()


def _article(site):
    return sorted(site.output.glob("[0-9][0-9][0-9][0-9]/*/index.html"))[0].relative_to(site.output)


def _local(site, url):
    return site.output / urlsplit(url).path.lstrip("/")


def _check_picture(site, picture, size):
    """A <picture>: a WebP source (1x, 2x) and a JPEG <img> with width/height, all files real."""
    (source,) = picture.xpath(".//source")
    assert source.get("type") == "image/webp"
    webp = [c.split()[0] for c in source.get("srcset").split(",")]
    (img,) = picture.xpath(".//img")  # lxml nests it in the void <source>
    assert (img.get("width"), img.get("height")) == (str(size), str(size))
    fallbacks = [img.get("src")] + [c.split()[0] for c in img.get("srcset").split(",")]
    for url, fmt in [(u, "WEBP") for u in webp] + [(u, "JPEG") for u in fallbacks]:
        with Image.open(_local(site, url)) as image:
            assert image.format == fmt, url
            assert image.size[0] == image.size[1] >= size, url  # square, at least the CSS size


@pytest.mark.parametrize(
    ("where", "xpath", "size"),
    [
        ("home hero", "//section[@class='intro']//picture", 96),
        ("byline", "//div[@class='byline']/picture", 48),
        ("about header", "//header[@class='about-header']/picture", 128),
        ("subscribe page", "//header[@class='subscribe-header']/picture", 96),
    ],
)
def test_photo_is_shown_resized(face_site, where, xpath, size):
    pages = {
        "home hero": "index.html",
        "byline": _article(face_site),
        "about header": "about/index.html",
        "subscribe page": "subscribe/index.html",
    }
    (picture,) = _doc(face_site, pages[where]).xpath(xpath)
    _check_picture(face_site, picture, size)
    assert not _doc(face_site, pages[where]).xpath("//*[contains(@class, 'monogram')]")


def test_byline_has_name_headline_and_date(face_site, plain_site):
    for site in (face_site, plain_site):
        doc = _doc(site, _article(site))
        (byline,) = doc.xpath("//div[@class='byline']")
        assert byline.xpath(".//a[@rel='author']")[0].text_content() == "Alex Morgan"
        assert "Engineering manager" in byline.xpath(".//*[@class='byline-headline']")[0].text_content()
        # The date line follows the byline directly.
        following = byline.getnext()
        assert following.get("class") == "post-meta" and following.xpath("time/@datetime")


def test_monogram_without_a_photo(plain_site):
    for rel in ("index.html", _article(plain_site), "about/index.html"):
        doc = _doc(plain_site, rel)
        assert not doc.xpath("//picture"), rel
        monograms = doc.xpath("//span[contains(@class, 'monogram')]")
        assert monograms and all(m.text_content() == "AM" for m in monograms), rel
        assert all(m.get("aria-hidden") == "true" and m.get("style") is None for m in monograms)
    assert not (plain_site.output / "images" / "profile").exists()


def test_json_ld_person_image(face_site, plain_site):
    def person(site):
        doc = _doc(site, _article(site))
        return json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)["author"]

    image = person(face_site)["image"]
    assert image.startswith(face_site.base_url + "/images/profile/")
    with Image.open(_local(face_site, image)) as photo:
        assert photo.size == (256, 256)
    assert "image" not in person(plain_site)


def test_about_page_is_for_recruiters(face_site):
    doc = _doc(face_site, "about/index.html")
    (header,) = doc.xpath("//header[@class='about-header']")
    # Everything a recruiter looks for comes before the prose.
    assert header.xpath(".//h1")[0].text_content() == "Alex Morgan"
    assert "Engineering manager" in header.xpath(".//*[@class='about-headline']")[0].text_content()
    assert LOCATION in header.xpath(".//*[@class='about-location']")[0].text_content()
    links = {a.text_content().strip(): a.get("href") for a in header.xpath(".//a")}
    assert links["Email me"].startswith("mailto:")
    assert "linkedin.com" in links["LinkedIn"]
    cv = links["Download CV (PDF)"]
    assert cv.endswith("/" + CV_PATH) and _local(face_site, cv).read_bytes().startswith(b"%PDF-")
    prose = doc.xpath("//div[@class='prose']")[0]
    assert header.getparent() is prose.getparent()
    assert list(header.getparent()).index(header) < list(prose.getparent()).index(prose)


def test_photo_files_are_cached_by_their_bytes(tmp_path):
    content = prepare_content(tmp_path, photo=True)
    overrides = {"AUTHOR_PROFILE": {"PHOTO": PHOTO_PATH}, "SITEURL": "https://example.org"}
    build_site(tmp_path, content=content, overrides=overrides)
    cache = tmp_path / "cache" / "social_cards"
    first = {p.name: p.stat().st_mtime_ns for p in cache.glob("photo-*")}
    assert len(first) == 8  # four sizes, WebP and JPEG
    shutil.rmtree(tmp_path / "output")
    output = build_site(tmp_path, content=content, overrides=overrides)
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("photo-*")} == first
    assert sorted(p.name for p in (output / "images" / "profile").iterdir()) == sorted(first)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"PHOTO": "images/nope.jpg"}, 'AUTHOR_PROFILE["PHOTO"] = \'images/nope.jpg\': no such file'),
        ({"PHOTO": "../../etc/passwd"}, "leaves the content folder"),
        ({"PHOTO": "extra/robots.txt"}, "is not a JPEG, PNG or WebP image"),
        ({"CV": "extra/robots.txt"}, "is not a PDF"),
    ],
)
def test_bad_photo_or_cv_stops_the_build_naming_the_setting(tmp_path, profile, message):
    content = prepare_content(tmp_path, photo=False)
    with pytest.raises(Exception) as caught:
        build_site(tmp_path, content=content, overrides={"AUTHOR_PROFILE": profile})
    assert message in str(caught.value)
    assert "social_cards: " in str(caught.value) and "\n" not in str(caught.value)


def test_a_new_photo_reaches_every_page_in_an_incremental_build(tmp_path):
    """`make html` twice (fast_build's incremental writer): a replaced photo shows up."""
    from scripts.build import main as build_main
    from tests.kit.publish_project import make_project
    from tests.theme.conftest import make_photo

    project = make_project(tmp_path)
    photo = project.path / "content" / PHOTO_PATH
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(make_photo())
    project.configure(pelican=f'AUTHOR_PROFILE["PHOTO"] = {PHOTO_PATH!r}')

    def hero_src():
        assert build_main(["-s", str(project.path / "pelicanconf.py")]) == 0
        doc = lxml_html.parse(str(project.path / "output" / "index.html")).getroot()
        return doc.xpath("//section[@class='intro']//img/@src")[0]

    first = hero_src()
    photo.write_bytes(make_photo(500, 500))
    second = hero_src()
    assert first != second
    assert (project.path / "output" / second.lstrip("/")).is_file()
    assert not (project.path / "output" / first.lstrip("/")).exists()  # the old one is gone
