"""fast_build's Members: a listing's `in` by identity, with the list's own answers."""

from __future__ import annotations

import types

from tests.conftest import pelican_plugin

pelican_plugin("fast_build")
from fast_build.listings import Members, index_listings  # noqa: E402


class Post:  # compares by identity, as Pelican's Content does
    pass


class Valued:
    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Valued) and other.value == self.value

    __hash__ = None


def test_members_answer_as_the_list_would():
    posts = [Post() for _ in range(50)]
    listing = Members(posts[::2])
    assert list(listing) == posts[::2]
    assert [p in listing for p in posts] == [p in posts[::2] for p in posts]


def test_only_identity_compared_listings_are_swapped():
    posts = [Post() for _ in range(4)]
    valued = [Valued(1)]
    generator = types.SimpleNamespace(
        tags={"a": posts[:2], "b": valued},
        categories=[("c", posts[1:])],
        authors=[("d", posts)],
    )
    tags_dict, categories_list = generator.tags, generator.categories
    index_listings(generator)
    assert generator.tags is tags_dict and generator.categories is categories_list  # in place
    assert type(generator.tags["a"]) is Members and generator.tags["a"] == posts[:2]
    assert type(generator.tags["b"]) is list  # its own __eq__: `in` must keep comparing values
    assert Valued(1) in generator.tags["b"]
    assert type(generator.categories[0][1]) is Members and type(generator.authors[0][1]) is Members
