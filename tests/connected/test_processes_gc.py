"""A build runs with the garbage collector seldom running, and gives it back as it was."""

from __future__ import annotations

import gc
import weakref

import pytest

from connected.processes import BUILD_GC_THRESHOLD, seldom_collected


class Node:
    pass


def test_thresholds_raised_and_heap_frozen_during_a_build_only():
    before = gc.get_threshold()
    assert before != BUILD_GC_THRESHOLD
    with seldom_collected():
        assert gc.get_threshold() == BUILD_GC_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restored_when_the_build_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), seldom_collected():
        raise RuntimeError("a build that fails part-way")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_cycles_made_during_a_build_are_still_collected():
    # Raised thresholds, not a disabled collector: garbage cycles do not pile up forever.
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


def test_a_process_that_builds_again_does_not_keep_the_last_builds_garbage():
    # The devserver's worker builds again and again: a cycle the last build left
    # (Pelican's posts and their context) must not be frozen into the next one for good.
    gc.disable()  # no automatic collection between the builds, as when the worker waits
    try:
        with seldom_collected():
            left = Node()
            left.me = left
            gone = weakref.ref(left)
            del left
        assert gone() is not None  # garbage, not yet collected
        frozen_before = []
        for _ in range(3):
            with seldom_collected():
                frozen_before.append(gc.get_freeze_count())
                assert gone() is None
                left = Node()
                left.me = left
                del left
        assert frozen_before[-1] <= frozen_before[0]  # the frozen heap does not grow per build
    finally:
        gc.enable()
