"""Markdown table alignment becomes align-* classes the CSS defines (the CSP
refuses style=), on the page and in the email editions (css-inline)."""

from __future__ import annotations

import markdown
import pytest
from lxml import html as lxml_html

from connected.table_align import TableAlignExtension
from tests.conftest import ROOT, build_site
from tests.kit.hostile_html import FIXTURE, STRUCTURE

TABLE = "| L | C | R | N |\n|:--|:-:|--:|---|\n| a | b | c | d |\n"


def _cells(html: str):
    doc = lxml_html.fragment_fromstring(html, create_parent="div")
    return [
        (el.tag, el.get("class"), el.get("style"), el.get("align")) for el in doc.iter("th", "td")
    ]


@pytest.mark.parametrize("use_align_attribute", [False, True])
def test_alignment_becomes_a_class(use_align_attribute):
    md = markdown.Markdown(
        extensions=["markdown.extensions.tables", TableAlignExtension()],
        extension_configs={
            "markdown.extensions.tables": {"use_align_attribute": use_align_attribute}
        },
    )
    cells = _cells(md.convert(TABLE))
    assert [c[1] for c in cells] == ["align-left", "align-center", "align-right", None] * 2
    assert all(c[2] is None and c[3] is None for c in cells)


def test_without_the_extension_alignment_is_a_style_attribute():
    # What the extension exists for (and proof the test above can fail).
    cells = _cells(markdown.markdown(TABLE, extensions=["markdown.extensions.tables"]))
    assert cells[0][2] == "text-align: left;"


def test_site_css_defines_exactly_the_three_classes():
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    for align in ("left", "center", "right"):
        assert f".prose .align-{align} {{ text-align: {align}; }}" in css
    email_css = (ROOT / "theme" / "templates" / "email" / "email.css").read_text(encoding="utf-8")
    for align in ("left", "center", "right"):
        assert f".content .align-{align} {{ text-align: {align}; }}" in email_css


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("table_align")
    output = build_site(tmp, FIXTURE)
    return output, tmp / "build" / "editions"


def test_page_table_uses_classes_and_no_inline_style(built):
    output, _ = built
    doc = lxml_html.parse(str(output / "2026" / "structure" / "index.html")).getroot()
    cells = doc.xpath("//main//table//th | //main//table//td")
    assert [c.get("class") for c in cells] == ["align-left", "align-center", "align-right"] * 2
    assert all(c.get("style") is None for c in cells)
    assert doc.xpath("//link[@rel='stylesheet' and contains(@href, 'site.css')]")


def test_email_table_keeps_its_alignment_inlined(built):
    _, editions = built
    doc = lxml_html.parse(str(editions / STRUCTURE / "mailchimp.html")).getroot()
    cells = doc.xpath("//*[contains(@class, 'content')]//table//td")
    aligns = [(c.get("class"), c.get("style") or "") for c in cells]
    for (cls, style), expected in zip(aligns, ("left", "center", "right"), strict=True):
        assert cls == f"align-{expected}"
        assert f"text-align: {expected}" in style, style
