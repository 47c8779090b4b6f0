"""The parallel read of a large fresh log (scripts/stats_logs.py) against the serial read.

The seeded hostile corpus of test_logs_fast_path.py is read once serially and once by
worker processes, with the size threshold lowered and the byte ranges made tiny or put
exactly where a split could go wrong — inside and right after overlong lines, after CR/LF
lines, next to the length limit, next to the read-size grid. Every figure of the result and
the cache (as save_cache writes it) must be the serial read's, also over two runs through the
cache, and a log whose days come back after being summed up must fall back to the serial read.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

import scripts.stats_logs as stats_logs
from scripts import access_logs as al
from scripts.stats_logs import read_logs
from tests.scripts.stats.test_logs_fast_path import SITE, TZ, comparable, corpus, figures, reference

TODAY = date(2027, 1, 1)


def cache_text(cache: dict) -> str:
    return json.dumps(cache, indent=1, sort_keys=True, ensure_ascii=False)  # as stats_cache.save_cache


def everything(result) -> dict:
    return dataclasses.asdict(result)


@pytest.fixture
def parallel(monkeypatch):
    """Force the parallel path on small files; record, per range, whether its worker's result
    was booked (True) or the range read again serially (False)."""
    merges: list = []
    real_take, real_scan = stats_logs._take_range, stats_logs._Reader.scan

    def spy(reader, part, handle, start, stop, grid):
        calls = len(rescans)
        scan = real_take(reader, part, handle, start, stop, grid)
        merges.append(len(rescans) == calls)
        return scan

    rescans: list = []

    def scan_spy(self, *args, **kwargs):
        rescans.append(args[0])
        return real_scan(self, *args, **kwargs)

    monkeypatch.setattr(stats_logs, "PARALLEL_MIN", 1)
    monkeypatch.setattr(stats_logs, "_workers", lambda: 2)
    monkeypatch.setattr(stats_logs, "_take_range", spy)
    monkeypatch.setattr(stats_logs._Reader, "scan", scan_spy)
    return merges


def serial(path, cache=None, today=TODAY):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stats_logs, "PARALLEL_MIN", 1 << 62)
        return read_logs([path], SITE, cache, timezone=TZ, today=today)


@pytest.mark.parametrize(("seed", "chunk", "span"), [(1, stats_logs.CHUNK, 997), (2, 4096, 7919),
                                                     (3, 4096, 40_009), (5, 16_411, 300)])
def test_the_parallel_read_gives_the_serial_figures_and_cache(tmp_path, monkeypatch, parallel, seed, chunk, span):
    data = corpus(seed, 6000)
    path = tmp_path / "access.log"
    path.write_bytes(data)
    monkeypatch.setattr(stats_logs, "CHUNK", chunk)
    expected, expected_cache = serial(path)
    monkeypatch.setattr(stats_logs, "PARALLEL_RANGE", span)
    result, cache = read_logs([path], SITE, None, timezone=TZ, today=TODAY)
    assert len(parallel) > 20 and all(parallel)  # many ranges, each booked (none read again)
    assert everything(result) == everything(expected)
    assert cache_text(cache) == cache_text(expected_cache)
    assert figures(result) == comparable(reference(data))


def trap_starts(data: bytes, chunk: int) -> list[int]:
    """Line starts where a split is most likely to go wrong."""
    starts, position = [], 0
    for line in data.split(b"\n")[:-1]:
        starts.append((position, line))
        position += len(line) + 1
    chosen = {0}
    for index, (at, line) in enumerate(starts[:-1]):
        follows = starts[index + 1][0]
        if len(line) > al.MAX_LINE - 5 or line.endswith(b"\r"):
            chosen.update({at, follows})  # at and after an overlong or CR/LF line
        if at // chunk != follows // chunk:
            chosen.update({at, follows})  # on both sides of a read-size boundary
    return sorted(chosen)


@pytest.mark.parametrize("chunk", [4096, 20_000])
def test_splits_at_the_traps_count_each_line_once(tmp_path, monkeypatch, parallel, chunk):
    data = corpus(1, 6000)
    path = tmp_path / "access.log"
    path.write_bytes(data)
    monkeypatch.setattr(stats_logs, "CHUNK", chunk)
    expected, expected_cache = serial(path)
    starts = trap_starts(data, chunk)
    overlong = [i for i, line in enumerate(data.split(b"\n")) if len(line) > al.MAX_LINE]
    assert len(overlong) >= 5 and len(starts) > 200
    monkeypatch.setattr(stats_logs, "_split", lambda path, begin, size: starts)
    result, cache = read_logs([path], SITE, None, timezone=TZ, today=TODAY)
    assert parallel == [True] * len(starts)
    assert everything(result) == everything(expected)
    assert result.lines_read == expected.lines_read and result.new_malformed == expected.new_malformed
    assert cache_text(cache) == cache_text(expected_cache)


def test_two_parallel_runs_through_the_cache_give_the_serial_runs(tmp_path, monkeypatch, parallel):
    data = corpus(4, 6000)
    path = tmp_path / "access.log"
    half = data.index(b"\n", len(data) // 2) + 1
    days = sorted(reference(data[:half])["days"])
    middle = date.fromisoformat(days[len(days) // 2])  # the days from it on stay open: re-read next time
    monkeypatch.setattr(stats_logs, "CHUNK", 4096)
    monkeypatch.setattr(stats_logs, "PARALLEL_RANGE", 5003)
    path.write_bytes(data[:half])
    first_serial, cache_serial = serial(path, today=middle)
    first, cache = read_logs([path], SITE, None, timezone=TZ, today=middle)
    assert everything(first) == everything(first_serial)
    assert cache_text(cache) == cache_text(cache_serial)
    entry = next(iter(cache["files"].values()))
    assert entry["resume"] < entry["end"]  # the second run replays a region
    path.write_bytes(data)
    second_serial, cache_serial_2 = serial(path, cache_serial)
    second, cache_2 = read_logs([path], SITE, cache, timezone=TZ, today=TODAY)
    assert len(parallel) > 40 and all(parallel)
    assert everything(second) == everything(second_serial)
    assert cache_text(cache_2) == cache_text(cache_serial_2)
    assert figures(second) == comparable(reference(data))


@pytest.mark.parametrize("span", [1000, 10**9])
def test_days_that_come_back_after_being_summed_up_are_booked_as_the_serial_read_does(
        tmp_path, monkeypatch, parallel, span):
    """Read serially, a day seen again after two newer days is booked in two parts. Across
    ranges (span 1000) the booking replays that exactly; within one range (span 10**9: the
    whole file), whose raw tally cannot be split, the range is read again serially."""
    def hit(day: int, n: int) -> bytes:
        return (b'203.0.113.%d - - [%02d/Nov/2026:12:00:00 +0000] "GET /2026/post-01/ HTTP/1.1" 200 1 "-" '
                b'"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"' % (n, day))
    lines = [hit(day, n) for day in (1, 3, 4, 1) for n in range(1, 40)]
    path = tmp_path / "access.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setattr(stats_logs, "PARALLEL_RANGE", span)
    expected, expected_cache = serial(path)
    result, cache = read_logs([path], SITE, None, timezone=TZ, today=TODAY)
    assert parallel == ([False] if span > 1000 else [True] * len(parallel)) and len(parallel) >= (1 if span > 1000 else 20)
    assert everything(result) == everything(expected)
    assert cache_text(cache) == cache_text(expected_cache)
    # The serial read's own book-keeping: the day's 39 visitors, seen in two parts, are 78.
    assert result.days["2026-11-01"]["views"] == {"uuid-1": 78}
    assert result.days["2026-11-01"]["visitors"] == {"uuid-1": 78}


def test_lines_just_over_the_limit_are_taken_as_the_serial_read_takes_them(tmp_path, monkeypatch, parallel):
    """A line a little longer than MAX_LINE is skipped (not counted as read) when a read ends
    more than MAX_LINE into it, and read whole otherwise: the workers read in the serial
    read's chunks, so the same lines are skipped, whichever line a range starts at."""
    import random

    rng = random.Random(9)
    good = (b'203.0.113.7 - - [01/Nov/2026:12:00:00 +0000] "GET /2026/post-01/ HTTP/1.1" 200 1 "-" '
            b'"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"')
    lines = [good if rng.random() < 0.6 else b"y" * (al.MAX_LINE + rng.randrange(1, 3000)) for _ in range(400)]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "access.log"
    path.write_bytes(data)
    monkeypatch.setattr(stats_logs, "CHUNK", 4096)
    expected, expected_cache = serial(path)
    long_lines = sum(len(line) > al.MAX_LINE for line in lines)
    assert expected.new_malformed == long_lines
    assert len(lines) - long_lines < expected.lines_read < len(lines)  # some long lines skipped, some read
    line_starts = [0]
    for line in lines[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    monkeypatch.setattr(stats_logs, "_split", lambda path, begin, size: line_starts)
    result, cache = read_logs([path], SITE, None, timezone=TZ, today=TODAY)
    assert parallel == [True] * len(lines)
    assert everything(result) == everything(expected)
    assert cache_text(cache) == cache_text(expected_cache)


def test_gzip_files_and_small_logs_are_read_serially(tmp_path, monkeypatch):
    import gzip

    data = corpus(6, 3000)
    plain, packed = tmp_path / "access.log", tmp_path / "access.log.1.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(corpus(7, 3000)))
    calls: list = []
    monkeypatch.setattr(stats_logs, "_parallel_read", lambda *args: calls.append(args))
    read_logs([plain], SITE, None, timezone=TZ, today=TODAY)  # 1.5 MB: under PARALLEL_MIN
    assert calls == [] and len(data) < stats_logs.PARALLEL_MIN
    monkeypatch.setattr(stats_logs, "PARALLEL_MIN", 1)
    monkeypatch.setattr(stats_logs, "_workers", lambda: 2)
    result, _ = read_logs([packed], SITE, None, timezone=TZ, today=TODAY)
    assert calls == [] and result.lines_read > 2000


def test_a_worker_that_dies_stops_the_read_with_a_message_naming_the_log(tmp_path, monkeypatch):
    """A worker killed mid-read (out of memory, a signal) leaves this run's figures incomplete:
    one line naming the log and what to do, and no cache to save, never a traceback."""
    path = tmp_path / "access.log"
    path.write_bytes(corpus(1, 3000))
    monkeypatch.setattr(stats_logs, "PARALLEL_MIN", 1)
    monkeypatch.setattr(stats_logs, "PARALLEL_RANGE", 4000)
    monkeypatch.setattr(stats_logs, "_workers", lambda: 2)
    monkeypatch.setattr(stats_logs, "_read_range", _killed_worker)
    with pytest.raises(stats_logs.LogsError) as caught:
        read_logs([path], SITE, None, timezone=TZ, today=TODAY)
    message = str(caught.value)
    assert str(path) in message and "run make stats again" in message and "\n" not in message


def _killed_worker(*_args):
    """A worker's job that kills its own process (module level: the pool pickles it by name)."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
