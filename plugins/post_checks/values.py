"""Checks of each header value as written (plugins/post_checks).

`file_problems()` returns one problem text per mistake in one source file,
without the file name (checks.py prefixes it). Every check is a linear scan
or a regex without nested quantifiers, run on one header value at a time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from connected.header import Header
from connected.settings_schema import EMAIL_MODES, closest_key

from .keys import SINGLE_VALUED, known_header_keys

# The upper bound leaves room for the far-future date some writers use to hold a draft.
YEAR_MIN, YEAR_MAX = 1990, 2999
SLUG_MAX = 200
TAG_MAX = 100
PATH_MAX = 400
ACCEPTED_DATES = (
    "YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS, optionally with 'T' for the "
    "space and an offset (+01:00 or Z)"
)
DATE_FIX = "write Date: YYYY-MM-DD HH:MM (e.g. Date: 2026-11-20 09:00)"

# ISO 8601 as the docs promise it: date, optional time, optional offset.
_ISO_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d{1,6})?)?"
    r" ?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
# BCP 47-ish: a 2-3 letter language, then subtags (script, region, variant).
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# Characters a feed, an XML sitemap or a browser cannot take: C0 controls but
# tab/newline/CR, DEL, and the two XML non-characters.
_BAD_IN_BODY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# In a header value also tab, the C1 controls (copy-paste debris) and the bidirectional
# overrides, which reorder what a reader sees ("Invoice \u202egnp.exe" shows as "Invoice
# exe.png" in a subject line). Embeddings and isolates stay: right-to-left titles use them.
_BAD_IN_VALUE = re.compile("[\x00-\x1f\x7f-\x9f\u202d\u202e\ufffe\uffff]")
# Keys whose line, if it is not read as a header line, lets a post reach subscribers that
# the writer meant to hold back (Status: draft, Newsletter: no) or sends it otherwise; and
# the values each takes. Only a line with one of those is taken for a lost header line:
# "Status: Accepted" opening an architecture decision record is prose.
_SENDING_VALUES = {
    "status": frozenset({"draft", "hidden", "published", "skip"}),
    "newsletter": frozenset({"no", "false", "off", "yes", "true", "on", "now"}),
    "email_mode": frozenset(EMAIL_MODES),
}
# Look-alikes of Latin letters (Cyrillic, Greek) as a key may be typed or pasted.
_LATIN_LOOKALIKES = str.maketrans("аеорсухіјѕԁтνοαιτυρκ∶꞉˸", "aeopcyxijsdtvoaitupk:::")
_STRAY_SCAN_LINES = 20  # how far into the body a Markdown post is looked at
_SLUG_EXTRA = frozenset("-_.~")
_PATH_EXTRA = frozenset("-_.~/%+")
_URL_UNSAFE = frozenset(' "\'<>`\\{}|^')
# Templates that render listings (they need articles/tags, not one post).
_LISTING_TEMPLATES = frozenset(
    {"base", "index", "archives", "categories", "category", "tag", "tags", "author",
     "authors", "period_archives"}
)  # fmt: skip


def file_problems(
    header: Header, settings: dict, templates: dict[str, Path], kind: str = "article"
) -> tuple[list[str], list[str]]:
    """(problems, unknown keys) of one file's header and body (kind: "article" or "page")."""
    if header.error:
        return [header.error], []
    problems: list[str] = []
    unknown: list[str] = []
    syntax = header.syntax
    known = known_header_keys(settings)

    seen: dict[str, int] = {}
    for entry in header.entries:
        name = entry.name
        shown = _key(syntax, entry.key)
        if name not in known:
            guess = closest_key(entry.key, known.values())
            if guess is not None:
                problems.append(
                    f"unknown key {entry.key!r} (line {entry.line}) — did you mean "
                    f"{_key(syntax, guess, bare=True)!r}?"
                )
            else:
                unknown.append(entry.key)
        if name in SINGLE_VALUED:
            if name in seen:
                problems.append(
                    f"has two {shown} lines (lines {seen[name]} and {entry.line}) — keep one"
                )
            elif entry.continued and syntax == "markdown":
                problems.append(
                    f"{shown} (line {entry.line}) continues on the indented line "
                    f"{entry.line + 1} — keep the value on one line"
                )
            seen.setdefault(name, entry.line)
        for value in [entry.value, *entry.continued]:
            bad = _BAD_IN_VALUE.search(value)
            if bad:
                problems.append(
                    f"{shown} (line {entry.line}) holds the control character "
                    f"U+{ord(bad.group()):04X} — delete it (invisible characters often come from copy-paste)"
                )
                break

    problems.extend(_stray_header_problems(header))
    problems.extend(_body_problems(header))
    problems.extend(_value_problems(header, settings, templates, kind))
    return problems, unknown


def _key(syntax: str, key: str, bare: bool = False) -> str:
    if syntax == "rst":
        return key.lower() if bare else f":{key.lower()}:"
    return key if bare else f"{key}:"


def _lookalike_key(text: str) -> str | None:
    """The sending key (status, newsletter, email_mode) a `Key: value` line sets, as a
    reader would take it at a glance: width forms folded (a full-width colon), invisible
    characters dropped, Cyrillic and Greek look-alikes read as Latin; None unless the key is
    one of those and the value one it takes."""
    text = unicodedata.normalize("NFKC", text).translate(_LATIN_LOOKALIKES)
    key, colon, value = text.partition(":")
    if not colon:
        return None
    key = "".join(ch for ch in key if unicodedata.category(ch) != "Cf").strip().casefold()
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip().casefold()
    allowed = _SENDING_VALUES.get(key)
    return key if allowed is not None and value in allowed else None


def _stray_header_problems(header: Header) -> list[str]:
    """A Status:/Newsletter:/Email_mode: line the reader takes as body text: after a blank
    line, with a space before the colon, a full-width colon, a look-alike letter, or (reST)
    a field after the text has begun. The post would be published and mailed."""
    lines = header.lines
    if header.syntax == "markdown":
        start = header.body_start
        while start < len(lines) and not lines[start].strip():
            start += 1
        candidates = []
        for index in range(start, min(len(lines), start + _STRAY_SCAN_LINES)):
            if not lines[index].strip() or lines[index].lstrip().startswith(("```", "~~~")):
                break  # the first paragraph only, and not a code block
            candidates.append(index)
        shown_key = "{}:"
    elif header.syntax == "rst":
        # Column 0 only: an indented field is inside a literal block or a directive.
        candidates = [i for i in range(header.body_start, len(lines)) if lines[i].startswith((":", "："))]
        shown_key = ":{}:"
    else:
        return []
    problems = []
    for entry in header.entries:
        for offset, value in enumerate(entry.continued, start=1):
            if _lookalike_key(value) is not None:
                problems.append(
                    f"line {entry.line + offset} {_short(value)} is indented, so it is read as part of "
                    f"the {_key(header.syntax, entry.key)} line above — start it at the beginning of the line"
                )
    for index in candidates:
        line = lines[index].strip()
        probe = line[1:] if header.syntax == "rst" else line
        name = _lookalike_key(probe)
        if name is None:
            continue
        label = "Email_mode" if name == "email_mode" else name.capitalize()
        written = shown_key.format(label.lower() if header.syntax == "rst" else label)
        problems.append(
            f"line {index + 1} {_short(line)} looks like a {written} line but is read as the "
            f"post's text (the header ends at line {header.body_start}) — write it as "
            f"'{written} …' inside the header, with no blank line before it and no space before the colon"
        )
    return problems


def _body_problems(header: Header) -> list[str]:
    body = "\n".join(header.lines[header.body_start :])
    bad = _BAD_IN_BODY.search(body)
    if not bad:
        return []
    line = header.body_start + body.count("\n", 0, bad.start()) + 1
    return [
        f"line {line} holds the control character U+{ord(bad.group()):04X} — delete it "
        "(feeds and browsers cannot take it; it often comes from copy-paste)"
    ]


def check_date(label: str, value: str) -> str | None:
    """The problem with a Date:/Modified: value as written, or None."""
    match = _ISO_DATE.match(value.strip())
    fix = DATE_FIX.replace("Date:", f"{label}:")
    if not match:
        return f"{label.lower()} {value!r} is not a date in ISO 8601 form — accepted: {ACCEPTED_DATES}; {fix}"
    try:
        datetime(
            int(match["y"]), int(match["m"]), int(match["d"]),
            int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
        )  # fmt: skip
    except ValueError as exc:
        return f"{label.lower()} {value!r} is not a date ({exc}) — {fix}"
    offset = match["tz"]
    if offset and offset != "Z":
        digits = offset[1:].replace(":", "")
        if int(digits[:2]) > 23 or int(digits[2:]) > 59:
            return f"{label.lower()} {value!r} has the offset {offset}, which is not a UTC offset — {fix} (an offset such as +01:00 or Z may follow)"
    year = int(match["y"])
    if not YEAR_MIN <= year <= YEAR_MAX:
        return (
            f"{label.lower()} {value!r} has the year {year}, outside {YEAR_MIN}–{YEAR_MAX} — "
            f"fix the year; {fix}"
        )
    return None


def _value_problems(header: Header, settings: dict, templates: dict[str, Path], kind: str) -> list[str]:
    """Every value problem of the header, in the order of the checks below."""

    def key(name: str) -> str:
        return _key(header.syntax, name)

    problems = _date_problems(header)
    problems += _title_problems(header, key)
    problems += _slug_lang_problems(header, key)
    template = header.get("template")
    if template is not None:
        problem = check_template(template, templates, settings, kind)
        if problem:
            problems.append(problem.replace("Template:", key("Template")))
    problems += _path_and_link_problems(header, key)
    problems += _name_length_problems(header, key)
    problems += _timezone_problems(header, key)
    problems += _sending_value_problems(header, key)
    problems += _foreign_front_matter_problems(header, key, kind)
    problems += _date_format_problems(header, key)
    return problems


# How Hugo and Jekyll hold a post back (draft: true, published: false): keys Pelican does
# not read, so the post would be published and mailed. Other values are left alone.
_FOREIGN_HOLDS = {"draft": frozenset({"true", "yes", "on", "1"}), "published": frozenset({"false", "no", "off", "0"})}
_YAML_QUOTED_KEYS = ("title", "summary", "subject", "description", "tags", "category")


# A line of the post's text that, read as a header line, would hold the post back:
# `draft: true`, `"published" : false`, `Status: draft` (key in quotes or spaced, a YAML comment after).
_HOLDING_LINE = re.compile(r"""^[ ]{0,3}["']?(?P<key>[A-Za-z_]+)["']?[ \t]*:[ \t]*(?P<value>.*)$""")


def _bare(value: str) -> str:
    """A front-matter value as YAML reads it: without a ` # comment` and the quotes."""
    text = value.strip()
    hash_at = next((i for i in range(1, len(text)) if text[i] == "#" and text[i - 1] in " \t"), -1)
    if hash_at > 0:
        text = text[:hash_at].strip()
    return text.strip("'\"").strip().lower()


# Per key, the values that hold a post back (from the sending keys' values above).
_HOLDING_VALUES = {
    "status": _SENDING_VALUES["status"] - {"published"},
    "newsletter": frozenset({"no", "false", "off"}),
    **_FOREIGN_HOLDS,
}


def _holding_line(line: str) -> bool:
    match = _HOLDING_LINE.match(line)
    return match is not None and _bare(match["value"]) in _HOLDING_VALUES.get(match["key"].lower(), ())


def _foreign_front_matter_problems(header: Header, key, kind: str = "article") -> list[str]:
    """Front matter written for another generator: what would change what is published."""
    problems = []
    held = _bare(header.get("status") or "") in ("draft", "hidden")
    for name, holding in _FOREIGN_HOLDS.items():
        entry = header.first(name)
        if held or entry is None or _bare(entry.value) not in holding:
            continue
        what = "published and mailed" if kind == "article" else "published"
        problems.append(
            f"{_key(header.syntax, entry.key)} {_short(entry.value)} (line {entry.line}) is how Hugo or "
            f"Jekyll keep a post back, which Pelican does not read: this {kind if kind == 'page' else 'post'} "
            f"would be {what} — write '{key('Status')} draft' instead and delete that line"
        )
    broken = header.fence_break
    if broken is not None:
        ended, gap = broken
        lost = next((i for i in gap if _holding_line(header.lines[i])), None)
        if lost is not None:
            shown = header.lines[ended - 1].strip()
            where = f"line {ended} {_short(shown)}" if shown else f"the blank line {ended}"
            problems.append(
                f"line {lost + 1} {_short(header.lines[lost].strip())} is after the header's end ({where} "
                "ends it, before the closing '---'), so it is read as the post's text and the post "
                f"would be published{' and mailed' if kind == 'article' else ''} — write each key on one "
                f"line as 'Key: value' (a list as 'Tags: a, b') with no blank line or comment before the "
                f"closing '---', and '{key('Status')} draft' to hold the post"
            )
    if header.fenced:
        # In YAML `title: "A: b"` is quoted text; here the quotes stay in the title, the
        # subject line and the feeds.
        for name in _YAML_QUOTED_KEYS:
            entry = header.first(name)
            value = entry.value.strip() if entry is not None else ""
            # Wholly in one pair of quotes, as YAML quotes a string: `"Ask", she said, "early"`
            # holds its quotes inside, and is text.
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" and value[0] not in value[1:-1]:
                problems.append(
                    f"{_key(header.syntax, entry.key)} {_short(value)} (line {entry.line}) is in quotes, "
                    "which this header keeps as typed (it is read as 'Key: value' lines, not YAML) — "
                    "delete the quotes, or write “…” to show quotation marks"
                )
    return problems


DATE_FORMAT_MAX = 100


def _date_format_problems(header: Header, key) -> list[str]:
    """A Date_format: Pelican can print (strftime) in a line's room: it is shown beside the
    title on pages, listings and the email."""
    value = header.get("date_format")
    if value is None:
        return []
    fix = f"write strftime codes such as '{key('Date_format')} %d %B %Y', or delete the line"
    if len(value) > DATE_FORMAT_MAX:
        return [f"{key('Date_format')} is {len(value)} characters long (at most {DATE_FORMAT_MAX}) — {fix}"]
    from pelican.utils import SafeDatetime

    try:  # Pelican's own strftime (it reads the codes itself, and stops on a lone %)
        SafeDatetime(2026, 1, 2, 3, 4, 5).strftime(value.strip())
    except ValueError as exc:
        return [f"{key('Date_format')} {_short(value)} is not a date format ({exc}) — {fix}"]
    return []


def _sending_value_problems(header: Header, key) -> list[str]:
    """Status: and Email_mode: values that decide whether and how a post is mailed."""
    problems = []
    status = header.first("status")
    if status is not None and not status.value and not status.continued:
        problems.append(
            f"has an empty {key('Status')} line {status.line} — write '{key('Status')} draft' to "
            "keep the post unpublished, or delete the line to publish it"
        )
    elif status is not None and status.value.casefold() == "skip" and status.value != "skip":
        problems.append(
            f"{key('Status')} {_short(status.value)} — Pelican reads 'skip' in lower case only; "
            f"write '{key('Status')} draft' to keep the post out of the site"
        )
    mode = header.get("email_mode")
    if mode is not None and mode.strip().lower() not in EMAIL_MODES:
        problems.append(
            f"{key('Email_mode')} {_short(mode)} is not full or excerpt — write "
            f"'{key('Email_mode')} full' (the whole post in the email) or '{key('Email_mode')} excerpt'"
        )
    return problems


def _date_problems(header: Header) -> list[str]:
    problems = []
    for name, label in (("date", "Date"), ("modified", "Modified")):
        value = header.get(name)
        problem = check_date(label, value) if value is not None else None
        if problem:
            problems.append(problem)
    return problems


def _title_problems(header: Header, key) -> list[str]:
    title = header.first("title")
    if header.syntax == "markdown" and title is not None and not title.value and not title.continued:
        return [f"has an empty {key('Title')} line {title.line} — write the post's title after it"]
    return []


def _slug_lang_problems(header: Header, key) -> list[str]:
    problems = []
    slug = header.get("slug")
    problem = check_slug(slug) if slug is not None else None
    if problem:
        problems.append(f"{key('Slug')} {_short(slug)} {problem}")
    lang = header.get("lang")
    if lang is not None and (len(lang) > 35 or not _LANG.match(lang)):
        problems.append(
            f"{key('Lang')} {_short(lang)} is not a language tag — write a BCP 47 tag such as "
            "en, fr, pt-BR or zh-Hant"
        )
    return problems


def _path_and_link_problems(header: Header, key) -> list[str]:
    """Url:, Save_as:, Original_url: and Image:."""
    problems = []
    for name, label in (("url", "Url"), ("save_as", "Save_as")):
        value = header.get(name)
        problem = check_site_path(value, folder_ok=name == "url") if value is not None else None
        if problem:
            problems.append(f"{key(label)} {_short(value)} {problem}")
    original = header.get("original_url")
    if original is not None and not is_https_url(original):
        problems.append(
            f"{key('Original_url')} {_short(original)} is not an https:// URL — write the full "
            "address of the original, e.g. https://medium.com/@you/the-post"
        )
    image = header.get("image")
    problem = check_image(image) if image is not None else None
    if problem:
        problems.append(f"{key('Image')} {_short(image)} {problem}")
    return problems


def _name_length_problems(header: Header, key) -> list[str]:
    """A tag or category name becomes a file name: at most TAG_MAX characters (one line each)."""
    problems = []
    for name, label in (("tags", "Tags"), ("category", "Category")):
        value = header.get(name)
        if value is None:
            continue
        names = _metadata_list(value) if name == "tags" else [value.strip()]
        longest = next((item for item in names if len(item) > TAG_MAX), None)
        if longest is not None:
            problems.append(
                f"{key(label)} has a name of {len(longest)} characters (at most {TAG_MAX}) — "
                "shorten it (it becomes a page's file name)"
            )
    return problems


def _timezone_problems(header: Header, key) -> list[str]:
    timezone = header.get("timezone")
    if timezone is None:
        return []
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return [
            f"{key('Timezone')} {_short(timezone)} is not a known time zone — use an IANA "
            "name such as Europe/London, or delete the line (TIMEZONE applies)"
        ]
    return []


def _short(value: str, limit: int = 60) -> str:
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)


def _metadata_list(value: str) -> list[str]:
    parts = value.split(";") if ";" in value else value.split(",")
    return [part.strip() for part in parts if part.strip()]


def check_slug(slug: str) -> str | None:
    """The problem with a slug, or None."""
    slug = slug.strip()
    if not slug:
        return "is empty — write a slug (letters, digits and -) or delete the line"
    if len(slug) > SLUG_MAX:
        return f"is {len(slug)} characters long (at most {SLUG_MAX}) — shorten it"
    bad = sorted({ch for ch in slug if not (ch.isalnum() or ch in _SLUG_EXTRA)})
    if bad or ".." in slug or slug.startswith("."):
        shown = "".join(bad[:5]) if bad else ".."
        return (
            f"may hold only letters, digits, '-', '_', '.' and '~' (not {shown!r}, no '..', "
            "no leading '.') — e.g. Slug: my-post"
        )
    return None


def check_site_path(value: str, *, folder_ok: bool) -> str | None:
    """A Url:/Save_as: value must be a relative path inside the site."""
    value = value.strip()
    if not value:
        return None  # Pelican: an empty Url/Save_as means "no page of its own"
    if urlsplit(value).scheme or value.startswith(("/", "\\")) or ":" in value:
        return "must be a path inside the site, without a scheme or leading '/' — e.g. notes/my-post/"
    parts = value.split("/")
    if ".." in parts or "." in parts:
        return "must stay inside the site (no '..' or '.' parts) — e.g. notes/my-post/"
    if any(part.startswith(".") for part in parts):
        return (
            "must not name a hidden file or folder (a part starting with '.', like .htaccess): "
            "web servers read those as their own settings — e.g. notes/my-post/"
        )
    if len(value) > PATH_MAX or any(len(part.encode()) > 200 for part in parts):
        return f"is too long (at most {PATH_MAX} characters, 200 per folder) — shorten it"
    bad = sorted({ch for ch in value if not (ch.isalnum() or ch in _PATH_EXTRA)})
    if bad:
        return (
            f"may hold only letters, digits and - _ . ~ / % + (not {''.join(bad[:5])!r}) — "
            "e.g. notes/my-post/"
        )
    if not folder_ok and value.endswith("/"):
        return "must name a file, e.g. notes/my-post/index.html"
    return None


def is_https_url(value: str) -> bool:
    value = value.strip()
    parts = urlsplit(value)
    return (
        parts.scheme == "https"
        and bool(parts.netloc)
        and not any(ch in _URL_UNSAFE for ch in value)
        and not _BAD_IN_VALUE.search(value)
    )


def check_image(value: str) -> str | None:
    value = value.strip()
    if urlsplit(value).scheme:
        if is_https_url(value):
            return None
        return "must be a path inside content/ (images/card.png) or an https:// URL"
    path = value.removeprefix("{static}").lstrip("/")
    parts = path.split("/")
    if not path or ".." in parts or any(ch in _URL_UNSAFE - {" "} for ch in path) or ":" in path:
        return "must be a path inside content/ (e.g. images/card.png) or an https:// URL"
    return None


def theme_templates(settings: dict) -> dict[str, Path]:
    """name -> file of every page template the theme (and its overrides) offers."""
    found: dict[str, Path] = {}
    folders = [Path(p) for p in settings.get("THEME_TEMPLATES_OVERRIDES", []) or []]
    folders.append(Path(settings.get("THEME", "")) / "templates")
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.html")):
                found.setdefault(path.stem, path)
    return found


def page_templates(templates: dict[str, Path], kind: str) -> list[str]:
    """The templates that can render one post (kind "article") or page ("page")."""
    other = "page" if kind == "article" else "article"
    usable = []
    for name, path in templates.items():
        if name.startswith("_") or name in _LISTING_TEMPLATES or name == other:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        # A template written for the other kind reads a variable this one lacks.
        if f'extends "{other}.html"' in text or f"extends '{other}.html'" in text:
            continue
        usable.append(name)
    return sorted(usable)


def check_template(value: str, templates: dict[str, Path], settings: dict, kind: str = "article") -> str | None:
    name = value.strip()
    usable = page_templates(templates, kind)
    if name in usable:
        return None
    choices = ", ".join(usable) or "(none)"
    theme = Path(settings.get("THEME", "theme")).name
    if name in templates:
        why = f"renders a listing, a part of a page or a {'page' if kind == 'article' else 'post'}, not a {'post' if kind == 'article' else 'page'}"
    elif _TEMPLATE_NAME.match(name):
        why = f"is not in the theme ({theme}/templates/{name}.html does not exist)"
    else:
        why = "is not a template name"
    return f"Template: {_short(name)} {why} — use one of: {choices}; or delete the line"
