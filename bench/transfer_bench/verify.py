"""After the runs: the database against what the clients saw, then `qianbao ledger verify`."""

from __future__ import annotations

import asyncpg

from .server import run_cli


async def check_ledger(db_dsn: str, db_url: str, expected: int | None, compare: bool) -> bool:
    """Print both verdicts; True when the ledger verifies and (if compared) the counts match.

    `compare` is False when the round-trip count stopped part way: an unknown number
    of its transfers went through, so the stored count cannot be checked exactly. `expected` is None when the
    caller compares the stored transactions itself, kind by kind (all_paths.check_counts).
    """
    # The database must hold exactly the transfers the clients saw succeed.
    check = await asyncpg.connect(db_dsn)
    try:
        stored = await check.fetchval("SELECT COUNT(*) FROM ledger_transaction WHERE kind = 'TRANSFER'")
    finally:
        await check.close()
    if expected is None:
        consistent = True  # compared by the caller, kind by kind
    elif not compare:  # an unknown number of the round-trip transfers went through
        consistent = True
        print(f"transfers stored: {stored} (not compared: the round-trip count stopped part way)")
    else:
        consistent = stored == expected
        print(f"transfers stored: {stored}, successes seen by the clients: {expected}"
              f" ({'match' if consistent else 'MISMATCH'})")

    code, out, err = await run_cli("ledger", "verify", "--database-url", db_url)
    print("qianbao ledger verify: " + " / ".join(line for line in (out + err).strip().splitlines()[:12]))
    return code == 0 and consistent
