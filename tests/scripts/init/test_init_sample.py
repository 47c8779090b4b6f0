"""tests/data/sample_site is the sample as shipped: kept identical to the project's own.

The suite builds from that frozen copy so that it stays green on a writer's site
(after `make init`, their posts, their send record). In the project's own
repository, where the working copy still is the sample, the copy must not drift
from it: a change to pelicanconf.py, publishconf.py, send-record.json or the
sample's content/ is made in both places. On a writer's site this test skips.
"""

from __future__ import annotations

import ast
import json

import pytest

from scripts.init import SAMPLE_NAME
from tests.conftest import ROOT, SAMPLE, SETTINGS_FILES
from tests.scripts.init.init_testkit import tree_digest


def profile_name(path) -> str | None:
    """AUTHOR_PROFILE["NAME"] as written in a settings file (read, not run)."""
    for node in ast.parse(path.read_bytes()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "AUTHOR_PROFILE":
            if isinstance(node.value, ast.Dict):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "NAME" and isinstance(value, ast.Constant):
                        return value.value
    return None


def test_the_frozen_sample_is_the_shipped_sample():
    if profile_name(ROOT / "pelicanconf.py") != SAMPLE_NAME:
        pytest.skip("the working copy is the writer's own site (make init has run): nothing to compare")
    fix = (
        "tests/data/sample_site must be the sample as shipped: copy the change there too "
        "(cp pelicanconf.py publishconf.py send-record.json tests/data/sample_site/ && "
        "rsync -a --delete content/ tests/data/sample_site/content/)"
    )
    for name in SETTINGS_FILES:
        assert (ROOT / name).read_bytes() == (SAMPLE / name).read_bytes(), f"{name} differs: {fix}"
    # `make publish` on the sample (the README's first command) records its newest post:
    # the working copy's record may hold more than the shipped one, never other entries.
    shipped = json.loads((SAMPLE / "send-record.json").read_text(encoding="utf-8"))["posts"]
    working = json.loads((ROOT / "send-record.json").read_text(encoding="utf-8"))["posts"]
    assert {uuid: working.get(uuid) for uuid in shipped} == shipped, f"send-record.json differs: {fix}"
    assert tree_digest(ROOT / "content") == tree_digest(SAMPLE / "content"), f"content/ differs: {fix}"
