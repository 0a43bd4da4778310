"""The audit trail: every mutation attempt leaves one row (success, refusal, forbidden, failure);
concurrent writers and chainers still make one linear hash chain; and `qianbao audit verify`,
run as a subprocess against a separate database, names an edited, deleted or reordered row.
`qianbao keys` rotations and retirements are audited too."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.audit_status import audit_chain_status

import services.customers
from models import AuditEvent, Customer
from services.audit import GENESIS_HASH, chain_pending, event_hash, verify_chain
from services.staff import create_staff
from tests.api.support import object_uuid, random_global_id
from tests.factories import GraphQLClient, next_id
from tests.integration.separate_database import migrated_database, query

CUSTOMER_CREATE = (
    "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
    " customer { id } userErrors { code } } }"
)


def customer_input(ref: str | None = None) -> dict[str, str]:
    return {"externalRef": ref or next_id("audit"), "kind": "INDIVIDUAL", "displayName": "Audited", "country": "CN"}


async def post(http: httpx.AsyncClient, token: str, document: str, variables: dict | None = None) -> tuple[str, dict]:
    """Run one operation with a fresh X-Request-ID; return that id and the body."""
    request_id = next_id("audit-req")
    response = await http.post(
        "/graphql", json={"query": document, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == request_id
    return request_id, response.json()


async def rows_of(request_id: str) -> list[AuditEvent]:
    return await AuditEvent.filter(request_id=request_id).order_by("id")


# ---------------------------------------------------------------- one row per mutation attempt


async def test_a_successful_mutation_is_audited_with_actor_object_and_request(clients):
    partner = await clients.partner()
    request_id, body = await post(partner.http, partner.token, CUSTOMER_CREATE, {"input": customer_input()})
    customer_id = object_uuid(body["data"]["customerCreate"]["customer"]["id"])

    [row] = await rows_of(request_id)
    assert (row.actor_kind, row.actor_id, row.partner_id) == ("partner", partner.client_id, uuid.UUID(partner.partner_id))
    assert (row.operation, row.outcome) == ("customerCreate", "OK")
    assert (row.object_type, row.object_id) == ("Customer", str(customer_id))
    assert row.occurred_at is not None and row.chain_seq is None, "written unchained; the chainer places it"


async def test_a_refused_mutation_is_audited_with_its_user_error_code(clients):
    partner = await clients.partner()
    wallet_open = (
        "mutation($input: WalletOpenInput!) { walletOpen(input: $input) { wallet { id } userErrors { code } } }"
    )
    request_id, body = await post(
        partner.http, partner.token, wallet_open, {"input": {"customerId": random_global_id("Customer"), "currency": "CNY"}}
    )
    assert [e["code"] for e in body["data"]["walletOpen"]["userErrors"]] == ["NOT_FOUND"]
    [row] = await rows_of(request_id)
    assert (row.operation, row.outcome, row.object_id) == ("walletOpen", "NOT_FOUND", None)
    assert row.partner_id == uuid.UUID(partner.partner_id)


async def test_two_aliased_mutations_are_two_rows_with_their_own_outcomes(clients):
    partner = await clients.partner()
    ref = next_id("audit-dup")
    document = (
        "mutation($a: CustomerCreateInput!, $b: CustomerCreateInput!) {"
        " first: customerCreate(input: $a) { customer { id } userErrors { code } }"
        " again: customerCreate(input: $b) { customer { id } userErrors { code } } }"
    )
    request_id, body = await post(partner.http, partner.token, document, {"a": customer_input(ref), "b": customer_input(ref)})
    assert [e["code"] for e in body["data"]["again"]["userErrors"]] == ["ALREADY_EXISTS"]
    assert [(r.operation, r.outcome) for r in await rows_of(request_id)] == [
        ("customerCreate", "OK"), ("customerCreate", "ALREADY_EXISTS")
    ]


async def test_a_forbidden_mutation_is_audited_as_forbidden_and_changes_nothing(clients):
    partner = await clients.partner(scopes=["customers:read", "wallets:read"])
    request_id, body = await post(partner.http, partner.token, CUSTOMER_CREATE, {"input": customer_input()})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Customer.filter(partner_id=uuid.UUID(partner.partner_id)).count() == 0
    [row] = await rows_of(request_id)
    assert (row.actor_kind, row.operation, row.outcome) == ("partner", "customerCreate", "FORBIDDEN")


async def test_a_staff_write_outside_the_role_is_audited_as_forbidden(clients):
    email, password = f"{next_id('analyst')}@bank.example", "correct horse battery"
    staff = await create_staff(email=email, role="analyst", password=password)
    login = await clients.http.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    request_id, body = await post(
        clients.http, login.json()["access_token"],
        "mutation { partnerCreate(input: {name: \"Not Allowed\"}) { partner { id } userErrors { code } } }",
    )
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [row] = await rows_of(request_id)
    assert (row.actor_kind, row.actor_id, row.partner_id) == ("staff", str(staff.id), None)
    assert (row.operation, row.outcome) == ("partnerCreate", "FORBIDDEN")


async def _boom(**kwargs: object) -> None:
    raise RuntimeError("simulated driver failure")


async def test_a_mutation_that_fails_inside_is_audited_as_internal(clients, monkeypatch):
    partner = await clients.partner()
    monkeypatch.setattr(services.customers, "create_customer", _boom)
    request_id, body = await post(partner.http, partner.token, CUSTOMER_CREATE, {"input": customer_input()})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    [row] = await rows_of(request_id)
    assert (row.operation, row.outcome) == ("customerCreate", "INTERNAL")


# ---------------------------------------------------------------- one linear chain under concurrency


async def assert_one_linear_chain() -> int:
    """Every row chained, positions 1..N without gaps or repeats, each linked to the one before."""
    rows = await AuditEvent.all().order_by("chain_seq").values_list("id", "chain_seq", "prev_hash", "hash")
    assert all(seq is not None for _, seq, _, _ in rows), "rows left unchained"
    assert [seq for _, seq, _, _ in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS_HASH
    for row_id, seq, prev_hash, row_hash in rows:
        assert prev_hash == previous, f"row {row_id} at {seq} is not linked to the row before it"
        previous = row_hash
    return len(rows)


async def test_concurrent_writers_and_two_chainers_make_one_linear_chain(clients):
    writers = 50
    partner: GraphQLClient = await clients.partner()
    mutations_done = asyncio.Event()
    chained_by = [0, 0]

    async def chainer(number: int) -> None:
        while not mutations_done.is_set():
            chained_by[number] += await chain_pending(batch=3)
            await asyncio.sleep(0)
        chained_by[number] += await chain_pending(batch=3)

    chainers = [asyncio.create_task(chainer(0)), asyncio.create_task(chainer(1))]
    try:
        created = await asyncio.gather(*(partner.create_customer() for _ in range(writers)))
    finally:
        mutations_done.set()
        await asyncio.gather(*chainers)
    await chain_pending()

    assert len({c["id"] for c in created}) == writers
    mine = await AuditEvent.filter(partner_id=uuid.UUID(partner.partner_id)).values_list("chain_seq", flat=True)
    assert len(mine) == writers and None not in mine and len(set(mine)) == writers
    total = await assert_one_linear_chain()
    report = await verify_chain()
    assert report.ok, report.first_broken
    assert (report.checked, report.pending) == (total, 0)
    assert sum(chained_by) >= writers


# ---------------------------------------------------------------- `qianbao audit verify` finds tampering

QIANBAO = Path(sys.executable).parent / "qianbao"
CONTENT = ["occurred_at", "actor_kind", "actor_id", "partner_id", "operation", "object_type", "object_id",
           "request_id", "outcome", "detail"]
COLUMNS = ["id", *CONTENT, "chain_seq", "prev_hash", "hash"]


def qianbao(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development")
    return subprocess.run([str(QIANBAO), *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120)


async def sql(url: str, statement: str, *args: Any) -> list[tuple]:
    """A statement with `$n` placeholders on the separate database, either backend."""
    if url.startswith("sqlite://"):
        order = [int(n) - 1 for n in re.findall(r"\$(\d+)", statement)]
        return await query(url, re.sub(r"\$\d+", "?", statement), *[args[i] for i in order])
    return await query(url, statement, *args)


async def chained(url: str) -> list[dict[str, Any]]:
    rows = await sql(url, f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY chain_seq")
    return [dict(zip(COLUMNS, row)) for row in rows]


def verify(url: str, workdir: Path) -> subprocess.CompletedProcess:
    return qianbao("audit", "verify", "--no-chain", "--database-url", url, cwd=workdir)


def assert_intact(url: str, workdir: Path) -> None:
    result = verify(url, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit chain OK" in result.stdout


def assert_broken(result: subprocess.CompletedProcess, names: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.startswith("BROKEN: ")]
    assert len(broken) == 1 and names in broken[0], result.stdout


async def update_content(url: str, row_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(values, start=2))
    await sql(url, f"UPDATE audit_event SET {assignments} WHERE id = $1", row_id, *values.values())


@pytest_asyncio.fixture(scope="module")
async def audited_db(tmp_path_factory):
    """A separate database seeded through the CLI, its audit rows chained: (url, workdir)."""
    workdir = tmp_path_factory.mktemp("audit-cli")
    async with migrated_database(workdir) as url:
        result = qianbao("demo", "--database-url", url, cwd=workdir)
        assert result.returncode == 0, result.stderr
        for role in ("admin", "compliance", "support", "analyst"):
            result = qianbao("staff", "create", "--email", f"{role}@bank.example", "--role", role, "--password-stdin",
                             "--database-url", url, cwd=workdir, stdin="a long enough password\n")
            assert result.returncode == 0, result.stderr
        first = qianbao("audit", "verify", "--database-url", url, cwd=workdir)
        assert first.returncode == 0, first.stdout + first.stderr
        assert re.search(r"checked [4-9]\d* chained audit events; 0 not yet chained", first.stdout), first.stdout
        yield url, workdir


async def test_editing_a_row_is_detected_and_named(audited_db):
    url, workdir = audited_db
    row = (await chained(url))[1]
    await update_content(url, row["id"], {"outcome": "VALIDATION"})
    try:
        assert_broken(verify(url, workdir), f"row {row['id']} (chain position {row['chain_seq']}) does not match its hash")
    finally:
        await update_content(url, row["id"], {"outcome": row["outcome"]})
    assert_intact(url, workdir)


async def test_editing_a_row_and_recomputing_its_hash_is_detected_at_the_next_row(audited_db):
    url, workdir = audited_db
    rows = await chained(url)
    row, following = rows[1], rows[2]
    forged = dict(row, actor_id="someone-else")
    occurred = forged["occurred_at"]
    model = AuditEvent(**{**forged, "occurred_at": occurred if isinstance(occurred, datetime) else datetime.fromisoformat(occurred)})
    await update_content(url, row["id"], {"actor_id": "someone-else", "hash": event_hash(row["prev_hash"], model)})
    try:
        assert_broken(verify(url, workdir), f"row {following['id']} (chain position {following['chain_seq']})")
    finally:
        await update_content(url, row["id"], {"actor_id": row["actor_id"], "hash": row["hash"]})
    assert_intact(url, workdir)


async def test_deleting_a_middle_row_is_detected_as_a_gap(audited_db):
    url, workdir = audited_db
    rows = await chained(url)
    middle = rows[len(rows) // 2]
    await sql(url, "DELETE FROM audit_event WHERE id = $1", middle["id"])
    try:
        assert_broken(verify(url, workdir), f"chain position {middle['chain_seq']} is missing")
    finally:
        placeholders = ", ".join(f"${n}" for n in range(1, len(COLUMNS) + 1))
        await sql(url, f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({placeholders})", *middle.values())
    assert_intact(url, workdir)


async def test_deleting_the_newest_rows_is_detected_by_the_head(audited_db):
    url, workdir = audited_db
    rows = await chained(url)
    newest = rows[-2:]
    for row in newest:
        await sql(url, "DELETE FROM audit_event WHERE id = $1", row["id"])
    try:
        assert_broken(verify(url, workdir), f"the chain ends at position {len(rows) - 2} but its head says {len(rows)}")
    finally:
        placeholders = ", ".join(f"${n}" for n in range(1, len(COLUMNS) + 1))
        for row in newest:
            await sql(url, f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({placeholders})", *row.values())
    assert_intact(url, workdir)


async def test_a_head_recorded_outside_catches_a_rewritten_tail(audited_db):
    url, workdir = audited_db
    ok = verify(url, workdir)
    head = re.search(r"head (\d+):([0-9a-f]{64})", ok.stdout)
    assert head, ok.stdout
    recorded = f"{head.group(1)}:{head.group(2)}"
    passing = qianbao("audit", "verify", "--no-chain", "--expect-head", recorded, "--database-url", url, cwd=workdir)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    wrong = f"{head.group(1)}:{'0' * 64}"
    failing = qianbao("audit", "verify", "--no-chain", "--expect-head", wrong, "--database-url", url, cwd=workdir)
    assert_broken(failing, f"chain position {head.group(1)} has hash")
    beyond = f"{int(head.group(1)) + 5}:{head.group(2)}"
    missing = qianbao("audit", "verify", "--no-chain", "--expect-head", beyond, "--database-url", url, cwd=workdir)
    assert_broken(missing, "recorded outside the database is missing")


async def test_swapping_two_rows_contents_is_detected(audited_db):
    url, workdir = audited_db
    rows = await chained(url)
    first, second = rows[1], rows[2]
    await update_content(url, first["id"], {c: second[c] for c in CONTENT})
    await update_content(url, second["id"], {c: first[c] for c in CONTENT})
    try:
        assert_broken(verify(url, workdir), f"row {first['id']} (chain position {first['chain_seq']}) does not match its hash")
    finally:
        await update_content(url, first["id"], {c: first[c] for c in CONTENT})
        await update_content(url, second["id"], {c: second[c] for c in CONTENT})
    assert_intact(url, workdir)


async def test_swapping_two_rows_positions_is_detected(audited_db):
    url, workdir = audited_db
    rows = await chained(url)
    first, second = rows[1], rows[2]
    await sql(url, "UPDATE audit_event SET chain_seq = -1 WHERE id = $1", first["id"])
    await sql(url, "UPDATE audit_event SET chain_seq = $2 WHERE id = $1", second["id"], first["chain_seq"])
    await sql(url, "UPDATE audit_event SET chain_seq = $2 WHERE id = $1", first["id"], second["chain_seq"])
    try:
        assert_broken(verify(url, workdir), f"row {second['id']} (chain position {first['chain_seq']})")
    finally:
        await sql(url, "UPDATE audit_event SET chain_seq = -1 WHERE id = $1", second["id"])
        await sql(url, "UPDATE audit_event SET chain_seq = $2 WHERE id = $1", first["id"], first["chain_seq"])
        await sql(url, "UPDATE audit_event SET chain_seq = $2 WHERE id = $1", second["id"], second["chain_seq"])
    assert_intact(url, workdir)


# ---------------------------------------------------------------- `qianbao keys`, audited


def listed_keys(result: subprocess.CompletedProcess) -> dict[str, str]:
    """kid -> signing / verifying / retired, from the key list the command prints."""
    keys = {}
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"(\S+)  created \S+  (signing|verifying|retired \S+)", line)
        if match:
            keys[match.group(1)] = match.group(2).split()[0]
    return keys


async def audit_rows(url: str, operation: str) -> list[tuple]:
    return await sql(
        url, "SELECT actor_kind, actor_id, object_type, object_id, outcome FROM audit_event WHERE operation = $1 ORDER BY id",
        operation,
    )


def refused_with_one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def test_keys_rotate_and_retire_through_the_cli_are_audited(audited_db):
    url, workdir = audited_db
    before = listed_keys(qianbao("keys", "list", "--database-url", url, cwd=workdir))

    rotated = [qianbao("keys", "rotate", "--database-url", url, cwd=workdir) for _ in range(2)]
    assert all(r.returncode == 0 for r in rotated), [r.stderr for r in rotated]
    new_kids = [re.search(r"new signing key (\S+):", r.stdout).group(1) for r in rotated]
    keys = listed_keys(rotated[-1])
    assert set(keys) == set(before) | set(new_kids)
    assert keys[new_kids[1]] == "signing" and keys[new_kids[0]] == "verifying"
    assert [(kind, obj, outcome) for kind, _, _, obj, outcome in await audit_rows(url, "keysRotate")] == [
        ("cli", kid, "OK") for kid in new_kids
    ]

    # The signing key is refused without --force; so is a key whose tokens may still be live.
    line = refused_with_one_line(qianbao("keys", "retire", new_kids[1], "--database-url", url, cwd=workdir))
    assert "signs new tokens" in line
    line = refused_with_one_line(qianbao("keys", "retire", new_kids[0], "--database-url", url, cwd=workdir))
    assert "may still be valid" in line
    assert listed_keys(qianbao("keys", "list", "--database-url", url, cwd=workdir)) == keys

    forced = qianbao("keys", "retire", new_kids[1], "--force", "--database-url", url, cwd=workdir)
    assert forced.returncode == 0, forced.stderr
    after = listed_keys(forced)
    assert after[new_kids[1]] == "retired" and after[new_kids[0]] == "signing"

    assert [(kind, obj_type, obj, outcome) for kind, _, obj_type, obj, outcome in await audit_rows(url, "keysRetire")] == [
        ("cli", "SigningKey", new_kids[1], "VALIDATION"),
        ("cli", "SigningKey", new_kids[0], "VALIDATION"),
        ("cli", "SigningKey", new_kids[1], "OK"),
    ]
    chain = qianbao("audit", "verify", "--database-url", url, cwd=workdir)
    assert chain.returncode == 0 and "audit chain OK" in chain.stdout, chain.stdout


async def test_a_refused_staff_create_is_audited(audited_db):
    url, workdir = audited_db
    result = qianbao("staff", "create", "--email", "admin@bank.example", "--role", "admin", "--password-stdin",
                     "--database-url", url, cwd=workdir, stdin="a long enough password\n")
    assert "exists" in refused_with_one_line(result)
    outcomes = [outcome for *_, outcome in await audit_rows(url, "staffCreate")]
    assert outcomes == ["OK", "OK", "OK", "OK", "ALREADY_EXISTS"]


async def test_a_locked_sqlite_database_is_could_not_check_not_a_broken_chain(audited_db):
    """Issue 19: `audit verify` on a busy SQLite file failed with `database is locked` and exit 1, like a break."""
    import sqlite3

    import pytest

    url, workdir = audited_db
    if not url.startswith("sqlite://"):
        pytest.skip("a SQLite file lock; PostgreSQL waits on locks instead")
    holder = sqlite3.connect(url.removeprefix("sqlite://"), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process writing, as far as the command can tell
        for check in (["audit", "verify", "--no-chain"], ["ledger", "verify"]):
            result = qianbao(*check, "--database-url", url, cwd=workdir)
            output = result.stdout + result.stderr
            assert result.returncode == 4, output
            assert "could not finish" in output and "Traceback" not in output and "BROKEN" not in output
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_intact(url, workdir)  # and once the lock is gone, it checks


async def test_staff_see_the_chain_status_and_others_are_refused(database_url):
    from auth.principal import Principal
    from auth.roles import permissions_of
    from services.audit import Actor, record_event
    from services.errors import Forbidden

    await record_event(actor=Actor(kind="cli", id="test"), operation="chainStatusProbe", outcome="OK")
    compliance = Principal(kind="staff", subject="s", partner_id=None, scopes=permissions_of("compliance"),
                           role="compliance", environment=None)
    status = await audit_chain_status(principal=compliance)
    assert status.report.ok and status.report.pending == 0 and status.report.checked >= 1
    assert status.report.head_seq == status.report.checked
    support = Principal(kind="staff", subject="s", partner_id=None, scopes=permissions_of("support"), role="support",
                        environment=None)
    with pytest.raises(Forbidden):
        await audit_chain_status(principal=support)
