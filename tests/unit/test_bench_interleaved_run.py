"""bench/transfer_bench/interleaved_run: slices in A B B A order, each kind measured about --duration, the report
pooling every slice before it divides, and the warm-up's successes counted for the ledger check."""

from __future__ import annotations

import math

import pytest

from bench.transfer_bench.interleaved_run import (
    PAYMENTS, TRANSFERS, InterleavedRound, abba_order, cpu_ms_per_unit, pairs_for, print_interleaved, successes,
)
from bench.transfer_bench.results import RunResult


def _run(name: str, ok: int, seconds: float = 10.0, cpu_s: float = 0.0) -> RunResult:
    run = RunResult(name, duration_s=seconds, successes_total=ok)
    run.latencies_ms = [5.0] * ok
    run.cpu = {"client": 9.0, "server": cpu_s / 2, "postgres": cpu_s / 2, "other": 9.0}
    return run


def test_slices_alternate_in_abba_order():
    assert abba_order(1) == [TRANSFERS, PAYMENTS]
    assert abba_order(3) == [TRANSFERS, PAYMENTS, PAYMENTS, TRANSFERS, TRANSFERS, PAYMENTS]
    order = abba_order(4)
    assert order.count(TRANSFERS) == order.count(PAYMENTS) == 4
    with pytest.raises(ValueError):
        abba_order(0)


@pytest.mark.parametrize(("duration", "slice_s", "pairs"), [(8, 1, 8), (8, 3, 3), (1, 5, 1), (2.4, 0.5, 5)])
def test_each_kind_gets_about_the_duration(duration, slice_s, pairs):
    assert pairs_for(duration, slice_s) == pairs


def test_a_slice_must_last():
    with pytest.raises(ValueError):
        pairs_for(8, 0)


def test_a_round_ratio_is_payments_over_transfers():
    assert InterleavedRound(_run("t", 5000), _run("p", 4500)).ratio == pytest.approx(0.9)
    assert math.isnan(InterleavedRound(_run("t", 0), _run("p", 10)).ratio)


def test_cpu_per_unit_counts_the_server_and_postgres_only():
    assert cpu_ms_per_unit(_run("t", 1000, cpu_s=3.0)) == pytest.approx(3.0)  # client and other left out
    assert math.isnan(cpu_ms_per_unit(_run("t", 0)))


def test_the_report_pools_the_rounds_and_names_the_verdict(capsys):
    rounds = [InterleavedRound(_run("t", 1000, cpu_s=2.0), _run("p", 1000, cpu_s=2.0), [1.0, 1.0]),
              InterleavedRound(_run("t", 3000, cpu_s=6.0), _run("p", 2000, cpu_s=6.0), [0.6, 0.7])]
    pooled = print_interleaved(rounds, 1.0, 0.9)
    out = capsys.readouterr().out
    assert pooled == pytest.approx(3000 / 4000)  # pooled, not the mean of 1.00 and 0.67
    assert "BELOW the target of 0.9" in out and "per round: 1.00 0.67" in out
    assert "CPU per transfer / CPU per payment 0.75" in out  # 8 s over 4000 against 8 s over 3000
    assert "server 1.00 + postgres 1.00 = 2.00" in out  # transfers: 4 s each over 4000
    assert "pairs of slices: 4" in out and "range 0.60-1.00" in out


def test_the_warm_up_counts_toward_what_the_ledger_must_hold():
    rounds = [InterleavedRound(_run("t", 10), _run("p", 7), unmeasured={TRANSFERS: 5, PAYMENTS: 3})]
    assert successes(rounds, TRANSFERS) == 15 and successes(rounds, PAYMENTS) == 10
