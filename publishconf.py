"""Production settings: `make publish` and `pelican content -s publishconf.py`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pelicanconf import *  # noqa: E402,F403

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
POST_CHECKS = {**POST_CHECKS, "UNREADABLE_FILES": "stop"}  # noqa: F405

# Pelican's own feeds stay off in production too: plugins/site_feeds is the
# one source of feeds (tests/feeds checks that no other feed file is written).
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
FEED_ATOM = None
FEED_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
