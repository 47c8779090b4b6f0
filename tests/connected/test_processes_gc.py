"""A build runs with the garbage collector seldom running, and gives it back as it was."""

from __future__ import annotations

import gc

import pytest

from connected.processes import BUILD_GC_THRESHOLD, seldom_collected


def test_thresholds_raised_and_heap_frozen_during_a_build_only():
    before = gc.get_threshold()
    assert before != BUILD_GC_THRESHOLD
    alive = object()  # something alive before the build: frozen out of its scans
    with seldom_collected():
        assert gc.get_threshold() == BUILD_GC_THRESHOLD
        assert gc.get_freeze_count() > 0
        assert alive is not None
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restored_when_the_build_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), seldom_collected():
        raise RuntimeError("a build that fails part-way")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_cycles_made_during_a_build_are_still_collected():
    # Raised thresholds, not a disabled collector: garbage cycles do not pile up forever.
    class Node:
        pass

    runs = []

    def count(phase, info):
        if phase == "stop":
            runs.append(info["collected"])

    gc.callbacks.append(count)
    try:
        with seldom_collected():
            for _ in range(4 * BUILD_GC_THRESHOLD[0]):
                node = Node()
                node.me = node
    finally:
        gc.callbacks.remove(count)
    assert len(runs) >= 2 and sum(runs) > BUILD_GC_THRESHOLD[0]  # collected on its own, in a few runs
