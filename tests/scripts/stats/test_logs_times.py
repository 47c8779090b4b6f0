"""The reader's per-hour time parsing (scripts/stats_logs.py _Reader._moment) against
access_logs.log_time(), the reference, on a seeded corpus of good and broken log times."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from scripts import access_logs as al
from scripts.stats_logs import _Reader
from tests.scripts.stats.test_logs_fast_path import SITE, TZ, stamp


def times(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    out = [b"29/Feb/2024:23:59:59 +0000", b"29/Feb/2025:00:00:00 +0000", b"31/Dec/2026:23:59:59 -1200",
           b"01/Jan/2027:00:00:00 +1400", b"01/Dec/2026:13:60:00 +0000", b"01/Dec/2026:13:00:60 +0000",
           b"01/Dec/2026:24:00:00 +0000", b"01/Dec/2026:13:17:11 +0160", b"01/Dec/2026:13:17:11 +2400",
           b"01/Dec/2026:13:17:11 +0000 ", b"01/Dec/2026:13:17:1", b"", b"01/Dec/2026:13:-1:11 +0000",
           b"01/Dec/2026:13:17: 1 +0000", b"01/Dec/2026:13:+1:11 +0000", b"01/Dec/2026:13 17 11 +0000",
           b"01/Dec/2026:13:17:11 ~0000", b"01/Dec/2026:13:17:11\t+0000", b"01/Dec/2026:13:1\xd9:11 +0000"]
    for _ in range(count):
        good = stamp(start + timedelta(seconds=rng.randrange(3 * 365 * 86400)), rng.choice(
            [0, 60, -300, 330, 345, -570, 840, -720, 59, -59]))
        at = rng.randrange(len(good))
        out += [good, good[:at] + bytes([rng.randrange(256)]) + good[at + 1:],
                good[:at] + rng.choice([b"0", b"9", b"6", b":", b" ", b"-", b"+"]) + good[at + 1:]]
    return out


def test_the_hourly_parse_gives_log_time_exactly():
    reader = _Reader(SITE, TZ, "2027-01-01")
    corpus = times(11, 4000)
    for _ in range(2):  # cold, then with every hour remembered
        for value in corpus:
            assert reader._moment(value) == al.log_time(value), value
    broken = [value for value in corpus if al.log_time(value) is None]
    assert len(broken) > 2000 and len(corpus) - len(broken) > 4000  # both kinds, many of each


def test_the_hourly_parse_keeps_the_offset_and_the_day():
    reader = _Reader(SITE, TZ, "2027-01-01")
    for value in times(12, 2000):
        expected = al.log_time(value)
        if expected is not None:
            got = reader._moment(value)
            assert got.utcoffset() == expected.utcoffset()
            assert reader._day(value) == expected.astimezone(TZ).date().isoformat()


def test_the_minute_caches_stay_bounded_and_right_across_many_zones(monkeypatch):
    import scripts.stats_logs as stats_logs

    monkeypatch.setattr(stats_logs, "_CACHE_LIMIT", 2000)  # a small bound, reached many times
    reader = _Reader(SITE, TZ, "2027-01-01")
    start = datetime(2026, 3, 28, tzinfo=UTC)  # over the change to summer time in Paris
    for step in range(6000):
        value = stamp(start + timedelta(minutes=step * 7), [0, 60, 120, -300, 330, 345, -570, 840][step % 8] + step % 40)
        assert reader._day(value) == al.log_time(value).astimezone(TZ).date().isoformat(), value
        minutes = {id(m): m for m in reader.zones.values()}.values()
        assert sum(map(len, minutes)) <= 2000 and len(reader.zones) <= stats_logs._ZONES * 60
        assert len(reader.hours) <= 2001


def test_a_new_minute_does_not_send_its_line_to_the_reference_parser(tmp_path, monkeypatch):
    """A sparse log (every line in a minute of its own) stays on the fast path; only the lines
    off the everyday shape are parsed by access_logs.parse_line(), and the figures are the same."""
    import scripts.stats_logs as stats_logs
    from tests.scripts.stats.test_logs_fast_path import comparable, figures, reference

    start = datetime(2026, 10, 24, 22, tzinfo=UTC)  # over the end of summer time in Paris
    lines = []
    for step in range(3000):
        moment = start + timedelta(minutes=step, seconds=step % 60)
        if step % 100 == 7:
            lines.append(b"garbage line without structure")
        lines.append(b'203.0.113.%d - - [%s] "GET /2026/post-0%d/ HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux '
                     b'x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"' % (step % 9, stamp(moment, [0, 60, -300][step % 3]),
                                                                            step % 8))
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "access.log"
    path.write_bytes(data)
    parsed: list[bytes] = []
    real = stats_logs._Reader._careful

    def spy(self, line):
        parsed.append(line)
        return real(self, line)

    monkeypatch.setattr(stats_logs._Reader, "_careful", spy)
    monkeypatch.setattr(stats_logs, "PARALLEL_MIN", 1 << 62)
    result, _ = stats_logs.read_logs([path], SITE, None, timezone=TZ, today=date(2027, 1, 1))
    assert parsed == [b"garbage line without structure"] * 30
    assert result.new_malformed == 30 and result.lines_read == 3030
    assert figures(result) == comparable(reference(data))
