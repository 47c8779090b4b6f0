"""plugins/fast_build's BlockLevelTags: Markdown.block_level_elements with its answers
kept, which must stay the stock is_block_level's answers as the list changes."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import markdown

from plugins.fast_build.parallel_markdown import BlockLevelTags

TAGS = ["div", "DIV", "p/", "P", "span", "Span", "hr/", "details", "summary", "x-custom", "", "/", "math",
        ET.Comment, ET.ProcessingInstruction, None, 3]  # fmt: skip


def _stock(md: markdown.Markdown, tag) -> bool:
    return markdown.Markdown.is_block_level(md, tag)


def test_answers_are_the_stock_methods_as_the_list_changes():
    md = markdown.Markdown(extensions=["extra", "toc"])
    BlockLevelTags.adopt(md)
    assert isinstance(md.block_level_elements, BlockLevelTags)
    rng = random.Random(3)
    changes = [
        lambda tags: tags.append("span"),
        lambda tags: tags.extend(["x-custom", "summary"]),
        lambda tags: tags.insert(0, "math"),
        lambda tags: "span" in tags and tags.remove("span"),
        lambda tags: tags and tags.pop(),
        lambda tags: tags.__setitem__(0, "details"),
        lambda tags: tags.__delitem__(slice(0, 2)),
        lambda tags: tags.__iadd__(["hr"]),
    ]
    for _ in range(300):
        for tag in rng.sample(TAGS, 6):
            assert md.is_block_level(tag) == _stock(md, tag), tag
        rng.choice(changes)(md.block_level_elements)
    md.block_level_elements.clear()
    assert not any(md.is_block_level(tag) for tag in TAGS)


def test_answers_asked_while_the_list_changes_are_not_kept():
    """An extension may extend the list from a generator that asks is_block_level."""
    md, stock = markdown.Markdown(), markdown.Markdown()
    BlockLevelTags.adopt(md)
    for each in (md, stock):
        each.is_block_level("x-a")
        each.block_level_elements.extend(t for t in ["x-a", "x-a"] if not each.is_block_level(t))
        each.block_level_elements[len(each.block_level_elements):] = (
            t for t in ["x-b"] if each.is_block_level(t) is False)
    assert list(md.block_level_elements) == stock.block_level_elements
    assert [md.is_block_level(t) for t in ("x-a", "x-b")] == [True, True]


def test_a_list_put_in_its_place_later_is_the_one_asked():
    md = markdown.Markdown()
    BlockLevelTags.adopt(md)
    assert not md.is_block_level("x-c")
    md.block_level_elements = md.block_level_elements + ["x-c"]
    assert md.is_block_level("x-c") and not md.is_block_level("x-d")


def test_the_converted_html_is_the_same():
    text = "<div>\nraw *block*\n</div>\n\n<details markdown=\"1\">\n*in*\n</details>\n\n# T\n\nA <span>b</span>\n"
    plain = markdown.Markdown(extensions=["extra", "toc"])
    adopted = markdown.Markdown(extensions=["extra", "toc"])
    BlockLevelTags.adopt(adopted)
    assert adopted.convert(text) == plain.convert(text)
