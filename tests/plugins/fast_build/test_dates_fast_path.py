"""fast_build reads everyday Date:/Modified: values itself; every other form goes to Pelican."""

from __future__ import annotations

import random

from pelican.utils import get_date

from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.parallel_markdown import iso_date  # noqa: E402


def _cases():
    rng = random.Random(7)
    yield from ["2012-01-03 20:01", "2024-02-29", "2024-02-29 23:59:59", "0001-01-01", "9999-12-31 23:59"]
    for _ in range(20_000):
        year = rng.choice(["2024", "1999", "0000", "9999", "20x4", "２０２４"])
        month = rng.choice(["01", "02", "12", "13", "00", "1a"])
        day = rng.choice(["01", "28", "29", "30", "31", "32", "00"])
        time = rng.choice(["", " 10:00", " 23:59:59", " 24:00", " 12:60", " 00:00:60", " 1:00", "T10:00"])
        yield f"{year}-{month}-{day}{time}"


def test_the_fast_path_gives_pelicans_date_or_steps_aside():
    taken = 0
    for text in _cases():
        fast = iso_date(text)
        if fast is None:
            continue  # Pelican's get_date decides (and words any error)
        taken += 1
        expected = get_date(text)
        assert (fast, type(fast), fast.tzinfo) == (expected, type(expected), expected.tzinfo), text
    assert taken > 1000
    # Impossible dates and other forms are left to Pelican, never guessed.
    assert iso_date("2026-02-29") is None and iso_date("2024-01-01T10:00") is None
    assert iso_date("2024-01-01 10:00+02:00") is None and iso_date("1 March 2024") is None
