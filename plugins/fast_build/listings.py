"""Listings that answer "is this post in you?" in constant time.

Pelican's ArticlesGenerator writes each tag, category and author page with
`dates = [a for a in self.dates if a in articles]`: a list scan per post, so
the tag pages alone cost tags × posts × posts-per-tag comparisons (5 s of a
one-post build at 10 000 posts, on every build). Content objects compare by
identity (Pelican defines no __eq__), so a list that also keeps the ids of its
items gives exactly the list's answer. Nothing else changes: it is still the
same list, in the same order, for the templates and the fingerprints.
"""

from __future__ import annotations


class Members(list):
    """A list whose `in` is a set lookup by identity (for items compared by identity)."""

    def __init__(self, items=()):
        super().__init__(items)
        self._ids = frozenset(map(id, self))

    def __contains__(self, item) -> bool:
        return id(item) in self._ids


def index_listings(generator) -> None:
    """Swap the generator's tag, category and author lists for Members, in place
    (the context holds the same dict and lists)."""
    tags = getattr(generator, "tags", None)
    if isinstance(tags, dict):
        for tag, articles in list(tags.items()):
            if type(articles) is list and compares_by_identity(articles):
                tags[tag] = Members(articles)
    for name in ("categories", "authors"):
        pairs = getattr(generator, name, None)
        if not isinstance(pairs, list):
            continue
        for index, pair in enumerate(pairs):
            if isinstance(pair, tuple) and len(pair) == 2 and type(pair[1]) is list and compares_by_identity(pair[1]):
                pairs[index] = (pair[0], Members(pair[1]))


def compares_by_identity(items: list) -> bool:
    # Only where `in` would compare by identity anyway; anything with its own
    # __eq__ keeps the plain list.
    return all(type(item).__eq__ is object.__eq__ for item in items)
