"""The email edition: masthead (photo or monogram), signature, "Forwarded
this? Subscribe", one-sentence reply line, Outlook for Windows handled the
standard way (MSO 600px wrapper, bulletproof button), dark mode kept. What each
mail client lacks, per caniemail, is tests/theme/test_email_support.py."""

import json
import re

import lxml.html

from tests.conftest import build_site


def _editions(site) -> list[tuple[dict, str]]:
    manifest = json.loads((site.editions / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for post in manifest["posts"]:
        if post.get("files"):
            html = (site.editions / post["files"]["outbox_html"]).read_text(encoding="utf-8")
            out.append((post, html))
    assert out
    return out


def test_masthead_with_photo(face_site):
    for _post, html in _editions(face_site):
        doc = lxml.html.document_fromstring(html)
        (img,) = doc.xpath("//td[@class='masthead-photo']//img")
        assert img.get("src").startswith(face_site.base_url + "/images/profile/photo-")
        assert img.get("src").endswith(".jpg")  # no WebP in email
        assert (img.get("width"), img.get("height")) == ("64", "64")
        assert (face_site.output / img.get("src").removeprefix(face_site.base_url + "/")).is_file()
        assert doc.xpath("//p[@class='masthead-name']")[0].text_content() == "Alex Morgan"
        assert not doc.xpath("//td[@class='masthead-monogram']")


def test_masthead_monogram_signature_forwarded_and_reply(plain_site):
    for post, html in _editions(plain_site):
        doc = lxml.html.document_fromstring(html)
        (mono,) = doc.xpath("//td[@class='masthead-monogram']")
        assert mono.text_content().strip() == "AM" and mono.get("bgcolor")
        assert doc.xpath("//p[@class='signature']")[0].text_content() == "— Alex Morgan"
        (forwarded,) = doc.xpath("//td[@class='forwarded']//a")
        assert forwarded.get("href") == plain_site.base_url + "/subscribe/"
        assert "Forwarded this?" in forwarded.getparent().text_content()
        # The reply invitation is one sentence with the address inside it.
        (reply,) = doc.xpath("//p[@class='reply']")
        text = reply.text_content()
        assert text.startswith("Reply to this email") and text.endswith(").") and text.count(". ") == 0
        assert reply.xpath("a/@href")[0].startswith("mailto:")
        assert (plain_site.output / "subscribe" / "index.html").is_file()
        text_part = (plain_site.editions / post["files"]["text"]).read_text(encoding="utf-8")
        assert "Forwarded this? Subscribe to get the next one: " + plain_site.base_url + "/subscribe/" in text_part
        assert "— Alex Morgan" in text_part


def test_outlook_wrapper_and_bulletproof_button(tmp_path):
    build_site(tmp_path, "email_site", overrides={"NEWSLETTER": {"MODE": "excerpt"}})
    editions = tmp_path / "build" / "editions"
    manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    for post in [p for p in manifest["posts"] if p.get("files")]:
        html = (editions / post["files"]["outbox_html"]).read_text(encoding="utf-8")
        opening = re.search(r"<!--\[if mso\]><table [^>]*width=\"600\"[^>]*><tr><td[^>]*><!\[endif\]-->", html)
        assert opening, post["slug"]
        assert "<!--[if mso]></td></tr></table><![endif]-->" in html[opening.end():]
        doc = lxml.html.document_fromstring(html)
        container = doc.xpath("//table[contains(@class, 'container')]")[0]
        assert container.get("width") == "100%" and "max-width: 600px" in container.get("style")
        # Bulletproof button: a padded cell with a bgcolor attribute around the link.
        (cell,) = doc.xpath("//td[contains(@class, 'button-cell')]")
        assert cell.get("bgcolor") and "padding" in cell.get("style")
        # The edition's links into the site carry the newsletter marker (make stats).
        assert cell.xpath("a/@href") == [post["url"] + "?ref=newsletter"]
        assert "prefers-color-scheme: dark" in html
