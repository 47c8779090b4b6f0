"""Markdown extension: table column alignment as classes, not `style=` attributes.

Python-Markdown's tables extension writes `style="text-align: center;"` on each
cell of an aligned column. The site's Content-Security-Policy refuses inline
styles, so the alignment was lost on the page (and the sanitizer drops `style`
from feeds and email). This treeprocessor turns that declaration (or an
`align=` attribute, with the tables extension's `use_align_attribute`) into
one of the classes `align-left`, `align-center`, `align-right`, which
theme/static/css/site.css defines for pages and theme/templates/email/email.css
for the email editions (css-inline turns them into inline styles there).

Registered through pelicanconf.py's MARKDOWN setting:
    "connected.table_align": {}
"""

from __future__ import annotations

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

__all__ = ["TableAlignExtension", "makeExtension"]

ALIGNMENTS = ("left", "center", "right")


def _alignment(style: str) -> str | None:
    """"left"/"center"/"right" if `style` is exactly one text-align declaration."""
    declarations = [d for d in style.split(";") if d.strip()]
    if len(declarations) != 1:
        return None
    name, sep, value = declarations[0].partition(":")
    value = value.strip().lower()
    if sep and name.strip().lower() == "text-align" and value in ALIGNMENTS:
        return value
    return None


class TableAlignTreeprocessor(Treeprocessor):
    """Move a cell's text-align from `style`/`align` into an `align-*` class."""

    def run(self, root):
        for cell in root.iter():
            if cell.tag not in ("th", "td"):
                continue
            align = None
            style = cell.get("style")
            if style is not None:
                align = _alignment(style)
                if align:
                    del cell.attrib["style"]
            if align is None and (cell.get("align") or "").lower() in ALIGNMENTS:
                align = cell.attrib.pop("align").lower()
            if align:
                classes = (cell.get("class") or "").split()
                cell.set("class", " ".join([*classes, f"align-{align}"]))
        return None


class TableAlignExtension(Extension):
    """Table alignment as `align-left|center|right` classes (see the module docstring)."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # Priority 0: after every other treeprocessor, the tables are final.
        md.treeprocessors.register(TableAlignTreeprocessor(md), "connected_table_align", 0)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks for
    return TableAlignExtension(**kwargs)
