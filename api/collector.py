"""The worker's garbage collector: its thresholds, and its pauses timed for /metrics.

Every GraphQL request leaves about a hundred objects in reference cycles
(graphql-core's execution context and what it holds), which only the cycle
collector frees. How often it runs decides how long each run stops the
worker, and every request the worker is serving waits that long.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from typing import Any

# Young-generation threshold. A run examines every young object, and its cost grows faster than their number:
# measured on a serve worker under the transfer bench (bench/README.md, "p99: the collector's pauses"), 50,000
# gave 7 pauses of 39-62 ms (up to 88 ms) per 25 s and 3,000 gave about 130 of 1.1 ms (at most 12 ms), with less
# collector time in total. The older generations keep CPython's ratios.
GEN0_THRESHOLD = 3_000
OLDER_RATIOS = (20, 20)

# Pauses since the last scrape, (generation, seconds). Filled inside the collector, where taking a lock or
# building a metric's child could deadlock or recurse: a bounded deque's append does neither. The /metrics route
# drains it into a histogram; unscraped, the oldest fall off.
_pauses: deque[tuple[int, float]] = deque(maxlen=4096)
_started = [0.0]


def _timed(phase: str, info: dict[str, Any]) -> None:
    """gc callback: note when a collection starts, and queue its pause when it stops."""
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _pauses.append((int(info["generation"]), time.perf_counter() - _started[0]))


def tune_collector() -> None:
    """Keep start-up objects out of every collection, set the thresholds, and time each pause (idempotent)."""
    gc.freeze()  # everything built so far lives as long as the worker
    gc.set_threshold(GEN0_THRESHOLD, *OLDER_RATIOS)
    if _timed not in gc.callbacks:
        gc.callbacks.append(_timed)


def drain_pauses() -> list[tuple[int, float]]:
    """The pauses timed since the last call, oldest first: (generation, seconds)."""
    drained = []
    while _pauses:
        drained.append(_pauses.popleft())
    return drained
