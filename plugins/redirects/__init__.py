"""redirects: pages that send a blog's old URLs to where its posts live now.

`make import` writes the old URLs it found to a data file (by default
content/extra/redirects.json); at build time each old URL becomes a small HTML
page (meta refresh + canonical link + a visible link, no script, so it works
within the site's Content-Security-Policy) pointing at the post's current URL.
Entries name the post by Uuid and source path, so slug or scheme changes later
still redirect to the right place.
"""

from pelican import signals

from .pages import write_redirects

__all__ = ["register"]


def register():
    # all_generators_finalized: every post, page and static file is known with
    # its final URL and output path, so a redirect can be refused when it would
    # overwrite a real page; the output directory has already been cleaned.
    signals.all_generators_finalized.connect(write_redirects)
