"""tests/untraced.py: coverage's tracer is off inside the block and back on after it."""

from __future__ import annotations

import sys

from coverage import Coverage

from tests.untraced import untraced


def test_the_tracer_is_off_in_the_block_and_on_again_after():
    own = None
    if Coverage.current() is None:  # run without --cov: measure this test with a coverage of its own
        own = Coverage(data_file=None, config_file=False)
        own.start()
    try:
        assert sys.gettrace() is not None
        with untraced() as stopped:
            assert stopped is True
            assert sys.gettrace() is None
        assert sys.gettrace() is not None
    finally:
        if own is not None:
            own.stop()


def test_without_a_measurement_it_changes_nothing():
    if Coverage.current() is not None:  # under --cov: stop it here, so that no measurement is running
        with untraced():
            with untraced() as stopped:
                assert stopped is False
        return
    with untraced() as stopped:
        assert stopped is False
