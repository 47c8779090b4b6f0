"""Fixtures for the theme tests: real builds of the shipped sample, with and
without the writer's photo, served on 127.0.0.1 for Chromium.

`face_site` adds a generated photo (AUTHOR_PROFILE["PHOTO"]), a CV PDF, a
location and a Mailchimp signup form; `plain_site` is the sample as shipped
(no photo: the initials monogram; no form: feeds and an email link).
"""

import contextlib
import functools
import http.server
import io
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import browser  # noqa: F401 - Chromium, module-scoped, for the browser tests
from tests.browser.site_pages import SIGNUP_FORM
from tests.conftest import SAMPLE_CONTENT, build_site

PHOTO_PATH = "images/writer-photo.jpg"
CV_PATH = "files/cv.pdf"
LOCATION = "Springfield, Freedonia · open to remote"
FACE_PROFILE = {"PHOTO": PHOTO_PATH, "CV": CV_PATH, "LOCATION": LOCATION}


def make_photo(width: int = 640, height: int = 800) -> bytes:
    """A seeded, photo-like JPEG (gradient and shapes), portrait, not square."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            pixels[x, y] = (40 + x * 150 // width, 90 + y * 120 // height, 160 - x * 60 // width)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.25, height * 0.18, width * 0.75, height * 0.58), fill=(233, 190, 160))
    draw.rectangle((width * 0.15, height * 0.62, width * 0.85, height), fill=(30, 50, 80))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@dataclass
class ThemeSite:
    root: Path  # the build's tmp dir (content/, output/, build/editions/, cache/)
    output: Path
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def editions(self) -> Path:
        return self.root / "build" / "editions"


def prepare_content(tmp: Path, *, photo: bool) -> Path:
    content = tmp / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    if photo:
        (content / PHOTO_PATH).write_bytes(make_photo())
        (content / CV_PATH).parent.mkdir(parents=True, exist_ok=True)
        (content / CV_PATH).write_bytes(MINIMAL_PDF)
    return content


@contextlib.contextmanager
def serve_build(tmp: Path, overrides: dict, *, photo: bool):
    (tmp / "output").mkdir()
    handler = functools.partial(_QuietHandler, directory=str(tmp / "output"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    content = prepare_content(tmp, photo=photo)
    from pelican.plugins.sitemap import sitemap

    # pelican-sitemap keeps module-global state that another build may leave behind.
    sitemap.generator._main_pelican = None
    sitemap.generator.page_queue = []
    output = build_site(tmp, content=content, overrides={"SITEURL": base_url, **overrides})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield ThemeSite(root=tmp, output=output, base_url=base_url)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def face_site(tmp_path_factory):
    overrides = {"AUTHOR_PROFILE": FACE_PROFILE, "SUBSCRIBE": SIGNUP_FORM}
    with serve_build(tmp_path_factory.mktemp("theme-face"), overrides, photo=True) as site:
        yield site


@pytest.fixture(scope="session")
def plain_site(tmp_path_factory):
    with serve_build(tmp_path_factory.mktemp("theme-plain"), {}, photo=False) as site:
        yield site
