"""Bulk payouts over GraphQL: upload with a line-by-line report, PARTIAL and ALL_OR_NOTHING execution, exactly-once
retries, the maker-checker rule on the batch total, bad files refused with nothing stored or moved."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid

from models import BusinessApprovalPolicy, BusinessMember, Transaction
from models.bulk_payout import BulkPayout
from schema.common.relay import global_id_to_uuid, to_global_id
from services import clock
from tests.api.support import random_global_id, snapshot
from tests.factories import next_id

CREATE = """mutation($input: BulkPayoutCreateInput!) { bulkPayoutCreate(input: $input) {
  bulkPayout { id status mode lineCount validCount invalidCount pendingCount paidCount failedCount
    total { amount currency } paid { amount currency } makerMemberId checkerMemberId }
  userErrors { code message field } } }"""
EXECUTE = """mutation($input: BulkPayoutExecuteInput!) { bulkPayoutExecute(input: $input) {
  bulkPayout { id status paidCount failedCount pendingCount paid { amount } }
  userErrors { code message field } } }"""
APPROVE = """mutation($input: BulkPayoutApproveInput!) { bulkPayoutApprove(input: $input) {
  bulkPayout { id status checkerMemberId } userErrors { code message field } } }"""
LINES = """query($id: ID!, $status: BulkPayoutLineStatus) { bulkPayout(id: $id) { id status
  lines(first: 100, status: $status) { edges { node { id lineNumber rawLine status errorCode beneficiaryKind
    amount { amount currency } reference transactionId } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on BulkPayoutLine { lineNumber status } } }"
TOKEN = """mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) {
  token userErrors { code message field } } }"""


async def _business(partner, balance: str = "1000.00"):
    """A BUSINESS customer with a funded CNY wallet; returns (customer id, wallet id)."""
    customer = await partner.create_customer(kind="BUSINESS", displayName="钱包贸易有限公司")
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    if balance != "0":
        assert (await partner.top_up(wallet["id"], balance))["userErrors"] == []
    return customer["id"], wallet["id"]


async def _payees(partner, n: int, currency: str = "CNY") -> list[str]:
    return [(await partner.open_wallet(currency))["id"] for _ in range(n)]


def _csv(*rows: str, header: str = "beneficiary,amount,reference") -> str:
    return "\n".join([header, *rows]) + "\n"


async def _create(partner, wallet: str, csv: str | None = None, mode: str = "PARTIAL", key: str | None = None,
                  **extra) -> dict:
    values = {"fromWalletId": wallet, "mode": mode, "idempotencyKey": key or next_id("bulk"), **extra}
    if csv is not None:
        values["csv"] = csv
    return (await partner.ok(CREATE, {"input": values}))["bulkPayoutCreate"]


async def _lines(partner, batch_id: str, status: str | None = None) -> list[dict]:
    data = await partner.ok(LINES, {"id": batch_id, "status": status})
    return [e["node"] for e in data["bulkPayout"]["lines"]["edges"]]


async def _execute(partner, batch_id: str, key: str) -> dict:
    return (await partner.ok(EXECUTE, {"input": {"bulkPayoutId": batch_id, "idempotencyKey": key}}))["bulkPayoutExecute"]


async def test_a_partial_batch_reports_every_bad_line_and_pays_each_valid_line_once(clients):
    a, b = await clients.partner(), await clients.partner()
    _, wallet = await _business(a)
    p1, p2, p3 = await _payees(a, 3)
    usd = (await a.open_wallet("USD"))["id"]
    foreign = (await b.open_wallet("CNY"))["id"]
    csv = _csv(
        f"{p1},100.00,March salary",       # 2 ok
        f"{p2},50.5,",                     # 3 ok (no reference)
        f"{p1},100.00,March salary",       # 4 duplicate of 2
        f"{random_global_id('Wallet')},1.00,x",  # 5 unknown wallet
        f"{foreign},1.00,x",               # 6 another partner's wallet: like a missing one
        f"{p3},1.005,x",                   # 7 too many decimals for CNY
        f"{p3},-5,x",                      # 8 negative
        f"{p3},0,x",                       # 9 zero
        f"{usd},1.00,x",                   # 10 another currency
        f"{p3},1.00",                      # 11 ok (two columns: no reference)
        "not-an-id,1.00,x",                # 12 not a global ID
        f"{p3},1.00,a,b",                  # 13 too many columns
        "",                                # 14 blank: skipped
        f"{wallet},1.00,self",             # 15 the paying wallet itself
        f'{p3},"2.00","Invoice 7, June"',  # 16 ok (quoted comma)
    )
    before = await snapshot(a, [wallet, p1, p2, p3])
    created = await _create(a, wallet, csv)
    assert created["userErrors"] == []
    batch = created["bulkPayout"]
    assert (batch["status"], batch["lineCount"], batch["validCount"], batch["invalidCount"]) == ("READY", 14, 4, 10)
    assert batch["total"] == {"amount": "153.50", "currency": "CNY"} and batch["makerMemberId"] is None
    report = {line["lineNumber"]: line["errorCode"] for line in await _lines(a, batch["id"])}
    assert report == {2: None, 3: None, 4: "BULK_DUPLICATE_LINE", 5: "NOT_FOUND", 6: "NOT_FOUND",
                      7: "INVALID_AMOUNT", 8: "INVALID_AMOUNT", 9: "INVALID_AMOUNT", 10: "CURRENCY_MISMATCH",
                      11: None, 12: "NOT_FOUND", 13: "VALIDATION", 15: "SAME_WALLET", 16: None}
    invalid = await _lines(a, batch["id"], "INVALID")
    assert [line["lineNumber"] for line in invalid] == [4, 5, 6, 7, 8, 9, 10, 12, 13, 15]
    assert invalid[3]["rawLine"] == f"{p3},1.005,x"
    assert await snapshot(a, [wallet, p1, p2, p3]) == before  # validation moved nothing

    key = next_id("run")
    done = await _execute(a, batch["id"], key)
    assert done["userErrors"] == []
    assert (done["bulkPayout"]["status"], done["bulkPayout"]["paidCount"]) == ("COMPLETED_WITH_FAILURES", 4)
    assert done["bulkPayout"]["paid"] == {"amount": "153.50"}
    assert [await a.balance(w) for w in (wallet, p1, p2, p3)] == ["846.50", "100.00", "50.50", "3.00"]
    paid = await _lines(a, batch["id"], "PAID")
    assert [(line["lineNumber"], line["reference"]) for line in paid] == [
        (2, "March salary"), (3, None), (11, None), (16, "Invoice 7, June")]
    memo = (await a.ok("query($id: ID!) { transaction(id: $id) { kind memo } }", {"id": paid[0]["transactionId"]}))
    assert memo["transaction"] == {"kind": "TRANSFER", "memo": "March salary"}
    line_node = (await a.ok(NODE, {"id": paid[0]["id"]}))["node"]
    assert line_node == {"id": paid[0]["id"], "lineNumber": 2, "status": "PAID"}

    # Retried: the same answer, nothing paid twice; another key is refused.
    count = await Transaction.filter(partner_id=uuid.UUID(a.partner_id)).count()
    again = await _execute(a, batch["id"], key)
    assert again["bulkPayout"]["paidCount"] == 4 and again["userErrors"] == []
    other = await _execute(a, batch["id"], next_id("run"))
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert await Transaction.filter(partner_id=uuid.UUID(a.partner_id)).count() == count
    assert await a.balance(wallet) == "846.50"

    # Another partner sees nothing of it.
    hidden = await b.gql(LINES, {"id": batch["id"], "status": None})
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = await _execute(b, batch["id"], next_id("run"))
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]


async def test_all_or_nothing_refuses_a_bad_line_or_a_short_balance_and_moves_nothing(clients):
    a = await clients.partner()
    _, wallet = await _business(a, balance="100.00")
    p1, p2 = await _payees(a, 2)
    before = await snapshot(a, [wallet, p1, p2])
    bad = await _create(a, wallet, _csv(f"{p1},10.00,a", f"{p2},10.001,b"), mode="ALL_OR_NOTHING")
    assert bad["bulkPayout"]["status"] == "INVALID"
    refused = await _execute(a, bad["bulkPayout"]["id"], next_id("run"))
    assert [e["code"] for e in refused["userErrors"]] == ["BULK_PAYOUT_INVALID"]
    short = await _create(a, wallet, _csv(f"{p1},60.00,a", f"{p2},60.00,b"), mode="ALL_OR_NOTHING")
    assert short["bulkPayout"]["status"] == "READY"
    refused = await _execute(a, short["bulkPayout"]["id"], next_id("run"))
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert await snapshot(a, [wallet, p1, p2]) == before
    # Funded, the same batch runs (a refused execute bound no key): every line is paid.
    assert (await a.top_up(wallet, "20.00"))["userErrors"] == []
    done = await _execute(a, short["bulkPayout"]["id"], next_id("run"))
    assert done["bulkPayout"]["status"] == "COMPLETED" and done["bulkPayout"]["paidCount"] == 2
    assert [await a.balance(w) for w in (wallet, p1, p2)] == ["0.00", "60.00", "60.00"]


async def test_partial_mode_records_the_lines_the_money_does_not_cover(clients):
    a = await clients.partner()
    _, wallet = await _business(a, balance="25.00")
    p1, p2, p3 = await _payees(a, 3)
    batch = (await _create(a, wallet, _csv(f"{p1},10.00,a", f"{p2},10.00,b", f"{p3},10.00,c")))["bulkPayout"]
    done = await _execute(a, batch["id"], next_id("run"))
    assert (done["bulkPayout"]["paidCount"], done["bulkPayout"]["failedCount"]) == (2, 1)
    failed = await _lines(a, batch["id"], "FAILED")
    # In file order; on PostgreSQL four lines are posted at a time, so which one the money did not cover may vary.
    assert [(f["errorCode"], f["transactionId"]) for f in failed] == [("INSUFFICIENT_FUNDS", None)]
    payees = {2: p1, 3: p2, 4: p3}
    assert await a.balance(wallet) == "5.00"
    assert {n: await a.balance(w) for n, w in payees.items()} == {
        n: ("0.00" if n == failed[0]["lineNumber"] else "10.00") for n in payees}


async def test_bad_files_are_refused_whole_with_nothing_stored(clients):
    a = await clients.partner()
    _, wallet = await _business(a)
    payee = (await _payees(a, 1))[0]
    count = await BulkPayout.filter(partner_id=uuid.UUID(a.partner_id)).count()
    latin1 = base64.b64encode(_csv(f"{payee},1.00,Café").encode("latin-1")).decode()
    cases = [
        ({"csvBase64": latin1}, "BULK_FILE_ENCODING"),
        ({"csvBase64": base64.b64encode(b"\xff\xfe" + _csv(f"{payee},1.00,x").encode("utf-16-le")).decode()},
         "BULK_FILE_ENCODING"),
        ({"csv": _csv(f"{payee},1.00,x", header="wallet,amount,reference")}, "BULK_FILE_HEADER"),
        ({"csv": ""}, "BULK_FILE_HEADER"),
        ({"csv": _csv(*["x,1,"] * 10_001)}, "BULK_TOO_MANY_LINES"),
        ({"csv": _csv("x,1,"), "csvBase64": "eA=="}, "VALIDATION"),
        ({"csvBase64": "%%%not base64"}, "VALIDATION"),
        ({"csv": _csv()}, "VALIDATION"),
    ]
    for extra, code in cases:
        refused = (await a.ok(CREATE, {"input": {"fromWalletId": wallet, "mode": "PARTIAL",
                                                 "idempotencyKey": next_id("bulk"), **extra}}))["bulkPayoutCreate"]
        assert [e["code"] for e in refused["userErrors"]] == [code], (extra.keys(), refused)
        assert refused["bulkPayout"] is None
    assert await BulkPayout.filter(partner_id=uuid.UUID(a.partner_id)).count() == count
    # UTF-8 with its byte order mark is fine, and so is Chinese text in a reference.
    bom = base64.b64encode(_csv(f"{payee},1.00,工资 三月").encode("utf-8-sig")).decode()
    ok = await _create(a, wallet, None, csvBase64=bom)
    assert ok["userErrors"] == [] and ok["bulkPayout"]["validCount"] == 1
    lines = await _lines(a, ok["bulkPayout"]["id"])
    assert lines[0]["reference"] == "工资 三月" and lines[0]["lineNumber"] == 2
    # The same upload key with the same file answers the same batch; with another file, IDEMPOTENCY_CONFLICT.
    key = next_id("bulk")
    first = await _create(a, wallet, _csv(f"{payee},2.00,x"), key=key)
    assert (await _create(a, wallet, _csv(f"{payee},2.00,x"), key=key))["bulkPayout"]["id"] == first["bulkPayout"]["id"]
    conflict = await _create(a, wallet, _csv(f"{payee},3.00,x"), key=key)
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]


async def _member_token(partner, customer_id: str, role: str, member: BusinessMember | None = None):
    """(member row, a client acting as that member with a fresh customer token)."""
    if member is None:
        member = await BusinessMember.create(
            partner_id=uuid.UUID(partner.partner_id), customer_id=global_id_to_uuid(customer_id, "Customer"),
            name=next_id("member"), role=role, status="ACTIVE", created_at=clock.now())
    minted = (await partner.ok(TOKEN, {"input": {
        "customerId": customer_id, "scopes": ["transactions:read", "transactions:write", "wallets:read"],
        "memberId": to_global_id("BusinessMember", member.id)}}))["customerTokenCreate"]
    assert minted["userErrors"] == [], minted
    return member, dataclasses.replace(partner, token=minted["token"])


async def test_a_batch_above_the_threshold_needs_another_members_approval(clients):
    a = await clients.partner()
    customer, wallet = await _business(a)
    await BusinessApprovalPolicy.create(
        partner_id=uuid.UUID(a.partner_id), customer_id=global_id_to_uuid(customer, "Customer"), currency="CNY", threshold_minor=10_000, updated_at=clock.now())
    p1, p2 = await _payees(a, 2)
    owner, maker = await _member_token(a, customer, "OWNER")
    _, maker_again = await _member_token(a, customer, "OWNER", member=owner)  # the same member, a second token
    _, viewer = await _member_token(a, customer, "VIEWER")
    _, accountant = await _member_token(a, customer, "ACCOUNTANT")
    _, admin = await _member_token(a, customer, "ADMIN")

    small = await _create(maker, wallet, _csv(f"{p1},40.00,a", f"{p2},60.00,b"))  # exactly the threshold
    assert small["bulkPayout"]["status"] == "READY"
    refused = await _create(viewer, wallet, _csv(f"{p1},1.00,a"))
    assert [e["code"] for e in refused["userErrors"]] == ["MEMBER_ROLE_FORBIDDEN"]

    big = (await _create(maker, wallet, _csv(f"{p1},60.00,a", f"{p2},60.00,b")))["bulkPayout"]
    assert big["status"] == "AWAITING_APPROVAL" and big["makerMemberId"] is not None
    before = await snapshot(a, [wallet, p1, p2])
    blocked = await _execute(maker, big["id"], next_id("run"))
    assert [e["code"] for e in blocked["userErrors"]] == ["APPROVAL_REQUIRED"]
    approve = {"input": {"bulkPayoutId": big["id"]}}
    for caller, code in ((maker, "SELF_APPROVAL_FORBIDDEN"), (maker_again, "SELF_APPROVAL_FORBIDDEN"),
                         (viewer, "MEMBER_ROLE_FORBIDDEN"), (accountant, "MEMBER_ROLE_FORBIDDEN"),
                         (a, "MEMBER_ROLE_FORBIDDEN")):
        answer = (await caller.ok(APPROVE, approve))["bulkPayoutApprove"]
        assert [e["code"] for e in answer["userErrors"]] == [code]
    assert await snapshot(a, [wallet, p1, p2]) == before
    approved = (await admin.ok(APPROVE, approve))["bulkPayoutApprove"]
    assert approved["userErrors"] == [] and approved["bulkPayout"]["status"] == "READY"
    twice = (await admin.ok(APPROVE, approve))["bulkPayoutApprove"]
    assert [e["code"] for e in twice["userErrors"]] == ["INVALID_STATE"]
    done = await _execute(maker, big["id"], next_id("run"))
    assert done["bulkPayout"]["status"] == "COMPLETED"
    assert [await a.balance(w) for w in (wallet, p1, p2)] == ["880.00", "60.00", "60.00"]
    feed = ('{ events(first: 50, types: ["bulk_payout.created", "bulk_payout.approved", "bulk_payout.completed"])'
            ' { edges { node { type data { bulkPayoutId bulkPayoutStatus paidCount amount { amount } } } } } }')
    bulk: list[dict] = []
    for _ in range(100):  # PostgreSQL's feed shows committed events once no older transaction is open (bounded wait)
        events = await a.ok(feed)
        bulk = [e["node"] for e in events["events"]["edges"] if e["node"]["data"]["bulkPayoutId"] == big["id"]]
        if len(bulk) == 3:
            break
        await asyncio.sleep(0.2)
    assert sorted(e["type"] for e in bulk) == ["bulk_payout.approved", "bulk_payout.completed", "bulk_payout.created"]
    completed = next(e for e in bulk if e["type"] == "bulk_payout.completed")
    assert completed["data"]["paidCount"] == 2 and completed["data"]["amount"] == {"amount": "120.00"}


async def bulk_payout_ids(a) -> dict[str, str]:
    """A's bulk payout and its first line (tests/api/test_nodes.py round-trips them)."""
    _, wallet = await _business(a, balance="10.00")
    payee = (await _payees(a, 1))[0]
    batch = (await _create(a, wallet, _csv(f"{payee},1.00,node")))["bulkPayout"]
    return {"BulkPayout": batch["id"], "BulkPayoutLine": (await _lines(a, batch["id"]))[0]["id"]}
