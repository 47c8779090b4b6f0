"""Hostile posts (tests/data/hostile_site) through `publish`: the outbox .eml (parsed
with `email`) and the HTML the real mailchimp-marketing client sends to the fake
Mailchimp carry nothing executable, our template survives (merge tags, layout),
and the text part is structured text with only safe, absolute links."""

from __future__ import annotations

import re

import lxml.html
import pytest

from tests.conftest import build_site
from tests.kit.hostile_html import (
    FIXTURE,
    LAST_PARAGRAPH,
    ONLY_TAG,
    PAYLOADS,
    REST,
    STRUCTURE,
    SUMMARY_PAYLOAD,
    executable_parts,
)
from tests.kit.publish_project import clear_mailchimp_env, make_project, use_fake_mailchimp

SENT = (PAYLOADS, SUMMARY_PAYLOAD)
# The payload post's `<img src=x …>` are broken images, so link_checks keeps it out of
# the newsletter (named in the output); its edition still reaches the writer through a
# test send, which is how these tests see what the backends would carry.
MAILED = (SUMMARY_PAYLOAD,)


def _check_html_edition(html: str) -> lxml.html.HtmlElement:
    assert executable_parts(html, whole_document=True) == [], html[:500]
    doc = lxml.html.document_fromstring(html)
    # Our template is intact around the sanitized post.
    assert doc.find_class("container") and doc.find_class("footer")
    assert doc.find_class("content")
    return doc


def _urls_in_text(text: str) -> list[str]:
    # A bare address in brackets ("straight to me (ada@example.com).") is text, not a link.
    found = re.findall(r"\((\S+?)\)(?=[\s.,;]|$)", text, re.M)
    return [url for url in found if not re.fullmatch(r"[^\s:/()]+@[^\s:/()]+", url)]


def _check_text_part(text: str) -> None:
    low = text.lower()
    for needle in ("script:", "data:", "__pwned", "<script", "<!--", "-->", "pelican_end_summary"):
        assert needle not in low, needle
    for url in _urls_in_text(text):
        assert url.startswith(("https://", "mailto:")), url


@pytest.fixture
def outbox_project(tmp_path, monkeypatch):
    clear_mailchimp_env(monkeypatch)
    project = make_project(tmp_path, content=FIXTURE, record=[STRUCTURE, ONLY_TAG, REST])
    result = project.publish()
    assert result.code == 1, result.text  # the summary post is sent; the payload post waits
    assert "broken link(s) or image(s)" in result.err and "payloads.md" in result.err
    test = project.publish("--test-send", "me@example.org", "--post", PAYLOADS)
    assert test.code == 0, test.text
    return project


def test_outbox_messages_carry_nothing_executable(outbox_project):
    mailed = outbox_project.messages()
    by_id = {m["Message-ID"].strip("<>").partition("@")[0]: m for m in mailed}
    assert set(by_id) == set(MAILED)
    (test,) = outbox_project.messages(tests=True)
    assert test["Subject"].startswith("[TEST]")
    by_id[PAYLOADS] = test
    for uuid, msg in by_id.items():
        html = msg.get_body(preferencelist=("html",)).get_content()
        text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        doc = _check_html_edition(html)
        _check_text_part(text)
        if uuid == PAYLOADS:
            content = doc.find_class("content")[0].text_content()
            assert LAST_PARAGRAPH in content and LAST_PARAGRAPH in text
            # Embeds became links to what they show (or to the post).
            hrefs = [a.get("href") for a in doc.iter("a")]
            assert "https://www.youtube.com/embed/abc123" in hrefs
            # link_checks turned the blocked iframe into a link to it when the post was read.
            assert "www.youtube.com (https://www.youtube.com/embed/abc123)" in text
            # The javascript: link keeps its words and loses its target.
            assert "A markdown javascript link and a tab-obfuscated link." in text
        else:
            assert "A summary with" in text and "Read the rest on the web" in text


def test_mailchimp_receives_clean_html_with_its_merge_tags(tmp_path, monkeypatch, fake_mailchimp):
    use_fake_mailchimp(monkeypatch, fake_mailchimp)
    project = make_project(tmp_path, content=FIXTURE, record=[STRUCTURE, ONLY_TAG, REST])
    project.configure_own_identity()
    result = project.publish()
    assert result.code == 1, result.text  # the summary post is sent; the payload post waits
    test = project.publish("--test-send", "me@example.org", "--post", PAYLOADS)
    assert test.code == 0, test.text
    titles = {uuid: f"connected:{uuid}" for uuid in MAILED}
    titles[PAYLOADS] = f"connected-test:{PAYLOADS}"
    for uuid in SENT:
        (campaign,) = fake_mailchimp.campaigns_titled(titles[uuid], include_deleted=True)
        html = campaign.content["html"]
        _check_html_edition(html)
        # The template's merge tags are ours and are never sanitized away.
        assert "*|UNSUB|*" in html and "*|LIST:ADDRESSLINE|*" in html
        _check_text_part(campaign.content.get("plain_text", ""))
    # And the edition files the build wrote are those bytes' source.
    editions = project.path / "build" / "editions"
    for uuid in SENT:
        _check_html_edition((editions / uuid / "mailchimp.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """A production build of the fixture: every post's edition is rendered."""
    tmp = tmp_path_factory.mktemp("hostile_editions")
    build_site(tmp, FIXTURE)
    return tmp / "build" / "editions"


def _blocks(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if b.strip()]


def test_text_part_structure_markdown_post(editions):
    text = (editions / STRUCTURE / "email.txt").read_text("utf-8")
    _check_text_part(text)
    blocks = _blocks(text)
    # Headings stand alone as blocks (h2 underlined), never run into paragraphs.
    assert "A second-level heading\n----------------------" in blocks
    assert "A third-level heading" in blocks
    assert "Second paragraph." in blocks
    # Lists: one item per line, "- " and "1. ".
    bullets = next(b for b in blocks if b.startswith("- first item"))
    assert bullets.splitlines() == [
        "- first item",
        "- second item with a link (https://example.org/page)",
        "- third item",
    ]
    assert "1. step one\n2. step two" in blocks
    # Code keeps its lines; brackets in it are text.
    assert "def f():\n    return [1, [2, [3]]]" in text
    assert '[sourcecode language="python"]\nx = [[1, 2], [3, 4]]\n[/sourcecode]' in text
    # Reference-style links resolved to their absolute URL; relative ones made absolute.
    first = " ".join(
        blocks[blocks.index(next(b for b in blocks if b.startswith("The first"))) :][0].split()
    )
    assert "Requests & Responses (https://example.org/requests-and-responses)" in first
    assert "a relative link (https://your-name.example/2026/payloads/?ref=newsletter)" in first
    assert "Wide chart (https://your-name.example/images/wide.png)" in first
    assert "Left | Centre | Right\na | b | c" in text
    assert "> A quoted line." in blocks


def test_text_part_structure_rest_post(editions):
    text = (editions / REST / "email.txt").read_text("utf-8")
    blocks = _blocks(text)
    assert "First section\n-------------" in blocks
    assert "Second section\n--------------" in blocks
    assert "A paragraph in the first section." in blocks
    assert "line one\n    line two, indented\nline three" in blocks
