"""--payments: transfers and payments in the same window, half the clients each, on one server.

Why: the rounds of payments/transfers alternate, each kind in a window of its own, and on a shared 2-core machine
the machine's speed changes between windows: one run of three rounds measured 0.98, 0.71 and 1.06 (bench/README.md,
2026-12-07 21:00 UTC). Sent together, both kinds meet the same machine at the same moments. Each client waits for
its answer before it sends again, and both kinds queue for the same CPUs, so each kind's rate is its clients over
its time per request: the ratio of the two rates is the ratio of what one payment and one transfer cost, with the
machine's changes divided out. The per-kind CPU cannot be told apart in one window, so it is not printed here.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass

from . import api_run, results


@dataclass(frozen=True)
class MixedRound:
    """One window of both kinds: what each half of the clients did."""

    transfers: results.RunResult
    payments: results.RunResult
    clients: int  # both halves

    @property
    def ratio(self) -> float:
        """Payments per second over transfers per second in this window (NaN when no transfer succeeded)."""
        return self.payments.tps / self.transfers.tps if self.transfers.tps else float("nan")


def halves(clients: int) -> tuple[int, int]:
    """The clients sending transfers and those sending payments: half each (the transfers get the odd one)."""
    if clients < 2:
        raise ValueError("a mixed window needs at least 2 clients")
    payers = clients // 2
    return clients - payers, payers


async def mixed_run(port: int, transfer_op: api_run.Operation, payment_op: api_run.Operation, clients: int,
                    warmup_s: float, duration_s: float, server_pid: int | None, run_tag: str,
                    db_name: str) -> MixedRound:
    """Both kinds at once on one server, each with its half of the clients, over the same warm-up and window."""
    senders, payers = halves(clients)
    transfers, payments = await asyncio.gather(
        api_run.run_ops("mixed transfers", port, transfer_op, senders, warmup_s, duration_s, server_pid,
                        run_tag + "mt", db_name),
        api_run.run_ops("mixed payments", port, payment_op, payers, warmup_s, duration_s, server_pid,
                        run_tag + "mp", db_name),
    )
    return MixedRound(transfers, payments, clients)


def print_mixed(rounds: list[MixedRound], target: float) -> float:
    """The same-window section of the report; returns the pooled payments/s over transfers/s."""
    transfers = results.merge_runs([r.transfers for r in rounds])
    payments = results.merge_runs([r.payments for r in rounds])
    ratio = payments.tps / transfers.tps if transfers.tps else float("nan")
    senders, payers = halves(rounds[0].clients)
    print()
    print(f"Same window (transfers from {senders} clients and payments from {payers}, sent together, one server)")
    for label, r in (("transfers", transfers), ("payments", payments)):
        print(f"  {label:10} {r.tps:9.1f}/s  p50 {r.percentile(50):7.2f} ms  p99 {r.percentile(99):7.2f} ms"
              f"  ok {r.ok}  errors {sum(r.errors.values())}")
    verdict = "meets" if ratio >= target else "BELOW"
    per_round = [r.ratio for r in rounds]
    spread = f", median of the rounds {statistics.median(per_round):.2f}" if len(rounds) > 1 else ""
    print(f"  ratio payments/transfers in the same window {ratio:.2f} ({verdict} the target of {target}){spread}")
    if len(rounds) > 1:
        print("  per round: " + " ".join(f"{x:.2f}" for x in per_round))
    errors = payments.errors + transfers.errors
    if errors:
        print("  errors: " + ", ".join(f"{k} x{v}" for k, v in errors.most_common()))
    return ratio

