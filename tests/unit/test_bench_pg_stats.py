"""bench/transfer_bench/pg_stats: pooling the rounds' PostgreSQL activity and printing it per unit of work."""

from __future__ import annotations

from bench.transfer_bench.lock_waits import LockWaits
from bench.transfer_bench.pg_stats import Activity, Statement, print_activity


def _round(scans: int, rows: int, calls: int, total_ms: float) -> Activity:
    return Activity(seq_scans={"wallet": scans}, seq_rows={"wallet": rows},
                    statements=[Statement(calls, total_ms, calls, "WITH usage AS (...)")], statements_available=True)


def test_rounds_pool_scans_rows_and_the_same_statement():
    pooled = Activity()
    pooled.add(_round(2, 4000, 100, 50.0))
    pooled.add(_round(3, 6000, 300, 150.0))
    pooled.add(Activity(seq_scans={"account": 1}, seq_rows={"account": 10},
                        statements=[Statement(5, 500.0, 5, "UPDATE audit_event ...")]))
    assert pooled.seq_scans == {"wallet": 5, "account": 1}
    assert pooled.seq_rows == {"wallet": 10000, "account": 10}
    # One entry per statement text, costliest first.
    assert [(s.text, s.calls, s.total_ms) for s in pooled.statements] == [
        ("UPDATE audit_event ...", 5, 500.0), ("WITH usage AS (...)", 400, 200.0)]
    assert pooled.statements_available


def test_the_report_gives_figures_per_unit_and_says_how_to_load_the_extension(capsys):
    print_activity([("transfers", _round(2, 4000, 100, 50.0), 100), ("payments", Activity(), 10),
                    ("no units", _round(1, 1, 1, 1.0), 0), ("not measured", None, 5)])
    out = capsys.readouterr().out
    assert "transfers: seq scans: wallet 0.02 scans/40 rows" in out
    assert "500 us/unit   1.00 calls/unit      500 us/call  WITH usage AS (...)" in out
    assert "payments: seq scans: none" in out
    assert "no units" not in out and "not measured" not in out
    assert "shared_preload_libraries" in out  # payments' window had no pg_stat_statements


def test_lock_waits_pool_across_rounds_and_print_their_averages(capsys):
    first, second = _round(1, 1, 10, 1.0), _round(1, 1, 10, 1.0)
    first.locks = LockWaits(samples=10, active=30, waiting=12, behind_idle=5)
    second.locks = LockWaits(samples=30, active=50, waiting=8, behind_idle=3)
    pooled = Activity()
    pooled.add(first)
    pooled.add(second)
    assert pooled.locks == LockWaits(samples=40, active=80, waiting=20, behind_idle=8)
    print_activity([("coupon+points", pooled, 10), ("unsampled", _round(1, 1, 1, 1.0), 1)])
    out = capsys.readouterr().out
    assert ("row locks: 0.50 backends waiting on average, of 2.00 running a statement; 0.20 of them behind a"
            " transaction idle between its statements (40 samples)") in out
    assert out.count("row locks:") == 1  # a window that was not sampled prints no line
    assert LockWaits().summary() == "row locks: not sampled"
