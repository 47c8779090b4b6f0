"""A Ctrl-C that lands inside the sanitizer's attribute check is not lost.

nh3 calls our attribute filter from Rust and cannot pass an exception back: it prints it,
drops the attribute and carries on. A KeyboardInterrupt there made a stopped build go on
to the end (seen in the warm-process SIGINT test)."""

from __future__ import annotations

import pytest

from connected import sanitize


def test_an_interrupt_in_the_attribute_filter_reaches_the_caller(monkeypatch):
    real = sanitize._filter
    calls = []

    def interrupted(element, attribute, value):
        calls.append(attribute)
        if attribute == "href":
            raise KeyboardInterrupt
        return real(element, attribute, value)

    monkeypatch.setattr(sanitize, "_filter", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sanitize._sanitize('<p><a href="https://example.com/" title="t">x</a></p>', None, False)
    assert "href" in calls


def test_the_filter_still_decides_every_attribute():
    clean = sanitize._sanitize('<a href="javascript:alert(1)" title="t">x</a><img src="https://e.x/a.png" alt="">', None, False)
    assert "javascript" not in clean and 'title="t"' in clean and 'src="https://e.x/a.png"' in clean
