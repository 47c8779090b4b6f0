"""Development settings: `make html`, `make devserver`, `pelican content`.

Production overrides live in publishconf.py. Every component keeps its
settings in one UPPER_SNAKE dict; each plugin validates its own dict and names
the bad key when something is wrong.
"""

from pathlib import Path

# The project directory: the send record, editions and outbox live beside this file.
ROOT = Path(__file__).resolve().parent

# --- The writer -------------------------------------------------------------
# `make init` writes these values (docs/getting-started.md); edit them here any time.
# Shown in the header, the About page, JSON-LD and the newsletter.
AUTHOR_PROFILE = {
    "NAME": "Alex Morgan",
    "HEADLINE": "Engineering manager · writing about careers and professional networks",
    "EMAIL": "alex@your-name.example",
    "LINKEDIN_URL": "https://www.linkedin.com/in/your-name-example/",
    # (label, url) pairs shown on the About page and in the footer.
    "LINKS": [
        ("GitHub", "https://github.com/your-name-example"),
        ("Mastodon", "https://mastodon.example/@yourname"),
    ],
    # Optional: a photo of you inside content/ (e.g. "images/me.jpg"), square-ish, at
    # least 256 px. Shown on the home page, each post's byline, the About page, the
    # email masthead and each post's link-preview card; empty = your initials.
    "PHOTO": "",
    # Optional: where you are, shown on the About page ("London, UK · open to remote").
    "LOCATION": "",
    # Optional: a PDF of your CV inside content/ (e.g. "files/cv.pdf"); the
    # About page then offers "Download CV" (files/ is copied to the site as it is).
    "CV": "",
    # Used for link previews (LinkedIn, Open Graph, Twitter cards) when a page has no
    # Image (each post without one gets its own card, drawn at build time).
    "DEFAULT_IMAGE": "images/social-default.png",
    # The newsletter footer needs a postal address (anti-spam law); the site
    # shows it only when SHOW_ADDRESS is True.
    "POSTAL_ADDRESS": "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia",
    "SHOW_ADDRESS": False,
}
# One source of truth: the site's name (header, <title>, feeds, email masthead and
# footer, reach report) and the author are the profile's name. To set either apart,
# replace the right-hand side with your own string.
AUTHOR = AUTHOR_PROFILE["NAME"]
SITENAME = AUTHOR_PROFILE["NAME"]
SITESUBTITLE = "Notes on keeping a professional network alive"

# --- Site ---------------------------------------------------------------------
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

PATH = "content"
# Relative to this file, so builds land in the same place whatever the working directory.
OUTPUT_PATH = "output"
CACHE_PATH = ".cache/pelican"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "files", "extra/robots.txt"]
EXTRA_PATH_METADATA = {"extra/robots.txt": {"path": "robots.txt"}}

ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
# Translations (Lang: other than DEFAULT_LANG) follow the same scheme, with their language.
ARTICLE_LANG_URL = "{date:%Y}/{slug}-{lang}/"
ARTICLE_LANG_SAVE_AS = "{date:%Y}/{slug}-{lang}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{slug}-{lang}/"
PAGE_LANG_SAVE_AS = "{slug}-{lang}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
ARCHIVES_SAVE_AS = "archives/index.html"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "archives", "categories", "tags", "404"]
# Drafts are previewable in development under drafts/; publishconf.py drops them.
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"

# Future-dated posts stay drafts until their date.
WITH_FUTURE_DATES = False
# A post without Category: goes to DEFAULT_CATEGORY, not to its folder's name.
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "Notes"
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
SUMMARY_MAX_LENGTH = 50

THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    # First: Pelican (>= 4.9) calls each signal's receivers in plugin order, so
    # fast_build's page renderers start before the feed and email handlers run.
    "fast_build",
    # Then: reST titles as plain text, unique ids, folder categories at the root.
    "markup_fixes",
    "post_checks",
    "site_feeds",
    "newsletter",
    "pelican.plugins.sitemap",
    "theme_helpers",
    "social_cards",
    "link_checks",
    # Old URLs of an imported blog (make import) lead to their posts; no-op without its data file.
    "redirects",
]

# Files and folders whose names start with a dot are not read: editor backups and locks
# (.#post.md), a .trash/ folder, a hidden draft. Pelican's default ("**/.*") is matched
# against bare names and never matches them. A .well-known/ file goes through
# EXTRA_PATH_METADATA from a folder without the dot (docs/settings.md).
IGNORE_FILES = [".*"]

# reST posts cannot read files of this machine into the site, the feeds and the newsletter
# (`.. include:: /etc/passwd`, `.. raw:: html` with `:file:` or `:url:`, a csv-table's `:file:`):
# the build names the line instead. Paste the text into the post.
DOCUTILS_SETTINGS = {"file_insertion_enabled": False}

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        # Curly quotes, en/em dashes and ellipses in bodies and summaries, by the rule
        # the cards use (connected/smart_punctuation.py; twice as fast as Markdown's
        # smarty). Titles stay as typed (docs/theme.md › Typography).
        "connected.smart_punctuation": {},
        "markdown.extensions.toc": {},
        # Table alignment as align-* classes (the CSP refuses style=): connected/table_align.py
        "connected.table_align": {},
    },
    "output_format": "html5",
}

# Pelican's own feeds are off: plugins/site_feeds is the one source of feeds.
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

SITEMAP = {
    "format": "xml",
    "exclude": ["tag/", "category/", "drafts/", "404.html"],
}

# --- Post checks (plugins/post_checks; docs/writing.md) -----------------------
POST_CHECKS = {
    # Header keys your own theme or plugins read, besides ours (a key close to
    # one of ours, such as Sumary, stops the build; other unknown keys are noted).
    "EXTRA_KEYS": [],
    # A file Pelican cannot read (e.g. an unknown reST directive): "list" names it
    # and builds the rest (development); publishconf.py sets "stop".
    "UNREADABLE_FILES": "list",
}

# --- Subscribe box --------------------------------------------------------------
SUBSCRIBE = {
    # Your Mailchimp embedded signup form's action URL (Audience → Signup forms →
    # Embedded forms), e.g. "https://example.us21.list-manage.com/subscribe/post?u=…&id=…".
    # Empty: the box offers the feed and an email link instead of a form.
    # In Mailchimp, set the signup form's "Confirmation thank you page" to
    # <SITEURL>/subscribe/thanks/ (docs/theme.md › Subscribe path).
    "FORM_URL": "",
    # The name of the honeypot field from Mailchimp's embed code (b_<u>_<id>).
    "HONEYPOT_NAME": "",
    # What subscribers get and how often (home hero, end of posts, /subscribe/).
    "PITCH": "One short email when I publish — about once a month. No spam; unsubscribe in one click.",
}

# --- Page Content-Security-Policy and embeds (plugins/link_checks) ---------------
# Off by default: the page CSP blocks iframes, gist scripts and external images,
# and the build shows each as a plain link instead (and says which posts have
# one). Name the hosts to allow (docs/links-and-embeds.md); the commented values
# are examples, the defaults are empty.
CSP = {
    # "EMBED_HOSTS": ["www.youtube-nocookie.com", "player.vimeo.com", "gist.github.com"],
    # "IMAGE_HOSTS": ["images.example.com"],
}

# --- Feeds (plugins/site_feeds) --------------------------------------------------
# Empty = the defaults: feeds/all.atom.xml, feeds/all.rss.xml, feeds/all.json and
# feeds/category|tag/<slug>.atom.xml|.rss.xml, 20 newest posts each, full content.
# Keys (docs/feeds.md): ALL_ATOM, ALL_RSS, ALL_JSON, CATEGORY_ATOM, CATEGORY_RSS,
# TAG_ATOM, TAG_RSS (output paths; None turns a feed off), MAX_ITEMS, TAG_MIN_POSTS
# (a tag's feeds only from this many posts, default 2),
# CONTENT ("full" | "summary"), ICON, DEV_SITEURL.
SITE_FEEDS = {}

# --- Newsletter (plugins/newsletter, scripts/publish.py) -------------------------
# Validated by connected/newsletter_settings.py; every key is optional and the
# commented values are the defaults.
NEWSLETTER = {
    "EDITIONS_PATH": str(ROOT / "build" / "editions"),
    "RECORD_PATH": str(ROOT / "send-record.json"),
    "OUTBOX_PATH": str(ROOT / "outbox"),
    # "FROM_NAME": AUTHOR_PROFILE["NAME"],
    # "FROM_EMAIL": AUTHOR_PROFILE["EMAIL"],
    # "REPLY_TO": AUTHOR_PROFILE["EMAIL"],  # replies replace comments
    # "POSTAL_ADDRESS": AUTHOR_PROFILE["POSTAL_ADDRESS"],  # outbox footer; required to send
    # "MODE": "full",  # or "excerpt": summary + "read the rest" link (per post: Email_mode:)
    # "MAX_HTML_BYTES": 100_000,  # larger editions fall back to excerpt (Gmail clips at 102 KB)
    # "MAX_PER_RUN": 3,  # a publish with more new posts refuses and names them
    # "SCHEDULE_DELAY_MINUTES": 0,  # > 0 schedules the campaign (undo window); 0 sends now
    # "WHY_LINE": "You are receiving this because you subscribed to <SITENAME>'s newsletter at <SITEURL>.",
    # "UNSUBSCRIBE_URL": "mailto:<REPLY_TO>?subject=Unsubscribe",  # outbox edition only
    # "REPLY_LINE": "Reply to this email — I read every reply, and it goes straight to me.",
    # "READ_MORE_TEXT": "Read the rest on the web →",
    # "CADENCE": "each",  # or "weekly" / "monthly": one digest per period (docs/digest.md)
    # "DIGEST_DAY": "monday",  # weekly: a weekday; monthly: a day of the month, 1-28
    # "DIGEST_TIME": "09:00",  # in TIMEZONE
    # "DIGEST_SUBJECT": "{site}: {posts} since {since}",
}

# --- Reach report (scripts/stats.py, `make stats`) ------------------------------
# Every key is optional; the commented values are the defaults. Paths are relative
# to this directory; reports/ and .cache/ are ignored by git.
STATS = {
    # "OUTPUT_PATH": "reports/index.html",  # the HTML report (never deployed)
    # "CACHE_PATH": ".cache/stats.json",  # fetched Mailchimp reports, with their fetch time
    # "MAX_AGE_HOURS": 24,  # refetch a cached report older than this while its campaign is young
    # "FINAL_AFTER_DAYS": 30,  # a campaign this old has final figures: fetched once more, then never
    # "CONCURRENCY": 4,  # reports fetched at once (at most 10: Mailchimp's connection limit)
    # Web and feed reach from the server's access logs (plain or .gz; see docs/reach-report.md):
    # "ACCESS_LOGS": ["logs/access.log*"],  # globs of the logs to read; [] (default): email only
    # "LOGS_REMOTE": "user@host:/var/log/nginx/",  # where make fetch-logs copies them from (rsync)
    # "LOGS_DIR": "logs",  # where make fetch-logs puts them (ignored by git)
}

# --- Deploying (scripts/deploy.py) ------------------------------------------------
DEPLOY = {
    # "none" (default), "rsync" or "github-pages".
    "TARGET": "none",
}

# --- Speed-ups (plugins/fast_build) ----------------------------------------------
FAST_BUILD = {
    # False: plain Pelican behaviour (same output, slower).
    "ENABLED": True,
    # Processes for Markdown conversion and page rendering; 0 = one per CPU.
    "WORKERS": 0,
    # Fewer Markdown files / pages to render than this: do it in-process.
    "MIN_PARALLEL_FILES": 24,
    "MIN_PARALLEL_PAGES": 64,
    # Cache converted Markdown in CACHE_PATH, keyed by each file's bytes.
    "MARKDOWN_CACHE": True,
    # Re-render and rewrite only pages whose inputs changed (state in CACHE_PATH).
    "INCREMENTAL": True,
    # Log each plugin's handler time (CONNECTED_BUILD_TIMINGS=file.json also writes it).
    "TIMINGS": False,
}
