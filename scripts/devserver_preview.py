"""The devserver's first answer to a save: the edited post's own page, in ~0.1 s.

A full rebuild of a 1000-post site, even warm and incremental, reads every
post's header and fingerprints every page: over a second. The post being
written is what the writer is looking at, and its page depends on the rest of
the site only through their listing fields. So when one post's file changes
and its metadata did not (the usual save: a paragraph fixed), the build worker
re-reads that one file with the last build's generator, re-sends
article_generator_finalized (so plugins annotate it as in a build: reading
time, neighbours), and renders its page with Pelican's own Writer and the last
build's context. The devserver serves those bytes at once from memory and
reloads the browser; the complete atomic build follows and replaces them. If
the build's page differs (it should not; tests/scripts/devserver/test_devserver.py checks
it is byte-identical), the browser reloads once more.

Anything else — a new, deleted or renamed file, a changed title, date, tag,
status or summary, a theme or settings edit, several files at once — gets no
preview, only the full build.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


# Attributes of a re-read article that its body determines (everything else follows
# from its metadata, which a preview requires to be unchanged).
_FROM_THE_BODY = frozenset({"_content", "_summary", "reading_minutes"})

class LastBuild:
    """The generators of the last successful build (kept by the build worker)."""

    def __init__(self):
        self.generators = None
        self._candidate = None

    def connect(self) -> None:
        from pelican.plugins import signals

        signals.all_generators_finalized.connect(self._seen, weak=False)

    def _seen(self, generators) -> None:
        self._candidate = list(generators)

    def build_finished(self, ok: bool) -> None:
        # A failed build's generators may hold half-checked content: keep the last good ones.
        if ok and self._candidate is not None:
            self.generators = self._candidate
        self._candidate = None

    def preview(self, changed: list[str]) -> tuple[str, bytes] | None:
        """(save_as, page bytes) of the one edited post, or None when a full
        build is needed to show the edit."""
        if self.generators is None or len(changed) != 1 or not changed[0].endswith(".md"):
            return None
        try:
            return self._render(os.path.abspath(changed[0]))
        except Exception as exc:  # the full build that follows reports it properly
            logger.debug("devserver: no preview for %s (%s)", changed[0], exc)
            return None

    def _render(self, path: str) -> tuple[str, bytes] | None:
        from pelican.contents import Article
        from pelican.generators import ArticlesGenerator
        from pelican.plugins import signals
        from pelican.writers import Writer

        generator = next((g for g in self.generators if isinstance(g, ArticlesGenerator)), None)
        if generator is None:
            return None
        found = None
        for kind in ("articles", "drafts"):
            for index, article in enumerate(getattr(generator, kind)):
                if os.path.abspath(article.source_path) == path:
                    found = kind, index, article
        if found is None:
            return None
        kind, index, old = found
        new = generator.readers.read_file(
            base_path=generator.path,
            path=os.path.relpath(path, generator.path),
            content_class=Article,
            context=generator.context,
            preread_signal=signals.article_generator_preread,
            preread_sender=generator,
            context_signal=signals.article_generator_context,
            context_sender=generator,
        )
        # Same metadata: every other page, and this page's links to them, are as built.
        if new.metadata != old.metadata or new.status != old.status or new.save_as != old.save_as:
            return None
        getattr(generator, kind)[index] = new
        signals.article_generator_finalized.send(generator)
        # What the build set on the article after reading it (social_cards' card, set by a
        # later generator over theme_helpers' default, say) derives from its metadata, which
        # is unchanged: carry it over. Only what the body gives is the new article's own.
        for name, value in vars(old).items():
            if name not in _FROM_THE_BODY:
                setattr(new, name, value)
        extra = {"all_articles": generator.articles} if kind == "drafts" else {}
        if kind == "articles":
            signals.article_generator_write_article.send(generator, content=new)
        with tempfile.TemporaryDirectory(prefix="connected-preview-") as tmp:
            writer = Writer(tmp, settings=generator.settings)
            writer.write_file(
                new.save_as,
                generator.get_template(new.template),
                generator.context,
                relative_urls=generator.settings["RELATIVE_URLS"],
                article=new,
                category=getattr(new, "category", None),
                override_output=hasattr(new, "override_save_as"),
                url=new.url,
                blog=True,
                **extra,
            )
            return new.save_as, (Path(tmp) / new.save_as).read_bytes()
