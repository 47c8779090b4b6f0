"""The sanitizer: a Ctrl-C inside its attribute check is not lost, and its reusable cleaner
cleans as nh3.clean does.

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


@pytest.mark.parametrize("embeds", [False, True])
def test_the_reusable_cleaner_cleans_as_nh3_clean_with_the_allow_lists(embeds):
    """sanitize builds its nh3.Cleaner once; over the seeded hostile corpus (as written and
    as Markdown makes it) it gives what nh3.clean given the same allow-lists gives."""
    import markdown
    import nh3

    from tests.kit.hostile_corpus import generate

    tags, dropped = set(sanitize.ALLOWED_TAGS), set(sanitize._DROPPED_WITH_CONTENT)
    attributes = {key: set(value) for key, value in sanitize.ALLOWED_ATTRIBUTES.items()}
    if embeds:
        tags |= set(sanitize._EMBED_ATTRIBUTES)
        dropped -= set(sanitize._EMBED_ATTRIBUTES)
        attributes.update({key: set(value) for key, value in sanitize._EMBED_ATTRIBUTES.items()})
    checked = 0
    for name, text in generate(seed=7, count=200).items():
        for html in (text, markdown.markdown(text.split("\n\n", 1)[-1], extensions=["extra"])):
            expected = nh3.clean(
                sanitize.xml_text(html), tags=tags, clean_content_tags=dropped, attributes=attributes,
                attribute_filter=sanitize._filter, url_schemes=set(sanitize.URL_SCHEMES),
                strip_comments=True, link_rel=None,
            )  # fmt: skip
            assert sanitize._sanitize(html, None, embeds) == expected, name
            checked += 1
    assert checked == 400


def test_a_ctrl_c_while_nh3_parses_is_not_lost():
    """The signal comes while Rust is parsing: Python raises it when Rust next calls the
    attribute filter, before any line of ours can catch it."""
    import signal

    html = '<p><a href="https://example.com/" title="t">x</a></p>' * 60_000  # about 3 MB

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        with pytest.raises(KeyboardInterrupt):
            sanitize._sanitize(html, None, False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
