"""The default link-preview image (AUTHOR_PROFILE["DEFAULT_IMAGE"]): 1200×630 PNG.

LinkedIn, Open Graph and Twitter cards show it for a post without its own
`Image:`. `make init` draws it with the writer's name, headline and site
address (Pillow), so no preview ever shows the sample's author. The PNG
carries a text chunk saying it was generated here: a later `make init` redraws
an image it made, and never one the writer put in its place.

    python -m scripts.social_image OUT.png --name "Sam Rivera" --headline "…" --site sam-rivera.dev
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
from pathlib import Path

WIDTH, HEIGHT = 1200, 630
MARGIN = 88
MARKER_KEY = "Software"
MARKER_VALUE = "Connected make init (scripts/social_image.py)"
BACKGROUND = (20, 44, 72)  # deep blue, as the theme's header
ACCENT = (242, 176, 67)
TEXT = (255, 255, 255)
MUTED = (196, 210, 226)

# Debian's fonts-dejavu-core (installed with fontconfig on most systems); looked up
# through fontconfig first, then at its usual place, then Pillow's bundled font.
FONT_QUERIES = {"bold": "DejaVu Sans:bold", "regular": "DejaVu Sans"}
FONT_FILES = {
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "regular": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


def _font_file(weight: str) -> str | None:
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run(
                [fc_match, "-f", "%{file}", FONT_QUERIES[weight]],
                capture_output=True, text=True, timeout=10, check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found.lower().endswith((".ttf", ".otf")) and Path(found).is_file():
            return found
    return FONT_FILES[weight] if Path(FONT_FILES[weight]).is_file() else None


def _font(weight: str, size: int):
    from PIL import ImageFont

    path = _font_file(weight)
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _fit(draw, text: str, weight: str, largest: int, smallest: int, width: int):
    """The largest font (down to `smallest`) in which `text` fits in `width` pixels."""
    size = largest
    while True:
        font = _font(weight, size)
        if draw.textlength(text, font=font) <= width or size <= smallest:
            return font
        size -= 4


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + " …", font=font) > width:
            lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else lines[-1][:-1]
        lines[-1] += " …"
    return lines


def render(name: str, headline: str, site: str) -> bytes:
    """The image as PNG bytes (deterministic: same words, same bytes)."""
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    draw.rectangle((MARGIN, 150, MARGIN + 120, 160), fill=ACCENT)

    name_font = _fit(draw, name, "bold", 96, 40, width)
    name_lines = _wrap(draw, name, name_font, width, 2)
    y = 196
    for line in name_lines:
        draw.text((MARGIN, y), line, font=name_font, fill=TEXT)
        y += int(name_font.size * 1.15)

    if headline:
        headline_font = _font("regular", 38)
        y += 18
        for line in _wrap(draw, headline, headline_font, width, 3):
            draw.text((MARGIN, y), line, font=headline_font, fill=MUTED)
            y += 50

    site_font = _fit(draw, site, "bold", 36, 20, width)
    draw.text((MARGIN, HEIGHT - MARGIN - site_font.size), site, font=site_font, fill=ACCENT)

    info = PngInfo()
    info.add_text(MARKER_KEY, MARKER_VALUE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, optimize=True)
    return buffer.getvalue()


def is_generated(path: Path) -> bool:
    """True when the PNG at `path` was drawn by `render` (its text chunk says so)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.info.get(MARKER_KEY) == MARKER_VALUE
    except (OSError, UnidentifiedImageError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.social_image", description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--headline", default="")
    parser.add_argument("--site", default="")
    args = parser.parse_args(argv)
    from connected.files import write_atomic

    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, render(args.name, args.headline, args.site), mode=0o644)
    print(f"Wrote {args.output} ({WIDTH}×{HEIGHT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
