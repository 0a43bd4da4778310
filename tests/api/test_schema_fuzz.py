"""Every query and mutation fuzzed from schema.graphql against a live server, as a partner and as bank staff:
no server fault, no traceback, and the ledger still verifies afterwards (issue 19 item 5)."""

from __future__ import annotations

import asyncio
import json
import os
import time

import httpx
import pytest

from tests.api.schema_fuzzer import fuzz
from tests.conftest import backend
from tests.integration.separate_database import migrated_database
from tests.live_server import cli, live_server

EXAMPLES = int(os.environ.get("QIANBAO_FUZZ_EXAMPLES", "4"))  # per root field and token; CI keeps it short
PASSWORD = "a long enough password for the fuzzer"


@pytest.mark.skipif(backend() == "postgres", reason="a live server on its own SQLite file: runs once, in the SQLite suite")
async def test_fuzzed_queries_and_mutations_never_fault(tmp_path):
    async with migrated_database(tmp_path) as url:  # a copy of the session's migrated template
        cli("demo", "--database-url", url, cwd=tmp_path)  # wallets, customers and postings to aim at
        partner = json.loads(cli("partner", "create", "--name", "Fuzz", "--json", "--database-url", url, cwd=tmp_path))
        cli("staff", "create", "--email", "fuzz-admin@bank.example", "--role", "admin", "--password-stdin",
            "--database-url", url, cwd=tmp_path, stdin=PASSWORD + "\n")
        with live_server(url, tmp_path, QIANBAO_LOGIN_RATE_LIMIT_PER_MIN="1000") as server:
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
                partner_token = (await http.post("/oauth/token", data={
                    "grant_type": "client_credentials", "client_id": partner["client_id"],
                    "client_secret": partner["client_secret"]})).json()["access_token"]
                staff_token = (await http.post("/auth/login", json={"email": "fuzz-admin@bank.example",
                                                                    "password": PASSWORD})).json()["access_token"]
            started = time.monotonic()
            reports = [await asyncio.to_thread(fuzz, server.base, token, examples=EXAMPLES)
                       for token in (partner_token, staff_token)]
            elapsed = time.monotonic() - started
        requests = sum(r.requests for r in reports)
        print(f"schema fuzz: {reports[0].operations} root fields x 2 tokens, {requests} requests in {elapsed:.0f} s;"
              f" codes {dict(reports[0].codes + reports[1].codes)}")
        faults = reports[0].faults + reports[1].faults
        assert faults == [], "\n".join(faults[:10])
        assert requests >= reports[0].operations * 2, "every root field was sent at least once per token"
        assert "Traceback" not in server.log(), server.log()[server.log().find("Traceback"):][:3000]
        cli("ledger", "verify", "--database-url", url, cwd=tmp_path)
