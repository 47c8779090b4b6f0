"""A seeded generator of hostile and odd posts (issue 11 "Done when", issue 17).

`generate(seed, count, escape_dir)` returns {relative path: file text} for a
content/ tree: posts whose headers and bodies carry control characters,
quotes, angle brackets, very long values, unicode, path tricks, duplicate
keys and slugs, bad dates, bad templates, typos of keys, collisions with
generated files… and some ordinary posts. Each post's body carries the marker
`fuzz-marker-<n>` so a test can tell which posts were built.

escape_dir: an absolute folder outside the project; some slugs point into it
(`Slug: <escape_dir>/x`), so a test can check nothing was written there.

Bodies hold hostile HTML only inside the post's own prose (the writer's own
HTML, guarded by the CSP); everything the theme prints from the header must
come out inert. Bracket storms are left out: the reference-link regex of
plugins/newsletter/plaintext.py (issue 12, another branch) would hang on them.
"""

from __future__ import annotations

import random
import uuid

CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufffe"]
ODD_TEXT = [
    '<script>alert(1)</script> & "quotes"',
    "x\"><script>alert(1)</script>",
    "y\" onmouseover=\"alert(2)",
    "'; alert(3); '",
    "</title><script>alert(4)</script>",
    "Ünïcödé — 日本語のタイトル",
    "\u202eRTL override\u202c",
    "emoji 🎉🚀 and ZWJ 👩‍💻",
    "{{ SITENAME }} {% raw %}",
    "&amp; &lt;b&gt; entity soup",
]
HOSTILE_SLUGS = [
    'x"><script>alert(1)</script>',
    'y" onmouseover="alert(2)',
    "../robots.txt",
    "../feeds/all.atom.xml",
    "../index.html",
    "../tag/networking",
    "../theme/css/site.css",
    "..",
    "a" * 300,
    "nul\x00slug",
    "café-ünïcode",
    "with space",
    ".hidden",
    "UPPER-case",
]
BAD_DATES = [
    "01/12/2026", "30/11/2026", "Nov 30, 2026", "0001-01-01", "9999-12-31 10:00",
    "2026-13-45", "2026-02-30", "yesterday", "2026-11-20_10:00", "", "2026-11-20 25:00",
]  # fmt: skip
GOOD_DATES = ["2025-03-04", "2025-03-04 10:00", "2025-03-04T10:00:30", "2025-03-04 10:00+01:00", "2025-03-04T10:00Z"]
SAVE_AS = ["feeds/all.atom.xml", "sitemap.xml", "index.html", "robots.txt", "../x.html", "/etc/x.html",
           "notes/ok.html", "tag/networking/index.html", "theme/css/site.css"]  # fmt: skip
URLS = ["javascript:alert(1)", "https://evil.example/", "../up/", "ok/path/", "/rooted/"]
LANGS = ['"><script>alert(5)</script>', "fr", "pt-BR", "x", "en-", "zh-Hant"]
TEMPLATES = ["nonexistent", "../base", "about", "index", "_macros", "page", "email/edition"]
ORIGINALS = ["javascript:alert(1)", "http://plain.example/x", "https://medium.com/@me/ok",
             'https://x.example/" onmouseover="alert(6)', "data:text/html,<script>alert(7)</script>"]  # fmt: skip
IMAGES = ["javascript:alert(1)", "../../../../etc/passwd", "images/nope.png", "https://cdn.example/x.png",
          "images/social-default.png", "{static}/images/social-default.png", 'images/x".png']  # fmt: skip
SUMMARIES = [
    "<img src=x onerror=alert(8)>",
    "<!--><script>alert(9)</script><!-- -->",
    '<a href="javascript:alert(10)">click</a>',
    "<svg><style><img src=x onerror=alert(11)></style></svg>",
    "A calm, ordinary summary.",
    "Quotes \" and ' and <angle> brackets & ampersands.",
]
TYPOS = ["Stauts", "Tag", "Sumary", "Titel", "Dat", "Categroy", "Slg", "Templat", "Lnag"]
UNKNOWN = ["Series", "X-custom", "Cover_credit"]
BODIES = [
    "Plain paragraph with <angle brackets> & ampersands and \"quotes\".",
    "<script>alert(12)</script>",
    '<p onclick="alert(13)">raw html paragraph</p>',
    "[a link](javascript:alert(14)) and ![img](javascript:alert(15))",
    "`code with <script>` and **bold** and _em_",
    "Ünïcödé body — 日本語 — 🎉",
    "x" * 20000,
    "> quote\n>\n> - list in quote\n\n1. one\n2. two",
]


def _one(rng: random.Random, items):
    return items[rng.randrange(len(items))]


def generate(seed: int = 1, count: int = 300, escape_dir: str = "/tmp/fuzz-escape") -> dict[str, str]:
    rng = random.Random(seed)
    files: dict[str, str] = {}
    uuids: list[str] = []
    for index in range(count):
        post_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        header: list[tuple[str, str]] = [
            ("Title", f"Fuzz post {index}"),
            ("Date", _one(rng, GOOD_DATES)),
            ("Slug", f"fuzz-{index}"),
            ("Summary", f"Summary of fuzz post {index}."),
            ("Tags", _one(rng, ["networking", "careers, networking", "misc"])),
            ("Uuid", post_uuid),
        ]
        body = [f"fuzz-marker-{index}", ""]
        # About a sixth of the posts stay ordinary; the rest get 1–3 mutations.
        for _ in range(0 if rng.random() < 0.17 else rng.randint(1, 3)):
            _mutate(rng, header, body, index, uuids, escape_dir)
        uuids.append(post_uuid)
        text = "\n".join(f"{key}: {value}" for key, value in header) + "\n\n" + "\n".join(body) + "\n"
        files[f"posts/fuzz-{index:03d}.md"] = text
    return files


def _set(header, key, value):
    for i, (existing, _) in enumerate(header):
        if existing == key:
            header[i] = (key, value)
            return
    header.append((key, value))


def _mutate(rng, header, body, index, uuids, escape_dir) -> None:
    kind = rng.randrange(20)
    if kind == 0:
        _set(header, "Title", _one(rng, ODD_TEXT) + _one(rng, ["", _one(rng, CONTROL)]))
    elif kind == 1:
        _set(header, "Date", _one(rng, BAD_DATES))
    elif kind == 2:
        slug = _one(rng, HOSTILE_SLUGS + [f"{escape_dir}/abs-{index}", f"../../../{escape_dir.strip('/')}-{index}"])
        _set(header, "Slug", slug)
    elif kind == 3:
        _set(header, "Save_as", _one(rng, SAVE_AS))
    elif kind == 4:
        _set(header, "Url", _one(rng, URLS))
    elif kind == 5:
        _set(header, "Lang", _one(rng, LANGS))
    elif kind == 6:
        _set(header, "Template", _one(rng, TEMPLATES))
    elif kind == 7:
        _set(header, "Original_url", _one(rng, ORIGINALS))
    elif kind == 8:
        _set(header, "Image", _one(rng, IMAGES))
    elif kind == 9:
        _set(header, "Tags", _one(rng, ["t" * 5000, "ok, bad\x01tag", "<script>alert(16)</script>", "a; b; c",
                                        ", ".join(f"tag{i}" for i in range(60))]))  # fmt: skip
    elif kind == 10:
        _set(header, "Category", _one(rng, ["c" * 300, "cat\x00egory", "<b>bold</b>", "Ünï"]))
    elif kind == 11:
        _set(header, "Summary", _one(rng, SUMMARIES) + _one(rng, ["", "", _one(rng, CONTROL)]))
    elif kind == 12:
        _set(header, "Author", _one(rng, ODD_TEXT + ["ctl\x01author"]))
    elif kind == 13:
        header.insert(rng.randrange(1, len(header) + 1), (_one(rng, TYPOS), "draft"))
    elif kind == 14:
        header.append((_one(rng, UNKNOWN), _one(rng, ODD_TEXT)))
    elif kind == 15:
        header.append(("Title", "second title"))  # a repeated single-valued key
    elif kind == 16 and uuids:
        _set(header, "Uuid", _one(rng, [uuids[rng.randrange(len(uuids))], "not-a-uuid", ""]))
    elif kind == 17:
        _set(header, "Status", _one(rng, ["draft", "hidden", "publised", "published"]))
    elif kind == 18:
        body.append(_one(rng, BODIES + [f"control {_one(rng, CONTROL)} in the body"]))
    else:
        _set(header, _one(rng, ["Modified", "Timezone"]), _one(rng, ["2026-01-01", "Mars/Olympus", "31/12/2026"]))
