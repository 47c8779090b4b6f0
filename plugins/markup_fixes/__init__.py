"""markup_fixes: posts written for other Pelican sites render right here.

- reST titles are plain text: docutils hands Pelican the title as HTML
  (`&quot;`), which the theme and the feeds then escaped a second time.
- Element ids are unique in a post: headings' table-of-contents ids that
  collide with the writer's own `<a id>`/`id=` anchors (or the theme's ids)
  are renamed, and the TOC links follow them.
- With USE_FOLDER_AS_CATEGORY, a post directly in an ARTICLE_PATHS folder
  (content/posts/x.md) takes DEFAULT_CATEGORY, as it did at the old blog's
  root, instead of a category named after the folder ("posts").
- Warnings name each post whose liquid tags (`{% photo %}` …) we do not load
  and every `.ipynb` notebook post Pelican skips, with the plugin they need.
"""

from pelican import signals

from .fixes import fix_content, fix_root_categories, open_memo, save_memo, warn_notebooks

__all__ = ["register"]


def register():
    # content_object_init: once per post/page, before anything reads its
    # title or HTML (feeds, email editions, templates).
    signals.content_object_init.connect(fix_content)
    # pretaxonomy: articles are final but not yet grouped into categories.
    signals.article_generator_pretaxonomy.connect(fix_root_categories)
    # finalized: the readers have skipped what they cannot read; say so for notebooks.
    signals.article_generator_finalized.connect(warn_notebooks)
    # initialized / finalized: which posts' ids are known unique, kept across builds.
    signals.initialized.connect(open_memo)
    signals.finalized.connect(save_memo)
