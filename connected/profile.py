"""The writer's profile photo: which resized files the theme and the email use.

`AUTHOR_PROFILE["PHOTO"]` (optional) names an image inside content/, e.g.
"images/me.jpg". `photo_plan(settings)` says, without resizing anything, which
square variants the build writes (WebP plus a PNG or JPEG fallback per size)
and where; the file names carry a digest of the photo's bytes, so a new photo
gets new URLs (no stale cached face) and an unchanged one costs nothing.
plugins/social_cards writes the files; the theme and the email edition only
read the plan. `resize_variant` is the pure Pillow step.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from connected.errors import SettingsError
from connected.files import path_inside

# Square edge lengths in pixels: 2× the CSS sizes of the byline (48), the home
# hero and the email masthead (64/96) and the About header (128).
PHOTO_SIZES = (96, 128, 192, 256)
OUTPUT_DIR = "images/profile"
RESIZE_VERSION = "1"


class ProfileError(SettingsError):
    """AUTHOR_PROFILE["PHOTO"] or ["CV"] cannot be used; the message names the fix."""


@dataclass(frozen=True)
class PhotoVariant:
    size: int
    webp: str  # site-relative path, e.g. images/profile/photo-1a2b3c4d-192.webp
    fallback: str  # …-192.jpg or .png (email clients and old browsers)


@dataclass(frozen=True)
class PhotoPlan:
    source: Path
    digest: str
    fallback_format: str  # "JPEG" or "PNG"
    variants: tuple[PhotoVariant, ...]

    def variant(self, at_least: int) -> PhotoVariant:
        """The smallest variant at least `at_least` pixels wide (else the largest)."""
        for variant in self.variants:
            if variant.size >= at_least:
                return variant
        return self.variants[-1]


def _content_file(settings: dict, key: str, value: str) -> Path:
    base = Path(settings["PATH"]).resolve()
    rel = str(value).removeprefix("{static}").lstrip("/")
    try:
        path = path_inside(base, rel)
    except ValueError:
        raise ProfileError(
            f'AUTHOR_PROFILE["{key}"] = {value!r} leaves the content folder: '
            "give a path inside content/, e.g. images/me.jpg"
        ) from None
    if not path.is_file():
        raise ProfileError(
            f'AUTHOR_PROFILE["{key}"] = {value!r}: no such file {path}: '
            f"put the file there or fix the path (relative to {settings['PATH']})"
        )
    return path


def photo_plan(settings: dict) -> PhotoPlan | None:
    """The photo's variants, or None without AUTHOR_PROFILE["PHOTO"]; raises ProfileError."""
    photo = (settings.get("AUTHOR_PROFILE") or {}).get("PHOTO")
    if not photo:
        return None
    source = _content_file(settings, "PHOTO", photo)
    data = source.read_bytes()
    kind = _image_format(data)
    if kind not in ("JPEG", "PNG", "WEBP"):
        raise ProfileError(
            f'AUTHOR_PROFILE["PHOTO"] = {photo!r} is not a JPEG, PNG or WebP image: '
            "export the photo as .jpg or .png"
        )
    digest = hashlib.sha256(RESIZE_VERSION.encode() + b"\0" + data).hexdigest()[:12]
    # A photograph stays JPEG; a PNG (maybe with transparency) stays PNG.
    fallback_format, ext = ("PNG", "png") if kind == "PNG" else ("JPEG", "jpg")
    variants = tuple(
        PhotoVariant(
            size=size,
            webp=f"{OUTPUT_DIR}/photo-{digest}-{size}.webp",
            fallback=f"{OUTPUT_DIR}/photo-{digest}-{size}.{ext}",
        )
        for size in PHOTO_SIZES
    )
    return PhotoPlan(source=source, digest=digest, fallback_format=fallback_format, variants=variants)


def cv_path(settings: dict) -> str | None:
    """Site-relative path of AUTHOR_PROFILE["CV"] (a PDF in content/), or None; raises ProfileError."""
    cv = (settings.get("AUTHOR_PROFILE") or {}).get("CV")
    if not cv:
        return None
    path = _content_file(settings, "CV", cv)
    if path.read_bytes()[:5] != b"%PDF-":
        raise ProfileError(f'AUTHOR_PROFILE["CV"] = {cv!r} is not a PDF: export your CV as PDF')
    return path.relative_to(Path(settings["PATH"]).resolve()).as_posix()


def _image_format(data: bytes) -> str | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:2] == b"\xff\xd8":
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def resize_variant(data: bytes, size: int, fmt: str) -> bytes:
    """The photo cropped to a centred square of `size` pixels, encoded as `fmt` (pure)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        keep_alpha = fmt in ("PNG", "WEBP") and image.mode in ("RGBA", "LA", "P")
        image = image.convert("RGBA" if keep_alpha else "RGB")
        square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "WEBP":
        square.save(out, format="WEBP", quality=82, method=4)
    elif fmt == "JPEG":
        square.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    else:
        square.save(out, format="PNG", optimize=True)
    return out.getvalue()
