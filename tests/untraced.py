"""Coverage off for a test's bulk repetitions: the lines they run are measured by the tests that run them once.

Under `--cov` every Python call and line pays coverage's tracer; a test that posts 10,000 times ran four times
slower in CI than alone. `untraced()` stops the measurement (if one is running) for the block and restarts it after,
so the test itself still runs and asserts exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def untraced() -> Iterator[bool]:
    """Stop the running coverage measurement for the block; yield whether one was stopped."""
    try:
        from coverage import Coverage
    except ImportError:  # the README's test install has coverage; a bare pytest may not
        yield False
        return
    measuring = Coverage.current()
    if measuring is None:
        yield False
        return
    measuring.stop()
    try:
        yield True
    finally:
        measuring.start()
