"""SQL round trips of one transfer, for the API and for the baseline, counted through the relay."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from .baseline_run import baseline_transfer
from .database import asyncpg_dsn, with_database
from .http_client import GraphQLSession
from .pgwire import PgWireCounter
from .prepare import Setup
from .server import Server
from .settings import TRANSFER_MUTATION

ROUND_TRIP_SAMPLES = 100
ROUND_TRIP_WARMUP = 20
# Transfers the round-trip count makes: warm-up, one traced, then the samples; for the API and the baseline.
ROUND_TRIP_TRANSFERS = 2 * (ROUND_TRIP_WARMUP + 1 + ROUND_TRIP_SAMPLES)


@dataclass
class RoundTrips:
    per_transfer: float
    flips_per_transfer: float
    parses_per_transfer: float
    statements_per_transfer: float
    trace: list[str]


def _round_trips(before: Counter, after: Counter, n: int, trace: list[str]) -> RoundTrips:
    d = after - before
    return RoundTrips(
        per_transfer=(d["S"] + d["Q"]) / n,
        flips_per_transfer=d["flips"] / n,
        parses_per_transfer=d["P"] / n,
        statements_per_transfer=(d["E"] + d["Q"]) / n,
        trace=trace,
    )


async def count_round_trips(base_url: str, db_name: str, setup: Setup, log_dir: Path, run_tag: str,
                            samples: int = ROUND_TRIP_SAMPLES) -> tuple[RoundTrips, RoundTrips]:
    parts = urlsplit(base_url)
    counter = PgWireCounter(parts.hostname or "127.0.0.1", parts.port or 5432)
    port = await counter.start()
    proxied_url = with_database(base_url, db_name, host="127.0.0.1", port=port)
    server = Server(proxied_url, 1, log_dir, "roundtrips")
    try:
        await server.start()
        session = GraphQLSession("127.0.0.1", server.port, setup.token)
        wallets = setup.api_wallets

        async def transfer(i: int) -> None:
            data = await session.call(TRANSFER_MUTATION, {"input": {
                "fromWalletId": wallets[i % len(wallets)], "toWalletId": wallets[(i + 1) % len(wallets)],
                "amount": "0.01", "idempotencyKey": f"{run_tag}-rt-{i}"}})
            if data["transferCreate"]["userErrors"]:
                raise RuntimeError(f"round-trip transfer refused: {data}")

        for i in range(ROUND_TRIP_WARMUP):  # warm the statement caches
            await transfer(i)
        counter.trace = []
        await transfer(ROUND_TRIP_WARMUP)
        trace, counter.trace = counter.trace, None
        before = counter.snapshot()
        for i in range(ROUND_TRIP_WARMUP + 1, ROUND_TRIP_WARMUP + 1 + samples):
            await transfer(i)
        api = _round_trips(before, counter.snapshot(), samples, trace)
        session.conn.close()
    finally:
        await server.stop()

    conn = await asyncpg.connect(asyncpg_dsn(proxied_url))
    try:
        bw = setup.base_wallets
        for i in range(ROUND_TRIP_WARMUP):
            await baseline_transfer(conn, setup.partner_id, bw[i % len(bw)], bw[(i + 1) % len(bw)], 1, f"{run_tag}-rtb-{i}")
        counter.trace = []
        await baseline_transfer(conn, setup.partner_id, bw[0], bw[1], 1, f"{run_tag}-rtb-{ROUND_TRIP_WARMUP}")
        trace, counter.trace = counter.trace, None
        before = counter.snapshot()
        for i in range(ROUND_TRIP_WARMUP + 1, ROUND_TRIP_WARMUP + 1 + samples):
            await baseline_transfer(conn, setup.partner_id, bw[i % len(bw)], bw[(i + 1) % len(bw)], 1, f"{run_tag}-rtb-{i}")
        base = _round_trips(before, counter.snapshot(), samples, trace)
    finally:
        await conn.close()
        await counter.close()
    return api, base
