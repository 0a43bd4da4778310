"""The fixed stack's floor: server CPU per request of uvicorn, Starlette and strawberry doing nothing else.

    python bench/stack_floor.py [--duration 8] [--warmup 2] [--clients 16] [--rounds 2]

One uvicorn worker (uvloop, httptools, as `qianbao serve`) serves bench/transfer_bench/floor_app.py; keep-alive
clients post a transferCreate-shaped request (the document and variables the transfer benchmark sends) to each
route in turn, and the server's CPU per request is read from /proc. No database: what it prints is what the stack
costs before Qianbao authenticates, checks or posts anything, to be set against the server CPU per transfer of
`bench/transfers.py` (issue 18 part 2's target: 0.7 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from transfer_bench.api_run import classify, run_ops  # noqa: E402
from transfer_bench.http_client import HttpConnection  # noqa: E402
from transfer_bench.server import free_port  # noqa: E402
from transfer_bench.settings import PROJECT_ROOT, TRANSFER_MUTATION  # noqa: E402

ROUTES = ("/asgi", "/plain", "/graphql")


def operation(path: str, tag: str):  # type: ignore[no-untyped-def]
    """POST the transfer benchmark's document to `path`; a success is a transferCreate result with no error."""
    query = json.dumps(TRANSFER_MUTATION)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer x"}

    async def op(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        body = ('{"query":%s,"variables":{"input":{"fromWalletId":"V2FsbGV0OjE=","toWalletId":"V2FsbGV0OjI=",'
                '"amount":"0.%02d","idempotencyKey":"%s-%d-%d"}}}' % (query, rnd.randint(1, 99), tag, index, seq)).encode()
        status, payload = await conn.request("POST", path, body, headers)
        error = classify(status, payload)
        return (0, error) if error else (1, None)

    return op


async def wait_ready(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = HttpConnection("127.0.0.1", port)
            status, _ = await conn.request("POST", "/asgi", b"{}")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the floor server did not start")


async def main(args: argparse.Namespace) -> int:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.transfer_bench.floor_app:app", "--port", str(port), "--loop", "uvloop",
         "--http", "httptools", "--workers", "1", "--log-level", "warning", "--no-access-log"],
        cwd=PROJECT_ROOT, env=env,
    )
    try:
        await wait_ready(port)
        figures: dict[str, list[tuple[float, float]]] = {route: [] for route in ROUTES}
        for round_no in range(args.rounds):
            for route in ROUTES:
                result = await run_ops(route, port, operation(route, f"r{round_no}"), args.clients, args.warmup,
                                       args.duration, proc.pid, f"floor{round_no}", "no-database")
                if result.errors:
                    print(f"{route}: errors {dict(result.errors)}")
                    return 1
                figures[route].append((result.rate, 1000 * result.cpu["server"] / max(1, result.ok)))
        print(f"\n{args.clients} keep-alive clients, 1 uvicorn worker (uvloop, httptools), {args.rounds} rounds of "
              f"{args.duration:g} s per route")
        print(f"{'route':<10} {'requests/s':>11} {'server CPU ms/req':>18} {'x /asgi CPU':>12}")
        base = min(cpu for _, cpu in figures["/asgi"])
        for route in ROUTES:
            rate = max(r for r, _ in figures[route])
            cpu = min(c for _, c in figures[route])
            print(f"{route:<10} {rate:>11.1f} {cpu:>18.3f} {cpu / base:>12.2f}")
        print("(best round of each: the highest rate, the lowest CPU per request)")
        return 0
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    sys.exit(asyncio.run(main(parser.parse_args())))
