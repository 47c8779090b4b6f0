"""connected/liquid_tags.py: what the tags left in a post need, each plugin named once."""

from __future__ import annotations


def test_each_plugin_is_named_once_with_every_tag_it_provides():
    from connected.liquid_tags import PHOTOS, UNKNOWN_PROVIDER, providers

    needs = providers(["video", "photo", "include_code", "gallery", "illus"])
    assert needs.count(PHOTOS) == 1 and needs.count(UNKNOWN_PROVIDER) == 1
    (liquid,) = [need for need in needs if need.startswith("pelican-liquid-tags")]
    assert liquid.endswith('LIQUID_TAGS = ["video", "include_code"])')
    assert providers([]) == []
