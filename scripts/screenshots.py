"""Screenshots of the sample site for the README: docs/screenshots/*.png.

    .venv/bin/python -m scripts screenshots [--out docs/screenshots] [--content content] [--photo me.jpg]

Builds the site with publishconf.py into a temporary directory (SITEURL set to
a local server, newsletter files kept in the temporary directory too), serves
it on 127.0.0.1, and takes full-page screenshots at 375 px and 1280 px with
Debian's chromium of the home page, the newest article, the About page, the
subscribe page and the newest post's email edition. Then it builds again with
a profile photo (--photo, or a drawn placeholder portrait when the settings
have none) and a placeholder Mailchimp signup form (so the home hero and subscribe page show
the form) and shoots the same pages as *-photo-<width>.png. Needs what
`make test-setup` installs.
"""

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from connected.errors import ConnectedError

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (375, 1280)


class ScreenshotError(ConnectedError):
    """The site could not be built or shot; the message says why."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


def placeholder_portrait(size: int = 512) -> bytes:
    """A drawn, clearly-not-a-person portrait (JPEG) for the photo screenshots."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.3, size * 0.16, size * 0.7, size * 0.56), fill=(224, 172, 138))
    draw.pieslice((size * 0.12, size * 0.6, size * 0.88, size * 1.35), 180, 360, fill=(20, 89, 140))
    draw.chord((size * 0.28, size * 0.1, size * 0.72, size * 0.42), 180, 360, fill=(70, 50, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


# The *-photo set shows the full set-up a writer reaches after docs/getting-started.md: a photo
# and a Mailchimp signup form (this action URL is a placeholder; nothing is ever posted to it).
DEMO_SUBSCRIBE = {
    "FORM_URL": "https://example.us21.list-manage.com/subscribe/post?u=0123456789abcdef&id=fedcba9876",
    "HONEYPOT_NAME": "b_0123456789abcdef_fedcba9876",
}


def build(
    tmp: Path, siteurl: str, content: Path, profile: dict | None = None, subscribe: dict | None = None
) -> Path:
    from pelican import Pelican

    from connected.site_settings import load_settings
    from scripts.build import reset_pelican_state, scratch_overrides

    # Output, cache and the newsletter's editions and records stay in `tmp`, out of the working tree.
    overrides = {**scratch_overrides(tmp, content), "SITEURL": siteurl}
    output = Path(overrides["OUTPUT_PATH"])
    if profile:
        overrides["AUTHOR_PROFILE"] = profile
    if subscribe:
        overrides["SUBSCRIBE"] = subscribe
    settings = load_settings(ROOT, "publishconf.py", overrides)
    # Several builds in this process: each starts with the state a new `pelican` has.
    reset_pelican_state()
    Pelican(settings).run()
    return output


def email_page(tmp: Path, output: Path, article_path: str) -> str:
    """Copy the newest post's outbox edition into the served site; its URL path."""
    import shutil

    from connected.editions import read_manifest, rendered

    editions = tmp / "build" / "editions"
    manifest = read_manifest(editions)
    posts = rendered(manifest) if manifest else []
    if not posts:
        raise ScreenshotError("the build rendered no email edition")
    chosen = next((p for p in posts if p["url"].endswith(article_path)), posts[0])
    shutil.copyfile(editions / chosen["files"]["outbox_html"], output / "_email-preview.html")
    return "/_email-preview.html"


def newest_article(output: Path) -> str:
    """URL path of the newest non-syndicated article (by its <time datetime>)."""
    from lxml import html

    candidates = []
    for file in output.glob("[0-9][0-9][0-9][0-9]/*/index.html"):
        tree = html.parse(str(file))
        if tree.xpath("//*[contains(@class, 'post-syndicated')]"):
            continue
        dates = tree.xpath("//main//time/@datetime")
        candidates.append((dates[0] if dates else "", file))
    if not candidates:
        raise ScreenshotError("the build produced no article pages")
    newest = max(candidates)[1]
    return f"/{newest.parent.relative_to(output).as_posix()}/"


def shoot(base_url: str, shots: dict[str, str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        for name, path in shots.items():
            for width in WIDTHS:
                context = browser.new_context(
                    viewport={"width": width, "height": 800}, device_scale_factor=1
                )
                page = context.new_page()
                page.goto(base_url + path, wait_until="load")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                context.close()
        browser.close()
    return written


def shoot_site(
    content: Path, out: Path, suffix: str, profile: dict | None, photo: bytes | None, subscribe: dict | None = None
) -> list[Path]:
    """Build `content` (with `photo` copied in as AUTHOR_PROFILE["PHOTO"], and `subscribe` as
    SUBSCRIBE) and shoot its pages."""
    import shutil

    with tempfile.TemporaryDirectory(prefix="connected-shots-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "output").mkdir()
        if photo is not None:
            shutil.copytree(content, tmp_path / "content")
            content = tmp_path / "content"
            (content / "images").mkdir(exist_ok=True)
            (content / "images" / "screenshot-photo.jpg").write_bytes(photo)
            profile = {**(profile or {}), "PHOTO": "images/screenshot-photo.jpg"}
        handler = functools.partial(_QuietHandler, directory=str(tmp_path / "output"))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        output = build(tmp_path, base_url, content.resolve(), profile, subscribe)
        article = newest_article(output)
        shots = {"index": "/", "article": article}
        if (output / "about" / "index.html").is_file():
            shots["about"] = "/about/"
        if (output / "subscribe" / "index.html").is_file():
            shots["subscribe"] = "/subscribe/"
        shots["email"] = email_page(tmp_path, output, article)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            return shoot(base_url, {f"{name}{suffix}": path for name, path in shots.items()}, out)
        finally:
            server.shutdown()
            server.server_close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content directory")
    parser.add_argument("--photo", type=Path, help="a photo for the *-photo shots (default: a drawn placeholder)")
    args = parser.parse_args(argv)
    try:
        if not CHROMIUM.exists():
            raise ScreenshotError(f"{CHROMIUM} is missing: run `make test-setup`")
        args.out.mkdir(parents=True, exist_ok=True)
        content = args.content.resolve()
        # As configured (the sample has no photo: the initials monogram; no signup form: the
        # feed and email links), then with a photo and a signup form.
        written = shoot_site(content, args.out, "", None, None)
        photo = args.photo.read_bytes() if args.photo else placeholder_portrait()
        written += shoot_site(content, args.out, "-photo", None, photo, DEMO_SUBSCRIBE)
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
