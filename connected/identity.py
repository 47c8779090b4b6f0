"""Post identity: one stable id per post, shared by the feeds and the newsletter.

Contract (docs/ARCHITECTURE.md, rules in docs/identity.md): `post_uuid(content)`
is the lower-case canonical UUID from the post's `Uuid:` metadata; a post without
one gets `uuid5(NAMESPACE_URL, "connected:" + relative source path)` with "/" as
the separator, so its id survives edits to title, date and slug and changes only
when the file is renamed or moved. `make uuids` writes exactly that path-derived
id into the file (`id_for_new_uuid_line`), so the id the feeds and the send
record already know never changes; `make publish` mails only posts whose id is
written in their file (`has_own_uuid`).
Feeds use `urn:uuid:<uuid>` as entry id; the send record is keyed by the uuid.
"""

from __future__ import annotations

import functools
import uuid

__all__ = [
    "canonical_uuid", "fallback_uuid", "has_own_uuid", "id_for_new_uuid_line", "post_urn", "post_uuid",
    "shared_uuid_problem",
]

FALLBACK_PREFIX = "connected:"


def canonical_uuid(value: str) -> str:
    """`value` ("urn:uuid:…", "{…}", upper case, no hyphens) as a canonical lower-case uuid.

    Raises ValueError naming the bad value.
    """
    return _canonical(str(value).strip())


# Every post's id is asked for by the feeds, the newsletter, the checks and the
# templates, several times per build: parsed once per distinct text (a pure function).
@functools.lru_cache(maxsize=65536)
def _canonical(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a valid UUID: write it like "
            "'Uuid: 3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b' (or run `make uuids`)"
        ) from None


@functools.lru_cache(maxsize=65536)
def fallback_uuid(relative_source_path: str) -> str:
    """The id of a post without a `Uuid:`: uuid5 of its source path under the content dir."""
    posix = str(relative_source_path).replace("\\", "/")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, FALLBACK_PREFIX + posix))


def post_uuid(content) -> str:
    """The stable id of a Pelican article/page (or anything with `metadata`
    and `relative_source_path`).

    Raises ValueError naming the file if its `Uuid:` is malformed.
    """
    metadata = getattr(content, "metadata", None) or {}
    value = metadata.get("uuid")
    if value is None:
        value = getattr(content, "uuid", None)
    source = getattr(content, "relative_source_path", None)
    if value is not None and str(value).strip():
        try:
            return canonical_uuid(value)
        except ValueError as exc:
            raise ValueError(f"{source or 'post'}: Uuid {exc}") from None
    if not source:
        raise ValueError(
            "cannot identify a post without a Uuid and without a source path: "
            "add 'Uuid:' to its metadata"
        )
    return fallback_uuid(source)


def post_urn(content) -> str:
    """`urn:uuid:<post_uuid>`: the feed entry id (Atom <id>, RSS <guid>, JSON Feed id)."""
    return "urn:uuid:" + post_uuid(content)


def has_own_uuid(content) -> bool:
    """True when the post's id is written in its file (a non-empty `Uuid:`).

    Only such an id is sure to survive a rename; a path-derived one is not, so
    the newsletter never mails a post without one (docs/identity.md).
    """
    metadata = getattr(content, "metadata", None) or {}
    value = metadata.get("uuid")
    if value is None:
        value = getattr(content, "uuid", None)
    return value is not None and bool(str(value).strip())


def id_for_new_uuid_line(relative_source_path: str, taken: set[str]) -> tuple[str, bool]:
    """The Uuid `make uuids` writes into a file that has none: (uuid, is_the_old_id).

    The id the post already has (path-derived, the one its feed entries and any
    send-record entry carry), unless another file already claims it as its own
    `Uuid:` (the build refuses such a pair, so no feed or send ever used it for
    this file); then a fresh random one.
    """
    current = fallback_uuid(relative_source_path)
    if current not in taken:
        return current, True
    return str(uuid.uuid4()), False


def shared_uuid_problem(files: list[str], value: str) -> str:
    """The one line for posts that share a Uuid: the files, and the fix in their own syntax
    (`:uuid:` in reST, `Uuid:` in Markdown)."""
    from connected.header import syntax_of

    lines = sorted({":uuid:" if syntax_of(str(name)) == "rst" else "Uuid:" for name in files})
    return (
        f"{' and '.join(str(name) for name in files)}: share Uuid {value} — every post needs its own; "
        f"delete the {' or '.join(lines)} line of the newer copy and run make uuids"
    )
