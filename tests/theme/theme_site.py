"""Helpers for the theme tests: parse built pages and look things up in them."""

import json
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html

SITEURL = "https://your-name.example"
HOST = urlsplit(SITEURL).netloc


def parse(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def meta(doc, *, name: str | None = None, prop: str | None = None) -> str | None:
    if name:
        found = doc.xpath("//head/meta[@name=$n]/@content", n=name)
    else:
        found = doc.xpath("//head/meta[@property=$p]/@content", p=prop)
    assert len(found) <= 1, f"duplicate meta {name or prop}"
    return found[0] if found else None


def canonical(doc) -> str | None:
    found = doc.xpath("//head/link[@rel='canonical']/@href")
    assert len(found) <= 1
    return found[0] if found else None


def json_ld(doc) -> list[dict]:
    return [json.loads(s.text) for s in doc.xpath("//script[@type='application/ld+json']")]


def url_to_file(output: Path, url: str) -> Path:
    """The file a same-site absolute URL is served from."""
    parts = urlsplit(url)
    assert parts.netloc == HOST, url
    path = parts.path.lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return output / path


def article_files(output: Path) -> list[Path]:
    """Built article pages (ARTICLE_SAVE_AS = {date:%Y}/{slug}/index.html)."""
    return sorted(p for p in output.glob("[0-9][0-9][0-9][0-9]/*/index.html"))
