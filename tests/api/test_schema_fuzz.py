"""Every query and mutation fuzzed from schema.graphql against a live server, as a partner and as bank staff:
no server fault, no traceback, and the ledger still verifies afterwards (issue 19 item 5)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.schema_fuzzer import fuzz
from tests.conftest import backend

QIANBAO = Path(sys.executable).parent / "qianbao"
EXAMPLES = int(os.environ.get("QIANBAO_FUZZ_EXAMPLES", "4"))  # per root field and token; CI keeps it short
PASSWORD = "a long enough password for the fuzzer"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development", QIANBAO_RATE_LIMIT_RPS="1000000",
               QIANBAO_RATE_LIMIT_BURST="1000000", QIANBAO_LOGIN_RATE_LIMIT_PER_MIN="1000")
    return env


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> str:
    result = subprocess.run([str(QIANBAO), *args], cwd=cwd, env=_env(), input=stdin, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(backend() == "postgres", reason="a live server on its own SQLite file: runs once, in the SQLite suite")
async def test_fuzzed_queries_and_mutations_never_fault(tmp_path):
    url = f"sqlite://{tmp_path / 'fuzz.sqlite3'}"
    _cli("migrate", "--database-url", url, cwd=tmp_path)
    _cli("demo", "--database-url", url, cwd=tmp_path)  # wallets, customers and postings to aim at
    partner = json.loads(_cli("partner", "create", "--name", "Fuzz", "--json", "--database-url", url, cwd=tmp_path))
    _cli("staff", "create", "--email", "fuzz-admin@bank.example", "--role", "admin", "--password-stdin",
         "--database-url", url, cwd=tmp_path, stdin=PASSWORD + "\n")
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen([str(QIANBAO), "serve", "--port", str(port), "--database-url", url], cwd=tmp_path,
                              env=_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            for _ in range(150):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            partner_token = (await http.post("/oauth/token", data={
                "grant_type": "client_credentials", "client_id": partner["client_id"],
                "client_secret": partner["client_secret"]})).json()["access_token"]
            staff_token = (await http.post("/auth/login", json={"email": "fuzz-admin@bank.example",
                                                                "password": PASSWORD})).json()["access_token"]
        started = time.monotonic()
        reports = [await asyncio.to_thread(fuzz, base, token, examples=EXAMPLES) for token in (partner_token, staff_token)]
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(15)
        log.close()
    requests = sum(r.requests for r in reports)
    print(f"schema fuzz: {reports[0].operations} root fields x 2 tokens, {requests} requests in {elapsed:.0f} s;"
          f" codes {dict(reports[0].codes + reports[1].codes)}")
    faults = reports[0].faults + reports[1].faults
    assert faults == [], "\n".join(faults[:10])
    assert requests >= reports[0].operations * 2, "every root field was sent at least once per token"
    server_log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "Traceback" not in server_log, server_log[server_log.find("Traceback"):][:3000]
    verified = subprocess.run([str(QIANBAO), "ledger", "verify", "--database-url", url], cwd=tmp_path, env=_env(),
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
