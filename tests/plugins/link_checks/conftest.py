"""Fixtures for tests/plugins/link_checks (helpers in linkkit.py)."""

import pytest

from tests.plugins.link_checks.linkkit import Build


@pytest.fixture
def site(tmp_path, caplog) -> Build:
    return Build(tmp_path, caplog)
