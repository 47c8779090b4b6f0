"""Screenshots of the sample site for the README: docs/screenshots/*.png.

    .venv/bin/python -m scripts.screenshots [--out docs/screenshots] [--content content]

Builds the site with publishconf.py into a temporary directory (SITEURL set to
a local server, newsletter files kept in the temporary directory too), serves
it on 127.0.0.1, and takes full-page screenshots of the home page and the
newest article at 375 px and 1280 px with Debian's chromium. Needs what
`make test-setup` installs.
"""

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (375, 1280)


class ScreenshotError(Exception):
    """The site could not be built or shot; the message says why."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


def build(tmp: Path, siteurl: str, content: Path) -> Path:
    from pelican import Pelican
    from pelican.settings import read_settings

    output = tmp / "output"
    settings = read_settings(
        str(ROOT / "publishconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(tmp / "cache"),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "SITEURL": siteurl,
        },
    )
    # Keep the newsletter's editions and records out of the working tree.
    newsletter = dict(settings.get("NEWSLETTER", {}))
    newsletter.update(
        EDITIONS_PATH=str(tmp / "editions"),
        RECORD_PATH=str(tmp / "send-record.json"),
        OUTBOX_PATH=str(tmp / "outbox"),
    )
    settings["NEWSLETTER"] = newsletter
    Pelican(settings).run()
    return output


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content directory")
    args = parser.parse_args(argv)
    try:
        if not CHROMIUM.exists():
            raise ScreenshotError(f"{CHROMIUM} is missing: run `make test-setup`")
        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="connected-shots-") as tmp:
            tmp_path = Path(tmp)
            (tmp_path / "output").mkdir()
            handler = functools.partial(_QuietHandler, directory=str(tmp_path / "output"))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            base_url = f"http://127.0.0.1:{server.server_address[1]}"
            output = build(tmp_path, base_url, args.content.resolve())
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                written = shoot(
                    base_url, {"index": "/", "article": newest_article(output)}, args.out
                )
            finally:
                server.shutdown()
                server.server_close()
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
