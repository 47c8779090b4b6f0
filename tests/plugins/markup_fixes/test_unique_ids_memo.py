"""markup_fixes keeps, by each post's HTML, whether its ids repeat: a warm build renames
a heading's id that collides with the writer's anchor exactly as a cold one does."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import lxml.html

from tests.conftest import DATA, build_site

POST = """Title: Anchors
Date: 2026-03-02 09:00
Uuid: 6d1c1f8e-8a4b-4c1e-9d55-3f1f2b0a0c11
Summary: A post whose anchor and heading share a name.

<a id="setup"></a>

## Setup

Words [back](#setup).
"""


def _ids(output):
    page = next(p for p in output.rglob("index.html") if "anchors" in p.parent.name)
    doc = lxml.html.parse(str(page)).getroot()
    body = doc.xpath("//*[contains(concat(' ', @class, ' '), ' prose ')]") or [doc]
    return Counter(el.get("id") for el in body[0].iter() if isinstance(el.tag, str) and el.get("id"))


def test_a_warm_build_renames_the_colliding_id_as_a_cold_one(tmp_path):
    content = tmp_path / "src"
    shutil.copytree(DATA / "good_minimal", content)
    (content / "posts" / "anchors.md").write_text(POST, encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    cold = _ids(build_site(site, content))
    assert cold["setup"] == 1 and cold["setup-2"] == 1, cold
    memo = next(site.rglob("markup_fixes/unique-ids.json"))
    answers = json.loads(memo.read_text(encoding="utf-8"))["values"]
    assert True in answers.values()  # the anchors post needs renaming; it is remembered so
    warm = _ids(build_site(site, content))
    assert warm == cold
