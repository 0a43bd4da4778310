"""api.collector: the worker's collector thresholds, and each collection's pause timed without locks."""

from __future__ import annotations

import gc

from api import collector


def test_tune_collector_sets_the_thresholds_and_times_pauses_once():
    before_threshold, before_callbacks = gc.get_threshold(), list(gc.callbacks)
    try:
        collector.tune_collector()
        collector.tune_collector()  # idempotent: one callback, not two
        assert gc.get_threshold() == (collector.GEN0_THRESHOLD, *collector.OLDER_RATIOS)
        assert gc.callbacks.count(collector._timed) == 1
        collector.drain_pauses()
        gc.collect(0)
        gc.collect(2)
        pauses = collector.drain_pauses()
        assert [generation for generation, _ in pauses] == [0, 2]
        assert all(0 <= seconds < 5 for _, seconds in pauses)
        assert collector.drain_pauses() == []  # drained: the next scrape counts only newer pauses
    finally:
        gc.unfreeze()
        gc.set_threshold(*before_threshold)
        gc.callbacks[:] = before_callbacks


def test_the_queue_is_bounded_when_nobody_scrapes():
    for _ in range(collector._pauses.maxlen + 10):  # type: ignore[operator]
        collector._timed("stop", {"generation": 0})
    assert len(collector.drain_pauses()) == collector._pauses.maxlen
