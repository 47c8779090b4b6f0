"""Link-preview images (1200×630 PNG), drawn with Pillow: the one owner of the drawing.

Two cards share the layout, fonts and colours here:
- `render(name, headline, site)`: the default image (AUTHOR_PROFILE["DEFAULT_IMAGE"])
  that `make init` draws (scripts/social_image.py is its command line);
- `render_post_card(title, name, site, photo)`: one post's own card, which
  plugins/social_cards draws at build time for every post without an `Image:`.

Both are deterministic (same inputs, same bytes), which is what lets the build
cache a card by its inputs. The PNG carries a text chunk saying it was generated
here: a later `make init` redraws an image it made, and never one the writer put
in its place. Bump CARD_VERSION whenever the drawing changes, so cached cards
are redrawn.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

WIDTH, HEIGHT = 1200, 630
MARGIN = 88
MARKER_KEY = "Software"
MARKER_VALUE = "Connected make init (scripts/social_image.py)"
CARD_MARKER_VALUE = "Connected post card (connected/social_image.py)"
CARD_VERSION = "2"  # 2: the fixed blend palette
# The theme's colours (theme/static/css/site.css: --accent-strong, a warm accent).
BACKGROUND = (20, 44, 72)
ACCENT = (242, 176, 67)
TEXT = (255, 255, 255)
MUTED = (196, 210, 226)
LINE_HEIGHT = 1.2

# Debian's fonts-dejavu-core (installed with fontconfig on most systems); looked up
# through fontconfig first, then at its usual place, then Pillow's bundled font.
FONT_QUERIES = {"bold": "DejaVu Sans:bold", "regular": "DejaVu Sans"}
FONT_FILES = {
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "regular": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


@lru_cache(maxsize=4)
def _font_file(weight: str) -> str | None:
    # Cached: a build draws one card per post, and fc-match is a process each.
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


def _fit_block(draw, text: str, weight: str, sizes: range, width: int, height: int, max_lines: int):
    """The largest font in `sizes` whose wrapping of `text` fits `width` × `height`."""
    font = None
    allowed = max_lines
    for size in sizes:
        font = _font(weight, size)
        allowed = max(1, min(max_lines, int(height // (size * LINE_HEIGHT))))
        lines = _wrap(draw, text, font, width, allowed + 1)
        if len(lines) <= allowed:
            return font, lines
    return font, _wrap(draw, text, font, width, allowed)


@lru_cache(maxsize=1)
def _blend_palette():
    """A palette image: BACKGROUND blended into TEXT and into ACCENT, 32 steps each
    (text and accent never touch; the initials are BACKGROUND on ACCENT)."""
    from PIL import Image

    def blend(start, end, steps: int = 32):
        return [tuple(round(a + (b - a) * k / (steps - 1)) for a, b in zip(start, end, strict=True)) for k in range(steps)]

    colours = blend(BACKGROUND, TEXT) + blend(BACKGROUND, ACCENT)[1:]
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for colour in colours for channel in colour])
    return palette


def _png(image, marker: str, *, flat: bool = False) -> bytes:
    """PNG bytes with our marker. `flat`: the image is our three colours and the
    anti-aliased edges between them only (no photo), stored as a palette image
    mapped onto those colours' blends: a cold build draws one card per post, and
    the RGB encoder's per-row filtering, then a general colour quantizer, were
    most of a card's CPU. Measured per card: RGB 30 ms, 48 KB; 64-colour octree
    25 ms, 18 KB; the fixed blend palette 15 ms, 17 KB, with no visible change."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(MARKER_KEY, marker)
    buffer = io.BytesIO()
    if flat:
        image = image.quantize(palette=_blend_palette(), dither=0)  # 0: Image.Dither.NONE
    # zlib's default level, not optimize=True (level 9 plus a filter search).
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


def render(name: str, headline: str, site: str) -> bytes:
    """The default image as PNG bytes (deterministic: same words, same bytes)."""
    from PIL import Image, ImageDraw

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
    return _png(image, MARKER_VALUE)


def initials(name: str) -> str:
    """Up to two initials of a name ("Alex Morgan" → "AM"; "Prince" → "P")."""
    words = [word for word in str(name or "").replace("-", " ").split() if word[:1].isalnum()]
    if not words:
        return "?"
    picked = [words[0], words[-1]] if len(words) > 1 else words[:1]
    return "".join(word[0] for word in picked).upper()


def _circle_photo(photo: bytes, size: int):
    """The photo cropped to a centred square, scaled to `size` and masked to a circle."""
    from PIL import Image, ImageDraw, ImageOps

    with Image.open(io.BytesIO(photo)) as source:
        source = ImageOps.exif_transpose(source).convert("RGB")
        square = ImageOps.fit(source, (size * 2, size * 2), Image.Resampling.LANCZOS)
    mask = Image.new("L", square.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, square.size[0] - 1, square.size[1] - 1), fill=255)
    # Drawn at twice the size and scaled down: a smooth edge without antialiasing support.
    square = square.resize((size, size), Image.Resampling.LANCZOS)
    mask = mask.resize((size, size), Image.Resampling.LANCZOS)
    return square, mask


def render_post_card(title: str, name: str, site: str, photo: bytes | None = None) -> bytes:
    """One post's preview card as PNG bytes: the title, the writer (photo or initials), the site."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    draw.rectangle((MARGIN, 96, MARGIN + 120, 106), fill=ACCENT)

    # The byline: a round photo (or an initials disc) beside the name and the site.
    disc = 96
    top = HEIGHT - MARGIN - disc
    # The title fills the space between the accent bar and the byline, never overlapping it.
    y = 140
    title_font, lines = _fit_block(
        draw, title or site, "bold", range(76, 33, -6), width, top - 36 - y, 5
    )
    for line in lines:
        draw.text((MARGIN, y), line, font=title_font, fill=TEXT)
        y += int(title_font.size * LINE_HEIGHT)

    if photo:
        square, mask = _circle_photo(photo, disc)
        image.paste(square, (MARGIN, top), mask)
    else:
        draw.ellipse((MARGIN, top, MARGIN + disc, top + disc), fill=ACCENT)
        letters = initials(name)
        font = _font("bold", 40)
        draw.text(
            (MARGIN + disc / 2, top + disc / 2), letters, font=font, fill=BACKGROUND, anchor="mm"
        )
    text_left = MARGIN + disc + 28
    name_font = _fit(draw, name, "bold", 38, 22, WIDTH - MARGIN - text_left)
    draw.text((text_left, top + 8), name, font=name_font, fill=TEXT)
    if site:
        site_font = _fit(draw, site, "regular", 30, 18, WIDTH - MARGIN - text_left)
        draw.text((text_left, top + 56), site, font=site_font, fill=ACCENT)
    return _png(image, CARD_MARKER_VALUE, flat=not photo)


def is_generated(path: Path) -> bool:
    """True when the PNG at `path` was drawn by `render` (its text chunk says so)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.info.get(MARKER_KEY) == MARKER_VALUE
    except (OSError, UnidentifiedImageError):
        return False
