"""--payments: transfers and payments in short slices on one server, every client on one kind at a time (A B B A).

Why: the alternating windows put each kind on a fresh server of its own, tens of seconds apart, and on a shared
2-core machine the machine's speed changes between them: on 2026-12-07 one run's rounds gave payments/transfers of
0.77, 0.86 and 0.55, with transfers alone moving from 661 to 931 per second between rounds. The same-window run that
preceded this one (mixed_run, removed) sent both kinds at once: it divided the machine out, but it also divided out
most of what it meant to measure. A client waits for its answer before it sends again, and a payment and a transfer
are each one SQL round trip, so both kinds wait in the same queues for nearly the same time whatever each costs: its
ratio stayed at 0.97-1.04 in runs whose alternating ratio was 0.70-0.95, and its p50s were equal to a tenth of a
millisecond. A check that cannot fail.

Here one server takes slices of --slice seconds, every client sending one kind, in the order T P P T T P P T ...
Each kind's rate is measured with all clients on it, as in the alternating windows (so it is what the server can do
of that kind), and the kinds meet the machine a slice apart: a drift of the machine's speed that is steady over four
slices cancels out of each A B B A group. The ratio pools every slice of each kind (payments per second over
transfers per second); the CPU of the server and of PostgreSQL is read from /proc for each slice, so the cost of one
payment and of one transfer is measured too.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from . import api_run, results

TRANSFERS, PAYMENTS = "transfers", "payments"
SLICE_RAMP_S = 0.2  # each slice's clients connect and send before its window opens: not measured


def abba_order(pairs: int) -> list[str]:
    """The kinds of 2 x `pairs` slices: T P, then P T, then T P ... (each pair's kinds in the other order from the
    last, so a steady drift favours neither kind)."""
    if pairs < 1:
        raise ValueError("at least one pair of slices")
    order: list[str] = []
    for i in range(pairs):
        order += [TRANSFERS, PAYMENTS] if i % 2 == 0 else [PAYMENTS, TRANSFERS]
    return order


def pairs_for(duration_s: float, slice_s: float) -> int:
    """How many pairs of slices give each kind about `duration_s` measured seconds."""
    if slice_s <= 0:
        raise ValueError("a slice lasts more than 0 s")
    return max(1, round(duration_s / slice_s))


@dataclass
class InterleavedRound:
    """One server's slices: each kind's slices pooled, and each pair's payments/s over transfers/s."""

    transfers: results.RunResult
    payments: results.RunResult
    pair_ratios: list[float] = field(default_factory=list)
    unmeasured: dict[str, int] = field(default_factory=dict)  # successes of the warm-up (the ledger counts them too)

    @property
    def ratio(self) -> float:
        """Payments per second over transfers per second, every slice of this round pooled."""
        return self.payments.tps / self.transfers.tps if self.transfers.tps else float("nan")


# A kind's operation for a slice: a fresh idempotency-key tag per slice (run_ops numbers requests from 1 each call).
OperationFor = Callable[[str], api_run.Operation]


async def interleaved_run(port: int, ops: dict[str, OperationFor], clients: int, warmup_s: float, duration_s: float,
                          slice_s: float, server_pid: int | None, run_tag: str, db_name: str) -> InterleavedRound:
    """Both kinds on one server: a warm-up of each, then A B B A slices of `slice_s` until each kind was measured
    for about `duration_s`."""
    unmeasured = {}
    for kind in (TRANSFERS, PAYMENTS):  # every connection of the pool and every cache warm for both kinds
        warm = await api_run.run_ops(f"warm-up {kind}", port, ops[kind](f"{run_tag}w{kind[0]}"), clients, 0.0,
                                     warmup_s / 2, server_pid, run_tag, db_name)
        unmeasured[kind] = warm.successes_total
    slices: dict[str, list[results.RunResult]] = {TRANSFERS: [], PAYMENTS: []}
    order = abba_order(pairs_for(duration_s, slice_s))
    for n, kind in enumerate(order):
        slices[kind].append(await api_run.run_ops(kind, port, ops[kind](f"{run_tag}s{n}"), clients, SLICE_RAMP_S,
                                                  slice_s, server_pid, run_tag, db_name))
    pair_ratios = [p.tps / t.tps if t.tps else float("nan") for t, p in zip(slices[TRANSFERS], slices[PAYMENTS])]
    return InterleavedRound(results.merge_runs(slices[TRANSFERS]), results.merge_runs(slices[PAYMENTS]), pair_ratios,
                            unmeasured)


def successes(rounds: list[InterleavedRound], kind: str) -> int:
    """Every success of `kind` the clients saw in these rounds, warm-up, ramps and tails included."""
    total = 0
    for r in rounds:
        total += r.unmeasured.get(kind, 0) + (r.transfers if kind == TRANSFERS else r.payments).successes_total
    return total


def cpu_ms_per_unit(r: results.RunResult) -> float:
    """The server's and PostgreSQL's CPU milliseconds per success (the client's and the machine's others left out)."""
    return 1000 * (r.cpu.get("server", 0.0) + r.cpu.get("postgres", 0.0)) / r.ok if r.ok else float("nan")


def _per_unit(r: results.RunResult, party: str) -> float:
    """One party's CPU milliseconds per success."""
    return 1000 * r.cpu.get(party, 0.0) / r.ok if r.ok else float("nan")


def print_interleaved(rounds: list[InterleavedRound], slice_s: float, target: float) -> float:
    """The interleaved section of the report; returns the pooled payments/s over transfers/s."""
    transfers = results.merge_runs([r.transfers for r in rounds])
    payments = results.merge_runs([r.payments for r in rounds])
    ratio = payments.tps / transfers.tps if transfers.tps else float("nan")
    pairs = [x for r in rounds for x in r.pair_ratios]
    print()
    print(f"Interleaved (one server per round, slices of {slice_s:g} s in the order T P P T ..., all clients on one kind"
          " at a time)")
    for label, r in ((TRANSFERS, transfers), (PAYMENTS, payments)):
        print(f"  {label:10} {r.tps:9.1f}/s  p50 {r.percentile(50):7.2f} ms  p99 {r.percentile(99):7.2f} ms"
              f"  ok {r.ok}  errors {sum(r.errors.values())}  CPU ms per unit: server {_per_unit(r, 'server'):.2f}"
              f" + postgres {_per_unit(r, 'postgres'):.2f} = {cpu_ms_per_unit(r):.2f}")
    verdict = "meets" if ratio >= target else "BELOW"
    print(f"  ratio payments/transfers, slices pooled {ratio:.2f} ({verdict} the target of {target})")
    cost = cpu_ms_per_unit(transfers) / cpu_ms_per_unit(payments) if payments.ok and transfers.ok else float("nan")
    print(f"  CPU per transfer / CPU per payment {cost:.2f}")
    if pairs:
        quartiles = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else [pairs[0]] * 3
        print(f"  pairs of slices: {len(pairs)}, ratio median {statistics.median(pairs):.2f}, quartiles"
              f" {quartiles[0]:.2f}-{quartiles[2]:.2f}, range {min(pairs):.2f}-{max(pairs):.2f}")
    if len(rounds) > 1:
        print("  per round: " + " ".join(f"{r.ratio:.2f}" for r in rounds))
    errors = payments.errors + transfers.errors
    if errors:
        print("  errors: " + ", ".join(f"{k} x{v}" for k, v in errors.most_common()))
    return ratio
