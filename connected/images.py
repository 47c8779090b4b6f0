"""Pixel size of PNG, GIF, JPEG (and SVG) files, read from their headers: the one image-size reader.

Email clients (Outlook above all) lay images out from their width/height
attributes, so every <img> in an edition needs them; the theme gives link-preview
images their size too. Reading a few header bytes is enough and needs no imaging library.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


# The width/height attributes of the root <svg> (one character class each: no backtracking).
_SVG_WIDTH = re.compile(r'<svg[^>]*\swidth="(\d+)')
_SVG_HEIGHT = re.compile(r'<svg[^>]*\sheight="(\d+)')


def image_size(path: Path, *, svg: bool = True) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG file, or None if unknown/unreadable.

    svg: also an .svg file's width="…" height="…" in pixels (the email leaves SVG
    unsized: mail clients do not show it, and a raster fallback is looked up instead).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(26)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
                return struct.unpack(">II", head[16:24])
            if head[:6] in (b"GIF87a", b"GIF89a"):
                return struct.unpack("<HH", head[6:10])
            if head.startswith(b"\xff\xd8"):
                handle.seek(2)
                return _jpeg_dimensions(handle)
            if svg and Path(path).suffix.lower() == ".svg":
                return _svg_size(head + handle.read(2000 - len(head)))
    except (OSError, struct.error):
        return None
    return None


def _svg_size(data: bytes) -> tuple[int, int] | None:
    head = data.decode("utf-8", "replace")
    width = _SVG_WIDTH.search(head)
    height = _SVG_HEIGHT.search(head)
    if width and height:
        return int(width.group(1)), int(height.group(1))
    return None


def _jpeg_dimensions(handle) -> tuple[int, int] | None:
    while True:
        byte = handle.read(1)
        while byte and byte != b"\xff":
            byte = handle.read(1)
        while byte == b"\xff":  # markers may be padded with extra 0xFF bytes
            byte = handle.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        if marker == 0xD9:
            return None
        (length,) = struct.unpack(">H", handle.read(2))
        if marker in _SOF_MARKERS:
            _precision, height, width = struct.unpack(">BHH", handle.read(5))
            return (width, height) if width and height else None
        handle.seek(length - 2, 1)
