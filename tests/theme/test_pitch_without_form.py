"""SUBSCRIBE["PITCH"] describes the email signup: without FORM_URL there is no signup form,
so no page promises an email (a newcomer found the sample's pitch on a site without one)."""

from __future__ import annotations

import lxml.html

from tests.conftest import build_site

PITCH = "One short email when I publish"


def _texts(output) -> dict[str, str]:
    pages = {"index": output / "index.html", "subscribe": output / "subscribe" / "index.html"}
    return {name: lxml.html.parse(str(path)).getroot().text_content() for name, path in pages.items()}


def test_no_form_no_email_promise(tmp_path):
    output = build_site(tmp_path, "good_minimal", overrides={"SUBSCRIBE": {"FORM_URL": "", "PITCH": PITCH + "."}})
    for name, text in _texts(output).items():
        assert PITCH not in text, name
    doc = lxml.html.parse(str(output / "subscribe" / "index.html")).getroot()
    description = doc.find(".//meta[@name='description']").get("content")
    assert PITCH not in description and "by feed" in description


def test_with_a_form_the_pitch_is_shown(tmp_path):
    output = build_site(tmp_path, "good_minimal", overrides={
        "SUBSCRIBE": {"FORM_URL": "https://example.us1.list-manage.com/subscribe/post?u=1&id=2", "PITCH": PITCH + "."}})
    for name, text in _texts(output).items():
        assert PITCH in text, name
