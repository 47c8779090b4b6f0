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


def test_the_converted_html_is_the_same():
    text = "<div>\nraw *block*\n</div>\n\n<details markdown=\"1\">\n*in*\n</details>\n\n# T\n\nA <span>b</span>\n"
    plain = markdown.Markdown(extensions=["extra", "toc"])
    adopted = markdown.Markdown(extensions=["extra", "toc"])
    BlockLevelTags.adopt(adopted)
    assert adopted.convert(text) == plain.convert(text)
