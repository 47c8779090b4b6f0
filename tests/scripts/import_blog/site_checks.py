"""Checks on a built output tree: pages by URL, internal links, ids (lxml, feedparser)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html

SITEURL = "https://your-name.example"  # publishconf.py of the project copy


def html_pages(output: Path) -> list[Path]:
    return [p for p in sorted(output.rglob("*.html")) if "drafts" not in p.relative_to(output).parts]


def page_url(output: Path, path: Path) -> str:
    rel = path.relative_to(output).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return SITEURL + "/" + rel


def output_file(output: Path, url: str) -> Path | None:
    """The file in `output` an absolute site URL names, or None when it is another site's."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != SITEURL:
        return None
    path = unquote(parts.path).lstrip("/")
    target = output / path
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def broken_links(output: Path) -> list[str]:
    """Every internal href/src in every page that names no file of the output."""
    broken = []
    for page in html_pages(output):
        doc = lxml.html.parse(str(page)).getroot()
        base = page_url(output, page)
        for element, attr in [(e, "href") for e in doc.iter("a", "link")] + [(e, "src") for e in doc.iter("img", "script")]:
            value = element.get(attr)
            if not value or value.startswith(("#", "mailto:")):
                continue
            url = urljoin(base, value)
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            target = output_file(output, url.split("#", 1)[0])
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(output)}: {attr}={value}")
    return broken


def duplicate_ids(page: Path) -> list[str]:
    doc = lxml.html.parse(str(page)).getroot()
    ids = [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]
    return sorted({i for i in ids if ids.count(i) > 1})


def post_pages(output: Path) -> dict[str, Path]:
    """Title (text of h1.post-title) → page, for every article page."""
    found = {}
    for page in html_pages(output):
        doc = lxml.html.parse(str(page)).getroot()
        if doc.find(".//article[@class='post']") is None:
            continue
        h1 = doc.find(".//h1[@class='post-title']")
        if h1 is not None:
            found[h1.text_content()] = page
    return found
