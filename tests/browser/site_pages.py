"""Constants shared by the browser fixtures and tests: paths, page types, widths, planted posts, JS probes."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Every page type the theme renders; conftest.classify_pages sorts built pages into them.
PAGE_TYPES = [
    "index",
    "index-page-2",
    "article",
    "syndicated-article",
    "page",
    "archives",
    "category",
    "tag",
    "categories",
    "tags",
    "404",
]
WIDTHS = [375, 1280]
VIEWPORTS = {375: {"width": 375, "height": 812}, 1280: {"width": 1280, "height": 800}}

# Posts added to the sample content for this build only: neither may appear
# anywhere on the built site or in the sitemap.
HIDDEN_POSTS = {
    "browser-test-draft": (
        "Title: A draft that must stay private\n"
        "Date: 2024-03-01 09:00\n"
        "Slug: browser-test-draft\n"
        "Tags: testing\n"
        "Summary: Not ready yet.\n"
        "Status: draft\n"
        "Uuid: 6f1c1d6e-1d2a-4a36-9a39-6a0d1b6f0a01\n"
        "\n"
        "This draft must never reach the deployed site.\n"
    ),
    "browser-test-future": (
        "Title: A post from the future\n"
        "Date: 2999-01-01 09:00\n"
        "Slug: browser-test-future\n"
        "Tags: testing\n"
        "Summary: Scheduled for much later.\n"
        "Uuid: 6f1c1d6e-1d2a-4a36-9a39-6a0d1b6f0a02\n"
        "\n"
        "Future-dated posts wait for their date.\n"
    ),
}

# A published post whose title is hostile markup: every page that lists it must
# show it as text (checked in the browser, and by vnu and axe on every page).
HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" <b>bold</b>'
HOSTILE_POST = (
    "browser-test-escaping",
    f"Title: {HOSTILE_TITLE}\n"
    "Date: 2026-01-05 09:00\n"
    "Slug: browser-test-escaping\n"
    "Category: Networking\n"
    "Tags: networking\n"
    "Summary: A title with markup in it.\n"
    "Uuid: 6f1c1d6e-1d2a-4a36-9a39-6a0d1b6f0a03\n"
    "\n"
    "The title of this post must show as text everywhere.\n",
)

# A Mailchimp embedded-form configuration (the box then shows a real form).
SIGNUP_FORM = {
    "FORM_URL": "https://example.us21.list-manage.com/subscribe/post?u=0123456789abcdef&id=fedcba9876",
    "HONEYPOT_NAME": "b_0123456789abcdef_fedcba9876",
}

# Elements whose right edge sticks out past the viewport, for a useful failure message.
OVERFLOW_REPORT = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      let name = el.tagName.toLowerCase();
      if (el.id) name += '#' + el.id;
      if (el.classList.length) name += '.' + [...el.classList].join('.');
      culprits.push(name + ' (right edge ' + Math.round(box.right) + 'px)');
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: width,
          bodyScrollWidth: document.body.scrollWidth, culprits: culprits.slice(0, 8),
          // overflow-x: hidden/clip on <html> or <body> would hide overflow from scrollWidth.
          masked: [root, document.body].some(
            (el) => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX))};
}"""
