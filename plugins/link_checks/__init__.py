"""link_checks: no broken link or image reaches a reader, embeds are handled honestly.

- Every internal link and image of each post and page (Markdown, raw HTML,
  {static}, {filename}, relative and root-relative paths, srcset, <source>,
  poster) must resolve to a file this build put into the output directory.
  Broken ones are listed (file:line and the fix) in one summary at the end of the
  build, re-reported on every build while they remain, and keep their post out
  of the newsletter (the editions manifest's "blockers", read by scripts/publish.py).
- Embeds the page CSP blocks (iframes, gist scripts, external images) become
  plain links at build time; the CSP setting names hosts to allow instead.
  Inline style= in posts is reported.

Docs: docs/links-and-embeds.md. Settings: CSP (see csp.py).
"""

from functools import partial

from pelican import signals

from .build import start_build
from .csp import csp_options, policy


def add_csp_global(generator) -> None:
    """generator_init: the theme's CSP meta calls page_csp(form_origin)."""
    env = getattr(generator, "env", None)
    if env is not None:
        env.globals["page_csp"] = partial(policy, csp_options(generator.settings))


def register():
    # initialized: the settings are final and nothing has been read yet, so the
    # per-build handlers and log capture are in place before the first post.
    signals.initialized.connect(start_build)
    signals.generator_init.connect(add_csp_global)
