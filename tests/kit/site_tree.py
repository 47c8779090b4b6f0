"""A built site as a comparable value: what "byte-identical to a plain build" compares."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lxml import etree


def manifest(directory: Path) -> dict[str, str]:
    """relative path -> sha256 of every file; sitemap.xml without its <lastmod>
    stamps (pelican-sitemap writes the build time into index-like entries)."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        rel = path.relative_to(directory).as_posix()
        if rel == "sitemap.xml":
            root = etree.fromstring(data)
            for stamp in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}lastmod"):
                stamp.getparent().remove(stamp)
            data = etree.tostring(root)
        files[rel] = hashlib.sha256(data).hexdigest()
    return files
