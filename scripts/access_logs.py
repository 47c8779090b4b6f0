"""Access-log lines (common and combined format, nginx and Apache defaults), parsed in linear time.

    203.0.113.9 - - [01/Dec/2026:13:17:11 +0000] "GET /2026/slug/ HTTP/1.1" 200 5120 "https://www.linkedin.com/" "Mozilla/5.0 …"

The common format stops after the byte count; the combined format adds the
quoted referrer and user agent; anything after those (nginx setups often log
`$http_x_forwarded_for` or a request time) is ignored.

Why this shape: logs are large and written by anyone who can send a request,
so a line must never cost more than one pass over it. The fast path is one
anchored pattern whose every quantifier is possessive (`++`, `*+`) over a
character class that excludes the delimiter that follows it — nothing to
backtrack into, no nested quantifier. Apache writes a `"` inside a field as
`\\"` (nginx as `\\x22`); a line holding `\\"` goes to `split_line()`, a
scanner that walks the line once with `bytes.find`. tests/scripts/stats/test_access_logs.py
times both on pathological lines.

This module only turns bytes into fields and fields into words ("bot",
"linkedin", "Feedly, 42 subscribers"). It keeps no state and never sees a post;
scripts/stats_logs.py aggregates, and the raw addresses never leave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_to_bytes

MAX_LINE = 16 * 1024  # a longer line is malformed (real log lines are a few hundred bytes)
# A longer user agent is counted as a bot without asking the crawler list: no browser sends
# one (they are 100-300 bytes), and crawlerdetect's pattern takes quadratic time in the
# length of what it searches (0.2 s at 1 KB, 33 s at 16 KB, per distinct agent).
MAX_AGENT = 512

# One anchored pattern, every quantifier possessive over a class without its delimiter.
LINE = re.compile(
    rb"([^ \n]++) [^ \n]++ [^ \n]++ \[([^\]\n]++)\] \"([^\"\n]*+)\" ([0-9]{3}) (?:[0-9]++|-)"
    rb"(?: \"([^\"\n]*+)\" \"([^\"\n]*+)\")?"
)
MONTHS = {m.encode(): i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


@dataclass(frozen=True, slots=True)
class Fields:
    """One parsed line; bytes as logged (decoding waits until a value is kept)."""

    addr: bytes
    time: bytes  # 01/Dec/2026:13:17:11 +0000
    request: bytes  # GET /path?q HTTP/1.1
    status: int
    referrer: bytes  # b"" for "-" or the common format
    agent: bytes


def parse_line(line: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes | None, bytes | None] | None:
    """(addr, time, request, status, referrer, agent) of one line without its newline, or None.

    referrer and agent are None for the common format. The tuple is what the
    aggregator's hot loop unpacks; `Fields` is its readable twin for tests.
    """
    if len(line) > MAX_LINE:
        return None
    if b'\\"' in line:
        return split_line(line)
    match = LINE.match(line)
    return match.groups() if match else None


def parse_fields(line: bytes) -> Fields | None:
    parts = parse_line(line)
    if parts is None:
        return None
    addr, time, request, status, referrer, agent = parts
    return Fields(addr, time, request, int(status), _dash(referrer), _dash(agent))


def _dash(value: bytes | None) -> bytes:
    return b"" if value in (None, b"-") else value


def _quoted(line: bytes, start: int) -> tuple[bytes, int] | None:
    """The quoted field opening at line[start] (a `"`), with `\\"` and `\\\\` kept, and the index after it."""
    if start >= len(line) or line[start] != 0x22:
        return None
    pos = start + 1
    while True:
        end = line.find(b'"', pos)
        if end < 0:
            return None
        # An escaped quote has an odd number of backslashes before it.
        slashes = 0
        back = end - 1
        while back > start and line[back] == 0x5C:
            slashes += 1
            back -= 1
        if slashes % 2 == 0:
            return line[start + 1 : end], end + 1
        pos = end + 1


def split_line(line: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes | None, bytes | None] | None:
    """The slow path: the same fields by walking the known structure once (quotes may be escaped)."""
    if len(line) > MAX_LINE:
        return None
    first = line.find(b" ")
    if first <= 0:
        return None
    addr = line[:first]
    open_bracket = line.find(b" [", first)
    close_bracket = line.find(b"] ", open_bracket + 2) if open_bracket > 0 else -1
    if close_bracket < 0 or line.count(b" ", first, open_bracket + 1) != 3:
        return None
    time = line[open_bracket + 2 : close_bracket]
    quoted = _quoted(line, close_bracket + 2)
    if quoted is None:
        return None
    request, pos = quoted
    rest = line[pos:].split(b" ", 3)
    # rest: ["", status, bytes, remainder]
    if len(rest) < 3 or rest[0] != b"" or len(rest[1]) != 3 or not rest[1].isdigit():
        return None
    size = rest[2]
    if not (size == b"-" or size.isdigit()):
        return None
    status = rest[1]
    referrer = agent = None
    if len(rest) == 4:
        tail_start = len(line) - len(rest[3])
        ref = _quoted(line, tail_start)
        if ref is not None and ref[1] < len(line) and line[ref[1]] == 0x20:
            ua = _quoted(line, ref[1] + 1)
            if ua is not None:
                referrer, agent = ref[0], ua[0]
    return addr, time, request, status, referrer, agent


# ------------------------------------------------------------------------------ fields → meaning
def log_time(value: bytes) -> datetime | None:
    """01/Dec/2026:13:17:11 +0100 → an aware datetime, or None.

    The layout is fixed (nginx's $time_local and Apache's %t both write it, always two-digit
    days): every separator at its place, every number all digits. Being strict keeps the
    aggregator's per-minute cache exact — two times that differ only in their seconds (both
    00-59) fall on the same local day — and refuses "+1" or " 1" that int() would take.
    """
    if (len(value) != 26 or value[2:3] != b"/" or value[6:7] != b"/" or value[11:12] != b":"
            or value[14:15] != b":" or value[17:18] != b":" or value[20:21] != b" "
            or value[21:22] not in (b"+", b"-")):
        return None
    numbers = (value[:2], value[7:11], value[12:14], value[15:17], value[18:20], value[22:26])
    month = MONTHS.get(value[3:6])
    if month is None or not all(n.isdigit() for n in numbers):
        return None
    day, year, hh, mm, ss, zone = (int(n) for n in numbers)
    if zone % 100 > 59:
        return None
    offset = timedelta(hours=zone // 100, minutes=zone % 100) * (-1 if value[21:22] == b"-" else 1)
    try:
        return datetime(year, month, day, hh, mm, ss, tzinfo=timezone(offset))
    except ValueError:  # 31/Nov, hour 24, second 60, an offset of a day or more
        return None


def request_target(request: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(method, path, query) of "GET /a/b?x=1 HTTP/1.1"; the path percent-decoded; or None."""
    parts = request.split(b" ")
    if len(parts) != 3 or not parts[1].startswith(b"/"):
        return None
    target = parts[1]
    path, _, query = target.partition(b"?")
    path = path.partition(b"#")[0]
    if b"%" in path:
        path = unquote_to_bytes(path)
    return parts[0], path, query


# Referrer hosts, grouped. A host matches an entry when it is that name or ends with "." + name.
LINKEDIN = "LinkedIn"
SEARCH = "Search engines"
EMAIL = "Email"
FEEDS = "Feed readers"
OTHER = "Other sites"
INTERNAL = "Within the site"
DIRECT = "Direct"
SOURCE_GROUPS = (LINKEDIN, SEARCH, EMAIL, FEEDS, OTHER, INTERNAL, DIRECT)

_HOST_GROUPS = {  # in order: webmail before search (mail.google.com is not a search)
    EMAIL: ("mail.google.com", "com.google.android.gm", "outlook.live.com", "outlook.office.com",
            "outlook.office365.com", "mail.yahoo.com", "mail.proton.me", "fastmail.com", "mail.aol.com",
            "mailchimp.com", "list-manage.com", "mcusercontent.com"),
    LINKEDIN: ("linkedin.com", "lnkd.in", "linkedin.android", "com.linkedin.android", "licdn.com"),
    SEARCH: ("google.com", "bing.com", "duckduckgo.com", "search.yahoo.com", "yahoo.com", "ecosia.org",
             "yandex.ru", "yandex.com", "baidu.com", "qwant.com", "startpage.com", "kagi.com",
             "search.brave.com", "perplexity.ai", "googlequicksearchbox", "com.google.android.gm.search"),
    FEEDS: ("feedly.com", "inoreader.com", "newsblur.com", "theoldreader.com", "feedbin.com",
            "bazqux.com", "feedspot.com", "netnewswire.com"),
}
# Country search domains: google.co.uk, google.de, bing.co, … (the label before the public suffix).
_SEARCH_LABELS = ("google", "bing", "yahoo", "yandex", "duckduckgo", "ecosia", "qwant")
EMAIL_MARKERS = (b"ref=newsletter", b"utm_medium=email", b"utm_source=newsletter")


def referrer_host(referrer: bytes) -> str:
    """The lower-case host of a referrer URL ("" when there is none)."""
    if not referrer or referrer == b"-":
        return ""
    text = referrer.decode("latin-1").strip().lower()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return ""
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0].removeprefix("www.")


def _in(host: str, names: tuple[str, ...]) -> bool:
    return any(host == name or host.endswith("." + name) for name in names)


def has_email_marker(query: bytes) -> bool:
    """Whether a query string carries the edition's marker (?ref=newsletter, or UTM email tags)."""
    return any(marker in query for marker in EMAIL_MARKERS)


def source_group(referrer: bytes, query: bytes, site_hosts: frozenset[str]) -> tuple[str, str]:
    """(group, host) of one page view: the edition's marker wins, then the referrer's host."""
    if query and has_email_marker(query):
        return EMAIL, ""
    host = referrer_host(referrer)
    if not host:
        return DIRECT, ""
    if host in site_hosts:
        return INTERNAL, host
    for group, names in _HOST_GROUPS.items():
        if _in(host, names):
            return group, host
    labels = host.split(".")
    if len(labels) >= 2 and any(label in _SEARCH_LABELS for label in labels[:-1][-2:]):
        return SEARCH, host
    return OTHER, host


# Feed aggregators: (name shown, lower-case token in the user agent).
AGGREGATORS = (
    ("Feedly", "feedly"), ("Inoreader", "inoreader"), ("NewsBlur", "newsblur"),
    ("The Old Reader", "theoldreader"), ("The Old Reader", "the old reader"), ("Feedbin", "feedbin"),
    ("BazQux", "bazqux"), ("Feedspot", "feedspot"), ("FreshRSS", "freshrss"), ("Miniflux", "miniflux"),
    ("Tiny Tiny RSS", "tiny tiny rss"), ("Feed Wrangler", "feed wrangler"), ("NewsBlur", "newsblur"),
    ("Bloglovin", "bloglovin"), ("Flipboard", "flipboard"), ("Digg Reader", "digg"),
)
# Words that mark a feed fetcher flagged by the crawler list as a reader, not a bot.
READER_WORDS = ("rss", "feed", "reader", "netnewswire", "newsboat", "liferea", "thunderbird",
                "akregator", "quiterss", "reeder", "unread", "lire", "fluent", "feeder", "elfeed")


def subscribers(agent: bytes) -> tuple[str, int] | None:
    """("Feedly", 42) for an aggregator's "… 42 subscribers …" user agent, else None."""
    lower = agent.lower()
    at = lower.find(b" subscriber")
    if at < 0:
        at = lower.find(b" reader")  # some write "12 readers"
        if at < 0:
            return None
    end = at
    start = end
    while start > 0 and 0x30 <= lower[start - 1] <= 0x39:
        start -= 1
    if start == end or end - start > 9:
        return None
    count = int(lower[start:end])
    text = lower.decode("latin-1")
    for name, token in AGGREGATORS:
        if token in text:
            return name, count
    first = agent.split(b"/", 1)[0].split(b" ", 1)[0].decode("latin-1", "replace").strip() or "Other"
    return first[:40], count


def looks_like_reader(agent: bytes) -> bool:
    text = agent.lower().decode("latin-1")
    return any(word in text for word in READER_WORDS)
