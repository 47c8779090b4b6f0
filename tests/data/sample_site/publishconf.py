"""Production settings: `make publish` and `pelican content -s publishconf.py`.

Everything in pelicanconf.py, plus only what production changes. Pelican's own
feed settings stay off as pelicanconf.py sets them (plugins/site_feeds is the one
source of feeds).
"""

from connected.site_settings import settings_in

# pelicanconf.py beside this file, read by path (docs/development.md › Settings files).
development = settings_in(__file__, "pelicanconf.py")
globals().update(development)

# The first thing to change: the address your site is served from.
SITEURL = "https://your-name.example"
RELATIVE_URLS = False

# Drafts (and future-dated posts, which Pelican treats as drafts) never reach
# the deployed site.
DRAFT_URL = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_URL = ""
DRAFT_PAGE_SAVE_AS = ""

# A file Pelican cannot read stops the production build (and so the send).
POST_CHECKS = {**development["POST_CHECKS"], "UNREADABLE_FILES": "stop"}
