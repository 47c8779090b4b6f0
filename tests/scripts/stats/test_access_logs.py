"""scripts/access_logs.py: fields of nginx and Apache lines, linear time on hostile lines, sources, readers."""

import time

import pytest

from scripts import access_logs as al

NGINX = (b'203.0.113.9 - - [01/Dec/2026:13:17:11 +0000] "GET /2026/slug/?ref=newsletter HTTP/1.1" 200 5120 '
         b'"https://www.linkedin.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"')


def test_combined_and_common_lines_give_their_fields():
    fields = al.parse_fields(NGINX)
    assert fields.addr == b"203.0.113.9"
    assert fields.time == b"01/Dec/2026:13:17:11 +0000"
    assert fields.request == b"GET /2026/slug/?ref=newsletter HTTP/1.1"
    assert fields.status == 200
    assert fields.referrer == b"https://www.linkedin.com/"
    assert fields.agent.startswith(b"Mozilla/5.0")
    common = al.parse_fields(b'::1 - alice [01/Dec/2026:13:17:11 -0500] "GET / HTTP/1.0" 304 -')
    assert (common.addr, common.status, common.referrer, common.agent) == (b"::1", 304, b"", b"")


def test_apache_escaped_quotes_take_the_careful_scanner():
    line = (b'2001:db8::1 - - [01/Dec/2026:13:17:11 +0100] "GET /a/ HTTP/1.1" 200 10 "-" '
            b'"Agent \\"with quotes\\" and \\\\ slash"')
    fields = al.parse_fields(line)
    assert fields.addr == b"2001:db8::1"
    assert fields.agent == b'Agent \\"with quotes\\" and \\\\ slash'
    assert al.split_line(NGINX) == al.LINE.match(NGINX).groups()


@pytest.mark.parametrize("line", [
    b"", b"garbage", b"1.2.3.4 - - [x] \"GET / HTTP/1.1\"", b'1.2.3.4 - - [01/Dec/2026:13:17:11 +0000] "GET /',
    b'1.2.3.4 - - [01/Dec/2026:13:17:11 +0000] "GET / HTTP/1.1" 2000 1',
])
def test_malformed_lines_are_none(line):
    assert al.parse_line(line) is None


def _time(function, line, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        function(line)
        best = min(best, time.perf_counter() - began)
    return best


@pytest.mark.parametrize("builder", [
    lambda n: b"a" * n,  # no structure at all
    lambda n: b"1 - - [" + b"[" * n,  # an unclosed bracket
    lambda n: b'1 - - [t] "' + b'\\"' * n,  # endless escaped quotes
    lambda n: b'1 - - [t] "GET / HTTP/1.1" 200 1 "' + b' "' * n,  # quote-space runs
    lambda n: b"1 " * n,  # many fields
])
def test_pathological_lines_take_linear_time(builder):
    """A hostile line four times longer takes at most about four times longer (quadratic
    backtracking would take sixteen), and no line of the longest kept length takes long."""
    for function in (al.parse_line, al.split_line, al.LINE.match):
        small = _time(function, builder(2000))
        large = _time(function, builder(8000))
        assert large < max(small * 9, 0.003), (function, small, large)
        assert large < 0.05


def test_overlong_lines_are_refused_at_once():
    line = b'1 - - [t] "' + b"\\" * 500_000
    assert _time(al.parse_line, line) < 0.01
    assert al.parse_line(line) is None


def test_log_time_reads_the_zone():
    moment = al.log_time(b"20/Nov/2026:23:30:00 -0500")
    assert moment.utcoffset().total_seconds() == -5 * 3600
    assert moment.isoformat() == "2026-11-20T23:30:00-05:00"
    assert al.log_time(b"31/Foo/2026:23:30:00 +0000") is None


@pytest.mark.parametrize(("referrer", "query", "group"), [
    (b"https://www.linkedin.com/feed/", b"", al.LINKEDIN),
    (b"https://lnkd.in/abc", b"", al.LINKEDIN),
    (b"android-app://com.linkedin.android/", b"", al.LINKEDIN),
    (b"https://www.google.co.uk/", b"", al.SEARCH),
    (b"https://duckduckgo.com/", b"", al.SEARCH),
    (b"https://mail.google.com/", b"", al.EMAIL),
    (b"-", b"ref=newsletter", al.EMAIL),
    (b"https://www.linkedin.com/", b"x=1&ref=newsletter", al.EMAIL),
    (b"https://feedly.com/i/entry/1", b"", al.FEEDS),
    (b"https://example.com/2026/other/", b"", al.INTERNAL),
    (b"https://news.example.org/", b"", al.OTHER),
    (b"-", b"", al.DIRECT),
    (b"", b"", al.DIRECT),
])
def test_sources_are_grouped(referrer, query, group):
    assert al.source_group(referrer, query, frozenset({"example.com"}))[0] == group


def test_aggregators_report_their_subscribers():
    assert al.subscribers(b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers)") == ("Feedly", 42)
    assert al.subscribers(b"NewsBlur Feed Fetcher - 5 subscribers - https://www.newsblur.com/") == ("NewsBlur", 5)
    assert al.subscribers(b"Mozilla/5.0 (compatible; inoreader.com; 1 subscribers)") == ("Inoreader", 1)
    assert al.subscribers(b"The Old Reader (+http://theoldreader.com/; 3 subscribers)") == ("The Old Reader", 3)
    assert al.subscribers(b"NetNewsWire (RSS Reader; https://netnewswire.com/)") is None
    assert al.looks_like_reader(b"NetNewsWire (RSS Reader; https://netnewswire.com/)")
