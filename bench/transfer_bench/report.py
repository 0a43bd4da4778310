"""The printed report and the --json-out figures."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .results import RunResult
from .round_trips import RoundTrips
from .settings import TARGET_RATIO


def print_report(args: argparse.Namespace, api: RunResult, base: RunResult, rt: tuple[RoundTrips, RoundTrips] | None,
                 api_rounds: list[RunResult], base_rounds: list[RunResult]) -> float:
    ratio = api.tps / base.tps if base.tps else float("nan")
    rounds = f" x {len(api_rounds)} alternating rounds" if len(api_rounds) > 1 else ""
    print()
    print(f"Qianbao transfers: {args.duration:g} s measured{rounds} after {args.warmup:g} s warm-up, {args.clients} clients,"
          f" {args.wallets} wallets per run, {os.cpu_count()} CPUs")
    print(f"{'':22} {'transfers/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'ok':>8} {'errors':>7}   CPU (s per s)")
    for r in (api, base):
        cpu = "  ".join(f"{k} {v / r.duration_s:.2f}" for k, v in r.cpu.items())
        print(f"{r.name:22} {r.tps:12.1f} {r.percentile(50):8.2f} {r.percentile(99):8.2f} {r.ok:8d}"
              f" {sum(r.errors.values()):7d}   {cpu}")
    # CPU per transfer is steadier than transfers/s when others share the machine: it says
    # what the 2 cores could do if they were ours (client + server + PostgreSQL per transfer).
    per = {}
    for r in (api, base):
        per[r.name] = {k: 1000 * v / r.ok for k, v in r.cpu.items() if k != "other"} if r.ok else {}
    print("CPU ms per transfer:   " + "   ".join(
        f"{name.split()[0]}: " + ", ".join(f"{k} {v:.2f}" for k, v in costs.items()) + f" (sum {sum(costs.values()):.2f})"
        for name, costs in per.items()))
    costs = [sum(c.values()) for c in per.values()]
    if all(costs):
        print(f"{'CPU-cost ratio':22} {costs[1] / costs[0]:12.2f}   (baseline CPU per transfer / API CPU per transfer:"
              " the ratio to expect on an otherwise idle machine)")
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"{'ratio API/baseline':22} {ratio:12.2f}   ({verdict} the target of {TARGET_RATIO})")
    if len(api_rounds) > 1:
        per_round = [a.tps / b.tps if b.tps else float("nan") for a, b in zip(api_rounds, base_rounds)]
        print("per round: API " + " ".join(f"{r.tps:.0f}" for r in api_rounds)
              + " | baseline " + " ".join(f"{r.tps:.0f}" for r in base_rounds)
              + " | ratio " + " ".join(f"{x:.2f}" for x in per_round))
    for r in (api, base):
        if r.errors:
            print(f"errors in {r.name}: " + ", ".join(f"{k} x{v}" for k, v in r.errors.most_common()))
        if r.reconnects:
            print(f"{r.name}: {r.reconnects} reconnects")
    if rt is not None:
        api_rt, base_rt = rt
        print(f"SQL round trips per transfer: API {api_rt.per_transfer:.2f} (statements {api_rt.statements_per_transfer:.2f},"
              f" prepares {api_rt.parses_per_transfer:.2f}), baseline {base_rt.per_transfer:.2f}"
              f" (statements {base_rt.statements_per_transfer:.2f}, prepares {base_rt.parses_per_transfer:.2f})")
        if args.show_sql:
            for label, item in (("API", api_rt), ("baseline", base_rt)):
                print(f"  one {label} transfer on the wire:")
                for line in item.trace:
                    if line != "S":
                        line = " ".join(line.split())
                        print("    " + (line if len(line) <= 110 else line[:107] + "..."))
    return ratio


def result_json(api: RunResult, base: RunResult, ratio: float, rt: tuple[RoundTrips, RoundTrips] | None,
                verified: bool, api_rounds: list[RunResult], base_rounds: list[RunResult]) -> dict[str, Any]:
    def one(r: RunResult) -> dict[str, Any]:
        return {"tps": round(r.tps, 1), "p50_ms": round(r.percentile(50), 2), "p99_ms": round(r.percentile(99), 2),
                "ok": r.ok, "errors": dict(r.errors), "cpu_s_per_s": {k: round(v / r.duration_s, 3) for k, v in r.cpu.items()}}
    out = {"api": one(api), "baseline": one(base), "ratio": round(ratio, 3), "ledger_verified": verified,
           "rounds": {"api_tps": [round(r.tps, 1) for r in api_rounds],
                      "baseline_tps": [round(r.tps, 1) for r in base_rounds]}}
    if rt is not None:
        out["round_trips_per_transfer"] = {"api": rt[0].per_transfer, "baseline": rt[1].per_transfer}
    return out
