"""A small checker of an email edition's CSS against Outlook for Windows.

Outlook 2007–2021 and Microsoft 365 for Windows render HTML with Word's engine,
which ignores the properties below (from caniemail.com's "outlook-windows"
entries). `outlook_findings(html)` lists every use of one in the inlined
style="" attributes and the <style> blocks, as (property, where) pairs;
`@media` counts as a property. tests/theme/test_email_outlook.py asserts that
each finding is one of COSMETIC (with the reason it does not matter) and none is
layout-critical.
"""

from __future__ import annotations

import lxml.html

# Properties Outlook for Windows does not support (or only in part).
OUTLOOK_UNSUPPORTED = {
    "border-radius",
    "max-width",
    "max-height",
    "min-width",
    "min-height",
    "position",
    "float",
    "background-image",
    "background-size",
    "box-shadow",
    "opacity",
    "overflow",
    "white-space",
    "object-fit",
    "transform",
    "text-shadow",
    "flex",
    "flex-direction",
    "flex-wrap",
    "gap",
    "grid-template-columns",
    "@media",
}
# display is supported except for the values a layout would need.
UNSUPPORTED_DISPLAY = {"flex", "inline-flex", "grid", "inline-grid"}

# What may remain, and why it is only cosmetic in Outlook for Windows.
COSMETIC = {
    ("border-radius", "td.card"): "the card's corners are square in Outlook",
    ("border-radius", "td.button-cell"): "the button's corners are square; it stays a padded, coloured, clickable cell",
    ("border-radius", "img.masthead-img"): "the photo is square instead of round",
    ("border-radius", "td.masthead-monogram"): "the initials sit in a square instead of a disc",
    ("border-radius", "pre"): "code blocks have square corners",
    ("max-width", "table.container"): "the MSO conditional 600px table holds the width in Outlook",
    ("max-width", "img"): "post images also carry width/height attributes capped to the 520px column",
    ("max-height", "div.preheader"): "the preheader is hidden in Outlook by mso-hide:all",
    ("overflow", "div.preheader"): "the preheader is hidden in Outlook by mso-hide:all",
    ("white-space", "pre"): "long code lines do not wrap in Outlook (pre keeps them on one line)",
    ("@media", "style"): "progressive: the phone layout and dark mode for clients that support them",
}


def _declarations(style: str):
    for part in style.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            yield name.strip().lower(), value.strip().lower()


def _where(element) -> str:
    classes = (element.get("class") or "").split()
    return element.tag + (f".{classes[0]}" if classes else "")


def outlook_findings(html: str) -> list[tuple[str, str]]:
    """(property, where) for every Outlook-unsupported property in the edition."""
    doc = lxml.html.document_fromstring(html)
    found: list[tuple[str, str]] = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "style":
            text = element.text or ""
            if "@media" in text:
                found.append(("@media", "style"))
            continue
        for name, value in _declarations(element.get("style") or ""):
            if name in OUTLOOK_UNSUPPORTED or (name == "display" and value in UNSUPPORTED_DISPLAY):
                found.append((name, _where(element)))
    return sorted(set(found))


def layout_critical(findings) -> list[tuple[str, str]]:
    """The findings that are not in COSMETIC."""
    return [finding for finding in findings if finding not in COSMETIC]
