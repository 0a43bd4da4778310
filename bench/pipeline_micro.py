#!/usr/bin/env python3
"""What a commit and a round trip cost per statement: autocommit, 100 per transaction, 100 per fetchmany.

A two-account transfer statement (lock both rows in id order, check, update, insert a transaction and two entries)
on temporary tables, run --count times on one asyncpg connection in each of three ways, twice; prints the wall time,
the PostgreSQL backend's CPU (from /proc, so the server must run on this machine) and this client's CPU per statement.
bench/README.md, "Batch transfers: group commit", quotes it.

Usage (project venv active):  python bench/pipeline_micro.py [--database-url postgres://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

import asyncpg

STATEMENT = """WITH l AS (SELECT id, bal FROM gacc WHERE id IN ($1, $2) ORDER BY id FOR UPDATE),
ok AS (SELECT bool_and(bal >= $3::bigint) AS passes FROM l),
m AS (UPDATE gacc SET bal = bal + CASE WHEN id = $1 THEN -$3::bigint ELSE $3::bigint END
      WHERE id IN ($1, $2) AND (SELECT passes FROM ok)),
t AS (INSERT INTO gtx (a, b, amt, memo) SELECT $1, $2, $3, $4 FROM ok WHERE passes),
e AS (INSERT INTO gent (a, amt) SELECT x, y FROM unnest(ARRAY[$1::int, $2::int], ARRAY[-($3::bigint), $3::bigint])
      AS u(x, y), ok WHERE passes)
SELECT passes, $4 AS memo FROM ok"""


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend."""
    fields = open(f"/proc/{pid}/stat").read().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(args: argparse.Namespace) -> None:
    """Create the temporary tables, run each way twice, print per-statement figures."""
    conn = await asyncpg.connect(args.database_url.replace("postgres://", "postgresql://", 1))
    await conn.execute(
        "CREATE TEMP TABLE gacc (id int PRIMARY KEY, bal bigint); CREATE TEMP TABLE gtx (id bigserial PRIMARY KEY,"
        " a int, b int, amt bigint, memo text); CREATE TEMP TABLE gent (id bigserial PRIMARY KEY, a int, amt bigint);"
        " INSERT INTO gacc SELECT g, 1000000000 FROM generate_series(1, 1000) g")
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    rng = random.Random(18)
    rows = [(rng.randint(1, 500), rng.randint(501, 1000), 1, f"m{i}") for i in range(args.count)]
    for way in ("autocommit", "transaction", "fetchmany") * 2:
        wall, pg, client = time.perf_counter(), backend_cpu(pid), time.process_time()
        if way == "autocommit":
            for row in rows:
                await conn.fetch(STATEMENT, *row)
        for start in range(0, args.count, 100) if way != "autocommit" else ():
            if way == "transaction":
                async with conn.transaction():
                    for row in rows[start:start + 100]:
                        await conn.fetch(STATEMENT, *row)
            else:
                async with conn.transaction():
                    assert len(await conn.fetchmany(STATEMENT, rows[start:start + 100])) == len(rows[start:start + 100])
        n = args.count
        print(f"{way:12} wall {1e3 * (time.perf_counter() - wall) / n:.3f} ms  PostgreSQL CPU"
              f" {1e3 * (backend_cpu(pid) - pg) / n:.3f} ms  client CPU {1e3 * (time.process_time() - client) / n:.3f} ms")
    await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("QIANBAO_BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--count", type=int, default=3000)
    asyncio.run(main(parser.parse_args()))
