"""Helpers for the feed tests: build the fixture site, find and parse its feeds,
and walk every URL-valued attribute of the HTML carried inside them."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from tests.conftest import build_site

SITE = "https://your-name.example"
FIXTURE = "feeds_site"
SCHEMA = Path(__file__).with_name("jsonfeed-1.1.schema.json")

ATOM_NS = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM_NS}}}"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

# The fixture's posts, by Uuid (hostile.md has none: its id is derived from its path).
FIRST = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
OLDER = "0f0e0d0c-0b0a-4909-8807-060504030201"
DRAFT = "11111111-2222-4333-8444-555555555555"
FUTURE = "22222222-3333-4444-8555-666666666666"
HIDDEN = "33333333-4444-4555-8666-777777777777"
HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" \U0001f389'

EXPECTED_FILES = {
    "feeds/all.atom.xml",
    "feeds/all.rss.xml",
    "feeds/all.json",
    "feeds/category/careers.atom.xml",
    "feeds/category/careers.rss.xml",
    "feeds/category/writing.atom.xml",
    "feeds/category/writing.rss.xml",
    # LinkedIn and newsletter tag one post each: below SITE_FEEDS["TAG_MIN_POSTS"] (2).
    "feeds/tag/networking.atom.xml",
    "feeds/tag/networking.rss.xml",
}

URL_ATTRS = {"href", "src", "poster", "action", "formaction", "cite", "background", "data"}
SRCSET_ATTRS = {"srcset", "imagesrcset"}


def build(tmp_path: Path, content=FIXTURE, settings_file="publishconf.py", **overrides) -> Path:
    return build_site(tmp_path, content, settings_file=settings_file, overrides=overrides or None)


def feed_files(output: Path) -> dict[str, Path]:
    root = output / "feeds"
    return {p.relative_to(output).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def atom_files(output: Path) -> list[Path]:
    return [p for rel, p in feed_files(output).items() if rel.endswith(".atom.xml")]


def rss_files(output: Path) -> list[Path]:
    return [p for rel, p in feed_files(output).items() if rel.endswith(".rss.xml")]


def xml(path: Path):
    # No entity expansion and no network: the parser a strict reader would use.
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    return lxml.etree.parse(str(path), parser).getroot()


def load_json(output: Path) -> dict:
    return json.loads((output / "feeds" / "all.json").read_text(encoding="utf-8"))


def srcset_urls(value: str) -> list[str]:
    """Candidate URLs of a srcset (URLs here never contain commas)."""
    return [c.split()[0] for c in value.split(",") if c.strip()]


def html_urls(html: str):
    """Yield (tag, attribute, url) for every URL-valued attribute in an HTML fragment."""
    if not html.strip():
        return
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            name = name.lower()
            if name in SRCSET_ATTRS:
                for url in srcset_urls(value):
                    yield el.tag, name, url
            elif name in URL_ATTRS and not (name == "data" and el.tag != "object"):
                yield el.tag, name, value


def is_exempt(url: str) -> bool:
    """URLs that are meant to stay as written (see connected/urls.py)."""
    return url.startswith(("mailto:", "tel:", "data:", "#")) or (
        url.startswith("*|") and url.endswith("|*")
    )


def is_absolute_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def entry_html_fragments(output: Path):
    """Yield (feed path, html) for every piece of HTML carried in any feed."""
    for path in atom_files(output):
        for el in xml(path).iter(A + "content", A + "summary"):
            if el.get("type") == "html" and el.text:
                yield path, el.text
    for path in rss_files(output):
        for el in xml(path).iter("description", f"{{{CONTENT_NS}}}encoded"):
            if el.text and el.getparent().tag == "item":
                yield path, el.text
    for item in load_json(output)["items"]:
        yield output / "feeds/all.json", item.get("content_html", "")
