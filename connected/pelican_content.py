"""A post's HTML as Pelican holds it: the one owner of Pelican's private content API.

Pelican keeps a Content object's body in `_content` (the reader's HTML, {static} and
{filename} links not yet resolved), resolves links with `_update_content`, and lets a
subclass supply the body through a `_get_content` hook. Its public `content`/`get_content`
are memoized per site URL, and a plugin that reads them before every static file is known
caches unresolved links. Plugins that edit the body in place (markup_fixes, link_checks)
or need it resolved afresh (newsletter, site_feeds, link_checks) call the functions here,
so a Pelican upgrade that renames these internals is fixed in one file.
"""

from __future__ import annotations


def stored_html(content) -> str | None:
    """The body as the reader made it and earlier handlers left it, links unresolved
    (None for an object without one, e.g. a static file)."""
    # Pelican has no public accessor for the unresolved body.
    return getattr(content, "_content", None)


def replace_stored_html(content, html: str) -> None:
    """Make `html` the body that Pelican resolves and writes (call on content_object_init,
    before anything reads `content.content`, which is memoized)."""
    content._content = html  # noqa: SLF001 - Pelican's only place for the body it renders


def unresolved_html(content) -> str:
    """The body as `get_content` starts from it: a subclass's `_get_content` hook if it
    has one, else the stored body; "" for none."""
    if hasattr(content, "_get_content"):
        raw = content._get_content()  # noqa: SLF001 - the hook Pelican's get_content calls
    else:
        raw = stored_html(content)
    return raw or ""


def resolve_links(content, html: str, siteurl: str) -> str:
    """`html` (this post's body, summary or a snippet of it) with {static}, {filename}
    and the other intra-site links resolved as on this post's page, against `siteurl`."""
    return content._update_content(html, siteurl)  # noqa: SLF001 - Pelican's link resolver; no public one


def resolved_html(content, siteurl: str) -> str:
    """The body with its links resolved afresh against `siteurl`, bypassing the memo
    that `content.get_content` keeps (it may hold links resolved too early)."""
    return resolve_links(content, unresolved_html(content), siteurl)
