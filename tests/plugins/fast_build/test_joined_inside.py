"""fast_build's joined_inside answers exactly as Pelican's sanitised_join: the same path,
and the same refusal of a page name that leaves the output directory."""

from __future__ import annotations

import random

import pytest
from pelican.utils import sanitised_join

from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.state import joined_inside  # noqa: E402

PARTS = ["a", "b", "..", ".", "", "/", "index.html", "x y", "é", "//", "../..", "posts/2026", "/etc", "out2"]


def _answer(join, base, name):
    try:
        return join(base, name)
    except RuntimeError as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("base", ["/tmp/out", "/tmp/out/", "/tmp//out", "/tmp/out/../out", "/", "relative/out"])
def test_seeded_page_names_give_pelicans_answer(base):
    rng = random.Random(base)
    refused = 0
    for _ in range(5000):
        name = "/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 5)))
        want = _answer(sanitised_join, base, name)
        assert _answer(joined_inside, base, name) == want, (base, name)
        refused += isinstance(want, tuple)
    assert base == "/" or refused  # the corpus does try to leave the directory
