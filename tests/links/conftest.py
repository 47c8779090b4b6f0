"""Fixtures for tests/links (helpers in linkkit.py)."""

import pytest

from tests.links.linkkit import Build


@pytest.fixture
def site(tmp_path, caplog) -> Build:
    return Build(tmp_path, caplog)
