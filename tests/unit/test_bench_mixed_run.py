"""bench/transfer_bench/mixed_run: the clients are split between the two kinds, a window's ratio is payments/s over
transfers/s, and the report pools the rounds before it divides."""

from __future__ import annotations

import math

import pytest

from bench.transfer_bench.mixed_run import MixedRound, halves, print_mixed
from bench.transfer_bench.results import RunResult


def _run(name: str, ok: int, seconds: float = 10.0) -> RunResult:
    run = RunResult(name, duration_s=seconds)
    run.latencies_ms = [5.0] * ok
    return run


@pytest.mark.parametrize(("clients", "split"), [(16, (8, 8)), (17, (9, 8)), (2, (1, 1))])
def test_the_clients_are_split_in_halves(clients, split):
    assert halves(clients) == split


def test_one_client_cannot_be_split():
    with pytest.raises(ValueError):
        halves(1)


def test_a_window_ratio_is_payments_over_transfers():
    assert MixedRound(_run("t", 5000), _run("p", 4500), 16).ratio == pytest.approx(0.9)
    assert math.isnan(MixedRound(_run("t", 0), _run("p", 10), 16).ratio)


def test_the_report_pools_the_rounds_and_names_the_verdict(capsys):
    rounds = [MixedRound(_run("t", 1000), _run("p", 1000), 16), MixedRound(_run("t", 3000), _run("p", 2000), 16)]
    pooled = print_mixed(rounds, 0.9)
    out = capsys.readouterr().out
    assert pooled == pytest.approx(3000 / 4000)  # pooled, not the mean of 1.00 and 0.67
    assert "BELOW the target of 0.9" in out and "per round: 1.00 0.67" in out
    assert "transfers from 8 clients and payments from 8" in out
