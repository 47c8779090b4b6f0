"""A file Python-Markdown would take minutes over is named, not waited for.

`"<a " * 30000` (90 KB) made a build hang past two minutes (hostile-input probe). Here the
limit is lowered to a second, so the tests take seconds: the serial reader, a worker of
the pool, and a whole production build, which names the file and the fix."""

from __future__ import annotations

import time

import pytest

from tests.conftest import DATA, build_site, pelican_plugin

pelican_plugin("fast_build")
from fast_build import parallel_markdown as pm  # noqa: E402

SLOW_BODY = "<a " * 30000
HEADER = "Title: Slow\nDate: 2026-05-01 10:00\nUuid: 7a7a7a7a-0000-4000-8000-0000000000a1\nSummary: s.\n\n"


@pytest.fixture
def one_second(monkeypatch):
    monkeypatch.setattr(pm, "MARKDOWN_FILE_SECONDS", 1.0)


def _settings():
    from tests.conftest import read_project_settings

    return read_project_settings("publishconf.py")


def test_the_serial_reader_stops_after_the_limit(tmp_path, one_second):
    path = tmp_path / "slow.md"
    path.write_text(HEADER + SLOW_BODY, encoding="utf-8")
    reader = pm.ParallelMarkdownReader(_settings())
    started = time.monotonic()
    with pytest.raises(pm.ConversionTooSlow, match="more than 1 CPU seconds"):
        reader.read(str(path))
    assert time.monotonic() - started < 10


def test_a_worker_out_of_time_is_not_converted_again_by_the_parent(tmp_path, one_second, monkeypatch):
    paths = []
    for n in range(4):
        path = tmp_path / f"p{n}.md"
        path.write_text(HEADER + ("Plain words. " * 50 if n else SLOW_BODY), encoding="utf-8")
        paths.append(str(path))
    options = {"WORKERS": 2, "MIN_PARALLEL_FILES": 2, "MARKDOWN_CACHE": False}
    batch = pm.MarkdownBatch(_settings(), options, paths, "test")
    batch.start()  # the workers are forked here, with the reader as it is
    read_here = []
    real_read = pm.RawMarkdownReader.read
    monkeypatch.setattr(pm.RawMarkdownReader, "read", lambda self, p: read_here.append(p) or real_read(self, p))
    reader = pm.ParallelMarkdownReader(_settings())
    reader.batch = batch
    try:
        for path in paths[1:]:
            assert "Plain words." in reader.read(path)[0]
        with pytest.raises(pm.ConversionTooSlow):
            reader.read(paths[0])
    finally:
        batch.finish()
    assert read_here == []  # converted in the workers only: the slow one never again here


def test_someone_elses_timer_is_left_as_it_was(one_second):
    import signal

    with pm.time_limit(5):
        pass
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGVTALRM) == signal.SIG_DFL
    fired = []
    previous = signal.signal(signal.SIGVTALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_VIRTUAL, 100)
    try:
        with pm.time_limit(0.01):  # another timer runs: no limit, nothing of it disturbed
            deadline = time.process_time() + 0.1
            while time.process_time() < deadline:
                pass
        assert signal.getitimer(signal.ITIMER_VIRTUAL)[0] > 90 and fired == []
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def test_a_production_build_names_the_slow_file_and_the_fix(tmp_path, one_second):
    import shutil

    shutil.copytree(DATA / "good_minimal", tmp_path / "content")
    (tmp_path / "content" / "posts" / "slow.md").write_text(HEADER + SLOW_BODY, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        build_site(tmp_path, settings_file="publishconf.py")
    (line,) = [line for line in str(info.value).splitlines() if "slow.md" in line]
    assert "Markdown took more than 1 CPU seconds to convert it" in line and "put such text in a code block" in line
    assert not (tmp_path / "output" / "index.html").exists()
